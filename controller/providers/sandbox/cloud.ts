// SandboxCloud: one in-memory AWS account (CloudFormation and DynamoDB per region, Route 53
// global). Every service answers at the API level, to the same adapters as AWS.
// Everything asynchronous is derived from the clock, so FakeClock, ScaledClock and a
// saved-then-loaded cloud all agree on what has finished.

import type { Clock } from '../../clock.js';
import type { AwsApis } from '../aws/api.js';
import { AwsHealthCheckProvider } from '../aws/healthchecks.js';
import { AwsDnsProvider } from '../aws/route53.js';
import { AwsStackProvider, toLiveStack } from '../aws/stacks.js';
import { AwsTableProvider } from '../aws/tables.js';
import type { DnsRecord, HostedZone, LiveHealthCheck, LiveStack, LiveTable, Providers } from '../types.js';
import { CallLog, type CallRecord } from './calls.js';
import type { CallHook, SandboxContext } from './context.js';
import { SandboxCloudFormationApi } from './cloudformation-api.js';
import { describeStack } from './cloudformation-shapes.js';
import { SandboxDynamoDbApi } from './dynamodb-api.js';
import { Faults, migrateFaults } from './faults.js';
import { SandboxHealthChecks } from './healthchecks.js';
import { SandboxRoute53Api } from './route53-api.js';
import { compareRecords, SandboxRecords } from './route53.js';
import { settleStacks } from './stacks.js';
import { DEFAULT_LATENCIES, emptyState, INSTANT_LATENCIES, type Latencies, type ReplicaDeletion, type SandboxState, type StackRecord } from './state.js';
import { settleTables, viewTable, SandboxTables, type SeedTableOptions } from './tables.js';
import { clone } from './util.js';

export interface SandboxOptions {
  clock: Clock;
  /** 'instant' (or all zeros): every asynchronous operation completes on the tick it starts. */
  latencies?: Partial<Latencies> | 'instant';
  accountId?: string;
  /** Seed of the RNG behind probabilistic faults. */
  seed?: number;
  onCall?: CallHook;
}

export const SANDBOX_STATE_VERSION = 1;

export class SandboxCloud {
  readonly clock: Clock;
  readonly faults: Faults;
  /** Every AWS API call the adapters sent (see CallLog). */
  readonly calls = new CallLog();
  private state: SandboxState;
  private readonly ctx: SandboxContext;
  private readonly tables: SandboxTables;
  private readonly records: SandboxRecords;
  private readonly healthChecks: SandboxHealthChecks;
  /**
   * The AWS APIs this sandbox serves, as the adapters of providers/aws call them. Tests send
   * raw calls here: `cloud.api.route53Api().send('ListResourceRecordSets', {...})`.
   */
  readonly api: AwsApis & { cloudFormationApi(region: string): SandboxCloudFormationApi };
  private readonly providerSet: Providers;

  constructor(options: SandboxOptions, state?: SandboxState) {
    this.clock = options.clock;
    const latencies: Latencies =
      options.latencies === 'instant' ? { ...INSTANT_LATENCIES } : { ...(state?.latencies ?? DEFAULT_LATENCIES), ...(options.latencies ?? {}) };
    this.state = state ?? emptyState(options.accountId ?? '123456789012', latencies, options.seed ?? 1);
    if (state && options.latencies !== undefined) this.state.latencies = latencies;
    this.faults = new Faults(() => this.state);
    const self = this;
    this.ctx = {
      get state() {
        return self.state;
      },
      clock: this.clock,
      faults: this.faults,
      calls: this.calls,
      onCall: options.onCall,
    };
    this.tables = new SandboxTables(this.ctx);
    this.records = new SandboxRecords(this.ctx);
    this.healthChecks = new SandboxHealthChecks(this.ctx, (id) => this.records.recordsUsingHealthCheck(id));
    const route53 = new SandboxRoute53Api(this.ctx, this.records, this.healthChecks);
    const dynamodb = new Map<string, SandboxDynamoDbApi>();
    const cloudFormation = new Map<string, SandboxCloudFormationApi>();
    this.api = {
      cloudFormationApi: (region) => {
        let api = cloudFormation.get(region);
        if (!api) cloudFormation.set(region, (api = new SandboxCloudFormationApi(this.ctx, region)));
        return api;
      },
      route53Api: () => route53,
      dynamodbApi: (region) => {
        let api = dynamodb.get(region);
        if (!api) dynamodb.set(region, (api = new SandboxDynamoDbApi(this.ctx, region, this.tables)));
        return api;
      },
    };
    // The same adapters as on AWS, over the sandbox's API: one code path for both.
    this.providerSet = {
      // Its change-set polls and waits sleep on the sandbox's clock (FakeClock or ScaledClock).
      stacks: new AwsStackProvider({ clients: this.api, clock: this.clock }),
      tables: new AwsTableProvider({ clients: this.api }),
      dns: new AwsDnsProvider({ clients: this.api }),
      healthChecks: new AwsHealthCheckProvider({ clients: this.api }),
    };
  }

  /** Called before every AWS API call takes effect; throwing aborts it (e.g. a simulated kill). */
  set onCall(hook: CallHook | undefined) {
    this.ctx.onCall = hook;
  }

  get onCall(): CallHook | undefined {
    return this.ctx.onCall;
  }

  /** Called after every AWS API call, with its outcome. */
  set afterCall(hook: ((call: CallRecord) => void) | undefined) {
    this.ctx.afterCall = hook;
  }

  get latencies(): Readonly<Latencies> {
    return this.state.latencies;
  }

  get accountId(): string {
    return this.state.accountId;
  }

  providers(): Providers {
    return { ...this.providerSet };
  }

  // ---- Seeding what regionctl assumes to exist (not logged as calls) ----

  /** An existing table with its first replica in `region` (regionctl never creates tables). */
  seedTable(name: string, region: string, options?: SeedTableOptions): void {
    this.tables.seed(name, region, options);
  }

  /** An existing public hosted zone with its SOA and NS records; returns it (existing one if any). */
  seedZone(name: string): HostedZone {
    return this.records.seedZone(name);
  }

  /** Forces the status of a health check (by id) or of every check of an fqdn; undefined clears it. */
  setHealth(idOrFqdn: string, health: 'healthy' | 'unhealthy' | undefined): void {
    const key = this.state.healthChecks.some((h) => h.id === idOrFqdn) ? idOrFqdn : idOrFqdn.toLowerCase();
    if (health === undefined) delete this.state.healthOverrides[key];
    else this.state.healthOverrides[key] = health;
  }

  /**
   * What the checkers of a health check (by id, or every check of an fqdn) report from now on: `healthy` of them Success,
   * `unhealthy` Failure; the check is healthy when more than 18% report healthy
   * (r53.healthy-above-18-percent).
   */
  setCheckerReports(idOrFqdn: string, healthy: number, unhealthy: number): void {
    const matches = this.state.healthChecks.filter((h) => !h.deleted && (h.id === idOrFqdn || h.config.fqdn.toLowerCase() === idOrFqdn.toLowerCase()));
    if (matches.length === 0) throw new Error(`no health check with id or fqdn ${idOrFqdn}`);
    for (const h of matches) this.healthChecks.setCheckerReports(h.id, healthy, unhealthy);
  }

  /** The CloudWatch HealthCheckStatus of a check: Route 53's verdict from its checkers. */
  healthCheckStatus(healthCheckId: string): 'Healthy' | 'Unhealthy' {
    const check = this.state.healthChecks.find((h) => h.id === healthCheckId && !h.deleted);
    if (!check) throw new Error(`no health check ${healthCheckId}`);
    return this.healthChecks.healthOf(check) === 'healthy' ? 'Healthy' : 'Unhealthy';
  }

  // ---- Inspection for tests (no call is logged) ----

  /** Every stack in every region, as DescribeStacks would show it now. */
  listStacks(): LiveStack[] {
    settleStacks(this.ctx);
    return this.state.stacks.map((s) => this.peekStack(s.region, s.name)!);
  }

  /** The stored record of a live stack, for tests that make AWS misbehave (conformance control steps). */
  stackRecord(region: string, name: string): StackRecord {
    settleStacks(this.ctx);
    const stack = this.state.stacks.find((s) => s.region === region && (s.name === name || s.id === name));
    if (!stack) throw new Error(`sandbox: no stack ${name} in ${region}`);
    return stack;
  }

  /** What DescribeStacks shows now for a live stack, without making a call. */
  peekStack(region: string, name: string): LiveStack | undefined {
    settleStacks(this.ctx);
    const stack = this.state.stacks.find((s) => s.region === region && s.name === name);
    return stack ? toLiveStack(region, name, describeStack(this.clock.now(), stack)) : undefined;
  }

  /** The table as read in `region` (or its home region), undefined when no such table. */
  peekTable(name: string, region?: string): LiveTable | undefined {
    settleTables(this.ctx);
    const table = this.state.tables.find((t) => t.name === name && (region === undefined || t.replicas.some((r) => r.region === region)));
    return table ? viewTable(table, region ?? table.homeRegion) : undefined;
  }

  /** Replicas of a table with their statuses now. */
  replicasOf(name: string, region?: string): LiveTable['replicas'] {
    return this.peekTable(name, region)?.replicas ?? [];
  }

  /** Replica deletions so far: each deleted a region's copy of the items. */
  get replicaDeletions(): readonly ReplicaDeletion[] {
    settleTables(this.ctx);
    return this.state.replicaDeletions;
  }

  get replicaDeletionCount(): number {
    return this.replicaDeletions.length;
  }

  /** Record sets of a zone (by name or id) in ListResourceRecordSets order. */
  recordsOf(zoneNameOrId: string): DnsRecord[] {
    const zone = this.zone(zoneNameOrId);
    return zone ? clone([...zone.records].sort(compareRecords)) : [];
  }

  zones(): HostedZone[] {
    return this.state.zones.map((z) => ({ id: z.id, name: z.name }));
  }

  /** Live (not deleted) health checks with their tags and current health. */
  listHealthChecks(): Array<LiveHealthCheck & { tags: Record<string, string>; health: 'healthy' | 'unhealthy' }> {
    return this.state.healthChecks
      .filter((h) => !h.deleted)
      .map((h) => ({ id: h.id, callerReference: h.callerReference, config: clone(h.config), tags: { ...h.tags }, health: this.healthChecks.healthOf(h) }));
  }

  /** Route 53 change ids with their status now. */
  listChanges(): Array<{ id: string; zoneId: string; comment: string; status: 'PENDING' | 'INSYNC' }> {
    const now = this.clock.now();
    return this.state.changes.map((c) => ({ id: c.id, zoneId: c.zoneId, comment: c.comment, status: now >= c.submittedAt + c.ms ? 'INSYNC' : 'PENDING' }));
  }

  // ---- Persistence ----

  /** The whole cloud as plain JSON, with the virtual time it was taken at (savedNow). */
  toJSON(): SandboxState {
    settleStacks(this.ctx);
    settleTables(this.ctx);
    return { ...clone(this.state), savedNow: this.clock.now() };
  }

  static fromJSON(json: unknown, options: SandboxOptions): SandboxCloud {
    return new SandboxCloud(options, checkState(json));
  }

  private zone(nameOrId: string) {
    const bare = nameOrId.replace(/^\/hostedzone\//, '');
    const name = nameOrId.toLowerCase().endsWith('.') ? nameOrId.toLowerCase() : `${nameOrId.toLowerCase()}.`;
    return this.state.zones.find((z) => z.id.endsWith(`/${bare}`) || z.name === name);
  }
}

function checkState(json: unknown): SandboxState {
  const state = json as Partial<SandboxState> | undefined;
  if (!state || typeof state !== 'object' || state.version !== SANDBOX_STATE_VERSION || !Array.isArray(state.stacks)) {
    throw new Error(`not a sandbox state (expected version ${SANDBOX_STATE_VERSION} with stacks, tables, zones, health checks)`);
  }
  const checked = clone(state as SandboxState);
  // Faults saved under the provider-method keys of before ('stacks.create') get their AWS operation names.
  checked.faults = migrateFaults(checked.faults ?? []);
  return checked;
}
