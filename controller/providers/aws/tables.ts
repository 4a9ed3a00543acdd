// DynamoDB global tables (version 2019.11.21) on the AWS SDK: read a table where it lives,
// add and remove replicas with one ReplicaUpdates change per UpdateTable.

import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { AwsRequestError } from '../../errors.js';
import type { LiveReplica, LiveTable, ReplicaStatus, TableProvider, TableStatus } from '../types.js';
import type { AwsApis } from './api.js';
import { awsCall, errorCode, mapAwsError } from './errors.js';

export interface AwsTableProviderOptions {
  clients: Pick<AwsApis, 'dynamodbApi'>;
}

const TABLE_STATUSES: ReadonlySet<string> = new Set<TableStatus>([
  'CREATING', 'UPDATING', 'DELETING', 'ACTIVE', 'INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'ARCHIVING', 'ARCHIVED',
]);

const REPLICA_STATUSES: ReadonlySet<string> = new Set<ReplicaStatus>([
  'CREATING', 'CREATION_FAILED', 'UPDATING', 'DELETING', 'ACTIVE', 'REGION_DISABLED',
  'INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'ARCHIVING', 'ARCHIVED', 'REPLICATION_NOT_AUTHORIZED',
]);

/** AWS's wording when a provisioned table without write auto scaling is given a replica. */
const CAPACITY_REFUSAL = /should either be Pay-Per-Request or AutoScaled/i;

export class AwsTableProvider implements TableProvider {
  private readonly clients: Pick<AwsApis, 'dynamodbApi'>;
  /** Per table, the region whose DescribeTable answered last: tried first next time. */
  private readonly answeredIn = new Map<string, string>();

  constructor(options: AwsTableProviderOptions) {
    this.clients = options.clients;
  }

  async describe(name: string, candidateRegions: string[]): Promise<LiveTable | undefined> {
    for (const region of this.lookupOrder(name, candidateRegions)) {
      const table = await this.describeIn(name, region);
      if (table) {
        this.answeredIn.set(name, region);
        const live = toLiveTable(name, region, table);
        if (live.billingMode !== 'PROVISIONED') return live;
        // A provisioned table gets replicas only with write auto scaling (ddb.provisioned-without-autoscaling).
        // Unreadable (moto does not serve it, or a throttle): left undefined, and the planner
        // refuses a new replica rather than guess.
        const autoScaled = await this.writeAutoScaled(name, region).catch(() => undefined);
        return autoScaled === undefined ? live : { ...live, writeAutoScaled: autoScaled };
      }
      if (this.answeredIn.get(name) === region) this.answeredIn.delete(name);
    }
    return undefined;
  }

  async addReplica(table: string, viaRegion: string, region: string, kmsKeyId?: string): Promise<void> {
    const what = `UpdateTable ${table} in ${viaRegion} (add replica ${region})`;
    await this.requireReplicable(table, viaRegion, region);
    try {
      await this.clients.dynamodbApi(viaRegion).send('UpdateTable', { TableName: table, ReplicaUpdates: [{ Create: { RegionName: region, ...(kmsKeyId ? { KMSMasterKeyId: kmsKeyId } : {}) } }] });
    } catch (error) {
      // Reached only when the auto scaling settings could not be read beforehand.
      if (CAPACITY_REFUSAL.test((error as Error)?.message ?? '')) throw capacityRequirementError(table, region);
      throw mapAwsError(error, what, table);
    }
  }

  async removeReplica(table: string, viaRegion: string, region: string): Promise<void> {
    await awsCall(
      `UpdateTable ${table} in ${viaRegion} (remove replica ${region})`,
      () => this.clients.dynamodbApi(viaRegion).send('UpdateTable', { TableName: table, ReplicaUpdates: [{ Delete: { RegionName: region } }] }),
      table,
    );
  }

  private lookupOrder(name: string, candidateRegions: string[]): string[] {
    const remembered = this.answeredIn.get(name);
    if (remembered === undefined || !candidateRegions.includes(remembered)) return candidateRegions;
    return [remembered, ...candidateRegions.filter((region) => region !== remembered)];
  }

  /** The table as DescribeTable returns it in region; undefined when it has no copy there. */
  private async describeIn(name: string, region: string): Promise<TableDescription | undefined> {
    try {
      const output = await this.clients.dynamodbApi(region).send('DescribeTable', { TableName: name });
      return output.Table;
    } catch (error) {
      if (errorCode(error) === 'ResourceNotFoundException') return undefined;
      throw mapAwsError(error, `DescribeTable ${name} in ${region}`, name);
    }
  }

  /**
   * AWS refuses a replica for a table without NEW_AND_OLD_IMAGES streams, or with
   * provisioned write capacity that is not auto scaled. Checked first so the user gets the
   * requirement by name instead of a half-started change.
   */
  private async requireReplicable(table: string, viaRegion: string, region: string): Promise<void> {
    const description = await this.describeIn(table, viaRegion);
    if (!description) {
      throw new AwsRequestError(`table ${table} was not found in ${viaRegion}, the region the replica change was to be sent in`, 'ResourceNotFoundException', table);
    }
    const live = toLiveTable(table, viaRegion, description);
    // ddb.streams-enabled-by-replica: without a stream, AWS (2019.11.21) turns one on itself when
    // the replica is added; a stream of another view type is refused.
    if (live.streamViewType !== undefined && live.streamViewType !== 'NEW_AND_OLD_IMAGES') {
      throw new AwsRequestError(
        `table ${table} cannot get a replica in ${region}: DynamoDB global tables need streams with StreamViewType NEW_AND_OLD_IMAGES ` +
          `(the table has StreamViewType ${live.streamViewType}); change the table's stream to NEW_AND_OLD_IMAGES (or turn it off: AWS then turns it on as NEW_AND_OLD_IMAGES with the replica), then apply again`,
        'ValidationException',
        table,
      );
    }
    if (live.billingMode === 'PROVISIONED' && (await this.writeAutoScaled(table, viaRegion)) === false) {
      throw capacityRequirementError(table, region);
    }
  }

  /** true/false from DescribeTableReplicaAutoScaling; undefined when it could not be read (AWS then judges the UpdateTable). */
  private async writeAutoScaled(table: string, viaRegion: string): Promise<boolean | undefined> {
    const replicas = await this.clients.dynamodbApi(viaRegion).send('DescribeTableReplicaAutoScaling', { TableName: table }).then(
      (output) => output.TableAutoScalingDescription?.Replicas,
      (error: unknown) => {
        const mapped = mapAwsError(error, `DescribeTableReplicaAutoScaling ${table} in ${viaRegion}`, table);
        if (mapped instanceof AwsRequestError) return undefined;
        throw mapped;
      },
    );
    const local = replicas?.find((replica) => replica.RegionName === viaRegion) ?? (replicas?.length === 1 ? replicas[0] : undefined);
    if (!local) return undefined;
    const write = local.ReplicaProvisionedWriteCapacityAutoScalingSettings;
    return write !== undefined && write.AutoScalingDisabled !== true;
  }
}

function capacityRequirementError(table: string, region: string): AwsRequestError {
  return new AwsRequestError(
    `table ${table} cannot get a replica in ${region}: DynamoDB global tables need on-demand capacity (PAY_PER_REQUEST) ` +
      'or provisioned write capacity with auto scaling, and this table is PROVISIONED without write auto scaling ' +
      '(AWS: "Table write capacity should either be Pay-Per-Request or AutoScaled."); change its capacity, then apply again',
    'ValidationException',
    table,
  );
}

export function toLiveTable(name: string, readRegion: string, table: TableDescription): LiveTable {
  const status = tableStatus(table.TableStatus);
  const streams = table.StreamSpecification;
  const streamViewType = streams && streams.StreamEnabled !== false ? streams.StreamViewType : undefined;
  const listed: LiveReplica[] = (table.Replicas ?? [])
    .filter((replica) => replica.RegionName)
    .map((replica) => ({
      region: replica.RegionName!,
      status: replicaStatus(replica.ReplicaStatus),
      ...(replica.ReplicaStatusDescription ? { statusDescription: replica.ReplicaStatusDescription } : {}),
    }));
  // DescribeTable may leave out the region it is called in (moto lists no replicas at all);
  // that copy exists, with the table's own status.
  const replicas = listed.some((replica) => replica.region === readRegion)
    ? listed
    : [{ region: readRegion, status: replicaStatus(table.TableStatus) }, ...listed];
  // ddb.cmk-replica-key: a customer-managed key shows as SSEType KMS with a key on the replicas.
  const sse = table.SSEDescription;
  const customerKey = sse?.SSEType === 'KMS' && (table.Replicas ?? []).some((replica) => replica.KMSMasterKeyId) ? sse.KMSMasterKeyArn : undefined;
  return {
    name,
    readRegion,
    status,
    ...(customerKey ? { customerKmsKeyArn: customerKey } : {}),
    ...(streamViewType ? { streamViewType } : {}),
    billingMode: table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    ...(table.GlobalTableVersion ? { globalTableVersion: table.GlobalTableVersion } : {}),
    replicas,
  };
}

// Statuses this version does not know are reported as busy, so the executor waits
// instead of sending a change AWS might refuse.
function tableStatus(value: string | undefined): TableStatus {
  return value !== undefined && TABLE_STATUSES.has(value) ? (value as TableStatus) : 'UPDATING';
}

function replicaStatus(value: string | undefined): ReplicaStatus {
  return value !== undefined && REPLICA_STATUSES.has(value) ? (value as ReplicaStatus) : 'UPDATING';
}
