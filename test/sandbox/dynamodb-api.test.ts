// The sandbox serves DynamoDB at the API level: the AWS table adapter runs over it
// unchanged, and raw calls get DynamoDB's shapes and errors.

import { describe, expect, it, vi } from 'vitest';
import { AwsTableProvider } from '../../controller/providers/aws/tables.js';
import { expectAwsError, makeCloud } from './helpers.js';

describe('sandbox DynamoDB API', () => {
  it('cloud.providers().tables is the AWS adapter, sending SDK-shaped requests per region', async () => {
    const { cloud, tables } = makeCloud('instant');
    cloud.seedTable('orders', 'us-east-1');
    expect(tables).toBeInstanceOf(AwsTableProvider);
    const east = vi.spyOn(cloud.api.dynamodbApi('us-east-1'), 'send');
    await tables.addReplica('orders', 'us-east-1', 'eu-west-1');
    expect(east.mock.calls).toEqual([
      ['DescribeTable', { TableName: 'orders' }],
      ['UpdateTable', { TableName: 'orders', ReplicaUpdates: [{ Create: { RegionName: 'eu-west-1' } }] }],
    ]);
  });

  it('describes a global table as DescribeTable does, in any replica region', async () => {
    const { clock, cloud } = makeCloud();
    cloud.seedTable('orders', 'us-east-1');
    await cloud.api.dynamodbApi('us-east-1').send('UpdateTable', { TableName: 'orders', ReplicaUpdates: [{ Create: { RegionName: 'eu-west-1' } }] });
    const during = await cloud.api.dynamodbApi('eu-west-1').send('DescribeTable', { TableName: 'orders' });
    expect(during.Table).toMatchObject({ TableName: 'orders', TableStatus: 'UPDATING', GlobalTableVersion: '2019.11.21' });
    expect(during.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(during.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(during.Table?.Replicas?.map((r) => `${r.RegionName} ${r.ReplicaStatus}`)).toEqual(['us-east-1 ACTIVE', 'eu-west-1 CREATING']);
    await clock.advance(5 * 60_000);
    const after = await cloud.api.dynamodbApi('eu-west-1').send('DescribeTable', { TableName: 'orders' });
    expect(after.Table?.TableStatus).toBe('ACTIVE');
    await expectAwsError(cloud.api.dynamodbApi('ap-southeast-2').send('DescribeTable', { TableName: 'orders' }), 'ResourceNotFoundException', 'Requested resource not found: Table: orders not found');
  });

  it('reports write auto scaling per replica only for auto-scaled provisioned tables', async () => {
    const { cloud } = makeCloud('instant');
    cloud.seedTable('autoscaled', 'us-east-1', { billingMode: 'PROVISIONED', writeAutoScaling: true });
    cloud.seedTable('fixed', 'us-east-1', { billingMode: 'PROVISIONED' });
    const api = cloud.api.dynamodbApi('us-east-1');
    const scaled = await api.send('DescribeTableReplicaAutoScaling', { TableName: 'autoscaled' });
    expect(scaled.TableAutoScalingDescription?.Replicas?.[0]?.ReplicaProvisionedWriteCapacityAutoScalingSettings).toMatchObject({ AutoScalingDisabled: false });
    const fixed = await api.send('DescribeTableReplicaAutoScaling', { TableName: 'fixed' });
    expect(fixed.TableAutoScalingDescription?.Replicas?.[0]?.ReplicaProvisionedWriteCapacityAutoScalingSettings).toBeUndefined();
  });
});
