// The control store on the lease table against moto over real HTTP: the items
// `control#<RegionSet>` and `history#<RegionSet>` next to the leases (pk only), seen by a
// second store as by a second replica (a sync-window override too); racing appends both land
// (conditional PutItem on version).
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoControlStore } from '../../controller/providers/aws/control.js';
import { DynamoLeaseStore, ensureLeaseTable } from '../../controller/providers/aws/leases.js';
import { startMoto, type Moto } from '../support/moto.js';

const TABLE = 'regionctl-leases-control';

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

describe('DynamoControlStore on the lease table (moto)', () => {
  it('a suspension written by one replica is read by another; the lease item of the same RegionSet is untouched', async () => {
    const a = new DynamoControlStore(client, TABLE);
    const b = new DynamoControlStore(client, TABLE);
    expect(await b.getControl('shop')).toBeUndefined();
    const lease = await new DynamoLeaseStore(client, TABLE).take('shop', 'replica-a', 1, 30_000);
    await a.putControl('shop', { suspended: true, reason: 'INC-9', by: 'alice', at: 1_700_000_000_000 });
    expect(await b.getControl('shop')).toEqual({ suspended: true, reason: 'INC-9', by: 'alice', at: 1_700_000_000_000 });
    const { Item } = await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'shop' } }, ConsistentRead: true }));
    expect(lease).toEqual({ taken: true, fencingToken: 1 });
    expect(Item?.['holder']?.S).toBe('replica-a');
    await b.putControl('shop', { suspended: false, reason: 'done', by: 'bob', at: 1_700_000_060_000 });
    expect((await a.getControl('shop'))?.suspended).toBe(false);
  });

  it('break-glass drains ride on the control item: read back by another replica, gone when a write drops them', async () => {
    const a = new DynamoControlStore(client, TABLE);
    const b = new DynamoControlStore(client, TABLE);
    const drains = { 'eu-west-1': { until: 1_700_014_400_000, reason: 'INC-9', by: 'alice', at: 1_700_000_000_000 } };
    await a.putControl('drained', { suspended: false, reason: '', by: '', at: 0, drains });
    expect(await b.getControl('drained')).toEqual({ suspended: false, reason: '', by: '', at: 0, drains });
    await b.putControl('drained', { suspended: true, reason: 'hold', by: 'bob', at: 1 });
    expect((await a.getControl('drained'))?.drains).toBeUndefined();
  });

  it('a sync-window override is kept with the suspension and read back by another replica', async () => {
    const a = new DynamoControlStore(client, TABLE);
    const b = new DynamoControlStore(client, TABLE);
    const syncWindowOverride = { until: 1_700_003_600_000, reason: 'INC-42 hotfix', by: 'alice', at: 1_700_000_000_000 };
    await a.putControl('freeze', { suspended: false, reason: '', by: '', at: 0, syncWindowOverride });
    expect(await b.getControl('freeze')).toEqual({ suspended: false, reason: '', by: '', at: 0, syncWindowOverride });
  });

  it('history is a ring in one item: racing appends from two replicas both land, the limit keeps the newest', async () => {
    const a = new DynamoControlStore(client, TABLE);
    const b = new DynamoControlStore(client, TABLE);
    await Promise.all([0, 1, 2, 3].map((at) => (at % 2 ? a : b).appendHistory('ring', { kind: 'reconcile', at, trigger: 'resync', outcome: 'applied' }, 10)));
    expect((await b.history('ring')).map((entry) => entry.at).sort()).toEqual([0, 1, 2, 3]);
    for (const at of [4, 5, 6]) await a.appendHistory('ring', { kind: 'suspend', at, trigger: 'manual', by: 'alice', reason: 'x' }, 3);
    expect((await b.history('ring')).map((entry) => [entry.kind, entry.at])).toEqual([['suspend', 4], ['suspend', 5], ['suspend', 6]]);
  });
});
