// DynamoDB global tables (version 2019.11.21) at the API level (DescribeTable, UpdateTable
// with ReplicaUpdates, DescribeTableReplicaAutoScaling): existing tables gain and lose
// replicas one change at a time, only when everything is ACTIVE.

import type { StreamViewType, TableDescription } from '../aws/api.js';
import type { DynamoDbOps } from '../aws/api.js';
import type { LiveTable, ReplicaStatus } from '../types.js';
import { awsError } from './aws-error.js';
import type { SandboxContext } from './context.js';
import type { TableRecord } from './state.js';

type Ops = DynamoDbOps;

const TRANSITIONAL: ReadonlySet<ReplicaStatus> = new Set(['CREATING', 'UPDATING', 'DELETING', 'ARCHIVING']);

export interface SeedTableOptions {
  /** Default NEW_AND_OLD_IMAGES; null for a table without streams. */
  streamViewType?: string | null;
  billingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED';
  /** For PROVISIONED tables: write capacity auto scaled (then replicas are allowed). */
  writeAutoScaling?: boolean;
  /** Further regions already holding ACTIVE replicas. */
  replicas?: string[];
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
      replicas: regions.map((r) => ({ region: r, status: 'ACTIVE' as const })),
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
      throw awsError('ValidationException', 'The sandbox models one ReplicaUpdates change per UpdateTable, as regionctl sends them.');
    }
    const [update] = updates;
    if (update?.Create) this.addReplica(table, viaRegion, update.Create.RegionName ?? '');
    else if (update?.Delete) this.removeReplica(table, viaRegion, update.Delete.RegionName ?? '');
    else throw awsError('ValidationException', 'One of Create, Update or Delete must be given in a ReplicaUpdates change.');
    return { TableDescription: this.describe(this.require(table, viaRegion), viaRegion) };
  }

  private addReplica(table: string, viaRegion: string, region: string): void {
    const record = this.requireUpdatable(table, viaRegion, region);
    if (record.replicas.some((r) => r.region === region)) throw localRegionError();
    if (this.ctx.state.tables.some((t) => t !== record && t.name === table && t.replicas.some((r) => r.region === region))) {
      throw awsError(
        'ValidationException',
        `Failed to create a the new replica of table with name: '${table}' because one or more replicas already existed as tables.`,
      );
    }
    if (record.streamViewType !== 'NEW_AND_OLD_IMAGES') {
      throw awsError('ValidationException', 'Table must have DynamoDB Streams enabled with StreamViewType set to NEW_AND_OLD_IMAGES to add replicas.');
    }
    if (record.billingMode === 'PROVISIONED' && !record.writeAutoScaling) {
      throw awsError('ValidationException', 'Table write capacity should either be Pay-Per-Request or AutoScaled.');
    }
    const fails = this.ctx.faults.take('UpdateTable', region, ['fail']) !== undefined;
    record.globalTableVersion = '2019.11.21';
    record.replicas.push({ region, status: 'ACTIVE' });
    record.operation = { kind: 'add', region, startedAt: this.ctx.clock.now(), ms: this.ctx.state.latencies.replicaCreate, fails };
    settleTables(this.ctx);
  }

  private removeReplica(table: string, viaRegion: string, region: string): void {
    const record = this.requireUpdatable(table, viaRegion, region);
    if (!record.replicas.some((r) => r.region === region)) {
      throw awsError('ValidationException', `Update global table operation failed because replica in region ${region} does not exist for table ${table}.`);
    }
    record.operation = { kind: 'remove', region, startedAt: this.ctx.clock.now(), ms: this.ctx.state.latencies.replicaDelete, fails: false };
    settleTables(this.ctx);
  }

  /** DescribeTable's TableDescription as read in `region`. */
  private describe(table: TableRecord, region: string): TableDescription {
    const view = viewTable(table, region);
    return {
      TableName: table.name,
      TableArn: `arn:aws:dynamodb:${region}:${this.ctx.state.accountId}:table/${table.name}`,
      TableStatus: view.status,
      ...(view.streamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: view.streamViewType as StreamViewType } } : {}),
      BillingModeSummary: { BillingMode: view.billingMode },
      ...(view.globalTableVersion ? { GlobalTableVersion: view.globalTableVersion } : {}),
      Replicas: view.replicas.map((r) => ({
        RegionName: r.region,
        ReplicaStatus: r.status,
        ...(r.statusDescription ? { ReplicaStatusDescription: r.statusDescription } : {}),
      })),
    };
  }

  private findIn(name: string, region: string): TableRecord | undefined {
    return this.ctx.state.tables.find((t) => t.name === name && t.replicas.some((r) => r.region === region));
  }

  private require(name: string, region: string): TableRecord {
    const table = this.findIn(name, region);
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
      throw awsError('ResourceInUseException', `Attempt to change a resource which is still in use: Table is being updated: ${table}`);
    }
    return record;
  }
}

function localRegionError(): Error {
  return awsError(
    'ValidationException',
    'Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.',
  );
}
