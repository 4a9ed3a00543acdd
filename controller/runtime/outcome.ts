// What one reconcile of one RegionSet returns: the status store and the metrics are both
// fed from this value, so they can never tell different stories.

import type { RegionState } from '../manifest/types.js';
import type { ControlState, HistoryStep } from '../providers/types.js';
import type { PlanSummary, Refusal, RegionTransition, StepAction } from '../plan/types.js';
import type { EndedOverride } from '../plan/overrides.js';
import type { RegionObservation } from './regions-observed.js';

export type RunMode = 'apply' | 'plan-only';

export type OutcomeKind =
  /** The live state already matched: nothing to do. */
  | 'converged'
  /** Steps were executed and all succeeded. */
  | 'applied'
  /** plan-only, or inside a closed sync window: the plan has steps (the live state differs from the manifest); nothing written. */
  | 'drift'
  /** The guardrails refused the plan; nothing written. */
  | 'refused'
  /** Some steps failed (the others ran or were skipped). */
  | 'apply-failed'
  /** The manifest is invalid: a person must fix it. No AWS call was made. */
  | 'stalled'
  /** Anything else went wrong (AWS unreachable, throttled, zone missing...); retried after 30 s (a third of the lease with a lease table), doubling up to 10 min. */
  | 'error'
  /** Shutdown began mid-apply: the running steps finished, no new one started. */
  | 'interrupted'
  /** Suspended: skipped without reading anything. */
  | 'suspended'
  /** Another replica holds the RegionSet's lease: skipped; looked at again when that lease would end. */
  | 'not-leader';

export interface PlanReport {
  steps: number;
  stepsByAction: Partial<Record<StepAction, number>>;
  summary: PlanSummary;
  refusals: Refusal[];
  /** Per region: the actions the plan has for it. */
  stepsByRegion: Record<string, Partial<Record<StepAction, number>>>;
}

export interface ApplyReport {
  completed: number;
  failed: Array<{ stepId: string; message: string }>;
  skipped: number;
  notStarted: number;
  aborted: boolean;
  /** Clock time the executor ran. */
  elapsedMs: number;
}

/** A manifest problem with its place in the file (ManifestIssue without the pointer). */
export interface IssueReport {
  /** Relative to the source root. */
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

/** What the sync windows tell a reconcile (runtime/sync-window.ts), kept in its outcome. */
export interface SyncGate {
  open: boolean;
  /** Closed, or open only thanks to the override: which window and until when ("deny window 'x' until …Z"). */
  message?: string;
  /** Closed: when applying opens again (ms since epoch); absent when not within a year. */
  opensAt?: number;
  /** Open although a window is closed: the override that lifts it. */
  overridden?: NonNullable<ControlState['syncWindowOverride']>;
}

export interface ReconcileOutcome {
  regionSet: string;
  reconcileId: string;
  revision: string;
  mode: RunMode;
  kind: OutcomeKind;
  /** Why the reconcile ran (webhook, resync, start-up...). */
  reasons: string[];
  /** Manifest file, relative to the source root. */
  file: string;
  /** Wall-clock ms since epoch. */
  startedAt: number;
  finishedAt: number;
  /** The manifest's regions and their desired states (absent when the manifest did not load). */
  desiredRegions?: Record<string, RegionState>;
  plan?: PlanReport;
  /** Per region: weight and health as this reconcile read them or its apply set them (runtime/regions-observed.ts). */
  regionsObserved?: Record<string, RegionObservation>;
  apply?: ApplyReport;
  /** Each step of the apply with its outcome and executor timings, in plan order (history only; not in /status). */
  steps?: HistoryStep[];
  issues?: IssueReport[];
  /** One line, secrets already scrubbed by the reconciler. */
  /** `stalled`: a person must act (errors.ts classifyError); otherwise it passes on its own. */
  error?: { name: string; message: string; stalled?: boolean };
  /** Fencing token of the lease this reconcile held (0 without a lease table). */
  fencingToken?: number;
  /** The plan had steps and the sync windows were consulted: closed (kind drift, nothing applied) or lifted by an override (runtime/sync-window.ts). */
  syncWindow?: SyncGate;
  /** RegionSets with an inventory record in the zone listing this reconcile read (orphan detection, no extra call). */
  inventories?: { zone: string; found: Array<{ regionSet: string; file?: string }> };
  /** Break-glass drains (plan/overrides.ts): the regions this plan drained by override, and the overrides that ended. */
  overrides?: { applied: string[]; ended: EndedOverride[] };
}

export type { RegionTransition };
