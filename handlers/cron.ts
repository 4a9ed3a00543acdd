// The periodic resync: every tick asks for a sync and reconcile, which also catches drift
// made by hand in AWS. onTick only schedules work (the runtime coalesces it).
//
// The schedule is either a cron expression for node-cron (5 fields, or 6 with seconds
// first: '*/5 * * * *' is every 5 minutes) or an interval such as 30s, 5m, 1h30m. An
// interval runs on a plain timer from the moment the resync starts (not aligned to the
// clock): cron cannot say "every 7 minutes" or "every 90 seconds" exactly, a timer can.

import cron from 'node-cron';
import { parseDuration } from '../controller/manifest/duration.js';

export const DEFAULT_RESYNC_SCHEDULE = '*/5 * * * *';
/** Shortest interval accepted: a resync lists AWS state, and AWS throttles. */
const MIN_RESYNC_INTERVAL_MS = 1_000;

export interface Resync {
  stop(): void;
}

/** What startResync needs from a scheduler; tests inject one whose ticks they fire. */
export interface ResyncScheduler {
  cron(expression: string, tick: () => void): { stop(): void };
  every(ms: number, tick: () => void): { stop(): void };
}

export type ResyncSchedule = { kind: 'cron'; expression: string } | { kind: 'interval'; ms: number };

export class ResyncScheduleError extends Error {
  override readonly name = 'ResyncScheduleError';
}

/** Reads a schedule as an interval (30s, 5m, 1h30m) or a cron expression; throws ResyncScheduleError saying what is wrong. */
export function parseResyncSchedule(schedule: string): ResyncSchedule {
  const text = schedule.trim();
  if (/^\d+[hms]/.test(text) && !/\s/.test(text)) {
    const ms = parseDuration(text);
    if (ms === undefined) throw new ResyncScheduleError(`resync schedule "${schedule}" is not an interval: write it like 30s, 5m or 1h30m, or as a cron expression such as ${DEFAULT_RESYNC_SCHEDULE}`);
    if (ms < MIN_RESYNC_INTERVAL_MS) throw new ResyncScheduleError(`resync interval "${schedule}" is shorter than 1s`);
    return { kind: 'interval', ms };
  }
  const validation = cron.validateDetailed(text);
  if (!validation.valid) {
    const why = validation.errors.map((e) => (e.field === 'expression' ? e.message : `${e.field}: ${e.message}`)).join('; ');
    throw new ResyncScheduleError(
      `resync schedule "${schedule}" is neither an interval (30s, 5m, 1h30m) nor a cron expression (${why}); for every 5 minutes write ${DEFAULT_RESYNC_SCHEDULE} or 5m`,
    );
  }
  return { kind: 'cron', expression: text };
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };

const realScheduler: ResyncScheduler = {
  cron(expression, tick) {
    // node-cron's own logger writes to the console; the runtime logs JSON, and a missed
    // tick (process paused) needs no warning: the next one resyncs anyway.
    const task = cron.schedule(expression, tick, { noOverlap: true, logger: silent, suppressMissedWarning: true, unref: true });
    return {
      stop() {
        void task.destroy();
      },
    };
  },
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  },
};

/**
 * Calls onTick on the schedule until stop(). A throwing onTick is contained so one bad
 * tick never stops the resync. Timers are unref'd: the resync alone keeps no process alive.
 */
export function startResync(schedule: string = DEFAULT_RESYNC_SCHEDULE, onTick: () => void, scheduler: ResyncScheduler = realScheduler): Resync {
  const parsed = parseResyncSchedule(schedule);
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    try {
      const result: unknown = onTick();
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // The runtime reports its own failures; a resync tick has nobody to report to.
    }
  };
  const handle = parsed.kind === 'cron' ? scheduler.cron(parsed.expression, tick) : scheduler.every(parsed.ms, tick);
  return {
    stop() {
      stopped = true;
      handle.stop();
    },
  };
}
