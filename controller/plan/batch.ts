// Route 53 batching, shared by the planner (to estimate API calls) and the executor (to
// send them), within the limits of route53-limits.ts. All changes of one
// record name stay in one batch when they fit, so that a routing-policy switch (delete the
// old sets, create the new ones) is applied atomically — Route 53 refuses mixed policies.

import type { RecordChange } from '../providers/types.js';
import { dnsNameKey } from '../dns-name.js';
import { MAX_CHARACTERS_PER_BATCH, MAX_RECORDS_PER_BATCH, UPSERT_FACTOR } from '../route53-limits.js';

export interface BatchCost {
  records: number;
  characters: number;
}

/** What a change costs against the limits; an alias record counts as one element. */
function changeCost(change: RecordChange): BatchCost {
  const { record } = change;
  return valuesCost(change.action, record.alias ? [record.alias.dnsName.length] : record.values.map((value) => value.length));
}

/** The cost of a change of this action whose values (or alias target) have these lengths. */
export function valuesCost(action: RecordChange['action'], lengths: readonly number[]): BatchCost {
  const factor = action === 'UPSERT' ? UPSERT_FACTOR : 1;
  let characters = 0;
  for (const length of lengths) characters += length;
  return { records: Math.max(1, lengths.length) * factor, characters: characters * factor };
}

/**
 * Splits changes into as few batches as the limits allow. Changes are grouped by record
 * name (in order of first appearance; inside a group deletes first, otherwise input order) and groups are
 * packed in order, so the result is deterministic for a given input. A single name whose
 * changes exceed the limits on their own is split, as nothing else can be done.
 */
export function batchRecordChanges(changes: RecordChange[]): RecordChange[][] {
  return packChanges(changes, (change) => ({ name: dnsNameKey(change.record.name), action: change.action, cost: changeCost(change) }));
}

/** A change as packChanges sees it: its name's canonical key, its action and its cost. */
export interface PackedChange {
  name: string;
  action: RecordChange['action'];
  cost: BatchCost;
}

/** batchRecordChanges over anything that describes itself as a change (the planner's estimate packs steps). */
export function packChanges<T>(changes: readonly T[], describe: (change: T) => PackedChange): T[][] {
  const groups = new Map<string, Array<{ change: T; packed: PackedChange }>>();
  for (const change of changes) {
    const packed = describe(change);
    const group = groups.get(packed.name);
    if (group) group.push({ change, packed });
    else groups.set(packed.name, [{ change, packed }]);
  }

  const batches: T[][] = [];
  let current: T[] = [];
  let records = 0;
  let characters = 0;
  const flush = () => {
    if (current.length > 0) batches.push(current);
    current = [];
    records = 0;
    characters = 0;
  };
  const fits = (cost: BatchCost) => records + cost.records <= MAX_RECORDS_PER_BATCH && characters + cost.characters <= MAX_CHARACTERS_PER_BATCH;
  const add = (change: T, cost: BatchCost) => {
    current.push(change);
    records += cost.records;
    characters += cost.characters;
  };

  for (const unordered of groups.values()) {
    // Route 53 applies a batch in order: deletes first free the set identifiers and the
    // routing policy that creates of the same name then take (DELETE then CREATE is allowed).
    const group = unordered.some((c) => c.packed.action === 'DELETE')
      ? [...unordered.filter((c) => c.packed.action === 'DELETE'), ...unordered.filter((c) => c.packed.action !== 'DELETE')]
      : unordered;
    const total: BatchCost = { records: 0, characters: 0 };
    for (const { packed } of group) {
      total.records += packed.cost.records;
      total.characters += packed.cost.characters;
    }
    if (!fits(total)) flush();
    if (fits(total)) {
      for (const { change, packed } of group) add(change, packed.cost);
      continue;
    }
    // Too big for one call even alone: split it change by change.
    for (const { change, packed } of group) {
      if (!fits(packed.cost)) flush();
      add(change, packed.cost);
    }
  }
  flush();
  return batches;
}
