// The Plan: a pure value computed from (desired, live, options). The executor carries it
// out; the renderers print it. Values unknown until apply (a new stack's outputs, a new
// health check's id) are symbolic references resolved by the executor.

import type { HealthCheckConfig, DnsRecord, StackInput, StackResourceChange } from '../providers/types.js';

/** A value known now, or one read from a stack output once the stack exists. */
export type ValueRef = { literal: string } | { stackOutput: string; region: string };

/** An existing health check, or one created by a step of this plan (by its caller reference). */
export type HealthCheckRef = { id: string } | { callerReference: string };

/** A record whose values may be known only after apply. */
export interface RecordTemplate extends Omit<DnsRecord, 'values' | 'alias' | 'healthCheckId'> {
  values: ValueRef[];
  alias?: { hostedZoneId: ValueRef; dnsName: ValueRef; evaluateTargetHealth: boolean };
  healthCheck?: HealthCheckRef;
}

/** What every step has, whatever its action. */
interface StepBase {
  /** Stable and unique within the plan, e.g. "eu-west-1:stack.create". */
  id: string;
  /** The region the step belongs to; absent for RegionSet-wide steps. */
  region?: string;
  /** Identity key of the resource: stack:REGION, replica:TABLE:REGION, record:NAME:TYPE:SETID, healthcheck:NAME:REGION, inventory. */
  resource: string;
  /** Ids of steps that must finish first. */
  dependsOn: string[];
  /** Why the step is needed, for people. */
  reason: string;
}

/** One kind of step: its action fixes its payload and the shapes shown before and after. */
type StepOf<A extends string, P, Before, After> = StepBase & { action: A; payload: P; before?: Before; after?: After };

/** secretParameters: the NoEcho ones, whose values every output masks. */
/** retainResources (stack.recreate of a DELETE_FAILED stack): the resources its DeleteStack leaves in the account. */
export interface StackPayload { kind: 'stack'; input: Omit<StackInput, 'clientToken'>; secretParameters?: string[]; retainResources?: string[] }
/**
 * retainResources (stack.delete of a DELETE_FAILED stack): DeleteStack's RetainResources;
 * resourcesToSkip (stack.continue-rollback): ContinueUpdateRollback's ResourcesToSkip.
 */
export interface StackRefPayload { kind: 'stack-ref'; region: string; stackName: string; retainResources?: string[]; resourcesToSkip?: string[] }
export interface ReplicaPayload {
  kind: 'replica';
  table: string;
  region: string;
  /** The replica's KMS key (manifest kmsKeys), sent as KMSMasterKeyId on a create for a CMK table. */
  kmsKeyId?: string;
}
export interface HealthCheckCreatePayload { kind: 'healthcheck-create'; callerReference: string; config: Omit<HealthCheckConfig, 'fqdn'> & { fqdn: ValueRef }; tags: Record<string, string> }
export interface HealthCheckUpdatePayload { kind: 'healthcheck-update'; id: string; config: HealthCheckConfig }
export interface HealthCheckDeletePayload { kind: 'healthcheck-delete'; id: string }
/** Healthy for holdMs in a row (0: healthy once), giving up after timeoutMs. */
export interface HealthPayload { kind: 'health'; healthCheck: HealthCheckRef; holdMs: number; timeoutMs: number; rollback?: RecordTemplate }
export interface RecordPayload { kind: 'record'; zoneId: string; change: 'CREATE' | 'UPSERT' | 'DELETE'; record: RecordTemplate }
export interface WaitPayload { kind: 'wait'; ms: number }

/** A stack's status, shown before a wait, delete or recovery; the resources a recovery retains or skips. */
export interface StatusDisplay { status: string; retain?: string[]; skip?: string[] }
/** A stack's template and (masked) parameters, and what else changes. */
export interface StackDisplay {
  status?: string;
  /** stack.recreate of a DELETE_FAILED stack: the resources left in the account. */
  retain?: string[];
  templateHash?: string;
  parameters?: Record<string, string>;
  tags?: Record<string, string>;
  terminationProtection?: boolean;
  /** The provider's preview of resource changes (diff only). */
  resourceChanges?: StackResourceChange[];
  /**
   * Why the resource changes are not shown: `skipped` by `diff --read-only` (no change set);
   * `after-rollback` / `after-wait`: AWS refuses a change set until the rollback this plan
   * continues, or the operation it waits for, has finished.
   */
  resourcePreview?: 'skipped' | 'after-rollback' | 'after-wait';
}
export interface InventoryDisplay { regions?: string[]; file?: string | null }
/** Health-check fields that change (a reference until the stack exists). */
export interface HealthCheckDisplay {
  id?: string;
  protocol?: string;
  interval?: number;
  port?: number;
  path?: string;
  failureThreshold?: number;
  regions?: string[];
  fqdn?: string | ValueRef;
}
/** Record fields that change; values known only after apply stay references. */
export interface RecordDisplay {
  weight?: number;
  ttl?: number;
  values?: Array<string | ValueRef>;
  alias?: { hostedZoneId: string | ValueRef; dnsName: string | ValueRef; evaluateTargetHealth: boolean };
  region?: string;
  failover?: string;
  geolocation?: unknown;
  healthCheck?: string | HealthCheckRef;
  /** A join's ramp: the weights it goes through and the hold between them. */
  ramp?: number[];
  stepWaitMs?: number;
}
/** A hold at a ramp weight. */
export interface HoldDisplay { weight: number; holdMs?: number }

export type Step =
  | StepOf<'inventory.update', RecordPayload, InventoryDisplay, InventoryDisplay>
  | StepOf<'stack.create' | 'stack.update' | 'stack.recreate', StackPayload, StackDisplay, StackDisplay>
  | StepOf<'stack.continue-rollback' | 'stack.delete' | 'stack.wait', StackRefPayload, StatusDisplay, StatusDisplay>
  | StepOf<'replica.create' | 'replica.delete', ReplicaPayload, StatusDisplay, StatusDisplay>
  | StepOf<'healthcheck.create', HealthCheckCreatePayload, HealthCheckDisplay, HealthCheckDisplay>
  | StepOf<'healthcheck.update', HealthCheckUpdatePayload, HealthCheckDisplay, HealthCheckDisplay>
  | StepOf<'healthcheck.delete', HealthCheckDeletePayload, HealthCheckDisplay, never>
  | StepOf<'health.wait', HealthPayload, never, HoldDisplay>
  | StepOf<'record.create' | 'record.update' | 'record.delete', RecordPayload, RecordDisplay, RecordDisplay>
  /** ramp.wait: pause between two ramp weights of a record without a health check. */
  | StepOf<'drain.wait' | 'ramp.wait', WaitPayload, never, HoldDisplay>;

export type StepAction = Step['action'];
export type StepPayload = Step['payload'];
/** The step of one action. */
export type StepWith<A extends StepAction> = Step & { action: A };
/** A step as a pass writes it: dependencies not yet deduplicated (one per kind of step). */
export type StepDraft = Step extends infer S ? (S extends Step ? Omit<S, 'dependsOn'> & { dependsOn?: Iterable<string> } : never) : never;

export type RefusalRule =
  | 'min-healthy-regions'
  | 'last-replica'
  | 'replica-removal-not-allowed'
  | 'unowned-resource'
  | 'termination-protection'
  | 'table-not-ready'
  | 'stack-failed'
  | 'route53-quota';

export interface Refusal {
  rule: RefusalRule;
  resource: string;
  message: string;
}

export type RegionTransition = 'joining' | 'staying' | 'standby' | 'draining' | 'leaving' | 'unchanged';

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  /** Region code → what happens to it in this plan. */
  regions: Record<string, RegionTransition>;
  /** Route 53 ChangeResourceRecordSets calls the plan will make (after batching). */
  route53ChangeBatches: number;
}

export interface Plan {
  regionSet: string;
  /** options.now at planning: also seeds idempotency tokens for this run. */
  plannedAt: number;
  steps: Step[];
  refusals: Refusal[];
  summary: PlanSummary;
  /** Things the plan deliberately does not do, for people (e.g. replicas kept). */
  notes: string[];
  /** Records of other owners beside ours at managed names, left alone (present only when there are some). */
  foreign?: ForeignRecord[];
  /** Traffic per record set of weighted names that have foreign records, at the end of the plan. */
  trafficShares?: TrafficShare[];
}

/** A record of another owner that Route 53 lets stand beside this RegionSet's: never changed. */
export interface ForeignRecord {
  name: string;
  type: string;
  setIdentifier: string;
  routing: 'weighted' | 'latency' | 'failover' | 'geolocation';
  weight?: number;
  region?: string;
  failover?: 'PRIMARY' | 'SECONDARY';
  location?: string;
  /** Weighted: percentage of the name's traffic it gets. */
  share?: number;
}

export interface TrafficShare {
  name: string;
  type: string;
  /** owner: a region code of this RegionSet, or a foreign set identifier. */
  shares: Array<{ owner: string; foreign: boolean; weight: number; percent: number }>;
}

export interface PlanOptions {
  /** Time of planning (ms since epoch): used for caller-reference nonces and drain deadlines. */
  now: number;
  /** Stack parameter changes and template changes previewed by the provider, keyed by region. */
  stackPreviews?: Record<string, import('../providers/types.js').StackResourceChange[]>;
  /** `diff --read-only`: stack steps say their resource-level preview was skipped. */
  stackPreviewsSkipped?: boolean;
  /** Key mixed into the digests of NoEcho values (see plan/secrets.ts); optional. */
  parameterDigestKey?: string;
  /** Timeout of a single health wait. Default 10 minutes. */
  healthTimeoutMs?: number;
}
