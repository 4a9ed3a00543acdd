// The control store (suspension and history) on the lease table (providers/aws/leases.ts):
// the same DynamoDB table, partition key `pk` (S) only, two more items per RegionSet:
//   { pk: "control#<RegionSet>", suspended: BOOL, reason: S, by: S, at: N, drains?: S (JSON: region → drain), syncWindowOverride?: S (JSON) }
//   { pk: "history#<RegionSet>", entries: L of S (JSON, oldest first), version: N }
// The table has no sort key, so history cannot be one item per entry read back by a Query:
// it is a bounded ring in one item (providers/history-ring.ts explains the size bound),
// rewritten by a conditional PutItem on `version` so that two replicas appending at once
// (a suspend through one while the other records an apply) both land.
// IAM: dynamodb:GetItem and dynamodb:PutItem on the table, besides the leases' UpdateItem.

import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { appendToRing, controlKey, decodeRing, encodeEntry, historyKey } from '../history-ring.js';
import type { ControlState, ControlStore, HistoryEntry } from '../types.js';
import { AwsClients, errorCode, type AwsCall } from './clients.js';
import { mapAwsError } from './errors.js';

const CONDITION_FAILED = 'ConditionalCheckFailedException';
/** Appends racing another writer: each failed condition re-reads and tries again. */
const APPEND_ATTEMPTS = 5;

export class DynamoControlStore implements ControlStore {
  readonly describe: string;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.describe = `control items in lease table ${table}`;
  }

  async getControl(regionSet: string): Promise<ControlState | undefined> {
    const item = await this.get(controlKey(regionSet), `read suspension of ${regionSet}`);
    if (!item) return undefined;
    return {
      suspended: item['suspended']?.BOOL === true,
      reason: item['reason']?.S ?? '',
      by: item['by']?.S ?? '',
      at: Number(item['at']?.N ?? 0),
      ...(item['drains']?.S ? { drains: parseDrains(item['drains'].S, this.table) } : {}),
      ...(item['syncWindowOverride']?.S ? { syncWindowOverride: JSON.parse(item['syncWindowOverride'].S) as NonNullable<ControlState['syncWindowOverride']> } : {}),
    };
  }

  async putControl(regionSet: string, state: ControlState): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { pk: { S: controlKey(regionSet) }, suspended: { BOOL: state.suspended }, reason: { S: state.reason }, by: { S: state.by }, at: { N: String(state.at) }, ...(state.drains && Object.keys(state.drains).length > 0 ? { drains: { S: JSON.stringify(state.drains) } } : {}), ...(state.syncWindowOverride ? { syncWindowOverride: { S: JSON.stringify(state.syncWindowOverride) } } : {}) },
        }),
      );
    } catch (error) {
      throw mapAwsError(error, `write suspension of ${regionSet} to table ${this.table}`, this.table);
    }
  }

  async appendHistory(regionSet: string, entry: HistoryEntry, limit: number): Promise<void> {
    const encoded = encodeEntry(entry);
    for (let attempt = 1; ; attempt++) {
      const item = await this.get(historyKey(regionSet), `read history of ${regionSet}`);
      const version = item?.['version']?.N;
      const ring = appendToRing((item?.['entries']?.L ?? []).map((value) => value.S ?? '{}'), encoded, limit);
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: { pk: { S: historyKey(regionSet) }, entries: { L: ring.map((text) => ({ S: text })) }, version: { N: String(Number(version ?? 0) + 1) } },
            ...(version === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': { N: version } } }),
          }),
        );
        return;
      } catch (error) {
        if (errorCode(error) === CONDITION_FAILED && attempt < APPEND_ATTEMPTS) continue;
        throw mapAwsError(error, `append to the history of ${regionSet} in table ${this.table}`, this.table);
      }
    }
  }

  async history(regionSet: string): Promise<HistoryEntry[]> {
    const item = await this.get(historyKey(regionSet), `read history of ${regionSet}`);
    return decodeRing((item?.['entries']?.L ?? []).map((value) => value.S ?? '{}'));
  }

  private async get(key: string, what: string) {
    try {
      // Strongly consistent: a suspend written through another replica a moment ago must be seen.
      const output = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: key } }, ConsistentRead: true }));
      return output.Item;
    } catch (error) {
      throw mapAwsError(error, `${what} in table ${this.table}`, this.table);
    }
  }
}

/** The break-glass drains of a control item; a value that is not a JSON object is an error a person must look at. */
function parseDrains(text: string, table: string): NonNullable<ControlState['drains']> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as NonNullable<ControlState['drains']>;
  } catch {
    // reported below
  }
  throw new Error(`the drains attribute of a control item in table ${table} is not a JSON object; fix or remove it (regionctl drain --now writes it)`);
}

export interface AwsControlStoreOptions {
  table: string;
  region: string;
  endpointUrl?: string;
  onCall?: (call: AwsCall) => void;
}

/** The store as `regionctl run` opens it with a lease table: clients of its own, closed by close(). */
export function openAwsControlStore(options: AwsControlStoreOptions): { store: DynamoControlStore; close(): void } {
  const clients = new AwsClients({
    ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  return { store: new DynamoControlStore(clients.dynamodb(options.region), options.table), close: () => clients.destroy() };
}
