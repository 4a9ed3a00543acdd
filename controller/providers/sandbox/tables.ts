// DynamoDB global tables (version 2019.11.21): existing tables gain and lose replicas through
// UpdateTable ReplicaUpdates, one change at a time, only when everything is ACTIVE.

import { AwsRequestError, WaitingError } from '../../errors.js';
import type { LiveTable, ReplicaStatus, TableProvider } from '../types.js';
import { invoke, logExtraCall, type SandboxContext } from './context.js';
import type { TableRecord } from './state.js';

/** ResourceInUseException: the table or a replica is busy; come back later. */
export class ResourceInUseError extends WaitingError {
  readonly code = 'ResourceInUseException';
}

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

export class SandboxTables implements TableProvider {
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

  async describe(name: string, candidateRegions: string[]): Promise<LiveTable | undefined> {
    const [first, ...rest] = candidateRegions;
    if (first === undefined) return undefined;
    // One DescribeTable per region tried; a miss is ResourceNotFoundException in AWS.
    return invoke(this.ctx, { service: 'dynamodb', operation: 'DescribeTable', method: 'tables.describe', region: first, write: false }, (entry) => {
      settleTables(this.ctx);
      const found = this.findIn(name, first);
      if (found) return viewTable(found, first);
      entry.outcome = 'ResourceNotFoundException';
      for (const region of rest) {
        const table = this.findIn(name, region);
        logExtraCall(this.ctx, { service: 'dynamodb', operation: 'DescribeTable', method: 'tables.describe', region, write: false }, table ? 'ok' : 'ResourceNotFoundException');
        if (table) return viewTable(table, region);
      }
      return undefined;
    });
  }

  addReplica(table: string, viaRegion: string, region: string): Promise<void> {
    return invoke(this.ctx, { service: 'dynamodb', operation: 'UpdateTable', method: 'tables.addReplica', region: viaRegion, write: true }, () => {
      settleTables(this.ctx);
      const record = this.requireUpdatable(table, viaRegion, region);
      if (record.replicas.some((r) => r.region === region)) throw localRegionError(table);
      if (this.ctx.state.tables.some((t) => t !== record && t.name === table && t.replicas.some((r) => r.region === region))) {
        throw new AwsRequestError(
          `Failed to create a the new replica of table with name: '${table}' because one or more replicas already existed as tables.`,
          'ValidationException',
          table,
        );
      }
      if (record.streamViewType !== 'NEW_AND_OLD_IMAGES') {
        throw new AwsRequestError(
          'Table must have DynamoDB Streams enabled with StreamViewType set to NEW_AND_OLD_IMAGES to add replicas.',
          'ValidationException',
          table,
        );
      }
      if (record.billingMode === 'PROVISIONED' && !record.writeAutoScaling) {
        throw new AwsRequestError('Table write capacity should either be Pay-Per-Request or AutoScaled.', 'ValidationException', table);
      }
      const fails = this.ctx.faults.take('tables.addReplica', region, ['fail']) !== undefined;
      record.globalTableVersion = '2019.11.21';
      record.replicas.push({ region, status: 'ACTIVE' });
      record.operation = { kind: 'add', region, startedAt: this.ctx.clock.now(), ms: this.ctx.state.latencies.replicaCreate, fails };
      settleTables(this.ctx);
    });
  }

  removeReplica(table: string, viaRegion: string, region: string): Promise<void> {
    return invoke(this.ctx, { service: 'dynamodb', operation: 'UpdateTable', method: 'tables.removeReplica', region: viaRegion, write: true }, () => {
      settleTables(this.ctx);
      const record = this.requireUpdatable(table, viaRegion, region);
      if (!record.replicas.some((r) => r.region === region)) {
        throw new AwsRequestError(
          `Update global table operation failed because replica in region ${region} does not exist for table ${table}.`,
          'ValidationException',
          table,
        );
      }
      record.operation = { kind: 'remove', region, startedAt: this.ctx.clock.now(), ms: this.ctx.state.latencies.replicaDelete, fails: false };
      settleTables(this.ctx);
    });
  }

  private findIn(name: string, region: string): TableRecord | undefined {
    return this.ctx.state.tables.find((t) => t.name === name && t.replicas.some((r) => r.region === region));
  }

  /** The checks shared by both replica changes, in the order AWS reports them. */
  private requireUpdatable(table: string, viaRegion: string, region: string): TableRecord {
    const record = this.findIn(table, viaRegion);
    if (!record) {
      throw new AwsRequestError(`Requested resource not found: Table: ${table} not found`, 'ResourceNotFoundException', table);
    }
    if (region === viaRegion) throw localRegionError(table);
    const view = viewTable(record, viaRegion);
    // CREATION_FAILED is terminal, not busy: the failed replica can be removed.
    if (view.status !== 'ACTIVE' || view.replicas.some((r) => TRANSITIONAL.has(r.status))) {
      throw new ResourceInUseError(`Attempt to change a resource which is still in use: Table is being updated: ${table}`, table);
    }
    return record;
  }
}

function localRegionError(table: string): AwsRequestError {
  return new AwsRequestError(
    'Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.',
    'ValidationException',
    table,
  );
}
