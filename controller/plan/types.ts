// The Plan: a pure value computed from (desired, live, options). The executor carries it
// out; the renderers print it. Values unknown until apply (a new stack's outputs, a new
// health check's id) are symbolic references resolved by the executor.

import type { HealthCheckConfig, DnsRecord, StackInput } from '../providers/types.js';

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

export type StepAction =
  | 'inventory.update'
  | 'stack.create'
  | 'stack.update'
  | 'stack.recreate'
  | 'stack.continue-rollback'
  | 'stack.delete'
  | 'stack.wait'
  | 'replica.create'
  | 'replica.delete'
  | 'healthcheck.create'
  | 'healthcheck.update'
  | 'healthcheck.delete'
  | 'health.wait'
  | 'record.create'
  | 'record.update'
  | 'record.delete'
  | 'drain.wait'
  /** Pause between two ramp weights of a record without a health check (payload kind 'wait'). */
  | 'ramp.wait';

export type StepPayload =
  /** secretParameters: the NoEcho ones, whose values every output masks. */
  | { kind: 'stack'; input: Omit<StackInput, 'clientToken'>; secretParameters?: string[] }
  | { kind: 'stack-ref'; region: string; stackName: string }
  | { kind: 'replica'; table: string; region: string }
  | { kind: 'healthcheck-create'; callerReference: string; config: Omit<HealthCheckConfig, 'fqdn'> & { fqdn: ValueRef }; tags: Record<string, string> }
  | { kind: 'healthcheck-update'; id: string; config: HealthCheckConfig }
  | { kind: 'healthcheck-delete'; id: string }
  /** Healthy for holdMs in a row (0: healthy once), giving up after timeoutMs. */
  | { kind: 'health'; healthCheck: HealthCheckRef; holdMs: number; timeoutMs: number; rollback?: RecordTemplate }
  | { kind: 'record'; zoneId: string; change: 'CREATE' | 'UPSERT' | 'DELETE'; record: RecordTemplate }
  | { kind: 'wait'; ms: number };

export interface Step {
  /** Stable and unique within the plan, e.g. "eu-west-1:stack.create". */
  id: string;
  action: StepAction;
  /** The region the step belongs to; absent for RegionSet-wide steps. */
  region?: string;
  /** Identity key of the resource: stack:REGION, replica:TABLE:REGION, record:NAME:TYPE:SETID, healthcheck:NAME:REGION, inventory. */
  resource: string;
  /** Ids of steps that must finish first. */
  dependsOn: string[];
  /** Why the step is needed, for people. */
  reason: string;
  /** Display values before and after (weights, parameters, status...). */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  payload: StepPayload;
}

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
  /** Key mixed into the digests of NoEcho values (see plan/secrets.ts); optional. */
  parameterDigestKey?: string;
  /** Timeout of a single health wait. Default 10 minutes. */
  healthTimeoutMs?: number;
}
