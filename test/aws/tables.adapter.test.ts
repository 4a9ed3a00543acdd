// AwsTableProvider against responses shaped like the DynamoDB API reference (DescribeTable,
// UpdateTable and their documented errors), through aws-sdk-client-mock: the cases moto
// cannot produce (replica statuses, busy tables, AWS's validation messages).
import {
  DescribeTableCommand,
  DescribeTableReplicaAutoScalingCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  UpdateTableCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsRequestError, WaitingError } from '../../controller/errors.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { AwsTableProvider } from '../../controller/providers/aws/tables.js';

const dynamodb = mockClient(DynamoDBClient);
let clients: AwsClients;
let tables: AwsTableProvider;

function awsError(name: string, message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/** A global table as DescribeTable returns it in `region`: the other replicas listed, the local one not. */
function globalTable(overrides: Partial<TableDescription> = {}): TableDescription {
  return {
    TableName: 'orders',
    TableStatus: 'ACTIVE',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    GlobalTableVersion: '2019.11.21',
    Replicas: [
      { RegionName: 'eu-west-1', ReplicaStatus: 'ACTIVE' },
      { RegionName: 'ap-southeast-1', ReplicaStatus: 'CREATING', ReplicaStatusPercentProgress: '40' },
      {
        RegionName: 'sa-east-1',
        ReplicaStatus: 'CREATION_FAILED',
        ReplicaStatusDescription: 'Failed to create a replica in region sa-east-1: internal server error',
      },
    ],
    ...overrides,
  };
}

/** Answers DescribeTable per region: the table where `tablesByRegion` has it, ResourceNotFoundException elsewhere. */
function describeAnswers(tablesByRegion: Record<string, TableDescription>) {
  dynamodb.on(DescribeTableCommand).callsFake(async (input: { TableName: string }, getClient) => {
    const region = await getClient().config.region();
    const table = tablesByRegion[region];
    if (!table) throw awsError('ResourceNotFoundException', `Requested resource not found: Table: ${input.TableName} not found`);
    return { Table: table };
  });
}

/** The region each DynamoDB call of `command` went to, in order (the mock replaces send, so read the client it was called on). */
async function regionsCalled(command: typeof DescribeTableCommand | typeof UpdateTableCommand): Promise<string[]> {
  const sent = dynamodb.commandCalls(command as typeof DescribeTableCommand);
  return Promise.all(sent.map((call) => (call.thisValue as DynamoDBClient).config.region()));
}

/** Names of every DynamoDB command sent since the last reset. */
function commandsSent(): string[] {
  return dynamodb.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
}

beforeEach(() => {
  dynamodb.reset();
  clients = new AwsClients({ maxAttempts: 1 });
  tables = new AwsTableProvider({ clients });
});

afterEach(() => clients.destroy());
afterAll(() => dynamodb.restore());

describe('AwsTableProvider.describe', () => {
  it('maps the table, every listed replica status and the read region, which DescribeTable leaves out', async () => {
    describeAnswers({ 'us-east-2': globalTable() });
    expect(await tables.describe('orders', ['us-east-2'])).toEqual({
      name: 'orders',
      readRegion: 'us-east-2',
      status: 'ACTIVE',
      streamViewType: 'NEW_AND_OLD_IMAGES',
      billingMode: 'PAY_PER_REQUEST',
      globalTableVersion: '2019.11.21',
      replicas: [
        { region: 'us-east-2', status: 'ACTIVE' },
        { region: 'eu-west-1', status: 'ACTIVE' },
        { region: 'ap-southeast-1', status: 'CREATING' },
        {
          region: 'sa-east-1',
          status: 'CREATION_FAILED',
          statusDescription: 'Failed to create a replica in region sa-east-1: internal server error',
        },
      ],
    });
  });

  it('reports streams off, and PROVISIONED when BillingModeSummary is absent (tables created before on-demand existed)', async () => {
    describeAnswers({
      'us-east-2': {
        TableName: 'legacy',
        TableStatus: 'ACTIVE',
        StreamSpecification: { StreamEnabled: false },
      },
    });
    const table = await tables.describe('legacy', ['us-east-2']);
    expect(table?.streamViewType).toBeUndefined();
    expect(table?.billingMode).toBe('PROVISIONED');
    expect(table?.globalTableVersion).toBeUndefined();
    expect(table?.replicas).toEqual([{ region: 'us-east-2', status: 'ACTIVE' }]);
  });

  it('tries the candidates in order, then starts with the region that answered: a quiet reconcile is one DescribeTable', async () => {
    describeAnswers({ 'ap-southeast-1': globalTable() });
    const candidates = ['eu-west-1', 'us-east-2', 'ap-southeast-1'];
    expect((await tables.describe('orders', candidates))?.readRegion).toBe('ap-southeast-1');
    expect(await regionsCalled(DescribeTableCommand)).toEqual(['eu-west-1', 'us-east-2', 'ap-southeast-1']);

    dynamodb.resetHistory();
    expect((await tables.describe('orders', candidates))?.readRegion).toBe('ap-southeast-1');
    expect(await regionsCalled(DescribeTableCommand)).toEqual(['ap-southeast-1']);
  });

  it('goes back to the candidate order when the remembered region lost its copy', async () => {
    describeAnswers({ 'us-east-2': globalTable() });
    await tables.describe('orders', ['us-east-2', 'eu-west-1']);
    describeAnswers({ 'eu-west-1': globalTable() });
    dynamodb.resetHistory();
    expect((await tables.describe('orders', ['us-east-2', 'eu-west-1']))?.readRegion).toBe('eu-west-1');
    expect(await regionsCalled(DescribeTableCommand)).toEqual(['us-east-2', 'eu-west-1']);
  });

  it('is undefined when no candidate region holds the table', async () => {
    describeAnswers({});
    expect(await tables.describe('orders', ['eu-west-1', 'us-east-2'])).toBeUndefined();
  });

  it('reports other DescribeTable failures with AWS message, naming the table and region', async () => {
    dynamodb.on(DescribeTableCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform: dynamodb:DescribeTable'));
    const error = await tables.describe('orders', ['eu-west-1']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toBe(
      'DescribeTable orders in eu-west-1: AccessDeniedException: User is not authorized to perform: dynamodb:DescribeTable',
    );
  });
});

describe('AwsTableProvider replica changes', () => {
  beforeEach(() => describeAnswers({ 'us-east-2': globalTable() }));

  it('adds a replica with exactly one ReplicaUpdates Create, sent in the via region', async () => {
    dynamodb.on(UpdateTableCommand).resolves({});
    await tables.addReplica('orders', 'us-east-2', 'eu-central-1');
    const updates = dynamodb.commandCalls(UpdateTableCommand);
    expect(updates.map((c) => c.args[0].input)).toEqual([{ TableName: 'orders', ReplicaUpdates: [{ Create: { RegionName: 'eu-central-1' } }] }]);
    expect(await regionsCalled(UpdateTableCommand)).toEqual(['us-east-2']);
  });

  it('removes a replica with exactly one ReplicaUpdates Delete, without reading the table first', async () => {
    dynamodb.on(UpdateTableCommand).resolves({});
    await tables.removeReplica('orders', 'us-east-2', 'eu-west-1');
    expect(dynamodb.commandCalls(UpdateTableCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'orders', ReplicaUpdates: [{ Delete: { RegionName: 'eu-west-1' } }] },
    ]);
    expect(commandsSent()).toEqual(['UpdateTable']);
  });

  it.each([
    ['ResourceInUseException', 'Attempt to change a resource which is still in use: Table is being updated: orders'],
    ['LimitExceededException', 'Too many operations for a given subscriber'],
  ])('turns %s into a WaitingError: wait and send again', async (code, message) => {
    dynamodb.on(UpdateTableCommand).rejects(awsError(code, message));
    const adding = await tables.addReplica('orders', 'us-east-2', 'eu-central-1').catch((e: unknown) => e);
    expect(adding).toBeInstanceOf(WaitingError);
    expect((adding as WaitingError).resource).toBe('orders');
    const removing = await tables.removeReplica('orders', 'us-east-2', 'eu-west-1').catch((e: unknown) => e);
    expect(removing).toBeInstanceOf(WaitingError);
  });

  it('reports ValidationException as AwsRequestError with AWS message and the table', async () => {
    const message =
      'Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.';
    dynamodb.on(UpdateTableCommand).rejects(awsError('ValidationException', message));
    const error = await tables.addReplica('orders', 'us-east-2', 'us-east-2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect(error).toMatchObject({ code: 'ValidationException', resource: 'orders' });
    expect((error as Error).message).toBe(`UpdateTable orders in us-east-2 (add replica us-east-2): ValidationException: ${message}`);
  });

  it('sends the replica Create for a table without a stream: AWS turns the stream on itself (ddb.streams-enabled-by-replica)', async () => {
    describeAnswers({ 'us-east-2': globalTable({ StreamSpecification: { StreamEnabled: false } }) });
    dynamodb.on(UpdateTableCommand).resolves({});
    await tables.addReplica('orders', 'us-east-2', 'eu-central-1');
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(1);
  });

  it.each([['KEYS_ONLY streams', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' as const } }, /StreamViewType KEYS_ONLY/]])('refuses a table with %s before any UpdateTable, naming the table and the requirement', async (_, overrides, detail) => {
    describeAnswers({ 'us-east-2': globalTable(overrides) });
    const error = await tables.addReplica('orders', 'us-east-2', 'eu-central-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toMatch(/^table orders cannot get a replica in eu-central-1: .*NEW_AND_OLD_IMAGES/);
    expect((error as Error).message).toMatch(detail);
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('refuses a PROVISIONED table without write auto scaling before any UpdateTable', async () => {
    describeAnswers({ 'us-east-2': globalTable({ BillingModeSummary: { BillingMode: 'PROVISIONED' } }) });
    dynamodb.on(DescribeTableReplicaAutoScalingCommand).resolves({
      TableAutoScalingDescription: {
        TableName: 'orders',
        Replicas: [{ RegionName: 'us-east-2', ReplicaProvisionedWriteCapacityAutoScalingSettings: { AutoScalingDisabled: true } }],
      },
    });
    const error = await tables.addReplica('orders', 'us-east-2', 'eu-central-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toMatch(/^table orders cannot get a replica in eu-central-1: .*PAY_PER_REQUEST.*auto scaling/);
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('sends the change for a PROVISIONED table whose write capacity is auto scaled', async () => {
    describeAnswers({ 'us-east-2': globalTable({ BillingModeSummary: { BillingMode: 'PROVISIONED' } }) });
    dynamodb.on(DescribeTableReplicaAutoScalingCommand).resolves({
      TableAutoScalingDescription: {
        TableName: 'orders',
        Replicas: [
          {
            RegionName: 'us-east-2',
            ReplicaProvisionedWriteCapacityAutoScalingSettings: { AutoScalingDisabled: false, MinimumUnits: 5, MaximumUnits: 100 },
          },
        ],
      },
    });
    dynamodb.on(UpdateTableCommand).resolves({});
    await tables.addReplica('orders', 'us-east-2', 'eu-central-1');
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(1);
  });

  it('when auto scaling cannot be read, lets AWS judge and still names the requirement', async () => {
    describeAnswers({ 'us-east-2': globalTable({ BillingModeSummary: { BillingMode: 'PROVISIONED' } }) });
    dynamodb.on(DescribeTableReplicaAutoScalingCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    dynamodb.on(UpdateTableCommand).rejects(awsError('ValidationException', 'Table write capacity should either be Pay-Per-Request or AutoScaled.'));
    const error = await tables.addReplica('orders', 'us-east-2', 'eu-central-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toMatch(/^table orders cannot get a replica in eu-central-1: .*provisioned write capacity with auto scaling/);
  });
});
