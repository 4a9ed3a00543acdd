// Types of the RegionSet manifest: the written shape (what users put in regions.yaml,
// kept in agreement with schemas/regions.schema.json by a test) and the normalised
// DesiredState the planner consumes (defaults applied, regions sorted, template read).

export type RegionState = 'active' | 'standby' | 'drained';
export type Routing = 'latency' | 'weighted' | 'failover' | 'geolocation';
export type FailoverRole = 'PRIMARY' | 'SECONDARY';
export type RecordType = 'CNAME' | 'A' | 'AAAA';
export type HealthCheckProtocol = 'HTTPS' | 'HTTP';
/** Regions Route 53 runs health checkers in (the only values HealthCheckRegions accepts). */
export type HealthCheckerRegion =
  | 'us-east-1'
  | 'us-west-1'
  | 'us-west-2'
  | 'eu-west-1'
  | 'ap-southeast-1'
  | 'ap-southeast-2'
  | 'ap-northeast-1'
  | 'sa-east-1';
/** Route 53 geolocation continent codes. */
export type ContinentCode = 'AF' | 'AN' | 'AS' | 'EU' | 'NA' | 'OC' | 'SA';

// ---- written shape -------------------------------------------------------------

export interface ManifestHealthCheck {
  /** Stack output with the host name to probe; default: the record's target. */
  target?: string;
  path?: string;
  protocol?: HealthCheckProtocol;
  port?: number;
  interval?: 10 | 30;
  failureThreshold?: number;
  regions?: HealthCheckerRegion[];
}

export interface ManifestRecord {
  name: string;
  type?: RecordType;
  routing: Routing;
  target: string;
  alias?: { hostedZoneIdOutput: string; evaluateTargetHealth?: boolean };
  ttl?: number;
  healthCheck?: ManifestHealthCheck;
}

export interface ManifestGeolocation {
  continents?: ContinentCode[];
  countries?: string[];
  subdivisions?: string[];
  default?: boolean;
}

export interface ManifestRegion {
  state?: RegionState;
  weight?: number;
  failover?: FailoverRole;
  geolocation?: ManifestGeolocation;
  parameters?: Record<string, string | number | boolean>;
}

export interface ManifestTable {
  name: string;
  removeReplicas?: boolean;
  /** Region code → KMS key (ARN, alias ARN, key id or alias/name) for a CMK-encrypted table's replica there. */
  kmsKeys?: Record<string, string>;
}

/** A change-freeze (deny) or change-allowed (allow) window, as written. */
export interface ManifestSyncWindow {
  kind: 'deny' | 'allow';
  /** Five-field cron expression of the window's starts, in timeZone. */
  schedule: string;
  duration: string;
  /** IANA time zone name (required: no implicit UTC). */
  timeZone: string;
  description?: string;
}

export interface RegionSetManifest {
  apiVersion: 'regionctl/v1';
  kind: 'RegionSet';
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    stack: {
      name: string;
      template: string;
      parameters?: Record<string, string | number | boolean>;
      capabilities?: Array<'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | 'CAPABILITY_AUTO_EXPAND'>;
      tags?: Record<string, string>;
      terminationProtection?: boolean;
    };
    tables?: ManifestTable[];
    dns: { zone: string; records: ManifestRecord[] };
    rollout?: {
      maxParallelRegions?: number;
      minHealthyRegions?: number;
      ramp?: number[];
      stepWait?: string;
      drainWait?: string;
    };
    regions: Record<string, ManifestRegion | null>;
    syncWindows?: ManifestSyncWindow[];
  };
}

// ---- normalised desired state --------------------------------------------------

/** One Route 53 location a geolocation record answers for. */
export type GeoLocation =
  | { kind: 'continent'; code: string }
  | { kind: 'country'; code: string }
  | { kind: 'subdivision'; country: string; code: string }
  | { kind: 'default' };

export interface DesiredHealthCheck {
  /**
   * Stack output holding the host name the checkers probe. Usually the record's target, but
   * it can differ: a custom domain's regional name only answers for the custom domain's
   * Host header, so the check goes to the API's own execute-api host instead.
   */
  targetOutput: string;
  protocol: HealthCheckProtocol;
  port: number;
  path: string;
  interval: 10 | 30;
  failureThreshold: number;
  /** Checker regions; empty means the Route 53 default set. */
  regions: string[];
}

export interface DesiredRecord {
  /** Fully qualified, lower case, with the trailing dot. */
  name: string;
  type: RecordType;
  routing: Routing;
  /** TTL in seconds; ignored for alias records. */
  ttl: number;
  /** Stack output holding the regional endpoint (DNS name). */
  targetOutput: string;
  /** Present for alias records: the output holding the target's hosted zone id. */
  alias?: { hostedZoneIdOutput: string; evaluateTargetHealth: boolean };
  healthCheck?: DesiredHealthCheck;
}

export interface DesiredRegion {
  /** AWS region code, e.g. eu-west-1. */
  code: string;
  state: RegionState;
  /** Full weight for weighted routing (0–255); default 100. */
  weight: number;
  failover?: FailoverRole;
  geolocation: GeoLocation[];
  /** Stack parameters for this region: spec.stack.parameters merged with the region's own. */
  parameters: Record<string, string>;
}

export interface DesiredStack {
  name: string;
  /** Path as written in the manifest (relative to the manifest file). */
  templatePath: string;
  templateBody: string;
  /** sha256 hex of templateBody, first 16 characters: stored in a stack tag. */
  templateHash: string;
  /**
   * Parameters the template declares NoEcho (secrets), sorted: masked in every output and
   * compared by digest. Every parameter when the template cannot be read.
   */
  noEchoParameters: string[];
  capabilities: string[];
  tags: Record<string, string>;
  terminationProtection: boolean;
}

export interface DesiredTable {
  name: string;
  removeReplicas: boolean;
  /** Region code → KMS key for the replica there (needed when the table uses a customer-managed key). */
  kmsKeys: Record<string, string>;
}

export interface DesiredRollout {
  maxParallelRegions: number;
  minHealthyRegions: number;
  /** Percentages of the region's full weight, ascending, last one 100. */
  ramp: number[];
  stepWaitMs: number;
  drainWaitMs: number;
}

export interface SyncWindow {
  kind: 'deny' | 'allow';
  schedule: string;
  /** As written (1h), for /status. */
  duration: string;
  durationMs: number;
  timeZone: string;
  description?: string;
}

export interface DesiredState {
  /** metadata.name: the owner id written into tags and ownership markers. */
  name: string;
  /** Path of the manifest file the state came from. */
  file: string;
  /**
   * The manifest's path relative to the repository root, recorded in the inventory as the
   * file that owns the RegionSet (a name clash between files never changes the owner).
   * Absent: the inventory records no file (and an existing record is left as it is).
   */
  ownerFile?: string;
  stack: DesiredStack;
  tables: DesiredTable[];
  dns: { zone: string; records: DesiredRecord[] };
  rollout: DesiredRollout;
  /** Sorted by region code. */
  regions: DesiredRegion[];
  /** When changes may be applied (manifest/sync-windows.ts); empty: always. */
  syncWindows: SyncWindow[];
}

// ---- validation results ----------------------------------------------------------

export interface ManifestIssue {
  file: string;
  line: number;
  column: number;
  /** Short rule id, e.g. "schema", "duplicate-key", "weights-all-zero". */
  rule: string;
  message: string;
  /** JSON pointer of the offending node, "" for the document. */
  pointer: string;
}

/** warnings: problems that do not stop the manifest from being used (e.g. a NoEcho value written in git). */
export type LoadResult = { ok: true; value: DesiredState; warnings?: ManifestIssue[] } | { ok: false; errors: ManifestIssue[] };
