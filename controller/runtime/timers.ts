// The controller's timers (retries, the end of a break-glass drain): on the injected clock
// when there is one (tests drive it), else real unref'd timers; all cancelled at shutdown.

import type { Clock } from '../clock.js';

export class Timers {
  private readonly pending = new Set<() => void>();
  private stopped = false;

  constructor(private readonly clock?: Clock) {}

  /** Runs fn after ms; returns the cancel function. After stop() nothing is scheduled. */
  later(ms: number, fn: () => void): () => void {
    if (this.stopped) return () => {};
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
