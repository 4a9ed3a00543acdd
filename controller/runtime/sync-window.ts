// The runtime side of sync windows (manifest/sync-windows.ts): each reconcile asks the gate
// whether it may apply now, with the windows of the manifest it loaded and the RegionSet's
// emergency override (the shared control state). Closed: the reconcile plans and reports
// but applies nothing, and the controller wakes it when the window opens. The gate keeps the
// last windows seen per RegionSet so /status and the metrics say how things stand between
// reconciles (active, next change, open or not).

import { closedMessage, evaluateSyncWindows } from '../manifest/sync-windows.js';
import type { SyncWindow } from '../manifest/types.js';
import type { ControlState } from '../providers/types.js';
import type { ControllerMetrics } from './metrics.js';
import type { SyncGate } from './outcome.js';

export type { SyncGate };

export type SyncWindowOverride = NonNullable<ControlState['syncWindowOverride']>;

/** The RegionSet's fields in GET /status (names shared with the status page). */
export interface SyncWindowStatus {
  syncWindows: Array<{ kind: 'deny' | 'allow'; schedule: string; duration: string; timeZone: string; description?: string; active: boolean; nextChange?: string }>;
  syncWindowOpen: boolean;
  syncWindowOverride?: { until: string; reason: string; by: string; at: string };
}

export interface SyncWindowGateOptions {
  now(): number;
  /** The RegionSet's override as last read from the control store. */
  override(regionSet: string): SyncWindowOverride | undefined;
  metrics: ControllerMetrics;
}

export class SyncWindowGate {
  private readonly windows = new Map<string, SyncWindow[]>();

  constructor(private readonly options: SyncWindowGateOptions) {}

  /** May the reconcile of `regionSet`, whose manifest has `windows`, apply now? */
  check(regionSet: string, windows: SyncWindow[]): SyncGate {
    this.windows.set(regionSet, windows);
    const now = this.options.now();
    const verdict = evaluateSyncWindows(windows, now);
    const override = this.activeOverride(regionSet, now);
    this.options.metrics.recordSyncWindow(regionSet, verdict.open || override !== undefined, verdict.open ? undefined : verdict.opensAt);
    if (verdict.open) return { open: true };
    const message = closedMessage(verdict);
    if (override) return { open: true, message, overridden: override };
    return { open: false, message, ...(verdict.opensAt !== undefined ? { opensAt: verdict.opensAt } : {}) };
  }

  /** The windows as they stand now, for /status; undefined before the RegionSet's manifest was loaded. */
  status(regionSet: string): SyncWindowStatus | undefined {
    const windows = this.windows.get(regionSet);
    if (!windows) return undefined;
    const now = this.options.now();
    const verdict = evaluateSyncWindows(windows, now);
    const override = this.activeOverride(regionSet, now);
    return {
      syncWindows: verdict.windows.map(({ window, active, nextChange }) => ({
        kind: window.kind,
        schedule: window.schedule,
        duration: window.duration,
        timeZone: window.timeZone,
        ...(window.description !== undefined ? { description: window.description } : {}),
        active,
        ...(nextChange !== undefined ? { nextChange: new Date(nextChange).toISOString() } : {}),
      })),
      syncWindowOpen: verdict.open || override !== undefined,
      ...(override ? { syncWindowOverride: { ...override, until: new Date(override.until).toISOString(), at: new Date(override.at).toISOString() } } : {}),
    };
  }

  /** RegionSets no longer in the source are forgotten. */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const name of [...this.windows.keys()]) if (!keep.has(name)) this.windows.delete(name);
  }

  private activeOverride(regionSet: string, now: number): SyncWindowOverride | undefined {
    const override = this.options.override(regionSet);
    return override && override.until > now ? override : undefined;
  }
}

/** --for of an override: a duration of at most a day (an emergency, not a new policy). */
export const MAX_OVERRIDE_MS = 24 * 3_600_000;
export const DEFAULT_OVERRIDE_MS = 3_600_000;
