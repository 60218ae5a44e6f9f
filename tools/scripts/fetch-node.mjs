#!/usr/bin/env node
// Prints the bin directory of a Node.js of the given major (`node tools/scripts/fetch-node.mjs 24`),
// fetched once as the npm package node-linux-<arch>@<major> (the official binary, from the npm
// registry: nothing else is downloaded) into a cache outside the repository, so that CI can run
// the suite on another Node.js than the machine's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const major = process.argv[2];
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: fetch-node.mjs MAJOR');
  process.exit(2);
}
const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hoist-ci');
const pkg = `node-linux-${process.arch}`;
const version = execFileSync('npm', ['view', `${pkg}@${major}`, 'version', '--json'], { encoding: 'utf8' });
const newest = [JSON.parse(version)].flat().at(-1);
const dir = join(cache, `node-${newest}`);
if (!existsSync(join(dir, 'bin', 'node'))) {
  mkdirSync(cache, { recursive: true });
  const work = join(cache, `.fetch-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const tarball = execFileSync('npm', ['pack', `${pkg}@${newest}`, '--pack-destination', work, '--silent'], { encoding: 'utf8' }).trim().split('\n').at(-1);
    execFileSync('tar', ['xzf', join(work, tarball), '-C', work]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'package'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
// Older fetches of the same major are not needed any more.
for (const name of readdirSync(cache)) {
  if (name.startsWith(`node-${major}.`) && name !== `node-${newest}`) rmSync(join(cache, name), { recursive: true, force: true });
}
console.log(join(dir, 'bin'));
