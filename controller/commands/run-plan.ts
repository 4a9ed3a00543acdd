// Carrying out a confirmed plan from the CLI (apply, prune-regionset): the executor with the
// progress view, the sandbox saved however it ends, and one final line. The progress and the
// final line read the same ApplyCounts: steps and Route 53 change batches from the
// executor's events, AWS write calls from the target.

import type { DesiredState } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';
import { ApplyCounts } from './apply-counts.js';
import { createProgressView, formatElapsed } from './progress.js';
import { pollIntervalFromEnvironment, type Target } from './target.js';

/**
 * Runs the plan; returns the exit code (0 all steps done, 1 a step failed). With output
 * 'json', stdout gets JSON lines only (json-events.ts): each event, then the summary.
 */
export async function runPlan(
  target: Target,
  plan: Plan,
  desired: DesiredState,
  verb: 'Apply' | 'Prune',
  command: string,
  options: { noColor?: boolean; output?: 'text' | 'json' } = {},
): Promise<number> {
  const { execute } = await import('../apply/execute.js');
  const pollMs = pollIntervalFromEnvironment();
  const startedAt = Date.now();
  const counts = new ApplyCounts(plan.summary, () => target.writeCalls());
  const json = options.output === 'json' ? await import('./json-events.js') : undefined;
  const progress = json
    ? json.createJsonEventView(process.stdout, target.clock, plan.regionSet)
    : await createProgressView(process.stdout, process.env, {
        plan,
        desired,
        clock: target.clock,
        counts,
        target: target.describe,
        noColor: options.noColor === true,
        verb: verb === 'Prune' ? 'Pruning' : 'Applying',
      });
  const result = await execute(plan, target.providers, {
    clock: target.clock,
    regionSet: desired.name,
    stackName: desired.stack.name,
    maxParallelRegions: desired.rollout.maxParallelRegions,
    ...(pollMs !== undefined ? { pollIntervals: { stackMs: pollMs, tableMs: pollMs, dnsChangeMs: pollMs, healthMs: pollMs } } : {}),
    onEvent: (event) => {
      counts.onEvent(event);
      progress.onEvent(event);
    },
  })
    .then(
      // The view stops at the executor's own elapsed time, the final line's.
      (done) => {
        progress.finish(done.elapsedMs);
        return done;
      },
      (error: unknown) => {
        progress.finish();
        throw error;
      },
    )
    .finally(() => target.save());
  const wallMs = Date.now() - startedAt;
  const wall = (wallMs / 1000).toFixed(1);
  const failed = result.failed.length;
  if (json) json.writeJsonLine(process.stdout, json.summaryLine(plan.regionSet, result, wallMs, target.describe));
  else process.stdout.write(
    `\n${verb} ${failed === 0 ? 'complete' : 'failed'}: ${counts.describe()}; ${formatElapsed(result.elapsedMs)} (${wall}s wall clock, ${target.describe}).\n`,
  );
  for (const failure of result.failed) process.stderr.write(`  failed ${failure.stepId}: ${failure.message}\n`);
  if (failed > 0) process.stderr.write(`Run ${command} again after fixing the cause: it continues from the live state.\n`);
  return failed === 0 ? 0 : 1;
}

/**
 * Several plans (apply of several manifests or of a saved plan holding several), one
 * RegionSet after another; a failure stops those not started yet (said, and with --output
 * json a "not-started" summary each). Returns the first failure's exit code, else 0.
 */
export async function runPlans(
  target: Target,
  plans: ReadonlyArray<{ plan: Plan; desired: DesiredState }>,
  options: { noColor?: boolean; output?: 'text' | 'json' } = {},
): Promise<number> {
  for (const [i, { desired, plan }] of plans.entries()) {
    const code = await runPlan(target, plan, desired, 'Apply', 'apply', options);
    if (code === 0) continue;
    const notStarted = plans.slice(i + 1).map((next) => next.plan);
    if (notStarted.length > 0) process.stderr.write(`regionctl apply: not started after that failure: ${notStarted.map((next) => next.regionSet).join(', ')}.\n`);
    if (options.output === 'json') {
      const json = await import('./json-events.js');
      for (const next of notStarted) json.writeJsonLine(process.stdout, json.notStartedLine(next, target.describe));
    }
    return code;
  }
  return 0;
}

/** The plan as text, or as the first JSON line of --output json; `separate` puts a blank line before the text of a later plan. */
export async function showPlan(plan: Plan, desired: DesiredState, output: 'text' | 'json', separate = false): Promise<void> {
  if (output === 'json') {
    const { planLine, writeJsonLine } = await import('./json-events.js');
    writeJsonLine(process.stdout, planLine(plan));
    return;
  }
  const { renderText } = await import('../plan/render.js');
  process.stdout.write(`${separate ? '\n' : ''}${renderText(plan, desired).trimEnd()}\n`);
}

/** Exit code of a plan refused by a guardrail (the plan and the refusals are still printed). */
export const EXIT_REFUSED = 3;
