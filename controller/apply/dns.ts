// Route 53 changes, batched per hosted zone. DNS steps that become ready together (within
// one turn of the clock) go out in as few ChangeResourceRecordSets calls as the limits
// allow; one zone has one call in flight at a time (Route 53 answers concurrent changes
// with PriorRequestNotComplete). A batch is atomic, so a failed batch fails all its steps.

import { batchRecordChanges } from '../plan/batch.js';
import type { RecordTemplate } from '../plan/types.js';
import type { ChangeStatus, RecordChange } from '../providers/types.js';
import { call, pollUntil, StepFailure, type ExecutionContext } from './context.js';
import { resolveRecord } from './resolve.js';

interface PendingChange {
  action: RecordChange['action'];
  template: RecordTemplate;
  /** Step id, or a description for changes that are not steps (rollbacks). */
  label: string;
  stepId?: string;
  /** Done once Route 53 accepted the change (no wait for INSYNC). */
  acceptedIsEnough: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

// Route 53 caps the change comment at 256 characters.
const MAX_COMMENT = 256;

export class DnsBatcher {
  private readonly zones = new Map<string, ZoneQueue>();

  constructor(private readonly ctx: ExecutionContext) {}

  /**
   * Resolves when the change is INSYNC (or, with acceptedIsEnough, as soon as Route 53
   * accepted it); rejects with the reason its batch failed.
   */
  submit(
    zoneId: string,
    action: RecordChange['action'],
    template: RecordTemplate,
    label: string,
    stepId?: string,
    acceptedIsEnough = false,
  ): Promise<void> {
    let zone = this.zones.get(zoneId);
    if (!zone) {
      zone = new ZoneQueue(this.ctx, zoneId);
      this.zones.set(zoneId, zone);
    }
    return zone.submit(action, template, label, stepId, acceptedIsEnough);
  }
}

class ZoneQueue {
  private pending: PendingChange[] = [];
  private collecting = false;
  private sending = false;

  constructor(private readonly ctx: ExecutionContext, private readonly zoneId: string) {}

  submit(action: RecordChange['action'], template: RecordTemplate, label: string, stepId: string | undefined, acceptedIsEnough: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ action, template, label, acceptedIsEnough, resolve, reject, ...(stepId ? { stepId } : {}) });
      this.collect();
    });
  }

  /**
   * Waits one turn of the clock before sending, so that steps made ready by the same
   * completions join the batch. A zero sleep on the clock (not setImmediate) keeps virtual
   * time from jumping ahead while changes are waiting to go out.
   */
  private collect(): void {
    if (this.collecting || this.sending) return;
    this.collecting = true;
    void this.ctx.clock.sleep(0).then(() => {
      this.collecting = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const items = this.pending.splice(0);
    if (items.length === 0) return;
    this.sending = true;
    const waits: Promise<void>[] = [];
    try {
      const ready = await this.resolveAll(items);
      let batches: Array<typeof ready> = [];
      try {
        batches = ready.length > 0 ? groupIntoBatches(ready) : [];
      } catch (error) {
        for (const entry of ready) entry.item.reject(error);
      }
      for (const batch of batches) waits.push((await this.send(batch)).insync);
    } finally {
      this.sending = false;
      if (this.pending.length > 0) this.collect();
    }
    await Promise.all(waits);
  }

  /**
   * Records whose values cannot be resolved fail alone, and so do the deletes at their name
   * (a swap's delete, ready together with its create, must never go out without it: the
   * name would lose a failover role or location). Everything else still goes out.
   */
  private async resolveAll(items: PendingChange[]): Promise<Array<{ item: PendingChange; change: RecordChange }>> {
    const unresolved = new Map<string, string>();
    const resolved = await Promise.all(
      items.map(async (item) => {
        try {
          return { item, change: { action: item.action, record: await resolveRecord(this.ctx, item.template) } };
        } catch (error) {
          item.reject(error);
          unresolved.set(item.template.name.toLowerCase(), item.label);
          return undefined;
        }
      }),
    );
    return resolved.filter((entry): entry is { item: PendingChange; change: RecordChange } => {
      if (entry === undefined) return false;
      const failed = unresolved.get(entry.item.template.name.toLowerCase());
      if (failed === undefined || entry.item.action !== 'DELETE') return true;
      entry.item.reject(new StepFailure(`not sent: ${failed} at the same name could not be resolved, and a delete never goes out without the changes ready beside it`));
      return false;
    });
  }

  /**
   * Sends one batch; returns (wrapped, so that awaiting the send does not await it) the
   * wait for the change to be INSYNC, which settles the batch's items.
   */
  private async send(batch: Array<{ item: PendingChange; change: RecordChange }>): Promise<{ insync: Promise<void> }> {
    const items = batch.map((entry) => entry.item);
    const labels = items.map((item) => item.label);
    const comment = `regionctl ${this.ctx.regionSet}: ${labels.join(', ')}`.slice(0, MAX_COMMENT);
    let answer: { id: string; status: ChangeStatus };
    try {
      answer = await call(this.ctx, `ChangeResourceRecordSets on zone ${this.zoneId} (${batch.length} change(s))`, () =>
        this.ctx.providers.dns.change(
          this.zoneId,
          batch.map((entry) => entry.change),
          comment,
        ),
      );
    } catch (error) {
      for (const item of items) item.reject(error);
      return { insync: Promise.resolve() };
    }
    this.ctx.emit({
      type: 'batch-sent',
      zoneId: this.zoneId,
      stepIds: items.flatMap((item) => (item.stepId ? [item.stepId] : [])),
      message: `${batch.length} change(s) to zone ${this.zoneId} in one call (${labels.join(', ')}), change ${answer.id}`,
    });
    const [accepted, needSync] = [items.filter((item) => item.acceptedIsEnough), items.filter((item) => !item.acceptedIsEnough)];
    accepted.forEach((item) => item.resolve());
    if (needSync.length === 0) return { insync: Promise.resolve() };
    return {
      insync: this.waitInsync(answer).then(
        () => needSync.forEach((item) => item.resolve()),
        (error) => needSync.forEach((item) => item.reject(error)),
      ),
    };
  }

  private async waitInsync(answer: { id: string; status: ChangeStatus }): Promise<void> {
    if (answer.status === 'INSYNC') return;
    await pollUntil(
      this.ctx,
      `Route 53 change ${answer.id} on zone ${this.zoneId} to be INSYNC`,
      this.ctx.poll.dnsChangeMs,
      this.ctx.timeouts.dnsChangeMs,
      async () => {
        const status = await call(this.ctx, `GetChange ${answer.id}`, () => this.ctx.providers.dns.changeStatus(answer.id));
        return status === 'INSYNC' ? { done: undefined } : { waiting: `still ${status}` };
      },
      true,
    );
  }
}

/**
 * Splits the changes with the planner's batchRecordChanges (the Route 53 limits live there)
 * and maps each batch back to the steps it carries.
 */
function groupIntoBatches<T extends { change: RecordChange }>(entries: T[]): T[][] {
  const byChange = new Map<RecordChange, T>(entries.map((entry) => [entry.change, entry]));
  const byKey = new Map<string, T[]>();
  for (const entry of entries) {
    const key = changeKey(entry.change);
    byKey.set(key, [...(byKey.get(key) ?? []), entry]);
  }
  const taken = new Set<T>();
  const batches = batchRecordChanges(entries.map((entry) => entry.change)).map((batch: RecordChange[]) =>
    batch.map((change: RecordChange) => {
      // batchRecordChanges may return the same objects or copies: match either way.
      const same = byChange.get(change);
      const entry = same && !taken.has(same) ? same : byKey.get(changeKey(change))?.find((candidate) => !taken.has(candidate));
      if (!entry) throw new StepFailure(`internal error: batchRecordChanges returned a change that was not given (${changeKey(change)})`);
      taken.add(entry);
      return entry;
    }),
  );
  if (taken.size !== entries.length) throw new StepFailure('internal error: batchRecordChanges dropped changes');
  return batches;
}

function changeKey(change: RecordChange): string {
  const { record } = change;
  return `${change.action} ${record.name} ${record.type} ${record.setIdentifier ?? ''}`;
}
