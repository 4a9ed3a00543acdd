// The controller's pending timers (retries, the end of a break-glass drain, the wake-up at a
// sync window's end): on the injected clock when there is one (tests drive it), else unref'd
// real timers; all cancelled at shutdown.

import type { Clock } from '../clock.js';

/** setTimeout fires at once for a delay above 2^31-1 ms (24.8 days), such as a sync window that opens next month. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

export class Timers {
  private readonly pending = new Set<() => void>();
  private stopped = false;

  constructor(private readonly clock?: Clock) {}

  /**
   * Runs fn after ms (at most MAX_DELAY_MS: a later wake-up comes early and is scheduled again
   * by the caller); returns the cancel function. After stop() nothing is scheduled.
   */
  later(delayMs: number, fn: () => void): () => void {
    if (this.stopped) return () => {};
    const ms = Math.min(delayMs, MAX_DELAY_MS);
    const clock = this.clock;
    let cancel: () => void;
    if (clock) {
      const aborted = new AbortController();
      cancel = () => {
        this.pending.delete(cancel);
        aborted.abort();
      };
      clock.sleep(ms, aborted.signal).then(
        () => {
          this.pending.delete(cancel);
          fn();
        },
        () => {},
      );
    } else {
      const timer = setTimeout(() => {
        this.pending.delete(cancel);
        fn();
      }, ms);
      timer.unref();
      cancel = () => {
        this.pending.delete(cancel);
        clearTimeout(timer);
      };
    }
    this.pending.add(cancel);
    return cancel;
  }

  /** Cancels every pending timer; later() schedules nothing from now on. */
  stop(): void {
    this.stopped = true;
    for (const cancel of [...this.pending]) cancel();
    this.pending.clear();
  }
}
