// The status store behind GET /status: the observed source revision and, per RegionSet,
// Flux/Kubernetes-style conditions, the last plan, per-region state and the last error.
// Everything here is plain data (JSON-serialisable); time is ISO-8601 strings.
//
// Conditions (each {type, status, reason, message, lastTransitionTime}; the transition time
// changes only when the status flips, as in Kubernetes):
//   Ready          True when the live state matches the manifest after this reconcile.
//   Reconciling    True while a reconcile of the RegionSet runs; False with reason SyncWindowClosed
//                  when the last plan waits for a sync window (the message says which, and until when).
//   Stalled        True when no progress is possible without a person (invalid manifest,
//                  missing hosted zone); cleared by the next good reconcile.
//   DriftDetected  True when the last plan found differences it did not (or could not) fix.
//   ApplyFailed    True when steps of the last apply failed.
//   Orphaned       Only on a RegionSet whose inventory is live but that no file declares:
//                  its resources are kept, not reconciled (`regionctl prune-regionset`).

import type { RegionState } from '../manifest/types.js';
import type { Refusal, RegionTransition, StepAction } from '../plan/types.js';
import type { HealthStatus } from '../providers/types.js';
import type { ApplyReport, IssueReport, OutcomeKind, ReconcileOutcome, RunMode } from './outcome.js';
import { mapStrings } from './redact-paths.js';
import type { SyncWindowStatus } from './sync-window.js';

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled' | 'DriftDetected' | 'ApplyFailed' | 'Orphaned';
const CONDITION_TYPES: readonly ConditionType[] = ['Ready', 'Reconciling', 'Stalled', 'DriftDetected', 'ApplyFailed'];

export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/**
 * Where a region's traffic stands after the last reconcile: serving, standby (deployed, no
 * traffic) or drained once the plan is carried out; joining, draining or leaving while the
 * last plan that moves it was not (plan-only, refused, failed or interrupted).
 */
export type RegionTraffic = 'serving' | 'standby' | 'draining' | 'drained' | 'joining' | 'leaving';

export interface RegionStatus {
  /** State in the manifest; 'absent' for a region the last plan takes out (not in the manifest). */
  desiredState: RegionState | 'absent';
  /** What the last plan does to the region. */
  lastTransition: RegionTransition;
  /** The last plan's actions in this region. */
  lastPlanSteps: Partial<Record<StepAction, number>>;
  traffic: RegionTraffic;
  /** Weighted routing only: the manifest's weight and the live record's (absent: no record). */
  weight?: { desired: number; live?: number };
  /** Health as last observed: read only when a plan has steps, and by an apply's health waits (no extra AWS call). */
  health?: HealthStatus;
  /** When `health` was observed. */
  healthObservedAt?: string;
}

export interface LastPlanStatus {
  revision: string;
  reconcileId: string;
  at: string;
  steps: number;
  stepsByAction: Partial<Record<StepAction, number>>;
  create: number;
  update: number;
  delete: number;
  route53ChangeBatches: number;
  regions: Record<string, RegionTransition>;
  refusals: Refusal[];
  /** What executing it did (absent in plan-only mode or when nothing ran). */
  apply?: ApplyReport;
}

export interface LastErrorStatus {
  at: string;
  reason: string;
  message: string;
  /** file:line:col of the first manifest issue, when the error is in the manifest. */
  location?: string;
  issues?: IssueReport[];
}

export interface RegionSetStatus extends Partial<SyncWindowStatus> {
  name: string;
  /** Manifest file, relative to the source root. */
  file: string;
  mode: RunMode;
  suspended: boolean;
  /** Who suspended or last resumed it, why and when (the shared control state). */
  suspension?: { reason: string; by: string; at: string };
  /** Break-glass drains in force (`regionctl drain --now`), by region, and the last one that ended (runtime/drains.ts). */
  overrides?: {
    drains: Record<string, { reason: string; by: string; at: string; until: string }>;
    lastEnded?: { region: string; why: 'merged' | 'expired'; at: string; message: string };
  };
  /** Revision the live state last fully matched (converged, or applied without failure), as in Flux. */
  lastAppliedRevision?: string;
  /** Revision of the last reconcile attempted. */
  lastAttemptedRevision?: string;
  lastReconcileId?: string;
  lastOutcome?: OutcomeKind;
  lastReconcileTime?: string;
  /** Last reconcile that ended Ready (converged, applied, or plan-only without drift). */
  lastSuccessfulReconcileTime?: string;
  /** This replica holds the RegionSet's lease now, i.e. it is the one that applies (always true without a lease table). */
  leader?: boolean;
  conditions: Condition[];
  lastPlan?: LastPlanStatus;
  regions: Record<string, RegionStatus>;
  lastError?: LastErrorStatus;
}

export interface SourceStatus {
  url: string;
  branch?: string;
  /** Revision of the last successful sync. */
  observedRevision?: string;
  observedAt?: string;
  lastSyncAttemptAt?: string;
  /** The last sync failed (the last good revision is still served). */
  lastError?: { at: string; message: string };
  consecutiveFailures: number;
}

export interface ControllerStatus {
  mode: RunMode;
  ready: boolean;
  source: SourceStatus;
  regionSets: Record<string, RegionSetStatus>;
}

export interface StatusStoreOptions {
  mode: RunMode;
  sourceUrl: string;
  branch?: string;
  /** Wall clock for the timestamps (injectable for tests). */
  now?: () => number;
  /** Whether this replica holds the RegionSet's lease right now; read at every snapshot. */
  isLeader?: (name: string) => boolean;
  /** Applied to every string of a snapshot (removes filesystem paths). */
  redact?: (text: string) => string;
  /** The RegionSet's sync windows as they stand at the snapshot (runtime/sync-window.ts). */
  syncWindows?: (name: string) => SyncWindowStatus | undefined;
}

export class StatusStore {
  private readonly mode: RunMode;
  private readonly now: () => number;
  private readonly isLeader: ((name: string) => boolean) | undefined;
  private readonly redact: ((text: string) => string) | undefined;
  private readonly syncWindows: StatusStoreOptions['syncWindows'];
  private readonly source: SourceStatus;
  private readonly sets = new Map<string, RegionSetStatus>();
  private ready = false;

  constructor(options: StatusStoreOptions) {
    this.mode = options.mode;
    this.now = options.now ?? Date.now;
    this.isLeader = options.isLeader;
    this.redact = options.redact;
    this.syncWindows = options.syncWindows;
    this.source = { url: options.sourceUrl, ...(options.branch ? { branch: options.branch } : {}), consecutiveFailures: 0 };
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** A sync succeeded and the manifests were listed: ready from now on. */
  recordSync(revision: string): void {
    const at = this.iso();
    this.source.observedRevision = revision;
    this.source.observedAt = at;
    this.source.lastSyncAttemptAt = at;
    this.source.consecutiveFailures = 0;
    delete this.source.lastError;
    this.ready = true;
  }

  /** A sync failed: the last good revision stays observed. */
  recordSyncFailure(message: string): void {
    const at = this.iso();
    this.source.lastSyncAttemptAt = at;
    this.source.lastError = { at, message };
    this.source.consecutiveFailures++;
  }

  get observedRevision(): string | undefined {
    return this.source.observedRevision;
  }

  /** The RegionSet's entry, created on first sight. */
  regionSet(name: string, file: string): RegionSetStatus {
    let set = this.sets.get(name);
    if (!set) {
      const at = this.iso();
      set = {
        name,
        file,
        mode: this.mode,
        suspended: false,
        conditions: CONDITION_TYPES.map((type) => ({ type, status: 'Unknown', reason: 'NotYetReconciled', message: '', lastTransitionTime: at })),
        regions: {},
      };
      this.sets.set(name, set);
    }
    set.file = file;
    return set;
  }

  /** Entries for RegionSets no longer in the source are dropped (nothing is done to their resources). */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const name of [...this.sets.keys()]) if (!keep.has(name)) this.sets.delete(name);
  }

  /** A RegionSet no file declares any more: reported, never reconciled. */
  recordOrphan(name: string, lastFile: string, message: string): void {
    const set = this.regionSet(name, lastFile);
    this.setCondition(set, 'Orphaned', 'True', 'ManifestDeleted', message);
    this.setCondition(set, 'Ready', 'False', 'Orphaned', message);
  }

  clearOrphan(name: string): void {
    const set = this.sets.get(name);
    if (set?.conditions.some((c) => c.type === 'Orphaned')) this.setCondition(set, 'Orphaned', 'False', 'Declared', '');
  }

  get(name: string): RegionSetStatus | undefined {
    return this.sets.get(name);
  }

  setSuspended(name: string, suspended: boolean, detail?: { reason: string; by: string; at: number }): void {
    const set = this.sets.get(name);
    if (!set) return;
    set.suspended = suspended;
    if (detail?.by) set.suspension = { reason: detail.reason, by: detail.by, at: new Date(detail.at).toISOString() };
  }

  setDrains(name: string, drains: Record<string, { reason: string; by: string; at: number; until: number }>): void {
    const set = this.sets.get(name);
    if (!set) return;
    const shown = Object.fromEntries(Object.entries(drains).map(([region, d]) => [region, { reason: d.reason, by: d.by, at: new Date(d.at).toISOString(), until: new Date(d.until).toISOString() }]));
    if (Object.keys(shown).length > 0 || set.overrides) set.overrides = { ...set.overrides, drains: shown };
  }

  recordDrainEnded(name: string, ended: { region: string; why: 'merged' | 'expired'; at: number; message: string }): void {
    const set = this.sets.get(name);
    if (set) set.overrides = { drains: set.overrides?.drains ?? {}, lastEnded: { ...ended, at: new Date(ended.at).toISOString() } };
  }

  markReconciling(name: string, file: string, revision: string, reasons: string[]): void {
    const set = this.regionSet(name, file);
    this.setCondition(set, 'Reconciling', 'True', 'Progressing', `reconciling revision ${revision} (${reasons.join(', ')})`);
  }

  /** Records a finished reconcile; see the condition table at the top of this file. */
  record(outcome: ReconcileOutcome): void {
    const set = this.regionSet(outcome.regionSet, outcome.file);
    const at = new Date(outcome.finishedAt).toISOString();
    const revision = outcome.revision;
    set.lastAttemptedRevision = revision;
    set.lastReconcileId = outcome.reconcileId;
    set.lastOutcome = outcome.kind;
    set.lastReconcileTime = at;
    set.mode = outcome.mode;
    this.setCondition(set, 'Reconciling', 'False', 'Finished', `last reconcile ${outcome.reconcileId}: ${outcome.kind}`);

    if (outcome.kind === 'suspended' || outcome.kind === 'not-leader') {
      set.leader = outcome.kind === 'suspended' ? set.leader : false;
      return;
    }
    if (outcome.fencingToken !== undefined) set.leader = true;

    if (outcome.kind === 'stalled') {
      // The previous plan, regions and conditions stay: the live state is unchanged.
      const first = outcome.issues?.[0];
      const location = first ? `${first.file}:${first.line}:${first.column}` : undefined;
      const message = first ? `${location}: ${first.message}` : (outcome.error?.message ?? 'the manifest is invalid');
      const more = (outcome.issues?.length ?? 0) > 1 ? ` (and ${outcome.issues!.length - 1} more)` : '';
      set.lastError = { at, reason: 'ManifestInvalid', message: message + more, ...(location ? { location } : {}), ...(outcome.issues ? { issues: outcome.issues } : {}) };
      this.setCondition(set, 'Stalled', 'True', 'ManifestInvalid', message + more);
      this.setCondition(set, 'Ready', 'False', 'ManifestInvalid', `revision ${revision} has an invalid manifest; nothing was planned or changed`);
      return;
    }

    if (outcome.kind === 'error' || outcome.kind === 'interrupted') {
      const reason = outcome.kind === 'interrupted' ? 'Interrupted' : (outcome.error?.name ?? 'Error');
      const message = outcome.error?.message ?? 'shutdown began during the apply; the next reconcile continues from the live state';
      set.lastError = { at, reason, message };
      // A missing zone or a bug needs a person; throttling and outages pass on their own (errors.ts classifyError).
      const stalled = outcome.kind === 'error' && outcome.error?.stalled === true;
      this.setCondition(set, 'Stalled', stalled ? 'True' : 'False', stalled ? reason : 'Retrying', stalled ? message : '');
      this.setCondition(set, 'Ready', 'False', reason, message);
      if (outcome.plan) this.recordPlan(set, outcome, at);
      if (outcome.apply) this.setCondition(set, 'ApplyFailed', 'True', reason, message);
      return;
    }

    // A partial or refused apply does not count: the live state does not match that revision.
    if (outcome.kind === 'converged' || outcome.kind === 'applied') set.lastAppliedRevision = revision;
    this.recordPlan(set, outcome, at);
    this.setCondition(set, 'Stalled', 'False', 'Progressing', '');
    const plan = outcome.plan!;

    switch (outcome.kind) {
      case 'converged':
        this.setCondition(set, 'Ready', 'True', 'ReconciliationSucceeded', `live state matches revision ${revision}`);
        this.setCondition(set, 'DriftDetected', 'False', 'NoDrift', '');
        if (outcome.mode === 'apply') this.setCondition(set, 'ApplyFailed', 'False', 'NothingToApply', '');
        break;
      case 'applied':
        this.setCondition(set, 'Ready', 'True', 'ReconciliationSucceeded', `applied ${plan.steps} step(s) of revision ${revision}`);
        this.setCondition(set, 'DriftDetected', 'False', 'DriftCorrected', `${plan.steps} step(s) applied`);
        this.setCondition(set, 'ApplyFailed', 'False', 'Applied', '');
        break;
      case 'drift':
        if (outcome.syncWindow) this.setCondition(set, 'Reconciling', 'False', 'SyncWindowClosed', `${outcome.syncWindow.message}: ${plan.steps} step(s) wait`);
        this.setCondition(set, 'Ready', 'False', outcome.syncWindow ? 'SyncWindowClosed' : 'DriftDetected', `${outcome.syncWindow ? `${outcome.syncWindow.message}:` : 'plan-only:'} ${plan.steps} step(s) would change the live state`);
        this.setCondition(set, 'DriftDetected', 'True', 'DriftDetected', driftMessage(plan.stepsByAction));
        break;
      case 'refused': {
        const rules = plan.refusals.map((r) => `${r.rule} (${r.resource}): ${r.message}`).join('; ');
        set.lastError = { at, reason: 'PlanRefused', message: rules };
        this.setCondition(set, 'Ready', 'False', 'PlanRefused', rules);
        this.setCondition(set, 'DriftDetected', 'True', 'DriftDetected', driftMessage(plan.stepsByAction));
        break;
      }
      case 'apply-failed': {
        const failures = (outcome.apply?.failed ?? []).map((f) => `${f.stepId}: ${f.message}`).join('; ');
        set.lastError = { at, reason: 'ApplyFailed', message: failures };
        this.setCondition(set, 'Ready', 'False', 'ApplyFailed', failures);
        this.setCondition(set, 'ApplyFailed', 'True', 'StepsFailed', failures);
        this.setCondition(set, 'DriftDetected', 'True', 'DriftDetected', 'steps failed; the next reconcile retries from the live state');
        break;
      }
    }
    if (outcome.kind === 'converged' || outcome.kind === 'applied') {
      set.lastSuccessfulReconcileTime = at;
      delete set.lastError;
    }
  }

  /** A JSON-ready deep copy. */
  snapshot(): ControllerStatus {
    const regionSets: Record<string, RegionSetStatus> = {};
    for (const name of [...this.sets.keys()].sort()) {
      // The lease as it is now: a lease lost between reconciles must not leave two replicas saying they lead.
      regionSets[name] = { ...this.sets.get(name)!, ...(this.isLeader ? { leader: this.isLeader(name) } : {}), ...this.syncWindows?.(name) };
    }
    const snapshot = structuredClone({ mode: this.mode, ready: this.ready, source: this.source, regionSets });
    return this.redact ? mapStrings(snapshot, this.redact) : snapshot;
  }

  private recordPlan(set: RegionSetStatus, outcome: ReconcileOutcome, at: string): void {
    const plan = outcome.plan;
    if (!plan) return;
    set.lastPlan = {
      revision: outcome.revision,
      reconcileId: outcome.reconcileId,
      at,
      steps: plan.steps,
      stepsByAction: plan.stepsByAction,
      create: plan.summary.create,
      update: plan.summary.update,
      delete: plan.summary.delete,
      route53ChangeBatches: plan.summary.route53ChangeBatches,
      regions: plan.summary.regions,
      refusals: plan.refusals,
      ...(outcome.apply ? { apply: outcome.apply } : {}),
    };
    const regions: Record<string, RegionStatus> = {};
    const codes = new Set([...Object.keys(outcome.desiredRegions ?? {}), ...Object.keys(plan.summary.regions)]);
    const carriedOut = outcome.kind === 'converged' || outcome.kind === 'applied';
    for (const code of [...codes].sort()) {
      const desiredState = outcome.desiredRegions?.[code] ?? 'absent';
      const lastTransition = plan.summary.regions[code] ?? 'unchanged';
      const observed = outcome.regionsObserved?.[code];
      // Health is not read by every reconcile: the last observation stays, with its time.
      const previous = set.regions[code];
      const health = observed?.health ? { health: observed.health, healthObservedAt: at } : previous?.health ? { health: previous.health, ...(previous.healthObservedAt ? { healthObservedAt: previous.healthObservedAt } : {}) } : {};
      regions[code] = {
        desiredState,
        lastTransition,
        lastPlanSteps: plan.stepsByRegion[code] ?? {},
        traffic: trafficOf(desiredState, lastTransition, carriedOut),
        ...(observed?.weight ? { weight: observed.weight } : {}),
        ...health,
      };
    }
    set.regions = regions;
  }

  private setCondition(set: RegionSetStatus, type: ConditionType, status: Condition['status'], reason: string, message: string): void {
    const existing = set.conditions.find((c) => c.type === type);
    const at = this.iso();
    if (!existing) {
      set.conditions.push({ type, status, reason, message, lastTransitionTime: at });
      return;
    }
    if (existing.status !== status) existing.lastTransitionTime = at;
    existing.status = status;
    existing.reason = reason;
    existing.message = message;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

export function condition(set: RegionSetStatus | undefined, type: ConditionType): Condition | undefined {
  return set?.conditions.find((c) => c.type === type);
}

/** "200", or "0 (live 100)" while the record differs, or "200 (no record)" before it exists; "-" without weighted routing. */
export function weightText(weight: RegionStatus['weight']): string {
  if (!weight) return '-';
  // A drained region has no record by design: weight 0 all the same.
  if (weight.live === weight.desired || (weight.live === undefined && weight.desired === 0)) return String(weight.desired);
  return `${weight.desired} (${weight.live === undefined ? 'no record' : `live ${weight.live}`})`;
}

/** "12s ago", "5m ago", "3h ago", or the date for anything older than two days (status command and page). */
export function ageText(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h ago`;
  return iso.slice(0, 10);
}

/** See RegionTraffic. */
export function trafficOf(desiredState: RegionStatus['desiredState'], transition: RegionTransition, carriedOut: boolean): RegionTraffic {
  if (!carriedOut) {
    if (transition === 'joining' || transition === 'draining' || transition === 'leaving') return transition;
    if (transition === 'standby') return 'draining';
  }
  return desiredState === 'active' ? 'serving' : desiredState === 'standby' ? 'standby' : 'drained';
}

function driftMessage(stepsByAction: Partial<Record<StepAction, number>>): string {
  const parts = Object.entries(stepsByAction).map(([action, count]) => `${count} ${action}`);
  return parts.length ? `live state differs from the manifest: ${parts.join(', ')}` : 'live state differs from the manifest';
}
