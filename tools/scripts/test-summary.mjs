#!/usr/bin/env node
// Adds up the JSON reports every package's vitest wrote into the one closing line CI reads:
// "Tests: N passed, N failed". Fails when a package ran no test at all, or when the steps before
// it failed (`--steps-exit N`, nx's exit status): the line is printed whatever happened, so that
// a failed lint or typecheck still ends with a summary that says so.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../test-reports/', import.meta.url));
let passed = 0;
let failed = 0;
let skipped = 0;
let empty = [];
const stepsArg = process.argv.indexOf('--steps-exit');
const stepsExit = stepsArg < 0 ? 0 : Number(process.argv[stepsArg + 1]);
for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
  const report = JSON.parse(readFileSync(dir + file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  if (report.numTotalTests === 0) empty.push(file.replace(/\.json$/, ''));
}
if (empty.length > 0) console.log(`packages that ran no test: ${empty.join(', ')}`);
const steps = stepsExit === 0 ? '' : `; a step failed (lint, typecheck or a test run, exit ${stepsExit}): see the output above`;
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}${steps}`);
process.exitCode = stepsExit !== 0 || failed > 0 || empty.length > 0 || passed === 0 ? 1 : 0;
