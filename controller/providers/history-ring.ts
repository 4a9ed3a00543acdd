// The bounded history ring both control stores keep (DynamoDB items, sandbox file/memory):
// one list of JSON-encoded entries per RegionSet, newest last, trimmed on every write to
// the retention limit and to a byte bound under DynamoDB's item size limit.
//
// DynamoDB: "The maximum item size in DynamoDB is 400 KB, which includes both attribute
// name binary length (UTF-8 length) and attribute value lengths" —
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
// The lease table has only a partition key (no sort key, so no Query over entries): the ring
// lives in one item, `history#<RegionSet>`, and must stay under that limit.

import type { HistoryEntry } from './types.js';

/** Bytes of encoded entries one ring keeps at most: 400 KB less room for the key and attribute names. */
export const MAX_RING_BYTES = 380_000;
/** One entry at most (steps are dropped beyond it), so that a full ring still holds ~50 entries. */
export const MAX_ENTRY_BYTES = 7_000;

/** The entry as stored: JSON, its step list cut so that it fits MAX_ENTRY_BYTES. */
export function encodeEntry(entry: HistoryEntry): string {
  let text = JSON.stringify(entry);
  if (Buffer.byteLength(text) <= MAX_ENTRY_BYTES || !entry.steps?.length) return text;
  const steps = [...entry.steps];
  while (steps.length > 0) {
    steps.pop();
    text = JSON.stringify({ ...entry, steps, stepsTruncated: (entry.stepsTruncated ?? 0) + entry.steps.length - steps.length });
    if (Buffer.byteLength(text) <= MAX_ENTRY_BYTES) return text;
  }
  return text;
}

/** Appends `encoded` and keeps the newest entries within `limit` and MAX_RING_BYTES. */
export function appendToRing(ring: readonly string[], encoded: string, limit: number): string[] {
  const next = [...ring, encoded].slice(-Math.max(1, limit));
  let bytes = next.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  while (next.length > 1 && bytes > MAX_RING_BYTES) bytes -= Buffer.byteLength(next.shift() as string);
  return next;
}

export function decodeRing(ring: readonly string[]): HistoryEntry[] {
  return ring.map((text) => JSON.parse(text) as HistoryEntry);
}

export const controlKey = (regionSet: string): string => `control#${regionSet}`;
export const historyKey = (regionSet: string): string => `history#${regionSet}`;
