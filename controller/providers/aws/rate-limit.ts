// Client-side token bucket in front of Route 53. AWS meters the whole account, not one
// process or one zone, so one limiter per account and process is shared by every provider
// that calls Route 53: listing and changing together stay under the budget instead of
// discovering it through "Throttling: Rate exceeded" (external-dns #1293, #2598).
// Callers are served strictly in arrival order, so a stream of reads cannot starve a
// change batch that is waiting for its turn.

import { realClock, type Clock } from '../../clock.js';

export interface RateLimiterOptions {
  /** Tokens added per second: the sustained request rate. Default 5 (Route 53's historical account limit). */
  ratePerSecond?: number;
  /** Bucket size: requests allowed back to back after a quiet period. Default: ratePerSecond. */
  burst?: number;
  /** Time source; tests pass a FakeClock. */
  clock?: Clock;
}

export const DEFAULT_ROUTE53_RATE_PER_SECOND = 5;

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  detach: () => void;
}

export class RateLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private refilledAt: number;
  private readonly queue: Waiter[] = [];
  private draining = false;

  constructor(options: RateLimiterOptions = {}) {
    this.ratePerSecond = options.ratePerSecond ?? DEFAULT_ROUTE53_RATE_PER_SECOND;
    this.burst = options.burst ?? this.ratePerSecond;
    if (!(this.ratePerSecond > 0) || !Number.isFinite(this.ratePerSecond)) {
      throw new RangeError(`rate limiter: ratePerSecond must be a positive number (got ${String(options.ratePerSecond)})`);
    }
    if (!(this.burst >= 1) || !Number.isFinite(this.burst)) {
      throw new RangeError(`rate limiter: burst must be at least 1 (got ${String(options.burst)})`);
    }
    this.clock = options.clock ?? realClock;
    this.tokens = this.burst;
    this.refilledAt = this.clock.now();
  }

  /** Resolves when the caller may send one request; rejects with the signal's reason if aborted while queued. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    this.refill();
    // A token left over goes to the queue first: no overtaking of earlier callers.
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal!.reason ?? new Error('aborted'));
      };
      const waiter: Waiter = { resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      void this.drain();
    });
  }

  /** Runs call once a token is available. */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    return call();
  }

  /** Callers waiting for a token. */
  get waiting(): number {
    return this.queue.length;
  }

  /** One loop hands out tokens to the queue in order, sleeping until the next token exists. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        this.refill();
        if (this.tokens >= 1) {
          const waiter = this.queue.shift()!;
          this.tokens -= 1;
          waiter.detach();
          waiter.resolve();
          continue;
        }
        // ceil keeps the wait at least 1 ms, so rounding can never spin.
        await this.clock.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond));
      }
    } finally {
      this.draining = false;
    }
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.refilledAt = now;
  }
}
