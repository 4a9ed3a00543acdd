// The whole sandbox cloud as plain JSON-able data. Asynchronous AWS work is stored as a
// start time plus phase durations and derived on read, so a saved file resumes exactly.

import type { DnsRecord, HealthCheckConfig, ReplicaStatus, StackStatus } from '../types.js';

export interface Latencies {
  stackCreate: number;
  stackUpdate: number;
  /** UPDATE_COMPLETE_CLEANUP_IN_PROGRESS and its rollback twin. */
  stackCleanup: number;
  stackDelete: number;
  stackRollback: number;
  replicaCreate: number;
  replicaDelete: number;
  /** ChangeResourceRecordSets PENDING → INSYNC. */
  dnsChange: number;
  /** A new health check reports healthy after this many of its request intervals. */
  healthCheckIntervals: number;
  /** CreateChangeSet CREATE_PENDING → CREATE_COMPLETE/FAILED (absent in older state files: 0). */
  changeSetCreate?: number;
}

/** Realistic virtual durations (milliseconds). */
export const DEFAULT_LATENCIES: Latencies = {
  stackCreate: 90_000,
  stackUpdate: 60_000,
  stackCleanup: 10_000,
  stackDelete: 60_000,
  stackRollback: 30_000,
  replicaCreate: 300_000,
  replicaDelete: 120_000,
  dnsChange: 30_000,
  healthCheckIntervals: 1,
  changeSetCreate: 5_000,
};

export const INSTANT_LATENCIES: Latencies = {
  stackCreate: 0,
  stackUpdate: 0,
  stackCleanup: 0,
  stackDelete: 0,
  stackRollback: 0,
  replicaCreate: 0,
  replicaDelete: 0,
  dnsChange: 0,
  healthCheckIntervals: 0,
};

export interface StackConfig {
  templateBody: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  outputs: Record<string, string>;
}

export interface StackPhase {
  status: StackStatus;
  ms: number;
  reason?: string;
}

/** An operation in flight: phases in order, then the final outcome. */
export interface StackOperation {
  kind: 'create' | 'update' | 'delete' | 'continueUpdateRollback';
  startedAt: number;
  phases: StackPhase[];
  /** Final status; 'GONE' when the stack disappears (DELETE_COMPLETE). */
  finalStatus: StackStatus | 'GONE';
  finalReason?: string;
  /** Which configuration is live afterwards: the requested one or the one before. */
  live: 'requested' | 'previous';
}

export interface StackRecord {
  region: string;
  name: string;
  id: string;
  status: StackStatus;
  statusReason?: string;
  terminationProtection: boolean;
  /** The configuration serving now (outputs empty until the first create completes). */
  current: StackConfig;
  /** The configuration being applied by the operation in flight. */
  requested?: StackConfig;
  operation?: StackOperation;
  /** Served at the API level: when CreateStack / the CREATE change set's execution started. */
  createdAt?: number;
  lastUpdatedAt?: number;
  /** Logical ids whose deletion fails until DeleteStack retains them (cfn.delete-failed-retain). */
  failDeletion?: string[];
  /** The next update fails on this resource (and its rollback too with andRollback) (cfn.update-rollback-failed). */
  failUpdate?: { logicalId: string; andRollback: boolean };
  /** Logical ids whose rollback failed: UPDATE_FAILED while the stack is UPDATE_ROLLBACK_FAILED (cfn.update-rollback-failed-skip). */
  failRollback?: string[];
}

/** A stack after DELETE_COMPLETE: still described by its ARN (cfn.deleted-stack-by-id). */
export interface DeletedStackRecord {
  region: string;
  name: string;
  id: string;
  createdAt: number;
  deletedAt: number;
}

/** A change set (CloudFormation at the API level). Status is derived from the clock. */
export interface ChangeSetRecord {
  region: string;
  stackId: string;
  stackName: string;
  name: string;
  id: string;
  type: 'CREATE' | 'UPDATE';
  createdAt: number;
  /** CREATE_PENDING until createdAt + readyMs (cfn.changeset-lifecycle). */
  readyMs: number;
  config: Omit<StackConfig, 'outputs'>;
  capabilities: string[];
  /** Final creation result: FAILED carries AWS's reason (cfn.changeset-no-changes). */
  failedReason?: string;
  changes: Array<{ action: string; logicalId: string; resourceType: string; replacement?: string }>;
  /** Set on ExecuteChangeSet; OBSOLETE when the stack was created otherwise (cfn.create-stack-while-in-review). */
  execution?: 'EXECUTED' | 'OBSOLETE';
  executedUntil?: number;
}

export interface ClientTokenRecord {
  region: string;
  token: string;
  /** Fingerprint of the request the token was first used with. */
  request: string;
}

export interface ReplicaRecord {
  region: string;
  status: ReplicaStatus;
  statusDescription?: string;
  /** Customer-managed KMS key of this replica (ARN in its own region), for a CMK table (ddb.cmk-replica-key). */
  kmsKeyArn?: string;
  /** When this replica last acted as the source of a replica creation (ddb.source-replica-24h). */
  sourceOfCreationAt?: number;
}

export interface ReplicaOperation {
  kind: 'add' | 'remove';
  region: string;
  startedAt: number;
  ms: number;
  fails: boolean;
}

export interface TableRecord {
  name: string;
  /** Region the table was created in (its first replica). */
  homeRegion: string;
  streamViewType?: string;
  billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  /** Provisioned tables with auto scaling on writes may still get replicas. */
  writeAutoScaling: boolean;
  /** Set once the table has been global (2019.11.21). */
  globalTableVersion?: string;
  replicas: ReplicaRecord[];
  operation?: ReplicaOperation;
  /** Set by CreateTable (tables seeded by tests have none): TableId, key schema, attributes. */
  tableId?: string;
  keySchema?: { AttributeName: string; KeyType: string }[];
  attributeDefinitions?: { AttributeName: string; AttributeType: string }[];
  deletionProtection?: boolean;
  /** Server-side encryption with a customer-managed KMS key (SSEType KMS); the home replica's key. */
  sseKms?: boolean;
  createdAt?: number;
}

export interface ReplicaDeletion {
  table: string;
  region: string;
  at: number;
  /** Status of the replica when deleted: ACTIVE means its items were lost. */
  statusBefore: ReplicaStatus;
}

export interface ZoneRecord {
  id: string;
  name: string;
  /** Set for zones made by CreateHostedZone (seeded zones have none). */
  callerReference?: string;
  records: DnsRecord[];
}

export interface ChangeRecord {
  id: string;
  zoneId: string;
  submittedAt: number;
  ms: number;
  comment: string;
}

export interface HealthCheckRecord {
  id: string;
  callerReference: string;
  config: HealthCheckConfig;
  tags: Record<string, string>;
  createdAt: number;
  deleted: boolean;
  /** HealthCheckVersion: 1 at creation, +1 per UpdateHealthCheck (absent in older files: 1). */
  version?: number;
  /** Per-checker reports set by the setCheckerReports control (r53.healthy-above-18-percent). */
  checkerReports?: { healthy: number; unhealthy: number };
}

/**
 * 'requestLost': the request times out before AWS sees it; 'answerLost': AWS applies it, then
 * the answer is lost to a timeout (issue 12 item 8: a write is retried only after re-reading).
 */
export type FaultKind = 'throttle' | 'unavailable' | 'priorRequestNotComplete' | 'fail' | 'requestLost' | 'answerLost';

export interface FaultRecord {
  id: number;
  /** AWS operation ('ChangeResourceRecordSets'), outcome name for 'fail' ('StackCreate'), 'route53:*' or '*'. */
  operation: string;
  kind: FaultKind;
  region?: string;
  /** Calls left to hit; undefined = unlimited (with probability). */
  remaining?: number;
  probability?: number;
}

export interface SandboxState {
  version: 1;
  accountId: string;
  /** Virtual time when saved: a ScaledClock resumes from it. */
  savedNow?: number;
  latencies: Latencies;
  sequence: number;
  rngState: number;
  stacks: StackRecord[];
  clientTokens: ClientTokenRecord[];
  tables: TableRecord[];
  replicaDeletions: ReplicaDeletion[];
  zones: ZoneRecord[];
  changes: ChangeRecord[];
  healthChecks: HealthCheckRecord[];
  /** Forced health by health check id or fqdn (setHealth). */
  healthOverrides: Record<string, 'healthy' | 'unhealthy'>;
  faults: FaultRecord[];
  nextFaultId: number;
  /** CloudFormation at the API level (absent in older state files). */
  changeSets?: ChangeSetRecord[];
  deletedStacks?: DeletedStackRecord[];
}

export function emptyState(accountId: string, latencies: Latencies, seed: number): SandboxState {
  return {
    version: 1,
    accountId,
    latencies,
    sequence: 0,
    rngState: seed >>> 0,
    stacks: [],
    clientTokens: [],
    tables: [],
    replicaDeletions: [],
    zones: [],
    changes: [],
    healthChecks: [],
    healthOverrides: {},
    faults: [],
    nextFaultId: 1,
  };
}
