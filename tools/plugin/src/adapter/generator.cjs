'use strict';
// `nx g @hoist/plugin:adapter NAME [--host HOST]`: a complete adapter package in
// packages/adapter-NAME. Its conformance test passes as generated, against a real registry that
// the kit starts; a contributor then changes three things in src/index.ts (the hosts, where the
// credentials come from, the quirks) and the test's registry set-up to answer as the service does.
// CommonJS: nx loads generators with require().
const { execSync } = require('node:child_process');
const { join } = require('node:path');
const { generateFiles, names } = require('@nx/devkit');

/** @param {import('@nx/devkit').Tree} tree @param {{ name: string; host?: string; skipInstall?: boolean }} options */
module.exports = async function adapterGenerator(tree, options) {
  const dir = `packages/adapter-${options.name}`;
  if (tree.exists(dir)) throw new Error(`${dir} exists already: pick another name, or remove it first`);
  const variants = names(options.name);
  generateFiles(tree, join(__dirname, 'files'), dir, {
    name: options.name,
    host: options.host ?? `${options.name}.example.com`,
    className: variants.className,
    propertyName: variants.propertyName,
    envPrefix: variants.constantName,
    tmpl: '',
  });
  tree.write(`${dir}/LICENSE`, tree.read('packages/core/LICENSE') ?? '');
  if (options.skipInstall) return undefined;
  // Links the new workspace package, so that nx and the tests find it.
  return () => execSync('npm install --no-audit --no-fund', { cwd: tree.root, stdio: 'inherit' });
};
