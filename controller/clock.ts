// One clock for everything that waits: executor polls, ramp steps, drain waits and sandbox
// latencies. Tests drive a FakeClock; the sandbox CLI runs an accelerated ScaledClock.

export interface Clock {
  /** Milliseconds since the epoch, in this clock's time. */
  now(): number;
  /** Resolves after ms of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => scaledSleep(ms, 1, signal),
};

function scaledSleep(ms: number, speed: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms / speed));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Real time run `speed` times faster, starting at `start` (e.g. a sandbox's saved time). */
export class ScaledClock implements Clock {
  private readonly realStart = Date.now();
  constructor(private readonly speed: number, private readonly start = Date.now()) {}
  now(): number {
    return Math.floor(this.start + (Date.now() - this.realStart) * this.speed);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return scaledSleep(ms, this.speed, signal);
  }
}

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Virtual time for tests. With autoAdvance (the default), whenever every task is asleep
 * the clock jumps to the earliest wake-up, so hours of waits run in milliseconds and in
 * the order real time would give. Without it, only advance() moves time.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];
  private scheduled = false;

  constructor(start = Date.UTC(2026, 0, 1), private readonly autoAdvance = true) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const sleeper: Sleeper = { at: this.current + Math.max(0, ms), seq: this.seq++, resolve };
      sleeper.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
      this.scheduleAutoAdvance();
    });
  }

  /** Moves time forward by ms, waking every sleeper due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > target) break;
      this.wake(next);
      await flushMicrotasks();
    }
    this.current = Math.max(this.current, target);
  }

  /** When the earliest sleeper wakes (undefined: nobody sleeps); lets a test step from one wake-up to the next. */
  get nextWakeAt(): number | undefined {
    return this.earliest()?.at;
  }

  /** Number of tasks asleep on this clock. */
  get pending(): number {
    return this.sleepers.length;
  }

  private earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.sleepers) if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    return best;
  }

  private wake(sleeper: Sleeper): void {
    this.sleepers = this.sleepers.filter((s) => s !== sleeper);
    this.current = Math.max(this.current, sleeper.at);
    sleeper.resolve();
  }

  private scheduleAutoAdvance(): void {
    if (!this.autoAdvance || this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after all pending promise work: only then is everybody asleep.
    setImmediate(() => {
      this.scheduled = false;
      const next = this.earliest();
      if (!next) return;
      this.wake(next);
      if (this.sleepers.length > 0) this.scheduleAutoAdvance();
    });
  }
}

async function flushMicrotasks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}
