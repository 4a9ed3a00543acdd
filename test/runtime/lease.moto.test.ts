// DynamoDB leases against moto over real HTTP: one leader per RegionSet among replicas
// sharing one table, renewal, takeover after expiry with a higher fencing token, release.
// Time is a FakeClock moved by hand, so expiry needs no waiting.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { leaseSettingsFromEnvironment, openDynamoLeases, StoreLeases } from '../../controller/runtime/lease.js';
import { useMotoLeaseTable } from '../support/moto.js';

const TABLE = 'regionctl-leases';
const LEASE_MS = 30_000;

const leaseTable = useMotoLeaseTable(TABLE);

function replicas(clock: FakeClock, ...ids: string[]): Array<StoreLeases & { lost: string[] }> {
  return ids.map((instanceId) => {
    const lost: string[] = [];
    const leases = new StoreLeases({ store: leaseTable.store(), instanceId, leaseMs: LEASE_MS, clock, onLost: (regionSet) => lost.push(regionSet) });
    return Object.assign(leases, { lost });
  });
}

async function storedItem(regionSet: string): Promise<{ holder: string; expiresAt: number; fencingToken: number } | undefined> {
  const { Item } = await leaseTable.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: regionSet } }, ConsistentRead: true }));
  if (!Item) return undefined;
  return { holder: Item['holder']!.S!, expiresAt: Number(Item['expiresAt']!.N), fencingToken: Number(Item['fencingToken']!.N) };
}

describe('StoreLeases on the DynamoDB lease store (moto)', () => {
  it('gives a RegionSet to one replica only; the other is told no, without an error', async () => {
    const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
    const [a, b] = replicas(clock, 'replica-a', 'replica-b');
    expect(await a!.acquire('only-one')).toEqual({ fencingToken: 1 });
    expect(await b!.acquire('only-one')).toBeUndefined();
    expect(a!.isHeld('only-one')).toBe(true);
    expect(b!.isHeld('only-one')).toBe(false);
    expect(await storedItem('only-one')).toEqual({ holder: 'replica-a', expiresAt: clock.now() + LEASE_MS, fencingToken: 1 });
  });

  it('lets exactly one of many replicas racing for a free RegionSet win', async () => {
    const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
    const racers = replicas(clock, ...Array.from({ length: 8 }, (_, i) => `racer-${i}`));
    const grants = await Promise.all(racers.map((r) => r.acquire('raced')));
    expect(grants.filter((g) => g !== undefined)).toEqual([{ fencingToken: 1 }]);
    expect(racers.filter((r) => r.isHeld('raced'))).toHaveLength(1);
  });

  it('keeps the lease (and its fencing token) for a holder that renews, past the first expiry', async () => {
    const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
    const [a, b] = replicas(clock, 'replica-a', 'replica-b');
    expect(await a!.acquire('renewed')).toEqual({ fencingToken: 1 });
    for (let i = 0; i < 4; i++) {
      await clock.advance(LEASE_MS / 3);
      await a!.renewAll();
    }
    // 40 s after the first acquire: expired had a not renewed.
    expect(await b!.acquire('renewed')).toBeUndefined();
    expect(a!.isHeld('renewed')).toBe(true);
    expect(await a!.acquire('renewed')).toEqual({ fencingToken: 1 });
    expect(await storedItem('renewed')).toMatchObject({ holder: 'replica-a', expiresAt: clock.now() + LEASE_MS, fencingToken: 1 });
  });

  it('hands an expired lease to the other replica with a higher fencing token; the old holder learns it lost', async () => {
    const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
    const [a, b] = replicas(clock, 'replica-a', 'replica-b');
    expect(await a!.acquire('taken-over')).toEqual({ fencingToken: 1 });
    await clock.advance(LEASE_MS - 1);
    expect(await b!.acquire('taken-over')).toBeUndefined();
    await clock.advance(2);
    // a stopped renewing (stuck or partitioned): by its own clock it no longer leads.
    expect(a!.isHeld('taken-over')).toBe(false);
    expect(await b!.acquire('taken-over')).toEqual({ fencingToken: 2 });
    expect(b!.isHeld('taken-over')).toBe(true);
    await a!.renewAll();
    expect(a!.lost).toEqual(['taken-over']);
    expect(await a!.acquire('taken-over')).toBeUndefined();
    expect(await storedItem('taken-over')).toMatchObject({ holder: 'replica-b', fencingToken: 2 });
  });

  it('makes the holder stop counting on its lease a safety margin before another replica may take it', async () => {
    const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
    const [a, b] = replicas(clock, 'replica-a', 'replica-b');
    await a!.acquire('margin');
    expect(a!.safetyMarginMs).toBe(2000);
    await clock.advance(LEASE_MS - a!.safetyMarginMs - 1);
    expect(a!.isHeld('margin')).toBe(true);
    await clock.advance(1);
    // a no longer applies, yet b must still wait out the rest of the lease.
    expect(a!.isHeld('margin')).toBe(false);
    expect(await b!.acquire('margin')).toBeUndefined();
    await clock.advance(a!.safetyMarginMs + 1);
    expect(await b!.acquire('margin')).toEqual({ fencingToken: 2 });
  });

  it('tells a holder that still thinks it leads (its renewal came too late) that the lease is gone', async () => {
    const start = Date.UTC(2026, 9, 1);
    const clockA = new FakeClock(start, false);
    const clockB = new FakeClock(start, false);
    const [a] = replicas(clockA, 'replica-a');
    const [b] = replicas(clockB, 'replica-b');
    await a!.acquire('late-renewal');
    // a was paused (GC, partition) for a whole lease; b saw it expire and took over.
    await clockB.advance(LEASE_MS + 1);
    expect(await b!.acquire('late-renewal')).toEqual({ fencingToken: 2 });
    await clockA.advance(LEASE_MS / 3);
    expect(a!.isHeld('late-renewal')).toBe(true);
    await a!.renewAll();
    expect(a!.lost).toEqual(['late-renewal']);
    expect(a!.isHeld('late-renewal')).toBe(false);
    expect(await storedItem('late-renewal')).toMatchObject({ holder: 'replica-b', fencingToken: 2 });
  });

  it('lets the other replica take a released lease at once, still with a higher token', async () => {
    const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
    const [a, b] = replicas(clock, 'replica-a', 'replica-b');
    await a!.acquire('released');
    await a!.releaseAll();
    expect(a!.isHeld('released')).toBe(false);
    expect(await b!.acquire('released')).toEqual({ fencingToken: 2 });
    // Releasing a lease someone else now holds changes nothing.
    await a!.releaseAll();
    expect(await storedItem('released')).toMatchObject({ holder: 'replica-b', fencingToken: 2 });
  });

  it('holds each RegionSet independently: two replicas can each lead a different one', async () => {
    const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
    const [a, b] = replicas(clock, 'replica-a', 'replica-b');
    expect(await a!.acquire('set-one')).toEqual({ fencingToken: 1 });
    expect(await b!.acquire('set-two')).toEqual({ fencingToken: 1 });
    expect(await a!.acquire('set-two')).toBeUndefined();
    expect(await b!.acquire('set-one')).toBeUndefined();
    await b!.releaseAll();
    expect(a!.isHeld('set-one')).toBe(true);
    expect(await a!.acquire('set-two')).toEqual({ fencingToken: 2 });
  });

  it('gives a restarted replica with the same id its lease back at once, with a new token', async () => {
    const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
    const [before] = replicas(clock, 'pod-0');
    await before!.acquire('restarted');
    const [after] = replicas(clock, 'pod-0');
    expect(await after!.acquire('restarted')).toEqual({ fencingToken: 2 });
    // The previous process (if it still ran) may no longer extend it.
    await before!.renewAll();
    expect(before!.lost).toEqual(['restarted']);
    expect(before!.isHeld('restarted')).toBe(false);
  });
});

describe('openDynamoLeases (as regionctl run opens them)', () => {
  it('keeps renewing on its own timer, so a lease outlives its duration while the process lives, and hands over on release', async () => {
    const settings = (id: string) => leaseSettingsFromEnvironment({ REGIONCTL_LEASE_TABLE: TABLE, REGIONCTL_LEASE_SECONDS: '3', REGIONCTL_INSTANCE_ID: id, AWS_REGION: 'us-east-1' })!;
    const a = await openDynamoLeases(settings('timer-a'), { endpointUrl: leaseTable.moto.endpoint });
    const b = await openDynamoLeases(settings('timer-b'), { endpointUrl: leaseTable.moto.endpoint });
    try {
      expect(await a.acquire('timer-renewed')).toBeDefined();
      // Longer than the 3 s lease: only the renewal timer (every second) keeps it a's.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(await b.acquire('timer-renewed')).toBeUndefined();
      expect(a.isHeld('timer-renewed')).toBe(true);
      await a.releaseAll();
      expect(await b.acquire('timer-renewed')).toEqual({ fencingToken: 2 });
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('lease settings from the environment', () => {
  it('are off without REGIONCTL_LEASE_TABLE, and default to 30 s and hostname-pid', () => {
    expect(leaseSettingsFromEnvironment({})).toBeUndefined();
    const settings = leaseSettingsFromEnvironment({ REGIONCTL_LEASE_TABLE: 'leases', AWS_REGION: 'eu-west-1' });
    expect(settings).toMatchObject({ table: 'leases', leaseMs: 30_000, region: 'eu-west-1' });
    expect(settings!.instanceId).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('take the duration and id given, and refuse a duration that is not a positive number', () => {
    expect(leaseSettingsFromEnvironment({ REGIONCTL_LEASE_TABLE: 'leases', REGIONCTL_LEASE_SECONDS: '4', REGIONCTL_INSTANCE_ID: 'pod-1' })).toMatchObject({
      leaseMs: 4000,
      instanceId: 'pod-1',
    });
    expect(() => leaseSettingsFromEnvironment({ REGIONCTL_LEASE_TABLE: 'leases', REGIONCTL_LEASE_SECONDS: 'soon' })).toThrow(/REGIONCTL_LEASE_SECONDS/);
  });
});
