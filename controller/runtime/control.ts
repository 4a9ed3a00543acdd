// Shared control state of the RegionSets (suspension, break-glass drains, history) on a ControlStore
// (providers/types.ts): read once per reconcile so that every replica sees a suspend made
// through another, and a restart keeps it; written by POST /suspend and /resume; every
// reconcile that planned changes, and every suspend/resume, is appended to the history.
// REGIONCTL_SUSPEND still suspends from the start, in this process only (a resume lifts it).

import type { ControlState, ControlStore, HistoryEntry } from '../providers/types.js';
import { SandboxControlStore } from '../providers/sandbox/control.js';
import type { ReconcileOutcome } from './outcome.js';

export const DEFAULT_HISTORY_LIMIT = 50;

export interface ControlOptions {
  store?: ControlStore;
  /** Suspended from the start in this process (REGIONCTL_SUSPEND). */
  suspended?: Iterable<string>;
  historyLimit?: number;
}

export class RegionSetControl {
  readonly store: ControlStore;
  readonly historyLimit: number;
  private readonly fromConfig: Set<string>;
  private readonly states = new Map<string, ControlState>();

  constructor(options: ControlOptions) {
    this.store = options.store ?? new SandboxControlStore();
    this.historyLimit = Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.fromConfig = new Set(options.suspended ?? []);
  }

  isSuspended(name: string): boolean {
    return this.fromConfig.has(name) || this.states.get(name)?.suspended === true;
  }

  /** The last state read or written (undefined when the store has none). */
  state(name: string): ControlState | undefined {
    return this.states.get(name);
  }

  /** One read of the store (GetItem); throws when the store cannot say. */
  async refresh(name: string): Promise<ControlState | undefined> {
    const state = await this.store.getControl(name);
    if (state) this.states.set(name, state);
    else this.states.delete(name);
    return state;
  }

  /** A suspend or resume: the suspension fields replaced, the rest of the stored state (drains, a sync-window override) kept. */
  async set(name: string, state: ControlState): Promise<void> {
    await this.update(name, (current) => ({ ...current, ...state }));
    if (!state.suspended) this.fromConfig.delete(name);
    await this.store.appendHistory(name, { kind: state.suspended ? 'suspend' : 'resume', at: state.at, trigger: 'manual', by: state.by, reason: state.reason }, this.historyLimit);
  }

  /** Reads the stored state afresh, writes change(it) and keeps it as the last state; returns what was written. */
  async update(name: string, change: (current: ControlState | undefined) => ControlState): Promise<ControlState> {
    const next = change(await this.store.getControl(name));
    await this.store.putControl(name, next);
    this.states.set(name, next);
    return next;
  }

  /** Records an emergency override of the sync windows (keeping the suspension as it is) and appends it to history. */
  async overrideSyncWindows(name: string, override: NonNullable<ControlState['syncWindowOverride']>): Promise<ControlState> {
    const state = await this.update(name, (current) => ({ ...(current ?? { suspended: false, reason: '', by: '', at: 0 }), syncWindowOverride: override }));
    const until = new Date(override.until).toISOString();
    await this.store.appendHistory(name, { kind: 'sync-window-override', at: override.at, trigger: 'manual', by: override.by, reason: `${override.reason} (sync windows lifted until ${until})` }, this.historyLimit);
    return state;
  }

  append(name: string, entry: HistoryEntry): Promise<void> {
    return this.store.appendHistory(name, entry, this.historyLimit);
  }

  history(name: string): Promise<HistoryEntry[]> {
    return this.store.history(name);
  }
}

/** The history entry of a reconcile, or undefined when it planned no change (nothing to record). */
export function historyEntry(outcome: ReconcileOutcome): HistoryEntry | undefined {
  const plan = outcome.plan;
  if (!plan || (plan.steps === 0 && plan.refusals.length === 0)) return undefined;
  if (outcome.kind === 'suspended' || (outcome.kind === 'not-leader' && !outcome.apply)) return undefined;
  const stepsByAction: Record<string, number> = {};
  for (const [action, count] of Object.entries(plan.stepsByAction)) stepsByAction[action] = count ?? 0;
  return {
    kind: 'reconcile',
    at: outcome.startedAt,
    trigger: outcome.reasons.join(', '),
    revision: outcome.revision,
    outcome: outcome.kind,
    reconcileId: outcome.reconcileId,
    durationMs: Math.max(0, outcome.finishedAt - outcome.startedAt),
    plan: { steps: plan.steps, stepsByAction, regions: { ...plan.summary.regions }, refusals: plan.refusals.map((refusal) => `${refusal.rule}: ${refusal.message}`) },
    ...(outcome.steps ? { steps: outcome.steps } : {}),
    ...(outcome.error ? { reason: outcome.error.message } : outcome.syncWindow?.message ? { reason: syncWindowReason(outcome.syncWindow) } : {}),
  };
}

/** Why a plan waited, or applied although a window was closed (who lifted it). */
function syncWindowReason(gate: NonNullable<ReconcileOutcome['syncWindow']>): string {
  if (!gate.overridden) return `not applied: ${gate.message}`;
  return `applied inside a closed sync window (${gate.message}): override by ${gate.overridden.by}, ${gate.overridden.reason}`;
}
