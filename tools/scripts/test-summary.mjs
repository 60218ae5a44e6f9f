#!/usr/bin/env node
// Adds up the JSON reports every package's vitest wrote into the one closing line CI reads:
// "Tests: N passed, N failed". Fails when a package ran no test at all.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../test-reports/', import.meta.url));
let passed = 0;
let failed = 0;
let skipped = 0;
let empty = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(dir + file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  if (report.numTotalTests === 0) empty.push(file.replace(/\.json$/, ''));
}
if (empty.length > 0) console.log(`packages that ran no test: ${empty.join(', ')}`);
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || empty.length > 0 || passed === 0 ? 1 : 0;
