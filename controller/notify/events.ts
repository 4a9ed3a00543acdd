// The events a notification carries, built from what the runtime already knows (a
// ReconcileOutcome, the plan report before an apply, a suspend or resume). Pure: no I/O.
// Nothing secret goes in: the outcome's messages are scrubbed by the reconciler, and the
// plan report holds counts, region transitions and refusals, never parameter values.

import type { PlanReport, ReconcileOutcome } from '../runtime/outcome.js';

export const EVENT_TYPES = ['plan-refused', 'apply-started', 'apply-succeeded', 'apply-failed', 'drift-found', 'suspended', 'resumed'] as const;
export type NotifyEventType = (typeof EVENT_TYPES)[number];

export interface NotifyEvent {
  type: NotifyEventType;
  regionSet: string;
  /** The commit the controller planned or applied (absent for a suspend before the first sync). */
  revision?: string;
  /** ISO time of the event. */
  at: string;
  reconcileId?: string;
  /** Manifest file, relative to the repository root. */
  file?: string;
  summary?: {
    steps: number;
    stepsByAction: Record<string, number>;
    /** Per region: joining, leaving, serving... (the plan's transitions). */
    regions: Record<string, string>;
    completed?: number;
    failed?: number;
    skipped?: number;
    notStarted?: number;
    elapsedMs?: number;
  };
  refusals?: Array<{ rule: string; resource: string; message: string }>;
  errors?: Array<{ stepId?: string; message: string }>;
  /** The closed sync window that held the plan back (drift-found), or that an override lifted (apply-succeeded, apply-failed). */
  syncWindow?: string;
}

/**
 * The controller's one event path (Controller option `notify`): the events above, and
 * `converged`, which is never delivered; it tells the notifier that a RegionSet's drift is
 * gone, so the same drift found again is announced again.
 */
export type RuntimeEvent = NotifyEvent | { type: 'converged'; regionSet: string; revision: string; at: string };

function summaryOf(plan: PlanReport, apply?: ReconcileOutcome['apply']): NonNullable<NotifyEvent['summary']> {
  return {
    steps: plan.steps,
    stepsByAction: { ...plan.stepsByAction } as Record<string, number>,
    regions: { ...(plan.summary.regions as Record<string, string>) },
    ...(apply ? { completed: apply.completed, failed: apply.failed.length, skipped: apply.skipped, notStarted: apply.notStarted, elapsedMs: apply.elapsedMs } : {}),
  };
}

/** apply-started: the plan is about to be executed. */
export function applyStartedEvent(base: { regionSet: string; revision: string; reconcileId: string; file: string }, plan: PlanReport, at: number): NotifyEvent {
  return { type: 'apply-started', ...base, at: new Date(at).toISOString(), summary: summaryOf(plan) };
}

/** The event an outcome announces, if any (suspended, not-leader, error... announce nothing). */
export function outcomeEvent(outcome: ReconcileOutcome): RuntimeEvent | undefined {
  if (outcome.kind === 'converged') return { type: 'converged', regionSet: outcome.regionSet, revision: outcome.revision, at: new Date(outcome.finishedAt).toISOString() };
  const type: NotifyEventType | undefined =
    outcome.kind === 'applied' ? 'apply-succeeded' : outcome.kind === 'apply-failed' ? 'apply-failed' : outcome.kind === 'refused' ? 'plan-refused' : outcome.kind === 'drift' ? 'drift-found' : undefined;
  if (!type || !outcome.plan) return undefined;
  return {
    type,
    regionSet: outcome.regionSet,
    revision: outcome.revision,
    at: new Date(outcome.finishedAt).toISOString(),
    reconcileId: outcome.reconcileId,
    file: outcome.file,
    summary: summaryOf(outcome.plan, outcome.apply),
    ...(outcome.plan.refusals.length ? { refusals: outcome.plan.refusals.map((r) => ({ rule: r.rule, resource: r.resource, message: r.message })) } : {}),
    ...(outcome.apply?.failed.length ? { errors: outcome.apply.failed.map((f) => ({ stepId: f.stepId, message: f.message })) } : {}),
    ...(outcome.syncWindow?.message ? { syncWindow: outcome.syncWindow.overridden ? `${outcome.syncWindow.message}, overridden by ${outcome.syncWindow.overridden.by}` : outcome.syncWindow.message } : {}),
  };
}

/** suspended / resumed. */
export function controlEvent(type: 'suspended' | 'resumed', regionSet: string, revision: string | undefined, at: number): NotifyEvent {
  return { type, regionSet, ...(revision ? { revision } : {}), at: new Date(at).toISOString() };
}

/** One line for people (Slack, GitHub description, logs). */
export function headline(event: NotifyEvent): string {
  const commit = event.revision ? ` at ${event.revision.slice(0, 7)}` : '';
  const s = event.summary;
  switch (event.type) {
    case 'apply-started':
      return `${event.regionSet}: applying ${s?.steps ?? 0} step${s?.steps === 1 ? '' : 's'}${commit}`;
    case 'apply-succeeded':
      return `${event.regionSet}: applied ${s?.completed ?? s?.steps ?? 0} step${(s?.completed ?? 0) === 1 ? '' : 's'}${commit}`;
    case 'apply-failed':
      return `${event.regionSet}: ${s?.failed ?? 0} step${s?.failed === 1 ? '' : 's'} failed${commit} (${s?.completed ?? 0} done, ${s?.skipped ?? 0} skipped)`;
    case 'plan-refused':
      return `${event.regionSet}: plan refused${commit}: ${event.refusals?.map((r) => r.rule).join(', ') ?? ''}`;
    case 'drift-found':
      return `${event.regionSet}: drift${commit}: ${s?.steps ?? 0} step${s?.steps === 1 ? '' : 's'} would change the live state${event.syncWindow ? `, held back by the ${event.syncWindow}` : ''}`;
    case 'suspended':
      return `${event.regionSet}: reconciling suspended`;
    case 'resumed':
      return `${event.regionSet}: reconciling resumed`;
  }
}
