// The coalescing scheduler with a reconcile function the test finishes by hand: no timers,
// every assertion is about what ran, never about when.
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../controller/runtime/scheduler.js';

interface Run {
  key: string;
  reasons: string[];
  finish(): void;
  fail(error: Error): void;
}

/** A run function whose runs stay open until the test finishes them. */
function controllableRuns() {
  const runs: Run[] = [];
  let active = 0;
  let maxActive = 0;
  const activeByKey = new Map<string, number>();
  let maxPerKey = 0;
  const run = (key: string, reasons: string[]) =>
    new Promise<void>((resolve, reject) => {
      active++;
      maxActive = Math.max(maxActive, active);
      activeByKey.set(key, (activeByKey.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, activeByKey.get(key)!);
      const done = () => {
        active--;
        activeByKey.set(key, activeByKey.get(key)! - 1);
      };
      runs.push({
        key,
        reasons,
        finish: () => {
          done();
          resolve();
        },
        fail: (error) => {
          done();
          reject(error);
        },
      });
    });
  return {
    run,
    runs,
    get maxActive() {
      return maxActive;
    },
    get maxPerKey() {
      return maxPerKey;
    },
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Scheduler', () => {
  it('runs a requested key once', async () => {
    const fake = controllableRuns();
    const scheduler = new Scheduler({ run: fake.run });
    scheduler.request('global-api', 'start-up');
    expect(fake.runs.map((r) => [r.key, r.reasons])).toEqual([['global-api', ['start-up']]]);
    fake.runs[0]!.finish();
    await scheduler.idle();
    expect(fake.runs).toHaveLength(1);
  });

  it('N requests during a run cause exactly one more run, carrying their reasons', async () => {
    const fake = controllableRuns();
    const scheduler = new Scheduler({ run: fake.run });
    scheduler.request('global-api', 'start-up');
    for (let i = 0; i < 25; i++) scheduler.request('global-api', i % 2 === 0 ? 'webhook' : 'resync');
    expect(fake.runs).toHaveLength(1);
    expect(scheduler.isRunning('global-api')).toBe(true);

    fake.runs[0]!.finish();
    await settle();
    expect(fake.runs).toHaveLength(2);
    expect(fake.runs[1]!.reasons.sort()).toEqual(['resync', 'webhook']);

    fake.runs[1]!.finish();
    await scheduler.idle();
    expect(fake.runs).toHaveLength(2);
    expect(fake.maxPerKey).toBe(1);
  });

  it('requests for a key waiting for a slot merge into its one pending run', async () => {
    const fake = controllableRuns();
    const scheduler = new Scheduler({ run: fake.run, concurrency: 1 });
    scheduler.request('a', 'start-up');
    scheduler.request('b', 'start-up');
    scheduler.request('b', 'webhook');
    scheduler.request('b', 'webhook');
    expect(fake.runs.map((r) => r.key)).toEqual(['a']);
    fake.runs[0]!.finish();
    await settle();
    expect(fake.runs.map((r) => r.key)).toEqual(['a', 'b']);
    expect(fake.runs[1]!.reasons).toEqual(['start-up', 'webhook']);
    fake.runs[1]!.finish();
    await scheduler.idle();
    expect(fake.runs).toHaveLength(2);
  });

  it('runs different keys in parallel up to the concurrency bound, one run per key at a time', async () => {
    const fake = controllableRuns();
    const scheduler = new Scheduler({ run: fake.run, concurrency: 2 });
    for (const key of ['a', 'b', 'c', 'd']) scheduler.request(key, 'start-up');
    expect(fake.runs.map((r) => r.key)).toEqual(['a', 'b']);
    scheduler.request('a', 'webhook');
    fake.runs[0]!.finish();
    await settle();
    // 'a' asked again while running: it goes behind c and d, which were waiting first.
    expect(fake.runs.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    fake.runs[1]!.finish();
    await settle();
    fake.runs[2]!.finish();
    await settle();
    expect(fake.runs.map((r) => r.key)).toEqual(['a', 'b', 'c', 'd', 'a']);
    fake.runs[3]!.finish();
    fake.runs[4]!.finish();
    await scheduler.idle();
    expect(fake.maxActive).toBe(2);
    expect(fake.maxPerKey).toBe(1);
  });

  it('a failing run is reported and does not block the key', async () => {
    const fake = controllableRuns();
    const errors: string[] = [];
    const scheduler = new Scheduler({ run: fake.run, onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`) });
    scheduler.request('a', 'start-up');
    scheduler.request('a', 'webhook');
    fake.runs[0]!.fail(new Error('boom'));
    await settle();
    expect(errors).toEqual(['a: boom']);
    expect(fake.runs).toHaveLength(2);
    fake.runs[1]!.finish();
    await scheduler.idle();
  });

  it('drain stops accepting, drops waiting and pending runs, and waits for the running ones', async () => {
    const fake = controllableRuns();
    const scheduler = new Scheduler({ run: fake.run, concurrency: 1 });
    scheduler.request('a', 'start-up');
    scheduler.request('a', 'webhook');
    scheduler.request('b', 'start-up');
    const drained = scheduler.drain(60_000);
    expect(scheduler.request('c', 'webhook')).toBe(false);
    fake.runs[0]!.finish();
    expect(await drained).toEqual({ drained: true, stillRunning: [] });
    expect(fake.runs.map((r) => r.key)).toEqual(['a']);
  });

  it('drain gives up on a run that outlasts the bound and names it', async () => {
    const fake = controllableRuns();
    const scheduler = new Scheduler({ run: fake.run });
    scheduler.request('a', 'start-up');
    expect(await scheduler.drain(0)).toEqual({ drained: false, stillRunning: ['a'] });
    fake.runs[0]!.finish();
  });
});
