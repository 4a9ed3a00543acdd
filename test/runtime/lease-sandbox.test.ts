// Leader election on the sandbox's model of the lease table (providers/sandbox/leases.ts):
// the same conditional writes as DynamoDB's, in memory or in a file shared by processes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { SandboxFileLeaseStore, SandboxLeaseStore } from '../../controller/providers/sandbox/leases.js';
import type { LeaseStore } from '../../controller/providers/types.js';
import { StoreLeases } from '../../controller/runtime/lease.js';

const LEASE_MS = 30_000;

function replica(store: LeaseStore, clock: FakeClock, instanceId: string, lost: string[] = []): StoreLeases {
  return new StoreLeases({ store, clock, instanceId, leaseMs: LEASE_MS, onLost: (regionSet) => lost.push(regionSet) });
}

describe('StoreLeases on the in-memory sandbox lease table', () => {
  it('one replica takes the lease; the other learns when it ends, takes it over after expiry with a higher fencing token', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const store = new SandboxLeaseStore();
    const lostByA: string[] = [];
    const a = replica(store, clock, 'a', lostByA);
    const b = replica(store, clock, 'b');

    expect(await a.acquire('shop')).toEqual({ fencingToken: 1 });
    expect(await b.acquire('shop')).toBeUndefined();
    expect(b.holderExpiresAt('shop')).toBe(clock.now() + LEASE_MS);

    await clock.advance(LEASE_MS + 1);
    expect(a.isHeld('shop')).toBe(false);
    expect(await b.acquire('shop')).toEqual({ fencingToken: 2 });
    // a's renewal fails the condition (another holder, another token): a learns it lost the lease.
    await a.renewAll();
    expect(lostByA).toEqual(['shop']);
    expect(await a.acquire('shop')).toBeUndefined();
  });

  it('a release expires the lease but keeps its token, so the next holder gets a higher one at once', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const store = new SandboxLeaseStore();
    const a = replica(store, clock, 'a');
    const b = replica(store, clock, 'b');
    expect(await a.acquire('shop')).toEqual({ fencingToken: 1 });
    await a.releaseAll();
    expect(store.items['shop']).toMatchObject({ holder: 'a', expiresAt: 0, fencingToken: 1 });
    expect(await b.acquire('shop')).toEqual({ fencingToken: 2 });
  });

  it('a holder whose lease was taken over while it was away reports the loss on its next renewal', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const store = new SandboxLeaseStore();
    const lost: string[] = [];
    const a = replica(store, clock, 'a', lost);
    await a.acquire('shop');
    // Another replica with the same id restarted and took the lease back with a new token.
    expect(await store.take('shop', 'a', clock.now(), clock.now() + LEASE_MS)).toEqual({ taken: true, fencingToken: 2 });
    await a.renewAll();
    expect(lost).toEqual(['shop']);
    expect(a.isHeld('shop')).toBe(false);
  });
});

describe('the file-backed sandbox lease table', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regionctl-sandbox-leases-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('two controllers, each with its own store on one file, elect one leader per RegionSet', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const path = join(dir, 'sandbox.json.leases.json');
    const a = replica(new SandboxFileLeaseStore(path), clock, 'a');
    const b = replica(new SandboxFileLeaseStore(path), clock, 'b');
    const [first, second] = await Promise.all([a.acquire('shop'), b.acquire('shop')]);
    expect([first, second].filter((lease) => lease !== undefined)).toEqual([{ fencingToken: 1 }]);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { leases: Record<string, { holder: string }> };
    expect(saved.leases['shop']?.holder).toBe(first ? 'a' : 'b');
    expect(await b.acquire('other')).toEqual({ fencingToken: 1 });
  });
});
