import { describe, expect, it } from 'vitest';
import { WaitingError } from '../../controller/errors.js';
import type { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { expectAwsError, makeCloud } from './helpers.js';

// The refusals are sent as raw UpdateTable calls to the sandbox's DynamoDB API, so that they
// reach the sandbox even where the adapter checks first, and are asserted as the SDK throws them.
const addVia = (cloud: SandboxCloud, table: string, via: string, region: string) =>
  cloud.api.dynamodbApi(via).send('UpdateTable', { TableName: table, ReplicaUpdates: [{ Create: { RegionName: region } }] });
const removeVia = (cloud: SandboxCloud, table: string, via: string, region: string) =>
  cloud.api.dynamodbApi(via).send('UpdateTable', { TableName: table, ReplicaUpdates: [{ Delete: { RegionName: region } }] });

const LOCAL_REGION_MESSAGE =
  'Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.';

describe('sandbox DynamoDB global tables', () => {
  it('describes a seeded table from the first candidate region holding a replica', async () => {
    const { cloud, tables } = makeCloud();
    cloud.seedTable('orders', 'eu-west-1');
    expect(await tables.describe('orders', ['us-east-1', 'eu-west-1'])).toEqual({
      name: 'orders',
      readRegion: 'eu-west-1',
      status: 'ACTIVE',
      streamViewType: 'NEW_AND_OLD_IMAGES',
      billingMode: 'PAY_PER_REQUEST',
      replicas: [{ region: 'eu-west-1', status: 'ACTIVE' }],
    });
    expect(await tables.describe('orders', ['us-east-1'])).toBeUndefined();
    expect(await tables.describe('missing', ['eu-west-1'])).toBeUndefined();
  });

  it('adds a replica: table UPDATING and replica CREATING for the latency, then both ACTIVE', async () => {
    const { clock, cloud, tables } = makeCloud();
    cloud.seedTable('orders', 'us-east-1');
    await tables.addReplica('orders', 'us-east-1', 'eu-west-1');
    const during = await tables.describe('orders', ['us-east-1']);
    expect(during?.status).toBe('UPDATING');
    expect(during?.replicas).toEqual([
      { region: 'us-east-1', status: 'ACTIVE' },
      { region: 'eu-west-1', status: 'CREATING' },
    ]);
    await clock.advance(5 * 60_000);
    const after = await tables.describe('orders', ['eu-west-1']);
    expect(after?.status).toBe('ACTIVE');
    expect(after?.globalTableVersion).toBe('2019.11.21');
    expect(after?.replicas.map((r) => r.status)).toEqual(['ACTIVE', 'ACTIVE']);
  });

  it('refuses a second replica change while the table is updating, as a WaitingError (ResourceInUseException)', async () => {
    const { clock, cloud, tables } = makeCloud();
    cloud.seedTable('orders', 'us-east-1');
    await tables.addReplica('orders', 'us-east-1', 'eu-west-1');
    await expectAwsError(addVia(cloud, 'orders', 'us-east-1', 'ap-southeast-2'), 'ResourceInUseException', /^Attempt to change a resource which is still in use: Table is being updated/);
    const error = await tables.addReplica('orders', 'us-east-1', 'ap-southeast-2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitingError);
    expect(cloud.calls.entries.at(-1)?.outcome).toBe('ResourceInUseException');
    await clock.advance(5 * 60_000);
    await tables.addReplica('orders', 'us-east-1', 'ap-southeast-2');
  });

  it('refuses adding or removing the local region, and adding an existing replica', async () => {
    const { cloud, tables } = makeCloud('instant');
    cloud.seedTable('orders', 'us-east-1', { replicas: ['eu-west-1'] });
    await expectAwsError(addVia(cloud, 'orders', 'us-east-1', 'us-east-1'), 'ValidationException', LOCAL_REGION_MESSAGE);
    await expectAwsError(removeVia(cloud, 'orders', 'us-east-1', 'us-east-1'), 'ValidationException', LOCAL_REGION_MESSAGE);
    await expectAwsError(addVia(cloud, 'orders', 'us-east-1', 'eu-west-1'), 'ValidationException', LOCAL_REGION_MESSAGE);
  });

  it('requires the via region to hold a replica', async () => {
    const { cloud, tables } = makeCloud('instant');
    cloud.seedTable('orders', 'us-east-1');
    await expectAwsError(addVia(cloud, 'orders', 'eu-west-1', 'ap-southeast-2'), 'ResourceNotFoundException', /Table: orders not found/);
  });

  it('turns a missing stream on (NEW_AND_OLD_IMAGES), refuses another stream view type, and requires on-demand or auto-scaled capacity', async () => {
    const { cloud, tables } = makeCloud('instant');
    cloud.seedTable('no-streams', 'us-east-1', { streamViewType: null });
    cloud.seedTable('keys-only', 'us-east-1', { streamViewType: 'KEYS_ONLY' });
    cloud.seedTable('provisioned', 'us-east-1', { billingMode: 'PROVISIONED' });
    cloud.seedTable('autoscaled', 'us-east-1', { billingMode: 'PROVISIONED', writeAutoScaling: true });
    await tables.addReplica('no-streams', 'us-east-1', 'eu-west-1');
    expect(cloud.peekTable('no-streams', 'us-east-1')?.streamViewType).toBe('NEW_AND_OLD_IMAGES');
    await expectAwsError(addVia(cloud, 'keys-only', 'us-east-1', 'eu-west-1'), 'ValidationException', /NEW_AND_OLD_IMAGES/);
    await expectAwsError(addVia(cloud, 'provisioned', 'us-east-1', 'eu-west-1'), 'ValidationException', 'Table write capacity should either be Pay-Per-Request or AutoScaled.');
    await tables.addReplica('autoscaled', 'us-east-1', 'eu-west-1');
    expect(cloud.replicasOf('autoscaled').map((r) => r.region)).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('refuses to add a replica where an independent table of the same name exists', async () => {
    const { cloud, tables } = makeCloud('instant');
    cloud.seedTable('orders', 'us-east-1');
    cloud.seedTable('orders', 'eu-west-1');
    await expectAwsError(addVia(cloud, 'orders', 'us-east-1', 'eu-west-1'), 'ValidationException', /already existed as tables/);
  });

  it('removes a replica through DELETING and counts the deletion as data loss', async () => {
    const { clock, cloud, tables } = makeCloud();
    cloud.seedTable('orders', 'us-east-1', { replicas: ['eu-west-1'] });
    await expectAwsError(removeVia(cloud, 'orders', 'us-east-1', 'ap-southeast-2'), 'ValidationException', /replica in region ap-southeast-2 does not exist/);
    expect(cloud.replicaDeletionCount).toBe(0);
    await tables.removeReplica('orders', 'us-east-1', 'eu-west-1');
    expect((await tables.describe('orders', ['eu-west-1']))?.replicas).toContainEqual({ region: 'eu-west-1', status: 'DELETING' });
    await clock.advance(2 * 60_000);
    expect(await tables.describe('orders', ['eu-west-1'])).toBeUndefined();
    expect(cloud.replicasOf('orders')).toEqual([{ region: 'us-east-1', status: 'ACTIVE' }]);
    expect(cloud.replicaDeletions).toEqual([{ table: 'orders', region: 'eu-west-1', at: clock.now(), statusBefore: 'ACTIVE' }]);
  });

  it('leaves a replica CREATION_FAILED on an injected failure; it can then be removed', async () => {
    const { clock, cloud, tables } = makeCloud();
    cloud.seedTable('orders', 'us-east-1');
    cloud.faults.fail('UpdateTable', { region: 'eu-west-1' });
    await tables.addReplica('orders', 'us-east-1', 'eu-west-1');
    await clock.advance(5 * 60_000);
    const table = await tables.describe('orders', ['us-east-1']);
    expect(table?.status).toBe('ACTIVE');
    expect(table?.replicas[1]).toMatchObject({ region: 'eu-west-1', status: 'CREATION_FAILED' });
    await tables.removeReplica('orders', 'us-east-1', 'eu-west-1');
    await clock.advance(2 * 60_000);
    expect(cloud.replicasOf('orders').map((r) => r.region)).toEqual(['us-east-1']);
  });
});
