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
// A missing or odd value counts as a failed step: the summary never turns a failure into success.
const stepsExit = stepsArg < 0 ? 0 : /^\d+$/.test(process.argv[stepsArg + 1] ?? '') ? Number(process.argv[stepsArg + 1]) : 1;
const unreadable = [];
const count = (value) => (Number.isSafeInteger(value) && value >= 0 ? value : undefined);
for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
  let report;
  try {
    report = JSON.parse(readFileSync(dir + file, 'utf8'));
  } catch {
    report = undefined;
  }
  const counts = ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests', 'numTotalTests'].map((key) => count(report?.[key]));
  if (counts.includes(undefined)) {
    unreadable.push(file.replace(/\.json$/, ''));
    continue;
  }
  const [pass, fail, pending, todo, total] = counts;
  passed += pass;
  failed += fail;
  skipped += pending + todo;
  if (total === 0) empty.push(file.replace(/\.json$/, ''));
}
if (unreadable.length > 0) console.log(`test reports that cannot be read (a run cut short?): ${unreadable.join(', ')}`);
if (empty.length > 0) console.log(`packages that ran no test: ${empty.join(', ')}`);
const steps = stepsExit === 0 ? '' : `; a step failed (lint, typecheck or a test run, exit ${stepsExit}): see the output above`;
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}${steps}`);
process.exitCode = stepsExit !== 0 || failed > 0 || empty.length > 0 || unreadable.length > 0 || passed === 0 ? 1 : 0;
