// Carrying out a confirmed plan from the CLI (apply, prune-regionset): the executor with the
// live progress view, the sandbox saved however it ends, and one summary line whose counts
// are the executor's (steps done, failed, skipped).

import type { DesiredState } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';
import { createProgressView, formatElapsed } from './progress.js';
import { pollIntervalFromEnvironment, type Target } from './target.js';

/** Runs the plan; returns the exit code (0 all steps done, 1 a step failed). */
export async function runPlan(target: Target, plan: Plan, desired: DesiredState, verb: 'Apply' | 'Prune', command: string): Promise<number> {
  const { execute } = await import('../apply/execute.js');
  const pollMs = pollIntervalFromEnvironment();
  const startedAt = Date.now();
  const progress = createProgressView(process.stdout, process.env, { plan, desired, clock: target.clock });
  const result = await execute(plan, target.providers, {
    clock: target.clock,
    regionSet: desired.name,
    stackName: desired.stack.name,
    maxParallelRegions: desired.rollout.maxParallelRegions,
    ...(pollMs !== undefined ? { pollIntervals: { stackMs: pollMs, tableMs: pollMs, dnsChangeMs: pollMs, healthMs: pollMs } } : {}),
    onEvent: (event) => progress.onEvent(event),
  }).finally(() => {
    progress.finish();
    return target.save();
  });
  const wall = ((Date.now() - startedAt) / 1000).toFixed(1);
  const failed = result.failed.length;
  process.stdout.write(
    `\n${verb} ${failed === 0 ? 'complete' : 'failed'}: ${result.completed.length} done, ${failed} failed, ${result.skipped.length} skipped` +
      ` in ${formatElapsed(result.elapsedMs)} (${wall}s wall clock${target.describe ? `, ${target.describe}` : ''}).\n`,
  );
  for (const failure of result.failed) process.stderr.write(`  failed ${failure.stepId}: ${failure.message}\n`);
  if (failed > 0) process.stderr.write(`Run ${command} again after fixing the cause: it continues from the live state.\n`);
  return failed === 0 ? 0 : 1;
}

/** Exit code of a plan refused by a guardrail (the plan and the refusals are still printed). */
export const EXIT_REFUSED = 3;
