// Route 53 batching, shared by the planner (to estimate API calls) and the executor (to
// send them), within the limits of route53-limits.ts. All changes of one
// record name stay in one batch when they fit, so that a routing-policy switch (delete the
// old sets, create the new ones) is applied atomically — Route 53 refuses mixed policies.

import type { RecordChange } from '../providers/types.js';
import { dnsNameKey } from '../dns-name.js';
import { MAX_CHARACTERS_PER_BATCH, MAX_RECORDS_PER_BATCH, UPSERT_FACTOR } from '../route53-limits.js';


interface BatchCost {
  records: number;
  characters: number;
}

/** What a change costs against the limits; an alias record counts as one element. */
function changeCost(change: RecordChange): BatchCost {
  const factor = change.action === 'UPSERT' ? UPSERT_FACTOR : 1;
  const { record } = change;
  const values = record.alias ? [record.alias.dnsName] : record.values;
  return {
    records: Math.max(1, values.length) * factor,
    characters: values.reduce((sum, value) => sum + value.length, 0) * factor,
  };
}

/**
 * Splits changes into as few batches as the limits allow. Changes are grouped by record
 * name (in order of first appearance; inside a group deletes first, otherwise input order) and groups are
 * packed in order, so the result is deterministic for a given input. A single name whose
 * changes exceed the limits on their own is split, as nothing else can be done.
 */
export function batchRecordChanges(changes: RecordChange[]): RecordChange[][] {
  const groups = new Map<string, RecordChange[]>();
  for (const change of changes) {
    const name = dnsNameKey(change.record.name);
    const group = groups.get(name);
    if (group) group.push(change);
    else groups.set(name, [change]);
  }

  const batches: RecordChange[][] = [];
  let current: RecordChange[] = [];
  let used: BatchCost = { records: 0, characters: 0 };
  const flush = () => {
    if (current.length > 0) batches.push(current);
    current = [];
    used = { records: 0, characters: 0 };
  };
  const fits = (cost: BatchCost) => used.records + cost.records <= MAX_RECORDS_PER_BATCH && used.characters + cost.characters <= MAX_CHARACTERS_PER_BATCH;
  const add = (change: RecordChange, cost: BatchCost) => {
    current.push(change);
    used = { records: used.records + cost.records, characters: used.characters + cost.characters };
  };

  for (const unordered of groups.values()) {
    // Route 53 applies a batch in order: deletes first free the set identifiers and the
    // routing policy that creates of the same name then take (DELETE then CREATE is allowed).
    const group = [...unordered.filter((c) => c.action === 'DELETE'), ...unordered.filter((c) => c.action !== 'DELETE')];
    const costs = group.map(changeCost);
    const total = costs.reduce((sum, cost) => ({ records: sum.records + cost.records, characters: sum.characters + cost.characters }), { records: 0, characters: 0 });
    if (!fits(total)) flush();
    if (fits(total)) {
      group.forEach((change, i) => add(change, costs[i]!));
      continue;
    }
    // Too big for one call even alone: split it change by change.
    group.forEach((change, i) => {
      if (!fits(costs[i]!)) flush();
      add(change, costs[i]!);
    });
  }
  flush();
  return batches;
}
