// The lease store on a DynamoDB table with conditional writes (runtime/lease.ts explains
// the election). Built on the shared AwsClients: timeouts, retries, endpoint and call
// metrics like every other AWS call.
//
// The table (create it before starting the controller, or call ensureLeaseTable):
//   partition key `pk` (S), nothing else; on-demand billing is plenty (each replica
//   writes once per RegionSet every leaseSeconds/3: the holder renews, the others try to
//   take over and fail the condition, which still costs a write unit).
// IAM: dynamodb:UpdateItem on the table (ensureLeaseTable also needs CreateTable and DescribeTable).
// One item per RegionSet:
//   { pk: <RegionSet name>, holder: <instance id>, expiresAt: <ms since epoch>, fencingToken: <number> }

import { CreateTableCommand, DescribeTableCommand, UpdateItemCommand, type DynamoDBClient, type UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb';
import type { LeaseStore } from '../types.js';
import { AwsClients, errorCode, type AwsCall } from './clients.js';
import { mapAwsError } from './errors.js';

const CONDITION_FAILED = 'ConditionalCheckFailedException';

export class DynamoLeaseStore implements LeaseStore {
  readonly describe: string;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.describe = `lease table ${table}`;
  }

  async take(key: string, holder: string, now: number, expiresAt: number): Promise<{ taken: true; fencingToken: number } | { taken: false; holderExpiresAt?: number }> {
    let output: UpdateItemCommandOutput;
    try {
      // UpdateItem rather than PutItem: ADD raises the token in the same conditional
      // write, so two replicas taking over at once can never end up with the same token.
      // `holder = :me` lets a restarted replica with the same id take its lease back at
      // once; it still gets a new token.
      output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: key } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR holder = :me',
          UpdateExpression: 'SET holder = :me, expiresAt = :expiresAt ADD fencingToken :one',
          ExpressionAttributeValues: {
            ':now': { N: String(now) },
            ':me': { S: holder },
            ':expiresAt': { N: String(expiresAt) },
            ':one': { N: '1' },
          },
          ReturnValues: 'ALL_NEW',
          // On a failed condition DynamoDB returns the holder's item: its expiry says when to look again.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (errorCode(error) === CONDITION_FAILED) {
        const seen = Number((error as { Item?: Record<string, { N?: string }> }).Item?.['expiresAt']?.N);
        return Number.isFinite(seen) ? { taken: false, holderExpiresAt: seen } : { taken: false };
      }
      throw mapAwsError(error, `acquire lease ${key} in table ${this.table}`, this.table);
    }
    const fencingToken = Number(output.Attributes?.['fencingToken']?.N);
    if (!Number.isFinite(fencingToken)) throw new Error(`lease table ${this.table} returned no fencingToken for ${key}`);
    return { taken: true, fencingToken };
  }

  async extend(key: string, holder: string, fencingToken: number, expiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: key } },
          ConditionExpression: 'holder = :me AND fencingToken = :token',
          UpdateExpression: 'SET expiresAt = :expiresAt',
          ExpressionAttributeValues: {
            ':me': { S: holder },
            ':token': { N: String(fencingToken) },
            ':expiresAt': { N: String(expiresAt) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (errorCode(error) === CONDITION_FAILED) return false;
      throw mapAwsError(error, `update lease ${key} in table ${this.table}`, this.table);
    }
  }
}

/** Creates the lease table (pk: S, on demand) unless it exists, and waits until it is ACTIVE. */
export async function ensureLeaseTable(client: DynamoDBClient, table: string, timeoutMs = 60_000): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (errorCode(error) !== 'ResourceInUseException') throw mapAwsError(error, `create lease table ${table}`, table);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    if (described.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`lease table ${table} is not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface AwsLeaseStoreOptions {
  table: string;
  /** Region of the lease table. */
  region: string;
  endpointUrl?: string;
  /** Shared-config profile (--profile). */
  profile?: string;
  onCall?: (call: AwsCall) => void;
}

/** The store as `regionctl run` opens it: clients of its own (closed by close()), with the shared settings. */
export function openAwsLeaseStore(options: AwsLeaseStoreOptions): { store: DynamoLeaseStore; close(): void } {
  const clients = new AwsClients({
    ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  return { store: new DynamoLeaseStore(clients.dynamodb(options.region), options.table), close: () => clients.destroy() };
}
