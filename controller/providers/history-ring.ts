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
  const text = JSON.stringify(entry);
  const steps = entry.steps ?? [];
  if (Buffer.byteLength(text) <= MAX_ENTRY_BYTES || steps.length === 0) return text;
  // The most leading steps that fit, found by bisection (an apply may have thousands).
  const cut = (kept: number) => JSON.stringify({ ...entry, steps: steps.slice(0, kept), stepsTruncated: (entry.stepsTruncated ?? 0) + steps.length - kept });
  let low = 0;
  let high = steps.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (Buffer.byteLength(cut(mid)) <= MAX_ENTRY_BYTES) low = mid;
    else high = mid - 1;
  }
  return cut(low);
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
