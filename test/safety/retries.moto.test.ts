// Issue #11, item 3, against DynamoDB's wire behaviour (moto): a follower's failed acquire
// returns the holder's item (ReturnValuesOnConditionCheckFailure), so the follower knows
// when to look again instead of polling; after the holder's lease ends it takes over.
import { expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { StoreLeases } from '../../controller/runtime/lease.js';
import { useMotoLeaseTable } from '../support/moto.js';

const TABLE = 'regionctl-leases';
const LEASE_MS = 30_000;

const leaseTable = useMotoLeaseTable(TABLE);

it('a follower told "held" learns the holder\'s expiry from the failed write, and takes over once it has passed', async () => {
  const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
  const holder = new StoreLeases({ store: leaseTable.store(), instanceId: 'replica-a', leaseMs: LEASE_MS, clock });
  const follower = new StoreLeases({ store: leaseTable.store(), instanceId: 'replica-b', leaseMs: LEASE_MS, clock });
  expect(await holder.acquire('global-api')).toEqual({ fencingToken: 1 });
  const holderExpiry = clock.now() + LEASE_MS;

  await clock.advance(7_000);
  expect(await follower.acquire('global-api')).toBeUndefined();
  expect(follower.holderExpiresAt('global-api')).toBe(holderExpiry);
  expect(holder.holderExpiresAt('global-api')).toBeUndefined();

  // The holder renews: the follower sees the new expiry on its next look.
  await holder.renewAll();
  expect(await follower.acquire('global-api')).toBeUndefined();
  expect(follower.holderExpiresAt('global-api')).toBe(clock.now() + LEASE_MS);

  // The holder dies; at its expiry + 1 ms the follower's look succeeds with a higher token.
  await clock.advance(follower.holderExpiresAt('global-api')! - clock.now() + 1);
  expect(await follower.acquire('global-api')).toEqual({ fencingToken: 2 });
  expect(follower.holderExpiresAt('global-api')).toBeUndefined();
});
