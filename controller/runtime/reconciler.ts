// One reconcile of one RegionSet, as an ordered list of steps (Flux style): skip when
// suspended → load the manifest (invalid: Stalled, no AWS call) → take the lease → open
// the target → plan → report (plan-only) or apply (refused: nothing written). Never
// throws: every ending is a ReconcileOutcome for the status store and the metrics.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ExecEvent } from '../apply/types.js';
import { classifyError, ManifestError } from '../errors.js';
import type { DesiredState, ManifestIssue, SyncWindow } from '../manifest/types.js';
import type { SyncGate } from './sync-window.js';
import type { Plan, StepAction } from '../plan/types.js';
import type { HistoryStep } from '../providers/types.js';
import type { Leases } from './leases.js';
import type { Logger } from './logger.js';
import type { IssueReport, OutcomeKind, PlanReport, ReconcileOutcome, RunMode } from './outcome.js';
import type { RuntimeTarget, TargetFactory } from '../targets/types.js';
import { findInventoryRecord, parseInventoryOwner } from '../plan/identity.js';
import { inventoriesInZone, ownerCheck } from './ownership.js';
import { applyStartedEvent, type NotifyEvent } from '../notify/events.js';
import { overlayDrains, type DrainOverrides } from '../plan/overrides.js';
import { observeRegions, type RegionObservation } from './regions-observed.js';

/** How often a running apply checks that this replica still holds the RegionSet's lease. */
const LEASE_CHECK_MS = 500;

export interface ReconcileRequest {
  regionSet: string;
  /** Directory of the source at `revision`. */
  root: string;
  /** Manifest file relative to root. */
  file: string;
  revision: string;
  reasons: string[];
  /** Set when the manifest cannot be reconciled for a reason found before loading it (e.g. a duplicate name). */
  blockedBy?: IssueReport;
  /**
   * The manifest files of the revision and the files this one replaced in the same change
   * (a rename): the inventory's recorded owner must be this file, or one of those. Absent:
   * no owner check (the file is recorded all the same).
   */
  ownership?: { revisionFiles: ReadonlySet<string>; renamedFrom: ReadonlySet<string>; line: number; column: number };
  /** Break-glass drains of the shared control state: planned on top of the manifest (plan/overrides.ts). */
  drains?: DrainOverrides;
}

export interface ReconcilerOptions {
  mode: RunMode;
  targets: TargetFactory;
  leases: Leases;
  logger: Logger;
  isSuspended(regionSet: string): boolean;
  /** Shutdown: once aborted no new step starts (running steps finish). */
  signal?: AbortSignal;
  /** Poll interval for every executor wait (emulators); executor defaults otherwise. */
  pollMs?: number;
  /** Removes configured secrets from messages kept in the outcome. */
  scrub?: (text: string) => string;
  /** Wall clock for the outcome's times. */
  now?: () => number;
  /** Notifications (controller/notify): told when an apply starts; must not block. */
  notify?: (event: NotifyEvent) => void;
  /** May the RegionSet apply now (sync windows, runtime/sync-window.ts)? Absent: always. */
  syncWindow?: (regionSet: string, windows: SyncWindow[]) => SyncGate;
}

export async function reconcileRegionSet(request: ReconcileRequest, options: ReconcilerOptions): Promise<ReconcileOutcome> {
  const now = options.now ?? Date.now;
  const scrub = options.scrub ?? ((text: string) => text);
  const reconcileId = randomUUID().slice(0, 8);
  const startedAt = now();
  const log = options.logger.child({ reconcileId, revision: request.revision, regionSet: request.regionSet });
  const base: Pick<ReconcileOutcome, 'regionSet' | 'reconcileId' | 'revision' | 'mode' | 'reasons' | 'file' | 'startedAt' | 'overrides'> = {
    regionSet: request.regionSet,
    reconcileId,
    revision: request.revision,
    mode: options.mode,
    reasons: request.reasons,
    file: request.file,
    startedAt,
  };
  const finish = (kind: OutcomeKind, extra: Partial<ReconcileOutcome> = {}): ReconcileOutcome => {
    const outcome: ReconcileOutcome = { ...base, ...extra, kind, finishedAt: now() };
    const level = kind === 'error' || kind === 'apply-failed' || kind === 'stalled' ? 'warn' : 'info';
    log[level](
      { outcome: kind, durationMs: outcome.finishedAt - startedAt, steps: outcome.plan?.steps, ...(outcome.error ? { error: outcome.error.message } : {}) },
      `reconcile ${kind}`,
    );
    return outcome;
  };

  if (options.isSuspended(request.regionSet)) {
    log.debug('suspended: skipped');
    return finish('suspended');
  }
  log.info({ reasons: request.reasons, file: request.file }, 'reconcile started');

  if (request.blockedBy) return finish('stalled', { issues: [request.blockedBy] });

  // 1. The manifest. A broken one stops here: no AWS call, the previous state stays.
  let desired: DesiredState;
  try {
    const { loadManifestFile } = await import('../manifest/load.js');
    const loaded = await loadManifestFile(path.join(request.root, request.file), { root: request.root });
    if (!loaded.ok) return finish('stalled', { issues: loaded.errors.map((issue) => issueReport(issue, request.root)) });
    // The break-glass drains in force are planned as if the manifest said them; ended ones are reported for clearing.
    const overlay = overlayDrains(loaded.value, request.drains, now());
    desired = overlay.desired;
    if (request.drains && Object.keys(request.drains).length > 0) base.overrides = { applied: overlay.applied, ended: overlay.ended };
  } catch (error) {
    if (error instanceof ManifestError) {
      return finish('stalled', { issues: error.issues.map((issue) => issueReport({ ...issue, pointer: '' }, request.root)), error: errorReport(error, scrub) });
    }
    return finish('error', { error: errorReport(error, scrub) });
  }
  const desiredRegions = Object.fromEntries(desired.regions.map((region) => [region.code, region.state]));
  // Asked on every load, so /status and the metrics show the windows even when nothing is to apply.
  const gate = options.syncWindow?.(request.regionSet, desired.syncWindows);

  // 2. The lease: only its holder talks to AWS for this RegionSet.
  let fencingToken: number;
  try {
    const lease = await options.leases.acquire(request.regionSet);
    if (!lease) return finish('not-leader', { desiredRegions });
    fencingToken = lease.fencingToken;
  } catch (error) {
    return finish('error', { desiredRegions, error: errorReport(error, scrub) });
  }

  // 3. Plan, then report or apply.
  let target: RuntimeTarget | undefined;
  let plan: Plan | undefined;
  let regionsObserved: Record<string, RegionObservation> | undefined;
  try {
    target = await options.targets.open(desired);
    const { planReconcile } = await import('../reconcile.js');
    // The inventory records which file owns the RegionSet (runtime/ownership.ts).
    desired.ownerFile = request.file;
    const planned = await planReconcile(desired, target.providers, { now: target.clock.now() });
    plan = planned.plan;
    const scan = planned.live.inventoryScan;
    if (scan) {
      // The inventory record was deleted by hand: say so, loudly, once per reconcile until it is rebuilt.
      log.warn(
        { scannedRegions: scan.regions.length, skippedRegions: scan.skipped, found: scan.found.map((f) => `${f.name}@${f.region}`), leaving: Object.entries(plan.summary.regions).filter(([, t]) => t === 'leaving').map(([r]) => r) },
        'inventory record lost while resources of this RegionSet exist: rebuilt from a scan of the account\'s regions',
      );
    }
    const zone = planned.live.zone?.name ?? desired.dns.zone;
    const inventories = { zone: zone.toLowerCase().replace(/\.?$/, '.'), found: inventoriesInZone(planned.live.records, zone) };
    if (request.ownership) {
      const record = findInventoryRecord(planned.live.records, desired, planned.live.zone?.name);
      const owner = record ? parseInventoryOwner(record) : undefined;
      const { revisionFiles, renamedFrom, line, column } = request.ownership;
      const issue = ownerCheck(request.regionSet, request.file, owner, revisionFiles, renamedFrom, { line, column });
      if (issue) return finish('stalled', { desiredRegions, issues: [issue], inventories, fencingToken });
    }
    const report = planReport(plan);
    regionsObserved = observeRegions(desired, planned.live, plan);
    let common: Partial<ReconcileOutcome> = { desiredRegions, plan: report, fencingToken, inventories, regionsObserved };
    log.info({ steps: report.steps, stepsByAction: report.stepsByAction, regions: plan.summary.regions, refusals: plan.refusals.length }, 'planned');

    if (options.mode === 'plan-only') return finish(plan.steps.length > 0 ? 'drift' : 'converged', common);
    if (plan.refusals.length > 0) {
      for (const refusal of plan.refusals) log.warn({ rule: refusal.rule, resource: refusal.resource }, `refused: ${refusal.message}`);
      return finish('refused', common);
    }
    if (plan.steps.length === 0) return finish('converged', common);
    // Inside a closed sync window: planned and reported, not applied; the controller wakes the RegionSet when it opens.
    if (gate && !gate.open) {
      log.info({ syncWindow: gate.message, steps: report.steps }, 'sync window closed: not applying');
      return finish('drift', { ...common, syncWindow: gate });
    }
    if (gate?.overridden) {
      log.warn({ syncWindow: gate.message, by: gate.overridden.by, reason: gate.overridden.reason }, 'sync window overridden: applying');
      common = { ...common, syncWindow: gate };
    }
    if (options.signal?.aborted) return finish('interrupted', common);
    // A lease lost while planning: another replica applies now.
    if (!options.leases.isHeld(request.regionSet)) return finish('not-leader', { desiredRegions });

    options.notify?.(applyStartedEvent({ regionSet: request.regionSet, revision: request.revision, reconcileId, file: request.file }, report, now()));
    const { execute } = await import('../apply/execute.js');
    const pollMs = options.pollMs;
    // Losing the lease mid-apply (renewal failed, another replica took over) stops new
    // steps at once: only the holder may write. Checked on every executor event and on
    // a short timer, since a long wait emits no events.
    const leaseLost = new AbortController();
    const checkLease = () => {
      if (!leaseLost.signal.aborted && !options.leases.isHeld(request.regionSet)) leaseLost.abort(new Error('lease lost'));
    };
    const leaseTimer = setInterval(checkLease, LEASE_CHECK_MS);
    leaseTimer.unref();
    const signal = options.signal ? AbortSignal.any([options.signal, leaseLost.signal]) : leaseLost.signal;
    const timings = new Map<string, { startedMs?: number; endedMs?: number; outcome?: HistoryStep['outcome']; message?: string }>();
    const result = await execute(plan, target.providers, {
      clock: target.clock,
      regionSet: desired.name,
      stackName: desired.stack.name,
      maxParallelRegions: desired.rollout.maxParallelRegions,
      signal,
      ...(pollMs !== undefined ? { pollIntervals: { stackMs: pollMs, tableMs: pollMs, dnsChangeMs: pollMs, healthMs: pollMs } } : {}),
      onEvent: (event) => {
        logStepEvent(log, event, scrub);
        recordTiming(timings, event, scrub);
        checkLease();
      },
    }).finally(() => clearInterval(leaseTimer));
    const apply = {
      completed: result.completed.length,
      failed: result.failed.map((failure) => ({ stepId: failure.stepId, message: scrub(failure.message) })),
      skipped: result.skipped.length,
      notStarted: result.notStarted.length,
      aborted: result.aborted,
      elapsedMs: result.elapsedMs,
    };
    const steps: HistoryStep[] = plan.steps.map((step) => {
      const seen = timings.get(step.id);
      return { id: step.id, action: step.action, ...(step.region ? { region: step.region } : {}), outcome: seen?.outcome ?? 'not-started', ...(seen?.startedMs !== undefined ? { startedMs: seen.startedMs } : {}), ...(seen?.endedMs !== undefined ? { endedMs: seen.endedMs } : {}), ...(seen?.message ? { message: seen.message } : {}) };
    });
    regionsObserved = observeRegions(desired, planned.live, plan, new Map(steps.map((step) => [step.id, step.outcome])));
    common = { ...common, steps, regionsObserved };
    if (leaseLost.signal.aborted) {
      log.warn({ notStarted: apply.notStarted }, 'lease lost during the apply: stopped starting steps; the new holder continues');
      return finish('not-leader', { ...common, apply });
    }
    if (apply.failed.length > 0) return finish('apply-failed', { ...common, apply });
    if (result.aborted || apply.notStarted > 0) return finish('interrupted', { ...common, apply });
    return finish('applied', { ...common, apply });
  } catch (error) {
    // A manifest value AWS cannot use (found by a provider): stalled until a new revision, like an invalid manifest.
    if (classifyError(error).kind === 'user') return finish('stalled', { desiredRegions, ...(plan ? { plan: planReport(plan) } : {}), error: errorReport(error, scrub), fencingToken });
    return finish('error', { desiredRegions, ...(plan ? { plan: planReport(plan) } : {}), ...(regionsObserved ? { regionsObserved } : {}), error: errorReport(error, scrub), fencingToken });
  } finally {
    await target?.release();
  }
}

/** Step outcomes and executor times, for history. */
function recordTiming(timings: Map<string, { startedMs?: number; endedMs?: number; outcome?: HistoryStep['outcome']; message?: string }>, event: ExecEvent, scrub: (text: string) => string): void {
  if (!event.step) return;
  const seen = timings.get(event.step.id) ?? {};
  timings.set(event.step.id, seen);
  if (event.type === 'step-start') seen.startedMs = event.elapsedMs;
  else if (event.type === 'step-done' || event.type === 'step-failed' || event.type === 'step-skipped') {
    seen.endedMs = event.elapsedMs;
    seen.outcome = event.type === 'step-done' ? 'done' : event.type === 'step-failed' ? 'failed' : 'skipped';
    if (event.type !== 'step-done' && event.message) seen.message = scrub(event.message);
  }
}

function logStepEvent(log: Logger, event: ExecEvent, scrub: (text: string) => string): void {
  const stepLog = log.child({ ...(event.region ?? event.step?.region ? { region: event.region ?? event.step?.region } : {}), ...(event.step ? { step: event.step.id } : {}) });
  const fields = {
    event: event.type,
    ...(event.step ? { action: event.step.action, resource: event.step.resource } : {}),
    ...(event.stepIds ? { stepIds: event.stepIds } : {}),
    elapsedMs: event.elapsedMs,
  };
  const message = event.message ? scrub(event.message) : event.type;
  if (event.type === 'step-failed') stepLog.warn(fields, message);
  else stepLog.info(fields, message);
}

function planReport(plan: Plan): PlanReport {
  const stepsByAction: Partial<Record<StepAction, number>> = {};
  const stepsByRegion: PlanReport['stepsByRegion'] = {};
  for (const step of plan.steps) {
    stepsByAction[step.action] = (stepsByAction[step.action] ?? 0) + 1;
    if (step.region) {
      const region = (stepsByRegion[step.region] ??= {});
      region[step.action] = (region[step.action] ?? 0) + 1;
    }
  }
  return { steps: plan.steps.length, stepsByAction, stepsByRegion, summary: plan.summary, refusals: plan.refusals };
}

function issueReport(issue: ManifestIssue, root: string): IssueReport {
  const relative = path.isAbsolute(issue.file) ? path.relative(root, issue.file) : issue.file;
  return { file: relative.split(path.sep).join('/'), line: issue.line, column: issue.column, rule: issue.rule, message: issue.message };
}

function errorReport(error: unknown, scrub: (text: string) => string): NonNullable<ReconcileOutcome['error']> {
  const { condition } = classifyError(error);
  if (error instanceof Error) return { name: error.name, message: scrub(error.message), stalled: condition.stalled };
  return { name: 'Error', message: scrub(String(error)), stalled: condition.stalled };
}
