import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { RateLimiter } from '../../controller/providers/aws/rate-limit.js';

/** Issues every call at once and records when each was let through (virtual ms since start). */
async function servedTimes(limiter: RateLimiter, clock: FakeClock, calls: number): Promise<number[]> {
  const start = clock.now();
  return Promise.all(Array.from({ length: calls }, () => limiter.acquire().then(() => clock.now() - start)));
}

describe('Route 53 rate limiter (token bucket on virtual time)', () => {
  it('spreads 20 calls at 5/s with burst 5 over at least 3 seconds', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 5, burst: 5, clock });
    const times = await servedTimes(limiter, clock, 20);
    expect(Math.max(...times)).toBeGreaterThanOrEqual(3000);
    // The burst goes at once, then one call per 200 ms.
    expect(times.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(times.slice(5)).toEqual(Array.from({ length: 15 }, (_, i) => 200 * (i + 1)));
  });

  it('never lets through more than the bucket allows, so AWS never sees more than rate per second sustained', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 5, burst: 5, clock });
    const times = (await servedTimes(limiter, clock, 40)).sort((a, b) => a - b);
    // Token-bucket bound over every interval: at most burst + rate × length calls.
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) {
        expect(j - i + 1).toBeLessThanOrEqual(5 + (5 * (times[j]! - times[i]!)) / 1000);
      }
    }
    // Once the burst is spent, no 1-second window holds more than 5 calls.
    for (const start of times.slice(5)) {
      expect(times.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(5);
    }
  });

  it('serves callers in arrival order, and a newcomer does not overtake the queue when a token comes back', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
    const start = clock.now();
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, clock });
    const served: string[] = [];
    const ask = (label: string) => limiter.acquire().then(() => served.push(`${label}@${clock.now() - start}`));
    const queued = [ask('a'), ask('b'), ask('c')];
    // d arrives at 2 s, the very moment a token is back, while c is still waiting for it.
    const late = clock.sleep(2000).then(() => ask('d'));
    await clock.advance(0);
    await clock.advance(3000);
    await Promise.all([...queued, late]);
    expect(served).toEqual(['a@0', 'b@1000', 'c@2000', 'd@3000']);
  });

  it('lets a queued caller give up (abort) without blocking the ones behind it', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const abandoned = limiter.acquire(controller.signal);
    const next = limiter.acquire().then(() => clock.now());
    const startedAt = clock.now();
    controller.abort(new Error('reconcile cancelled'));
    await expect(abandoned).rejects.toThrow('reconcile cancelled');
    // The next caller takes the first token that comes back (500 ms at 2/s).
    expect((await next) - startedAt).toBe(500);
    expect(limiter.waiting).toBe(0);
  });

  it('defaults to 5 per second with a burst of 5, and refuses a rate that would never refill', () => {
    const limiter = new RateLimiter({ clock: new FakeClock() });
    expect({ rate: limiter.ratePerSecond, burst: limiter.burst }).toEqual({ rate: 5, burst: 5 });
    expect(() => new RateLimiter({ ratePerSecond: 0 })).toThrow(/ratePerSecond must be a positive number/);
    expect(() => new RateLimiter({ ratePerSecond: 5, burst: 0 })).toThrow(/burst must be at least 1/);
  });
});
