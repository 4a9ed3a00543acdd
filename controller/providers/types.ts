// Provider interfaces: the only way the controller sees or changes AWS. Domain types
// only (no SDK types), so the planner and executor work the same against AWS and the
// sandbox. Every method may throw the typed errors of controller/errors.ts.

export type StackStatus =
  | 'CREATE_IN_PROGRESS' | 'CREATE_FAILED' | 'CREATE_COMPLETE'
  | 'ROLLBACK_IN_PROGRESS' | 'ROLLBACK_FAILED' | 'ROLLBACK_COMPLETE'
  | 'DELETE_IN_PROGRESS' | 'DELETE_FAILED' | 'DELETE_COMPLETE'
  | 'UPDATE_IN_PROGRESS' | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' | 'UPDATE_COMPLETE' | 'UPDATE_FAILED'
  | 'UPDATE_ROLLBACK_IN_PROGRESS' | 'UPDATE_ROLLBACK_FAILED'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' | 'UPDATE_ROLLBACK_COMPLETE'
  | 'REVIEW_IN_PROGRESS'
  | 'IMPORT_IN_PROGRESS' | 'IMPORT_COMPLETE' | 'IMPORT_ROLLBACK_IN_PROGRESS'
  | 'IMPORT_ROLLBACK_FAILED' | 'IMPORT_ROLLBACK_COMPLETE';

export interface LiveStack {
  region: string;
  name: string;
  id: string;
  status: StackStatus;
  statusReason?: string;
  tags: Record<string, string>;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  terminationProtection: boolean;
  /**
   * Logical ids of the resources that hold the stack in a failed state, read (one more call)
   * only then: DELETE_FAILED, those that failed to delete (DeleteStack must retain them);
   * UPDATE_ROLLBACK_FAILED, those that failed to roll back (ContinueUpdateRollback may skip them).
   */
  failedResources?: string[];
}

export interface StackInput {
  region: string;
  name: string;
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  terminationProtection: boolean;
  /** Idempotency token (ClientRequestToken): the same request retried after a crash reuses it. */
  clientToken: string;
}

/** A resource-level change inside a stack, from a change set (AWS) or the sandbox's template diff. */
export interface StackResourceChange {
  action: 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic';
  logicalId: string;
  resourceType: string;
  replacement?: 'True' | 'False' | 'Conditional';
}

export interface StackProvider {
  /** undefined when no stack of that name exists in the region (or it is DELETE_COMPLETE). */
  describe(region: string, name: string): Promise<LiveStack | undefined>;
  create(input: StackInput): Promise<void>;
  /** 'no-changes' is AWS's "No updates are to be performed.": converged, not a failure. */
  update(input: StackInput): Promise<'started' | 'no-changes'>;
  /** retainResources (RetainResources): only for a DELETE_FAILED stack, the resources left in the account. */
  delete(region: string, name: string, clientToken: string, retainResources?: string[]): Promise<void>;
  /** resourcesToSkip (ResourcesToSkip): resources that failed to roll back, marked UPDATE_COMPLETE as they are. */
  continueUpdateRollback(region: string, name: string, clientToken: string, resourcesToSkip?: string[]): Promise<void>;
  /** UpdateTerminationProtection: switched on only once a stack first reached CREATE_COMPLETE (issue 12 item 6). */
  setTerminationProtection(region: string, name: string, enabled: boolean): Promise<void>;
  /** What a create or update would change inside the stack; used by diff, never applies. */
  previewChanges(input: StackInput): Promise<StackResourceChange[]>;
  /**
   * Deletes what a diff interrupted before its cleanup left on this stack of ours: its preview
   * change sets, and the stack itself when it is a review-only stack with nothing else in it.
   * The stack as it is afterwards; undefined when it was deleted.
   */
  removePreviewLeftovers(stack: LiveStack): Promise<LiveStack | undefined>;
  /**
   * Every stack of the region carrying tag key=value, whatever its name (DescribeStacks
   * without a name, all pages). Costly: used only to rebuild a lost inventory.
   */
  listByTag(region: string, key: string, value: string): Promise<LiveStack[]>;
}

export type ReplicaStatus =
  | 'CREATING' | 'CREATION_FAILED' | 'UPDATING' | 'DELETING' | 'ACTIVE' | 'REGION_DISABLED'
  | 'INACCESSIBLE_ENCRYPTION_CREDENTIALS' | 'ARCHIVING' | 'ARCHIVED' | 'REPLICATION_NOT_AUTHORIZED';

export type TableStatus = 'CREATING' | 'UPDATING' | 'DELETING' | 'ACTIVE' | 'INACCESSIBLE_ENCRYPTION_CREDENTIALS' | 'ARCHIVING' | 'ARCHIVED';

export interface LiveReplica {
  region: string;
  status: ReplicaStatus;
  statusDescription?: string;
}

export interface LiveTable {
  name: string;
  /** The region this description was read in (a replica region of the table). */
  readRegion: string;
  status: TableStatus;
  /** e.g. NEW_AND_OLD_IMAGES; undefined when streams are off. */
  streamViewType?: string;
  billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  globalTableVersion?: string;
  /**
   * The customer-managed KMS key of the read region's copy (DescribeTable SSEDescription with
   * SSEType KMS and a KMSMasterKeyId on the replicas); undefined for AWS-owned or AWS-managed
   * keys. Every new replica then needs a key in its own region (ddb.cmk-replica-key).
   */
  customerKmsKeyArn?: string;
  /**
   * PROVISIONED tables: whether write capacity is auto scaled (DescribeTableReplicaAutoScaling);
   * AWS gives such a table replicas, which carry its auto-scaling settings. Undefined when not read.
   */
  writeAutoScaled?: boolean;
  /** Every region holding a copy, the read region included. */
  replicas: LiveReplica[];
}

export interface TableProvider {
  /** Reads the table from the first of candidateRegions where it exists; undefined if none. */
  describe(name: string, candidateRegions: string[]): Promise<LiveTable | undefined>;
  /** One ReplicaUpdates change, sent in viaRegion (an ACTIVE replica other than region). */
  /** kmsKeyId: the replica's KMS key (KMSMasterKeyId), for a table encrypted with a customer-managed key. */
  addReplica(table: string, viaRegion: string, region: string, kmsKeyId?: string): Promise<void>;
  removeReplica(table: string, viaRegion: string, region: string): Promise<void>;
}

export interface AliasTarget {
  hostedZoneId: string;
  dnsName: string;
  evaluateTargetHealth: boolean;
}

export interface GeoLocationCode {
  continentCode?: string;
  countryCode?: string;
  subdivisionCode?: string;
}

/** A Route 53 resource record set, in the zone's own spelling (names end with a dot). */
export interface DnsRecord {
  name: string;
  type: string;
  setIdentifier?: string;
  ttl?: number;
  /** Record values (for TXT, each value already quoted). Empty for alias records. */
  values: string[];
  alias?: AliasTarget;
  weight?: number;
  region?: string;
  failover?: 'PRIMARY' | 'SECONDARY';
  geolocation?: GeoLocationCode;
  healthCheckId?: string;
}

export interface RecordChange {
  action: 'CREATE' | 'DELETE' | 'UPSERT';
  record: DnsRecord;
}

export interface HostedZone {
  id: string;
  name: string;
}

export type ChangeStatus = 'PENDING' | 'INSYNC';

export interface DnsProvider {
  findZone(nameOrId: string): Promise<HostedZone | undefined>;
  /** Every record set of the zone, all pages. */
  listRecords(zoneId: string): Promise<DnsRecord[]>;
  /** One atomic ChangeResourceRecordSets batch; returns the change id and its status. */
  change(zoneId: string, changes: RecordChange[], comment: string): Promise<{ id: string; status: ChangeStatus }>;
  changeStatus(changeId: string): Promise<ChangeStatus>;
}

export interface HealthCheckConfig {
  protocol: 'HTTPS' | 'HTTP';
  fqdn: string;
  port: number;
  path: string;
  interval: 10 | 30;
  failureThreshold: number;
  regions: string[];
}

export interface LiveHealthCheck {
  id: string;
  callerReference: string;
  config: HealthCheckConfig;
}

export type HealthStatus = 'healthy' | 'unhealthy' | 'unknown';

export interface HealthCheckProvider {
  /** Every health check of the account, all pages (configuration only, no status). */
  list(): Promise<LiveHealthCheck[]>;
  /** Idempotent for the same callerReference and config; returns the id. */
  create(callerReference: string, config: HealthCheckConfig, tags: Record<string, string>): Promise<string>;
  /** Changes the mutable settings (path, port, fqdn, failureThreshold, regions). */
  update(id: string, config: HealthCheckConfig): Promise<void>;
  delete(id: string): Promise<void>;
  status(id: string): Promise<HealthStatus>;
}

export interface Providers {
  stacks: StackProvider;
  tables: TableProvider;
  dns: DnsProvider;
  healthChecks: HealthCheckProvider;
}

/** Everything the planner knows about AWS for one RegionSet, read once per reconcile. */
export interface LiveState {
  /** Keyed by region code; a region read and found empty has `undefined`. */
  stacks: Record<string, LiveStack | undefined>;
  /** Keyed by table name; undefined when the table was not found. */
  tables: Record<string, LiveTable | undefined>;
  zone?: HostedZone;
  /** Record sets of the zone (all of them; the planner filters what it owns). */
  records: DnsRecord[];
  healthChecks: LiveHealthCheck[];
  /** Health status by health check id, filled only when the plan needs it. */
  health: Record<string, HealthStatus>;
  /**
   * Present only when the inventory record was missing while owned resources existed: the
   * one-time scan of the partition's regions for stacks tagged with the RegionSet.
   */
  inventoryScan?: InventoryScan;
}

export interface InventoryScan {
  /** Regions scanned (those that answered). */
  regions: string[];
  /** Regions that refused the call as not enabled for the account (opt-in regions). */
  skipped: string[];
  /** Tagged stacks found, by region and name (the manifest's stack name or another). */
  found: Array<{ region: string; name: string }>;
}

/**
 * Leader election's storage: one item per RegionSet, changed only by conditional writes
 * (DynamoDB's, or the sandbox's model of them). The runtime's leases (runtime/lease.ts)
 * keep the logic — renewal, safety margin, fencing — on top of it.
 */
export interface LeaseStore {
  /** Where the leases live, for messages (the table's name). */
  readonly describe: string;
  /**
   * Takes the lease when it is free, expired (expiresAt < now) or already `holder`'s,
   * raising its fencing token by one in the same write. Otherwise not taken, with the
   * holder's expiry when the store says it.
   */
  take(key: string, holder: string, now: number, expiresAt: number): Promise<{ taken: true; fencingToken: number } | { taken: false; holderExpiresAt?: number }>;
  /** Moves the expiry of the lease `holder` holds with `fencingToken`; false when it is no longer theirs. */
  extend(key: string, holder: string, fencingToken: number, expiresAt: number): Promise<boolean>;
}

/** Who suspended or resumed a RegionSet, why and when (ms since epoch). */
export interface ControlState {
  suspended: boolean;
  reason: string;
  by: string;
  at: number;
  /** Break-glass drains in force (`regionctl drain REGION --now`), by region code; see plan/overrides.ts. */
  drains?: Record<string, { until: number; reason: string; by: string; at: number }>;
  /** An emergency override of the RegionSet's sync windows (regionctl sync-window override): applies until `until`, then lapses by itself. */
  syncWindowOverride?: { until: number; reason: string; by: string; at: number };
}

/** One step of an applied plan as history keeps it: outcome and executor (clock) timings. */
export interface HistoryStep {
  id: string;
  action: string;
  region?: string;
  outcome: 'done' | 'failed' | 'skipped' | 'not-started';
  /** Executor time when the step started and ended (ms since the apply began). */
  startedMs?: number;
  endedMs?: number;
  message?: string;
}

/** One line of a RegionSet's history: a reconcile that planned changes, a suspend/resume, or a break-glass drain and its end. */
export interface HistoryEntry {
  kind: 'reconcile' | 'suspend' | 'resume' | 'drain' | 'drain-ended' | 'sync-window-override';
  /** ms since epoch. */
  at: number;
  /** What asked: webhook delivery, resync, manual trigger (with its actor), resume... */
  trigger: string;
  by?: string;
  reason?: string;
  revision?: string;
  /** reconcile: the outcome (applied, apply-failed, refused, drift, interrupted, error...). */
  outcome?: string;
  reconcileId?: string;
  durationMs?: number;
  plan?: { steps: number; stepsByAction: Record<string, number>; regions: Record<string, string>; refusals: string[] };
  steps?: HistoryStep[];
  /** Steps beyond what one entry keeps (the item size limit) were dropped. */
  stepsTruncated?: number;
  /** drain, drain-ended: the region, and when the drain expires (ms since epoch). */
  region?: string;
  until?: number;
}

/**
 * Shared, durable control state of every RegionSet: suspension and history, where every
 * replica reads it (the lease table's DynamoDB items on AWS; a file or memory in the
 * sandbox). History is a bounded ring per RegionSet, trimmed on write.
 */
export interface ControlStore {
  /** Where the state lives, for messages. */
  readonly describe: string;
  /** undefined: never suspended or resumed through the store. */
  getControl(regionSet: string): Promise<ControlState | undefined>;
  putControl(regionSet: string, state: ControlState): Promise<void>;
  /** Appends one entry and keeps the newest `limit` (and no more than the store's size bound). */
  appendHistory(regionSet: string, entry: HistoryEntry, limit: number): Promise<void>;
  /** Oldest first. */
  history(regionSet: string): Promise<HistoryEntry[]>;
}
