// `apply --output json`: the run as JSON lines on stdout, one object per line and nothing
// else, for CI systems and scripts. The lines, in order:
//   {"type":"plan", regionSet, plannedAt, steps: [{id, action, region, resource, dependsOn}], summary, refusals}
//   {"type":"started"|"waiting"|"succeeded"|"failed"|"skipped", regionSet, stepId, action, region, resource, time, elapsedMs, ...}
//   {"type":"route53-batch", regionSet, zoneId, stepIds, message, time, elapsedMs}
//   {"type":"summary", regionSet, outcome, done, failed, skipped, notStarted, elapsedMs, wallMs, target}
// Several RegionSets (apply of several manifests, or of a saved plan holding several): every
// plan line first, then each RegionSet's events and its own summary, one RegionSet after
// another. A RegionSet without changes has its plan line only; one not started because an
// earlier one failed gets a summary with outcome "not-started".
// "waiting" is the start of a step that only waits (stack.wait, health.wait, drain.wait,
// ramp.wait); "succeeded" and "failed" carry the step's own stepElapsedMs, "failed" its error.
// time is the target's clock (the sandbox's runs faster than real time); elapsedMs counts
// from the start of the run on that clock. Errors still go to stderr.

import type { ApplyResult, ExecEvent } from '../apply/types.js';
import type { Clock } from '../clock.js';
import type { Plan } from '../plan/types.js';
import type { ProgressOutput, ProgressView } from './progress.js';

const WAIT_ACTIONS: ReadonlySet<string> = new Set(['stack.wait', 'health.wait', 'drain.wait', 'ramp.wait']);

export function writeJsonLine(out: ProgressOutput, object: Record<string, unknown>): void {
  out.write(`${JSON.stringify(object)}\n`);
}

/** The first line: what will be carried out (or was refused). */
export function planLine(plan: Plan): Record<string, unknown> {
  return {
    type: 'plan',
    regionSet: plan.regionSet,
    plannedAt: new Date(plan.plannedAt).toISOString(),
    steps: plan.steps.map(({ id, action, region, resource, dependsOn }) => ({ id, action, ...(region ? { region } : {}), resource, dependsOn })),
    summary: plan.summary,
    refusals: plan.refusals,
  };
}

function eventType(event: ExecEvent): string {
  switch (event.type) {
    case 'step-start':
      return event.step && WAIT_ACTIONS.has(event.step.action) ? 'waiting' : 'started';
    case 'step-done':
      return 'succeeded';
    case 'step-failed':
      return 'failed';
    case 'step-skipped':
      return 'skipped';
    case 'batch-sent':
      return 'route53-batch';
    default:
      return event.type;
  }
}

/** A progress view writing one JSON line per executor event of RegionSet `regionSet`. */
export function createJsonEventView(out: ProgressOutput, clock: Clock, regionSet: string): ProgressView {
  const startedAt = new Map<string, number>();
  return {
    onEvent(event) {
      const step = event.step;
      const line: Record<string, unknown> = { type: eventType(event), regionSet };
      if (step) Object.assign(line, { stepId: step.id, action: step.action, ...(step.region ? { region: step.region } : {}), resource: step.resource });
      else if (event.region) line['region'] = event.region;
      Object.assign(line, { time: new Date(clock.now()).toISOString(), elapsedMs: event.elapsedMs });
      if (step && event.type === 'step-start') startedAt.set(step.id, event.elapsedMs);
      const began = step ? startedAt.get(step.id) : undefined;
      if (began !== undefined && (event.type === 'step-done' || event.type === 'step-failed')) line['stepElapsedMs'] = event.elapsedMs - began;
      if (event.type === 'batch-sent') Object.assign(line, { zoneId: event.zoneId, stepIds: event.stepIds ?? [] });
      if (event.message !== undefined) line[event.type === 'step-failed' ? 'error' : 'message'] = event.message;
      writeJsonLine(out, line);
    },
    finish: () => undefined,
  };
}

/** A RegionSet's last line: the executor's counts, as the text summary line gives them. */
export function summaryLine(regionSet: string, result: ApplyResult, wallMs: number, target: string): Record<string, unknown> {
  return {
    type: 'summary',
    regionSet,
    outcome: result.failed.length === 0 ? 'complete' : 'failed',
    done: result.completed.length,
    failed: result.failed.length,
    skipped: result.skipped.length,
    notStarted: result.notStarted.length,
    elapsedMs: result.elapsedMs,
    wallMs,
    target,
  };
}

/** The summary of a RegionSet not started because an earlier one failed. */
export function notStartedLine(plan: Plan, target: string): Record<string, unknown> {
  return { type: 'summary', regionSet: plan.regionSet, outcome: 'not-started', done: 0, failed: 0, skipped: 0, notStarted: plan.steps.length, elapsedMs: 0, wallMs: 0, target };
}
