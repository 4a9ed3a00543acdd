// Issue #11, item 3, against DynamoDB's wire behaviour (moto): a follower's failed acquire
// returns the holder's item (ReturnValuesOnConditionCheckFailure), so the follower knows
// when to look again instead of polling; after the holder's lease ends it takes over.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { StoreLeases } from '../../controller/runtime/lease.js';
import { DynamoLeaseStore, ensureLeaseTable } from '../../controller/providers/aws/leases.js';
import { startMoto, type Moto } from '../support/moto.js';

const TABLE = 'regionctl-leases';
const LEASE_MS = 30_000;

let moto: Moto;
let client: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto();
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  await ensureLeaseTable(client, TABLE);
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

it('a follower told "held" learns the holder\'s expiry from the failed write, and takes over once it has passed', async () => {
  const clock = new FakeClock(Date.UTC(2026, 9, 1), false);
  const holder = new StoreLeases({ store: new DynamoLeaseStore(client, TABLE), instanceId: 'replica-a', leaseMs: LEASE_MS, clock });
  const follower = new StoreLeases({ store: new DynamoLeaseStore(client, TABLE), instanceId: 'replica-b', leaseMs: LEASE_MS, clock });
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
