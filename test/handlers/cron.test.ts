import cron from 'node-cron';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_RESYNC_SCHEDULE, ResyncScheduleError, parseResyncSchedule, startResync, type ResyncScheduler } from '../../handlers/cron.js';

/** A scheduler whose ticks the test fires by hand. */
function manualScheduler() {
  const jobs: Array<{ kind: 'cron' | 'every'; spec: string | number; tick: () => void; stopped: boolean }> = [];
  const scheduler: ResyncScheduler = {
    cron(expression, tick) {
      const job = { kind: 'cron' as const, spec: expression, tick, stopped: false };
      jobs.push(job);
      return { stop: () => void (job.stopped = true) };
    },
    every(ms, tick) {
      const job = { kind: 'every' as const, spec: ms, tick, stopped: false };
      jobs.push(job);
      return { stop: () => void (job.stopped = true) };
    },
  };
  return { scheduler, jobs };
}

describe('resync schedule', () => {
  it('defaults to every 5 minutes by cron, and accepts 6-field expressions with seconds', () => {
    expect(DEFAULT_RESYNC_SCHEDULE).toBe('*/5 * * * *');
    expect(parseResyncSchedule('*/5 * * * *')).toEqual({ kind: 'cron', expression: '*/5 * * * *' });
    expect(parseResyncSchedule(' 0 */2 * * * ')).toEqual({ kind: 'cron', expression: '0 */2 * * *' });
    expect(parseResyncSchedule('*/30 * * * * *')).toEqual({ kind: 'cron', expression: '*/30 * * * * *' });
  });

  it('reads 30s, 5m and 1h30m as intervals', () => {
    expect(parseResyncSchedule('30s')).toEqual({ kind: 'interval', ms: 30_000 });
    expect(parseResyncSchedule('5m')).toEqual({ kind: 'interval', ms: 300_000 });
    expect(parseResyncSchedule('1h30m')).toEqual({ kind: 'interval', ms: 5_400_000 });
  });

  it('refuses a bad expression with a message that says what is wrong and what to write', () => {
    expect(() => parseResyncSchedule('61 * * * *')).toThrow(ResyncScheduleError);
    expect(() => parseResyncSchedule('61 * * * *')).toThrow('resync schedule "61 * * * *" is neither an interval (30s, 5m, 1h30m) nor a cron expression (minute: 61 is a invalid expression for minute); for every 5 minutes write */5 * * * * or 5m');
    expect(() => parseResyncSchedule('every 5 minutes')).toThrow(/is neither an interval .* nor a cron expression/);
    expect(() => parseResyncSchedule('5 minutes')).toThrow(ResyncScheduleError);
    expect(() => parseResyncSchedule('5mins')).toThrow('resync schedule "5mins" is not an interval: write it like 30s, 5m or 1h30m');
    expect(() => parseResyncSchedule('0s')).toThrow('resync interval "0s" is shorter than 1s');
    expect(() => startResync('* * *', () => {})).toThrow(/expected 5 or 6 fields but got 3/);
  });
});

describe('startResync', () => {
  it('calls onTick on every tick until stopped', () => {
    const { scheduler, jobs } = manualScheduler();
    let ticks = 0;
    const resync = startResync(undefined, () => void ticks++, scheduler);
    expect(jobs).toMatchObject([{ kind: 'cron', spec: '*/5 * * * *' }]);
    jobs[0]!.tick();
    jobs[0]!.tick();
    expect(ticks).toBe(2);
    resync.stop();
    expect(jobs[0]!.stopped).toBe(true);
    jobs[0]!.tick(); // a tick already under way when stop() was called
    expect(ticks).toBe(2);
  });

  it('runs an interval on a timer', () => {
    const { scheduler, jobs } = manualScheduler();
    startResync('90s', () => {}, scheduler);
    expect(jobs).toMatchObject([{ kind: 'every', spec: 90_000 }]);
  });

  it('keeps ticking after onTick throws or rejects', () => {
    const { scheduler, jobs } = manualScheduler();
    let calls = 0;
    startResync('5m', () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      if (calls === 2) return Promise.reject(new Error('later boom')) as unknown as void;
    }, scheduler);
    for (let i = 0; i < 3; i++) jobs[0]!.tick();
    expect(calls).toBe(3);
  });

  it('fires on a real every-second cron schedule through node-cron, and stop() ends that node-cron task', async () => {
    const existing = new Set(cron.getTasks().keys());
    let ticks = 0;
    let resync: { stop(): void } | undefined;
    await new Promise<void>((resolve) => {
      resync = startResync('* * * * * *', () => {
        ticks++;
        resolve();
      });
    });
    const ours = [...cron.getTasks().values()].filter((task) => !existing.has(task.id));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.getStatus()).not.toBe('destroyed');
    expect(ticks).toBeGreaterThanOrEqual(1);
    resync!.stop();
    await vi.waitFor(() => expect(ours[0]!.getStatus()).toBe('destroyed'));
  });
});
