// Leader election seam. Without a lease table every RegionSet is ours (run one replica);
// with REGIONCTL_LEASE_TABLE lease.ts elects on a lease store (DynamoDB's is loaded only then).

import type { Leases } from './lease.js';

export type { Leases } from './lease.js';

/** Every RegionSet is always ours: the single-replica default. */
export class AlwaysLeader implements Leases {
  async acquire(): Promise<{ fencingToken: number }> {
    return { fencingToken: 0 };
  }

  isHeld(): boolean {
    return true;
  }

  async renewAll(): Promise<void> {}

  async releaseAll(): Promise<void> {}
}
