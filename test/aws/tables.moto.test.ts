// AwsTableProvider over real HTTP against moto: wire shapes of DescribeTable and the
// checks made before an UpdateTable. Moto ignores ReplicaUpdates, so replica life cycles
// are covered by tables.adapter.test.ts.
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsRequestError } from '../../controller/errors.js';
import { AwsClients, type AwsCall } from '../../controller/providers/aws/clients.js';
import { AwsTableProvider } from '../../controller/providers/aws/tables.js';
import { startMoto, type Moto } from '../support/moto.js';

let moto: Moto;
const calls: AwsCall[] = [];
let clients: AwsClients;
let tables: AwsTableProvider;

async function createTable(region: string, input: Partial<CreateTableCommandInput> & { TableName: string }): Promise<void> {
  const client = new DynamoDBClient({ region, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    await client.send(
      new CreateTableCommand({
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        ...input,
      }),
    );
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  clients = new AwsClients({ endpointUrl: moto.endpoint, maxAttempts: 1, onCall: (call) => calls.push(call) });
  tables = new AwsTableProvider({ clients });
  await createTable('us-east-2', { TableName: 'orders', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  await createTable('us-east-2', { TableName: 'plain' });
  await createTable('us-east-2', {
    TableName: 'keys-only',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
  });
  await createTable('eu-west-1', {
    TableName: 'provisioned',
    BillingMode: 'PROVISIONED',
    ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  });
});

afterAll(async () => {
  clients?.destroy();
  await moto?.stop();
});

function sent(operation: string): AwsCall[] {
  return calls.filter((call) => call.operation === operation);
}

describe('AwsTableProvider on moto', () => {
  it('finds the table in the second candidate region and reports its streams, billing and the read region as a replica', async () => {
    calls.length = 0;
    expect(await tables.describe('orders', ['eu-west-1', 'us-east-2'])).toEqual({
      name: 'orders',
      readRegion: 'us-east-2',
      status: 'ACTIVE',
      streamViewType: 'NEW_AND_OLD_IMAGES',
      billingMode: 'PAY_PER_REQUEST',
      replicas: [{ region: 'us-east-2', status: 'ACTIVE' }],
    });
    expect(sent('DescribeTable').map((call) => `${call.region} ${call.outcome}`)).toEqual([
      'eu-west-1 ResourceNotFoundException',
      'us-east-2 ok',
    ]);

    calls.length = 0;
    await tables.describe('orders', ['eu-west-1', 'us-east-2']);
    expect(sent('DescribeTable').map((call) => call.region)).toEqual(['us-east-2']);
  });

  it('reports a provisioned table as PROVISIONED and a table without streams with no stream view type', async () => {
    expect((await tables.describe('provisioned', ['eu-west-1']))?.billingMode).toBe('PROVISIONED');
    const plain = await tables.describe('plain', ['us-east-2']);
    expect(plain?.streamViewType).toBeUndefined();
    expect(await tables.describe('missing', ['us-east-2', 'eu-west-1'])).toBeUndefined();
  });

  it.each([['keys-only', /StreamViewType KEYS_ONLY/]])('refuses to add a replica to %s with a clear error before any UpdateTable', async (table, detail) => {
    calls.length = 0;
    const error = await tables.addReplica(table, 'us-east-2', 'eu-west-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toMatch(new RegExp(`^table ${table} cannot get a replica in eu-west-1: DynamoDB global tables need streams with StreamViewType NEW_AND_OLD_IMAGES`));
    expect((error as Error).message).toMatch(detail);
    expect(sent('UpdateTable')).toEqual([]);
  });

  it('sends exactly one UpdateTable for a table that meets the requirements (moto accepts and ignores it)', async () => {
    calls.length = 0;
    await tables.addReplica('orders', 'us-east-2', 'eu-central-1');
    expect(sent('UpdateTable').map((call) => `${call.region} ${call.outcome}`)).toEqual(['us-east-2 ok']);
  });
});
