// The controller's pending timers (retries, the wake-up at a sync window's end): on the
// injected clock when there is one (tests), else unref'd real timers; all cancelled at shutdown.

import type { Clock } from '../clock.js';

/** setTimeout fires at once for a delay above 2^31-1 ms (24.8 days), such as a sync window that opens next month. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

export class Timers {
  private readonly cancels = new Set<() => void>();

  constructor(private readonly clock?: Clock) {}

  /** Runs fn after ms (at most MAX_DELAY_MS: a later wake-up comes early and is scheduled again by the caller); returns the cancel function. */
  later(delayMs: number, fn: () => void): () => void {
    const ms = Math.min(delayMs, MAX_DELAY_MS);
    const clock = this.clock;
    let cancel: () => void;
    if (clock) {
      const aborted = new AbortController();
      cancel = () => {
        this.cancels.delete(cancel);
        aborted.abort();
      };
      clock.sleep(ms, aborted.signal).then(
        () => {
          this.cancels.delete(cancel);
          fn();
        },
        () => {},
      );
    } else {
      const timer = setTimeout(() => {
        this.cancels.delete(cancel);
        fn();
      }, ms);
      timer.unref();
      cancel = () => {
        this.cancels.delete(cancel);
        clearTimeout(timer);
      };
    }
    this.cancels.add(cancel);
    return cancel;
  }

  cancelAll(): void {
    for (const cancel of [...this.cancels]) cancel();
  }
}
