// The counts of one apply, kept in one place so that the progress view and the final line
// cannot disagree: planned from the plan summary, done from the executor's events (steps,
// Route 53 change batches), and the AWS write calls from the target.

import type { ExecEvent } from '../apply/types.js';
import { plural } from '../plan/summary.js';
import type { PlanSummary } from '../plan/types.js';

export class ApplyCounts {
  stepsDone = 0;
  stepsFailed = 0;
  stepsSkipped = 0;
  batchesSent = 0;
  private readonly writeCallsBefore: number;

  /** `writeCallsSoFar` is the target's counter: calls made before the apply (planning) are not counted. */
  constructor(
    readonly planned: Pick<PlanSummary, 'steps' | 'route53ChangeBatches'>,
    private readonly writeCallsSoFar: () => number,
  ) {
    this.writeCallsBefore = writeCallsSoFar();
  }

  onEvent(event: ExecEvent): void {
    if (event.type === 'step-done') this.stepsDone++;
    else if (event.type === 'step-failed') this.stepsFailed++;
    else if (event.type === 'step-skipped') this.stepsSkipped++;
    else if (event.type === 'batch-sent') this.batchesSent++;
  }

  get writeCalls(): number {
    return this.writeCallsSoFar() - this.writeCallsBefore;
  }

  /** "7/15 steps done" */
  stepsText(): string {
    return `${this.stepsDone}/${plural(this.planned.steps, 'step')} done`;
  }

  /** "7/15 steps done, 0 failed, 0 skipped; 2 Route 53 change batches, 9 AWS write calls" */
  describe(): string {
    return (
      `${this.stepsText()}, ${this.stepsFailed} failed, ${this.stepsSkipped} skipped; ` +
      `${plural(this.batchesSent, 'Route 53 change batch', 'Route 53 change batches')}, ${plural(this.writeCalls, 'AWS write call')}`
    );
  }
}
