// Sync windows (change freezes), as Argo CD defines them: inside any active deny window
// nothing is applied; when the RegionSet has allow windows, changes apply only inside one of
// them; deny wins over allow. A window is active from an occurrence of its cron schedule
// (in its own IANA time zone; cron-parser handles the DST changes) for its duration, end
// excluded. Pure: the caller passes the time.

import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from './duration.js';
import { encodePointer } from './positions.js';
import type { PointedIssue } from './schema-errors.js';
import type { ManifestSyncWindow, SyncWindow } from './types.js';

/** How far ahead the next opening is looked for; a schedule that never opens within it reports none. */
const HORIZON_MS = 366 * 24 * 3_600_000;
/** Bound on the occurrences chained together (a schedule that starts again before its window ends). */
const MAX_CHAIN = 1_000;

export interface WindowState {
  window: SyncWindow;
  active: boolean;
  /** Active: when it ends (chained occurrences included); inactive: when it next starts. Undefined: never (within a year). */
  nextChange?: number;
}

export interface SyncVerdict {
  /** Applying is allowed now. */
  open: boolean;
  windows: WindowState[];
  /** Closed: the window that closes it (the active deny, or the first allow window when none is active). */
  closedBy?: SyncWindow;
  /** Closed: when applying is allowed again; undefined when it does not open within a year. */
  opensAt?: number;
}

/** The window as people name it: its description, else kind, schedule and time zone. */
export function windowName(window: SyncWindow): string {
  return window.description ?? `${window.kind} ${window.schedule} ${window.timeZone}`;
}

/** One line for conditions, CLI refusals and logs: "deny window 'quarter close' until 2026-…Z". */
export function closedMessage(verdict: SyncVerdict): string {
  const until = verdict.opensAt !== undefined ? `until ${new Date(verdict.opensAt).toISOString()}` : 'with no opening within a year';
  const window = verdict.closedBy;
  if (!window) return '';
  return window.kind === 'deny' ? `deny window '${windowName(window)}' ${until}` : `outside every allow window (first: '${windowName(window)}') ${until}`;
}

/** The RegionSets among `sets` whose sync windows are closed at `now`, each with the window and when it opens (CLI apply and diff). */
export function closedSyncWindows(sets: ReadonlyArray<{ name: string; syncWindows: readonly SyncWindow[] }>, now: number): Array<{ regionSet: string; message: string }> {
  return sets.flatMap((set) => {
    const verdict = evaluateSyncWindows(set.syncWindows, now);
    return verdict.open ? [] : [{ regionSet: set.name, message: closedMessage(verdict) }];
  });
}

/** The state of each window and whether applying is allowed at `now`. */
export function evaluateSyncWindows(windows: readonly SyncWindow[], now: number): SyncVerdict {
  const states = windows.map((window) => windowState(window, now));
  const verdict = decide(states);
  if (verdict.open) return { open: true, windows: states };
  // Step from change to change (a window starting or ending) until applying is allowed.
  let at = now;
  let opensAt: number | undefined;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const next = Math.min(...windows.map((window) => windowState(window, at).nextChange ?? Infinity));
    if (!Number.isFinite(next) || next - now > HORIZON_MS) break;
    at = next;
    if (decide(windows.map((window) => windowState(window, at))).open) {
      opensAt = at;
      break;
    }
  }
  return { open: false, windows: states, ...(verdict.closedBy ? { closedBy: verdict.closedBy } : {}), ...(opensAt !== undefined ? { opensAt } : {}) };
}

function decide(states: WindowState[]): { open: boolean; closedBy?: SyncWindow } {
  const deny = states.find((s) => s.window.kind === 'deny' && s.active);
  if (deny) return { open: false, closedBy: deny.window };
  const allows = states.filter((s) => s.window.kind === 'allow');
  if (allows.length > 0 && !allows.some((s) => s.active)) return { open: false, closedBy: allows[0]!.window };
  return { open: true };
}

/** Active when the occurrence that started most recently (start ≤ now) has not ended (now < start + duration). */
export function windowState(window: SyncWindow, now: number): WindowState {
  // prev() is strictly before currentDate: one millisecond later makes a start at `now` count.
  const before = CronExpressionParser.parse(window.schedule, { tz: window.timeZone, currentDate: new Date(now + 1) });
  const started = before.hasPrev() ? before.prev().getTime() : undefined;
  const after = CronExpressionParser.parse(window.schedule, { tz: window.timeZone, currentDate: new Date(now) });
  const nextStart = (): number | undefined => (after.hasNext() ? after.next().getTime() : undefined);
  if (started === undefined || started + window.durationMs <= now) {
    const start = nextStart();
    return { window, active: false, ...(start !== undefined && start - now <= HORIZON_MS ? { nextChange: start } : {}) };
  }
  // An occurrence that starts before (or as) this one ends extends the window.
  let end = started + window.durationMs;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const start = nextStart();
    if (start === undefined || start > end) return { window, active: true, nextChange: end };
    end = Math.max(end, start + window.durationMs);
    if (end - now > HORIZON_MS) break;
  }
  return { window, active: true };
}

/** What the schema cannot check: a 5-field cron schedule, a known time zone, a duration above zero. */
export function syncWindowIssues(written: readonly ManifestSyncWindow[] | undefined): PointedIssue[] {
  const issues: PointedIssue[] = [];
  (written ?? []).forEach((window, index) => {
    const pointer = (key: string) => encodePointer(['spec', 'syncWindows', index, key]);
    const fields = window.schedule.trim().split(/\s+/);
    let cronError: string | undefined;
    if (fields.length !== 5) cronError = `has ${fields.length} field${fields.length === 1 ? '' : 's'}`;
    else {
      try {
        CronExpressionParser.parse(window.schedule, { tz: 'UTC', strict: false });
      } catch (error) {
        cronError = `is not valid (${error instanceof Error ? error.message : String(error)})`;
      }
    }
    if (cronError) {
      issues.push({
        rule: 'sync-window-schedule',
        pointer: pointer('schedule'),
        message: `syncWindows[${index}].schedule "${window.schedule}" ${cronError}; write five cron fields, minute hour day-of-month month day-of-week, such as "0 22 * * 5" (Fridays 22:00)`,
      });
    }
    if (!isTimeZone(window.timeZone)) {
      issues.push({
        rule: 'sync-window-time-zone',
        pointer: pointer('timeZone'),
        message: `syncWindows[${index}].timeZone "${window.timeZone}" is not an IANA time zone this runtime knows; write one such as Europe/Berlin, America/New_York or UTC`,
      });
    }
    if ((parseDuration(window.duration) ?? 0) === 0) {
      issues.push({
        rule: 'sync-window-duration',
        pointer: pointer('duration'),
        message: `syncWindows[${index}].duration is ${window.duration}, so the window would never be active; give it a length such as 1h or 2h30m`,
      });
    }
  });
  return issues;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

