import type { PlannedResult } from '@hoist/core';
import { describeFailure, type TimeLimit } from './describe-failure.js';
import type { Output } from './output.js';
import type { PushArgs } from './push-args.js';
import type { PlanOutcome, Reporter } from './reporters/reporter.js';
import { imageRefs, writeResultFile } from './result-files.js';

/** One image's result from pushImages as the reporters take it: pushed, or the one line of its failure. */
export function outcomeOf(pushed: PlannedResult, verbose: boolean, signal: AbortSignal, timeLimit: TimeLimit): PlanOutcome {
  if (pushed.result) return { name: pushed.name, result: pushed.result };
  return { name: pushed.name, failure: describeFailure(pushed.error, verbose, signal, 'see the lines above', timeLimit) };
}

/**
 * The end of a plan or a sync: --image-refs written (as for one image, only when every image
 * made it), every outcome reported, and the exit status, the highest of the images'.
 */
export async function finishPlan(outcomes: PlanOutcome[], args: PushArgs, reporter: Reporter, label: 'plan' | 'sync', output: Output): Promise<number> {
  if (args.imageRefs !== undefined && outcomes.every((o) => !o.failure)) await writeResultFile(args.imageRefs, outcomes.map((o) => (o.result ? imageRefs(o.result) : '')).join(''), output);
  reporter.planDone(outcomes, label);
  return Math.max(0, ...outcomes.map((o) => o.failure?.exitCode ?? 0));
}
