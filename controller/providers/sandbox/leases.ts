// The sandbox's model of the lease table: DynamoDB's conditional writes on one item per
// RegionSet, as providers/aws/leases.ts sends them. A take fails its condition
// (ConditionalCheckFailedException on AWS, "not taken" here) while another holder's lease
// has not expired; the failed write still reports the holder's item, like
// ReturnValuesOnConditionCheckFailure=ALL_OLD. The file-backed store keeps the items in
// PATH (next to the sandbox state file) under its own lock, so two controller processes
// sharing a sandbox elect one leader.

import { existsSync, readFileSync } from 'node:fs';
import type { LeaseStore } from '../types.js';
import { lockStateFile, SandboxStateError, writeStateFile } from './statefile.js';
import type { SandboxState } from './state.js';

export interface LeaseItem {
  holder: string;
  /** ms since epoch; 0 once released. */
  expiresAt: number;
  /** Only ever grows: +1 on every take. */
  fencingToken: number;
}

export type LeaseItems = Record<string, LeaseItem>;

type TakeResult = { taken: true; fencingToken: number } | { taken: false; holderExpiresAt?: number };

/** `attribute_not_exists(pk) OR expiresAt < :now OR holder = :me`, then SET holder, expiresAt ADD fencingToken 1. */
export function takeLease(items: LeaseItems, key: string, holder: string, now: number, expiresAt: number): TakeResult {
  const item = items[key];
  if (item && !(item.expiresAt < now) && item.holder !== holder) return { taken: false, holderExpiresAt: item.expiresAt };
  const fencingToken = (item?.fencingToken ?? 0) + 1;
  items[key] = { holder, expiresAt, fencingToken };
  return { taken: true, fencingToken };
}

/** `holder = :me AND fencingToken = :token`, then SET expiresAt. */
export function extendLease(items: LeaseItems, key: string, holder: string, fencingToken: number, expiresAt: number): boolean {
  const item = items[key];
  if (!item || item.holder !== holder || item.fencingToken !== fencingToken) return false;
  item.expiresAt = expiresAt;
  return true;
}

/** The lease table in memory (tests, one process). */
export class SandboxLeaseStore implements LeaseStore {
  readonly describe = 'sandbox lease table (in memory)';
  constructor(readonly items: LeaseItems = {}) {}

  async take(key: string, holder: string, now: number, expiresAt: number): Promise<TakeResult> {
    return takeLease(this.items, key, holder, now, expiresAt);
  }

  async extend(key: string, holder: string, fencingToken: number, expiresAt: number): Promise<boolean> {
    return extendLease(this.items, key, holder, fencingToken, expiresAt);
  }
}

/** The lease table in a JSON file shared by processes: every write is read-modify-write under the file's lock. */
export class SandboxFileLeaseStore implements LeaseStore {
  readonly describe: string;
  constructor(private readonly path: string) {
    this.describe = `sandbox lease table ${path}`;
  }

  async take(key: string, holder: string, now: number, expiresAt: number): Promise<TakeResult> {
    return this.update((items) => takeLease(items, key, holder, now, expiresAt));
  }

  async extend(key: string, holder: string, fencingToken: number, expiresAt: number): Promise<boolean> {
    return this.update((items) => extendLease(items, key, holder, fencingToken, expiresAt));
  }

  private async update<T>(change: (items: LeaseItems) => T): Promise<T> {
    // Held for one read and one write only: a few milliseconds, like one conditional write.
    const lock = await lockStateFile(this.path, { command: 'regionctl run (lease)', waitMs: 10_000 });
    try {
      const items = this.read();
      const result = change(items);
      writeStateFile(this.path, { leases: items } as unknown as SandboxState);
      return result;
    } finally {
      lock.release();
    }
  }

  private read(): LeaseItems {
    if (!existsSync(this.path)) return {};
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { leases?: LeaseItems };
      return parsed.leases ?? {};
    } catch (error) {
      throw new SandboxStateError(`sandbox lease table ${this.path} is not readable (${(error as Error).message}): delete it to start with no leases`);
    }
  }
}
