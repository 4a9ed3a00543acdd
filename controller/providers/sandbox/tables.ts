// DynamoDB global tables (version 2019.11.21) at the API level (DescribeTable, UpdateTable
// with ReplicaUpdates, DescribeTableReplicaAutoScaling): existing tables gain and lose
// replicas one change at a time, only when everything is ACTIVE.

import type { AttributeDefinition, CreateTableInput, KeySchemaElement, StreamViewType, TableDescription } from '../aws/api.js';
import type { DynamoDbOps } from '../aws/api.js';
import { arnIn } from '../../partition.js';
import type { LiveTable, ReplicaStatus } from '../types.js';
import { awsError } from './aws-error.js';
import type { SandboxContext } from './context.js';
import type { TableRecord } from './state.js';

type Ops = DynamoDbOps;

/** ddb.source-replica-24h: how long a source replica cannot be removed. */
export const SOURCE_HOLD_MS = 24 * 3600 * 1000;
export const SOURCE_REPLICA_MESSAGE =
  'Replica cannot be deleted because it has acted as a source region for new replica(s) being added to the table in the last 24 hours.';

const TRANSITIONAL: ReadonlySet<ReplicaStatus> = new Set(['CREATING', 'UPDATING', 'DELETING', 'ARCHIVING']);

export interface SeedTableOptions {
  /** Default NEW_AND_OLD_IMAGES; null for a table without streams. */
  streamViewType?: string | null;
  billingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED';
  /** For PROVISIONED tables: write capacity auto scaled (then replicas are allowed). */
  writeAutoScaling?: boolean;
  /** Further regions already holding ACTIVE replicas. */
  replicas?: string[];
  /** Encrypted with this customer-managed key (an ARN in the table's region); further replicas get keys named after their regions. */
  kmsKeyArn?: string;
}

/** Applies every finished replica operation to the stored state. */
export function settleTables(ctx: SandboxContext): void {
  const now = ctx.clock.now();
  for (const table of ctx.state.tables) {
    const op = table.operation;
    if (!op || now < op.startedAt + op.ms) continue;
    if (op.kind === 'add') {
      const replica = table.replicas.find((r) => r.region === op.region);
      if (replica) {
        replica.status = op.fails ? 'CREATION_FAILED' : 'ACTIVE';
        if (op.fails) replica.statusDescription = `Failed to create a replica in region ${op.region}: internal server error`;
      }
    } else {
      const replica = table.replicas.find((r) => r.region === op.region);
      table.replicas = table.replicas.filter((r) => r.region !== op.region);
      ctx.state.replicaDeletions.push({ table: table.name, region: op.region, at: op.startedAt + op.ms, statusBefore: replica?.status ?? 'ACTIVE' });
    }
    delete table.operation;
  }
}

/** Table and replica statuses as seen at `now` (an operation in flight shows as UPDATING/CREATING/DELETING). */
export function viewTable(table: TableRecord, readRegion: string): LiveTable {
  const op = table.operation;
  return {
    name: table.name,
    readRegion,
    status: op ? 'UPDATING' : 'ACTIVE',
    ...(table.streamViewType ? { streamViewType: table.streamViewType } : {}),
    billingMode: table.billingMode,
    ...(table.globalTableVersion ? { globalTableVersion: table.globalTableVersion } : {}),
    replicas: table.replicas.map((r) => {
      const status: ReplicaStatus = op && op.region === r.region ? (op.kind === 'add' ? 'CREATING' : 'DELETING') : r.status;
      return { region: r.region, status, ...(r.statusDescription && status === r.status ? { statusDescription: r.statusDescription } : {}) };
    }),
  };
}

/** DynamoDB global tables (2019.11.21) of one region, as the API serves them. */
export class SandboxTables {
  constructor(private readonly ctx: SandboxContext) {}

  seed(name: string, region: string, options: SeedTableOptions = {}): void {
    settleTables(this.ctx);
    const regions = [region, ...(options.replicas ?? []).filter((r) => r !== region)];
    for (const r of regions) {
      if (this.findIn(name, r)) throw new Error(`sandbox: table ${name} already exists in ${r}`);
    }
    this.ctx.state.tables.push({
      name,
      homeRegion: region,
      ...(options.streamViewType === null ? {} : { streamViewType: options.streamViewType ?? 'NEW_AND_OLD_IMAGES' }),
      billingMode: options.billingMode ?? 'PAY_PER_REQUEST',
      writeAutoScaling: options.writeAutoScaling ?? false,
      ...(regions.length > 1 ? { globalTableVersion: '2019.11.21' } : {}),
      replicas: regions.map((r) => ({
        region: r,
        status: 'ACTIVE' as const,
        ...(options.kmsKeyArn ? { kmsKeyArn: r === region ? options.kmsKeyArn : options.kmsKeyArn.replace(`:${region}:`, `:${r}:`) } : {}),
      })),
      ...(options.kmsKeyArn ? { sseKms: true } : {}),
    });
  }

  describeTable(region: string, input: Ops['DescribeTable'][0]): Ops['DescribeTable'][1] {
    settleTables(this.ctx);
    return { Table: this.describe(this.require(input.TableName ?? '', region), region) };
  }

  /** Write auto scaling per replica: present (and enabled) only for auto-scaled provisioned tables. */
  describeTableReplicaAutoScaling(region: string, input: Ops['DescribeTableReplicaAutoScaling'][0]): Ops['DescribeTableReplicaAutoScaling'][1] {
    settleTables(this.ctx);
    const table = this.require(input.TableName ?? '', region);
    const view = viewTable(table, region);
    const autoScaled = table.billingMode === 'PROVISIONED' && table.writeAutoScaling;
    return {
      TableAutoScalingDescription: {
        TableName: table.name,
        TableStatus: view.status,
        Replicas: view.replicas.map((r) => ({
          RegionName: r.region,
          ReplicaStatus: r.status,
          ...(autoScaled ? { ReplicaProvisionedWriteCapacityAutoScalingSettings: { MinimumUnits: 5, MaximumUnits: 100, AutoScalingDisabled: false } } : {}),
        })),
      },
    };
  }

  /** One ReplicaUpdates change (Create or Delete) per call, refused unless everything is ACTIVE. */
  updateTable(viaRegion: string, input: Ops['UpdateTable'][0]): Ops['UpdateTable'][1] {
    settleTables(this.ctx);
    const table = input.TableName ?? '';
    const updates = input.ReplicaUpdates ?? [];
    if (updates.length !== 1) {
      // Not an AWS rule: the sandbox models one replica change per call, as regionctl sends them.
      throw awsError('ValidationException', 'The sandbox models one ReplicaUpdates change per UpdateTable, as regionctl sends them.');
    }
    const [update] = updates;
    if (update?.Create) this.addReplica(table, viaRegion, update.Create.RegionName ?? '', update.Create.KMSMasterKeyId);
    else if (update?.Delete) this.removeReplica(table, viaRegion, update.Delete.RegionName ?? '');
    // Not an AWS rule: a malformed ReplicaUpdates entry the adapter never sends.
    else throw awsError('ValidationException', 'One of Create, Update or Delete must be given in a ReplicaUpdates change.');
    return { TableDescription: this.describe(this.require(table, viaRegion), viaRegion) };
  }

  private addReplica(table: string, viaRegion: string, region: string, kmsKeyId: string | undefined): void {
    const record = this.requireUpdatable(table, viaRegion, region);
    if (record.replicas.some((r) => r.region === region)) throw localRegionError();
    // ddb.replica-region-table-exists (a table of that name already in the target region; code only)
    if (this.ctx.state.tables.some((t) => t !== record && t.name === table && t.replicas.some((r) => r.region === region))) {
      throw awsError(
        'ValidationException',
        `Failed to create a the new replica of table with name: '${table}' because one or more replicas already existed as tables.`,
      );
    }
    // ddb.streams-enabled-by-replica: on version 2019.11.21 adding a replica turns the stream on
    // (NEW_AND_OLD_IMAGES) when the table has none (V2globaltables_HowItWorks#global-tables-streams,
    // hashicorp/terraform-provider-aws#43625). A stream of another view type is still refused
    // (inferred: AWS cannot change an existing stream's view type in place).
    const enableStream = record.streamViewType === undefined;
    if (!enableStream && record.streamViewType !== 'NEW_AND_OLD_IMAGES') {
      throw awsError('ValidationException', 'Table must have DynamoDB Streams enabled with StreamViewType set to NEW_AND_OLD_IMAGES to add replicas.');
    }
    if (record.billingMode === 'PROVISIONED' && !record.writeAutoScaling) {
      // ddb.provisioned-without-autoscaling
      throw awsError('ValidationException', 'Table write capacity should either be Pay-Per-Request or AutoScaled.');
    }
    const kmsKeyArn = this.replicaKey(record, region, kmsKeyId);
    const fails = this.ctx.faults.take('UpdateTable', region, ['fail']) !== undefined;
    record.globalTableVersion = '2019.11.21';
    if (enableStream) record.streamViewType = 'NEW_AND_OLD_IMAGES';
    record.replicas.push({ region, status: 'ACTIVE', ...(kmsKeyArn ? { kmsKeyArn } : {}) });
    // ddb.source-replica-24h: the region called in is the source of the new replica.
    const source = record.replicas.find((r) => r.region === viaRegion);
    if (source) source.sourceOfCreationAt = this.ctx.clock.now();
    record.operation = { kind: 'add', region, startedAt: this.ctx.clock.now(), ms: this.ctx.state.latencies.replicaCreate, fails };
    settleTables(this.ctx);
  }

  private removeReplica(table: string, viaRegion: string, region: string): void {
    const record = this.requireUpdatable(table, viaRegion, region);
    if (!record.replicas.some((r) => r.region === region)) {
      throw awsError('ValidationException', `Update global table operation failed because replica in region ${region} does not exist for table ${table}.`);
    }
    // ddb.source-replica-24h: a replica that sourced a replica creation stays for 24 hours
    // (AWS's text quoted in go-to-k/cdkd#1442).
    const target = record.replicas.find((r) => r.region === region);
    if (target?.sourceOfCreationAt !== undefined && this.ctx.clock.now() < target.sourceOfCreationAt + SOURCE_HOLD_MS) {
      throw awsError('ValidationException', SOURCE_REPLICA_MESSAGE);
    }
    record.operation = { kind: 'remove', region, startedAt: this.ctx.clock.now(), ms: this.ctx.state.latencies.replicaDelete, fails: false };
    settleTables(this.ctx);
  }

  /** DescribeTable's TableDescription as read in `region`. */
  private describe(table: TableRecord, region: string): TableDescription {
    const view = viewTable(table, region);
    const arn = arnIn(region, 'dynamodb', this.ctx.state.accountId, `table/${table.name}`);
    const key = table.replicas.find((r) => r.region === region)?.kmsKeyArn;
    return {
      TableName: table.name,
      TableArn: arn,
      TableStatus: view.status,
      // ddb.describe-table-shape: the fields CreateTable set.
      ...(table.tableId ? { TableId: table.tableId } : {}),
      ...(table.keySchema ? { KeySchema: table.keySchema as KeySchemaElement[] } : {}),
      ...(table.attributeDefinitions ? { AttributeDefinitions: table.attributeDefinitions as AttributeDefinition[] } : {}),
      ...(table.tableId ? { DeletionProtectionEnabled: table.deletionProtection ?? false } : {}),
      ...(table.createdAt !== undefined ? { CreationDateTime: new Date(table.createdAt) } : {}),
      // ddb.cmk-replica-key: each replica reads its own region's key.
      ...(table.sseKms && key ? { SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: key } } : {}),
      ...(view.streamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: view.streamViewType as StreamViewType } } : {}),
      // ddb.describe-table-shape, ddb.streams-per-replica: each replica has its own stream.
      ...(view.streamViewType ? { LatestStreamArn: `${arn}/stream/${new Date(table.createdAt ?? 0).toISOString().replace('Z', '')}`, LatestStreamLabel: new Date(table.createdAt ?? 0).toISOString().replace('Z', '') } : {}),
      BillingModeSummary: { BillingMode: view.billingMode },
      ...(view.globalTableVersion ? { GlobalTableVersion: view.globalTableVersion } : {}),
      Replicas: view.replicas.map((r) => ({
        RegionName: r.region,
        ReplicaStatus: r.status,
        ...(r.statusDescription ? { ReplicaStatusDescription: r.statusDescription } : {}),
        ...(table.sseKms ? { KMSMasterKeyId: table.replicas.find((x) => x.region === r.region)?.kmsKeyArn } : {}),
      })),
    };
  }

  /**
   * ddb.cmk-replica-key: a replica of a table encrypted with a customer-managed key needs a
   * KMSMasterKeyId, and the key must be in the replica's own region. Returns its ARN.
   */
  private replicaKey(record: TableRecord, region: string, kmsKeyId: string | undefined): string | undefined {
    if (!record.sseKms) return kmsKeyId ? kmsKeyArn(kmsKeyId, region, this.ctx.state.accountId) : undefined;
    if (!kmsKeyId) {
      // ddb.cmk-replica-key (code only)
      throw awsError('ValidationException', `Table ${record.name} is encrypted with a customer managed KMS key: KMSMasterKeyId is required for the new replica in region ${region}.`);
    }
    const arn = kmsKeyArn(kmsKeyId, region, this.ctx.state.accountId);
    const keyRegion = arn.split(':')[3];
    if (keyRegion !== region) {
      // No case yet: a key from another region (the API reference requires the replica's own region; message unconfirmed).
      throw awsError('ValidationException', `KMSMasterKeyId ${kmsKeyId} is in region ${keyRegion ?? '?'}: the key of a replica must be in the replica's region ${region}.`);
    }
    return arn;
  }

  /** CreateTable (a setup operation regionctl never sends; the conformance corpus does). */
  createTable(region: string, input: CreateTableInput): { TableDescription: TableDescription } {
    settleTables(this.ctx);
    const name = input.TableName ?? '';
    // ddb.create-duplicate-table
    if (this.findIn(name, region)) throw awsError('ResourceInUseException', `Table already exists: ${name}`);
    const stream = input.StreamSpecification?.StreamEnabled ? input.StreamSpecification.StreamViewType : undefined;
    const sse = input.SSESpecification;
    const sseKms = sse?.Enabled === true && sse.SSEType === 'KMS' && sse.KMSMasterKeyId !== undefined;
    const kms = sseKms ? kmsKeyArn(sse.KMSMasterKeyId ?? '', region, this.ctx.state.accountId) : undefined;
    this.ctx.state.sequence += 1;
    this.ctx.state.tables.push({
      name,
      homeRegion: region,
      ...(stream ? { streamViewType: stream } : {}),
      billingMode: input.BillingMode === 'PROVISIONED' ? 'PROVISIONED' : 'PAY_PER_REQUEST',
      writeAutoScaling: false,
      replicas: [{ region, status: 'ACTIVE', ...(kms ? { kmsKeyArn: kms } : {}) }],
      tableId: `00000000-0000-4000-8000-${String(this.ctx.state.sequence).padStart(12, '0')}`,
      keySchema: (input.KeySchema ?? []).map((k) => ({ AttributeName: k.AttributeName ?? '', KeyType: k.KeyType ?? 'HASH' })),
      attributeDefinitions: (input.AttributeDefinitions ?? []).map((a) => ({ AttributeName: a.AttributeName ?? '', AttributeType: a.AttributeType ?? 'S' })),
      deletionProtection: input.DeletionProtectionEnabled ?? false,
      ...(sseKms ? { sseKms: true } : {}),
      createdAt: this.ctx.clock.now(),
    });
    return { TableDescription: this.describe(this.require(name, region), region) };
  }

  /** DeleteTable in one region: the table there (a replica of a global table leaves the others). */
  deleteTable(region: string, input: { TableName?: string }): { TableDescription: TableDescription } {
    settleTables(this.ctx);
    const name = input.TableName ?? '';
    // ddb.delete-missing-table
    const record = this.require(name, region);
    if (record.deletionProtection) {
      throw awsError('ValidationException', `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`);
    }
    // ddb.source-replica-24h: DeleteTable on the source is refused too (go-to-k/cdkd#1442).
    const here = record.replicas.find((r) => r.region === region);
    if (record.replicas.length > 1 && here?.sourceOfCreationAt !== undefined && this.ctx.clock.now() < here.sourceOfCreationAt + SOURCE_HOLD_MS) {
      throw awsError('ValidationException', SOURCE_REPLICA_MESSAGE);
    }
    const description = { ...this.describe(record, region), TableStatus: 'DELETING' as const };
    record.replicas = record.replicas.filter((r) => r.region !== region);
    if (record.replicas.length === 0) this.ctx.state.tables = this.ctx.state.tables.filter((t) => t !== record);
    return { TableDescription: description };
  }

  private findIn(name: string, region: string): TableRecord | undefined {
    return this.ctx.state.tables.find((t) => t.name === name && t.replicas.some((r) => r.region === region));
  }

  private require(name: string, region: string): TableRecord {
    const table = this.findIn(name, region);
    // ddb.delete-missing-table
    if (!table) throw awsError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    return table;
  }

  /** The checks shared by both replica changes, in the order AWS reports them. */
  private requireUpdatable(table: string, viaRegion: string, region: string): TableRecord {
    const record = this.require(table, viaRegion);
    if (region === viaRegion) throw localRegionError();
    const view = viewTable(record, viaRegion);
    // CREATION_FAILED is terminal, not busy: the failed replica can be removed.
    if (view.status !== 'ACTIVE' || view.replicas.some((r) => TRANSITIONAL.has(r.status))) {
      // ddb.update-while-updating
      throw awsError('ResourceInUseException', `Attempt to change a resource which is still in use: Table is being updated: ${table}`);
    }
    return record;
  }
}

// ddb.local-region-replica
function localRegionError(): Error {
  return awsError(
    'ValidationException',
    'Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.',
  );
}

/** A KMS key id, alias or ARN as the key's ARN (aliases stay alias ARNs). */
function kmsKeyArn(keyId: string, region: string, accountId: string): string {
  if (keyId.startsWith('arn:')) return keyId;
  return arnIn(region, 'kms', accountId, keyId.startsWith('alias/') ? keyId : `key/${keyId}`);
}
