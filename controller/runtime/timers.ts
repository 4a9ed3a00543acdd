// The controller's pending timers (retries, the wake-up at a sync window's end): on the
// injected clock when there is one (tests), else unref'd real timers; all cancelled at shutdown.

import type { Clock } from '../clock.js';

export class Timers {
  private readonly cancels = new Set<() => void>();

  constructor(private readonly clock?: Clock) {}

  /** Runs fn after ms; returns the cancel function. */
  later(ms: number, fn: () => void): () => void {
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
