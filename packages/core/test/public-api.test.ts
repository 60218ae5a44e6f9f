import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every type a library user meets in core's public signatures can be named by them: a type
 * declared in core and used by anything `index.ts` exports is exported too (found by walking
 * the exported declarations with the compiler, and the declarations those name, in turn). Members
 * marked `@internal` are for core's own modules, and left out of the published declarations.
 */
const INDEX = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const SOURCES = fileURLToPath(new URL('../src/', import.meta.url));

function unexportedTypes(): Map<string, string> {
  const program = ts.createProgram([INDEX], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ['node'], noEmit: true });
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!);
  const exported = new Set(exports.map((s) => s.name));
  const missing = new Map<string, string>();
  const resolved = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const visit = (node: ts.Node, usedBy: string): void => {
    if (ts.isTypeReferenceNode(node)) {
      const symbol = checker.getSymbolAtLocation(node.typeName);
      const target = symbol && resolved(symbol);
      const declaration = target?.declarations?.[0];
      if (target && declaration?.getSourceFile().fileName.startsWith(SOURCES) && !(target.flags & ts.SymbolFlags.TypeParameter) && !exported.has(target.name) && !missing.has(target.name)) {
        missing.set(target.name, usedBy);
        for (const d of target.declarations ?? []) visit(d, usedBy);
      }
    }
    // Function bodies are not signatures; nor are private members, or those marked @internal (the .d.ts leaves both untyped or out).
    if (ts.isBlock(node) || ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal')) return;
    if (ts.isClassElement(node) && ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Private) return;
    ts.forEachChild(node, (child) => visit(child, usedBy));
  };
  for (const symbol of exports) for (const declaration of resolved(symbol).declarations ?? []) visit(declaration, symbol.name);
  return missing;
}

describe("core's public API", () => {
  it('exports every type its exported functions, classes and types name', () => {
    expect(Object.fromEntries(unexportedTypes())).toEqual({});
  }, 60_000);
});
