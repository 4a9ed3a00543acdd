// Coalescing work scheduler: one run per key at a time, and any number of requests that
// arrive while a key runs cause exactly one more run after it (with all their reasons).
// Different keys run in parallel up to `concurrency`; keys waiting for a slot go in
// first-come order. Level-triggered reconciles make this safe: a run always looks at the
// newest revision and live state, so one run after a burst sees everything the burst asked for.

export type RunFunction = (key: string, reasons: string[]) => Promise<void>;

export interface SchedulerOptions {
  run: RunFunction;
  /** Keys running at once (default 4). */
  concurrency?: number;
  /** A run threw (the run function should report its own failures; this is the last resort). */
  onError?: (key: string, error: unknown) => void;
}

interface KeyState {
  /** Queued for a slot, or running. */
  phase: 'queued' | 'running';
  /** Reasons of the run that starts next (queued) or of the one more run after this (running). */
  reasons: string[];
  /** Running with a request pending: run once more afterwards. */
  again: boolean;
}

export interface DrainResult {
  /** True when every running key finished within the bound. */
  drained: boolean;
  /** Keys still running when the bound passed. */
  stillRunning: string[];
}

export class Scheduler {
  private readonly keys = new Map<string, KeyState>();
  private readonly waiting: string[] = [];
  private readonly runningRuns = new Map<string, Promise<void>>();
  private readonly concurrency: number;
  private accepting = true;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: SchedulerOptions) {
    this.concurrency = options.concurrency ?? 4;
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) {
      throw new Error(`scheduler concurrency must be a whole number of at least 1 (got ${options.concurrency})`);
    }
  }

  /** Asks for a run of `key`; returns false once draining (the request is dropped). */
  request(key: string, reason: string): boolean {
    if (!this.accepting) return false;
    const state = this.keys.get(key);
    if (!state) {
      this.keys.set(key, { phase: 'queued', reasons: [reason], again: false });
      this.waiting.push(key);
      this.pump();
      return true;
    }
    if (!state.reasons.includes(reason)) state.reasons.push(reason);
    if (state.phase === 'running') state.again = true;
    return true;
  }

  isRunning(key: string): boolean {
    return this.keys.get(key)?.phase === 'running';
  }

  /** True when the key runs or waits for a slot. */
  isScheduled(key: string): boolean {
    return this.keys.has(key);
  }

  get running(): string[] {
    return [...this.runningRuns.keys()];
  }

  get accepts(): boolean {
    return this.accepting;
  }

  /** Resolves once nothing runs and nothing waits (for tests and one-shot use). */
  idle(): Promise<void> {
    if (this.keys.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Shutdown: stops accepting, drops runs not yet started (and the one-more-runs), and
   * waits for the running ones at most `timeoutMs` of real time.
   */
  async drain(timeoutMs: number): Promise<DrainResult> {
    this.accepting = false;
    for (const key of this.waiting.splice(0)) this.keys.delete(key);
    for (const state of this.keys.values()) state.again = false;
    this.notifyIdle();
    const runs = [...this.runningRuns.values()];
    if (runs.length === 0) return { drained: true, stillRunning: [] };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
    });
    const finished = await Promise.race([Promise.allSettled(runs).then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    return finished === 'done' ? { drained: true, stillRunning: [] } : { drained: false, stillRunning: this.running };
  }

  private pump(): void {
    while (this.runningRuns.size < this.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      const state = this.keys.get(key);
      if (!state) continue;
      this.start(key, state);
    }
  }

  private start(key: string, state: KeyState): void {
    const reasons = state.reasons;
    state.phase = 'running';
    state.reasons = [];
    state.again = false;
    const run = (async () => {
      try {
        await this.options.run(key, reasons);
      } catch (error) {
        this.options.onError?.(key, error);
      }
    })().finally(() => this.finish(key));
    this.runningRuns.set(key, run);
  }

  private finish(key: string): void {
    this.runningRuns.delete(key);
    const state = this.keys.get(key);
    if (state?.again && this.accepting) {
      // Back of the line: a busy key must not starve the others waiting for a slot.
      state.phase = 'queued';
      state.again = false;
      this.waiting.push(key);
    } else {
      this.keys.delete(key);
    }
    this.pump();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.keys.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
