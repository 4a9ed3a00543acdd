// Test builders shared by the planner, executor and scenario tests:
// - desiredState(): a normalised DesiredState built directly (no YAML loader), with
//   defaults a reader can keep in their head: RegionSet global-api, regions eu-west-1,
//   us-east-2 and ap-southeast-1 (active, weight 100), table orders, zone example.com.,
//   record api.example.com. (CNAME, latency, HTTPS health check on /health).
// - liveFor(desired): the live state a converged RegionSet has in AWS, with mutators for
//   the situations tests need (a record deleted by hand, a stack in ROLLBACK_COMPLETE...).

import { createHash } from 'node:crypto';
import type {
  DesiredHealthCheck,
  DesiredRecord,
  DesiredRegion,
  DesiredRollout,
  DesiredStack,
  DesiredState,
  DesiredTable,
  GeoLocation,
} from '../../controller/manifest/types.js';
import type {
  DnsRecord,
  GeoLocationCode,
  HealthCheckConfig,
  HealthStatus,
  LiveHealthCheck,
  LiveReplica,
  LiveStack,
  LiveState,
  LiveTable,
  ReplicaStatus,
  StackStatus,
  Providers,
} from '../../controller/providers/types.js';

export const REGION_SET = 'global-api';
export const ZONE = 'example.com.';
export const ZONE_ID = 'Z0EXAMPLE';
export const DEFAULT_REGIONS = ['eu-west-1', 'us-east-2', 'ap-southeast-1'];
export const TEMPLATE_BODY = 'Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n';

export function hash16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export const DEFAULT_HEALTH_CHECK: DesiredHealthCheck = {
  targetOutput: 'ApiDomainName',
  protocol: 'HTTPS',
  port: 443,
  path: '/health',
  interval: 30,
  failureThreshold: 3,
  regions: [],
};

export function record(overrides: Partial<DesiredRecord> = {}): DesiredRecord {
  const targetOutput = overrides.targetOutput ?? 'ApiDomainName';
  return {
    name: 'api.example.com.',
    type: 'CNAME',
    routing: 'latency',
    ttl: 60,
    targetOutput,
    // As the normaliser does: the check probes the record's own target unless told otherwise.
    healthCheck: { ...DEFAULT_HEALTH_CHECK, targetOutput },
    ...overrides,
  };
}

export function region(code: string, overrides: Partial<DesiredRegion> = {}): DesiredRegion {
  return { code, state: 'active', weight: 100, geolocation: [], parameters: { Stage: 'prod' }, ...overrides };
}

export interface DesiredOverrides {
  name?: string;
  file?: string;
  stack?: Partial<DesiredStack>;
  tables?: Array<Partial<DesiredTable> & { name: string }>;
  zone?: string;
  /** Records; each is merged over record()'s defaults. */
  records?: Array<Partial<DesiredRecord>>;
  rollout?: Partial<DesiredRollout>;
  /** Region codes (defaults for the rest) or regions merged over region()'s defaults. */
  regions?: Array<string | (Partial<DesiredRegion> & { code: string })>;
}

export function desiredState(overrides: DesiredOverrides = {}): DesiredState {
  const templateBody = overrides.stack?.templateBody ?? TEMPLATE_BODY;
  const stack: DesiredStack = {
    name: overrides.name ?? REGION_SET,
    templatePath: 'stacks/regional-api.yaml',
    templateBody,
    templateHash: hash16(templateBody),
    noEchoParameters: [],
    capabilities: ['CAPABILITY_IAM'],
    tags: { team: 'platform' },
    terminationProtection: false,
    ...overrides.stack,
  };
  const regions = (overrides.regions ?? DEFAULT_REGIONS)
    .map((r) => (typeof r === 'string' ? region(r) : region(r.code, r)))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return {
    name: overrides.name ?? REGION_SET,
    file: overrides.file ?? 'manifests/global-api.yaml',
    stack,
    tables: (overrides.tables ?? [{ name: 'orders' }]).map((t) => ({ removeReplicas: false, ...t, kmsKeys: t.kmsKeys ?? {} })),
    dns: { zone: overrides.zone ?? ZONE, records: (overrides.records ?? [{}]).map((r) => record(r)) },
    rollout: { maxParallelRegions: 2, minHealthyRegions: 2, ramp: [10, 50, 100], stepWaitMs: 120_000, drainWaitMs: 300_000, ...overrides.rollout },
    regions,
    syncWindows: [],
  };
}

/** A copy of desired with one region changed (or added when absent). */
export function withRegion(desired: DesiredState, code: string, changes: Partial<DesiredRegion> = {}): DesiredState {
  const existing = desired.regions.find((r) => r.code === code);
  const next = existing ? { ...existing, ...changes } : region(code, changes);
  const regions = [...desired.regions.filter((r) => r.code !== code), next].sort((a, b) => (a.code < b.code ? -1 : 1));
  return { ...desired, regions };
}

/** A copy of desired without a region (its line deleted). */
export function withoutRegion(desired: DesiredState, code: string): DesiredState {
  return { ...desired, regions: desired.regions.filter((r) => r.code !== code) };
}

// ---- live state ----------------------------------------------------------------------------

/** What a converged stack outputs: a regional endpoint name and its hosted zone id. */
export function outputValue(output: string, regionCode: string): string {
  if (/zone/i.test(output)) return `Z${regionCode.replace(/-/g, '').toUpperCase()}`;
  return `${output.toLowerCase()}.${regionCode}.example.net`;
}

function h8(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

export function healthCheckId(recordName: string, regionCode: string): string {
  return `hc-${h8(`${recordName}|${regionCode}`)}`;
}

function geoCode(location: GeoLocation): GeoLocationCode {
  switch (location.kind) {
    case 'continent':
      return { continentCode: location.code };
    case 'country':
      return { countryCode: location.code };
    case 'subdivision':
      return { countryCode: location.country, subdivisionCode: location.code };
    case 'default':
      return { countryCode: '*' };
  }
}

function geoKey(location: GeoLocation): string {
  return location.kind === 'default' ? 'default' : location.kind === 'subdivision' ? `subdivision-${location.country}-${location.code}` : `${location.kind}-${location.code}`;
}

/** The records a converged RegionSet has for one desired record in one region (written out, not computed by the planner). */
export function expectedRecords(desired: DesiredState, rec: DesiredRecord, r: DesiredRegion): DnsRecord[] {
  const base = (setIdentifier: string): DnsRecord => {
    const out: DnsRecord = { name: rec.name, type: rec.type, setIdentifier, values: [] };
    if (rec.alias) {
      out.alias = {
        hostedZoneId: outputValue(rec.alias.hostedZoneIdOutput, r.code),
        dnsName: outputValue(rec.targetOutput, r.code),
        evaluateTargetHealth: rec.alias.evaluateTargetHealth,
      };
    } else {
      out.ttl = rec.ttl;
      out.values = [outputValue(rec.targetOutput, r.code)];
    }
    if (rec.healthCheck) out.healthCheckId = healthCheckId(rec.name, r.code);
    return out;
  };
  const id = `${desired.name}:${r.code}`;
  if (r.state === 'drained') return [];
  switch (rec.routing) {
    case 'weighted':
      return [{ ...base(id), weight: r.state === 'active' ? r.weight : 0 }];
    case 'latency':
      return r.state === 'active' ? [{ ...base(id), region: r.code }] : [];
    case 'failover':
      return r.failover ? [{ ...base(id), failover: r.failover }] : [];
    case 'geolocation':
      return r.state === 'active' ? r.geolocation.map((loc) => ({ ...base(`${id}:${geoKey(loc)}`), geolocation: geoCode(loc) })) : [];
  }
}

export function inventoryRecord(desired: DesiredState, regions: string[]): DnsRecord {
  return {
    name: `_regionctl.${desired.name}.${desired.dns.zone}`,
    type: 'TXT',
    ttl: 300,
    values: ['"regionctl-inventory=v1"', `"regions=${[...regions].sort().join(',')}"`],
  };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export class LiveStateBuilder {
  private readonly state: LiveState;

  constructor(private readonly desired: DesiredState) {
    this.state = convergedLive(desired);
  }

  build(): LiveState {
    return clone(this.state);
  }

  private findRecord(name: string, regionCode: string, type?: string): DnsRecord {
    const found = this.state.records.find(
      (r) => r.name === name && (type === undefined || r.type === type) && r.setIdentifier?.startsWith(`${this.desired.name}:${regionCode}`),
    );
    if (!found) throw new Error(`test setup: no record ${name} in ${regionCode}`);
    return found;
  }

  /** Deletes a record by hand (all location records of a geolocation record). */
  removeRecord(name: string, regionCode: string): this {
    const prefix = `${this.desired.name}:${regionCode}`;
    this.state.records = this.state.records.filter(
      (r) => !(r.name === name && (r.setIdentifier === prefix || r.setIdentifier?.startsWith(`${prefix}:`))),
    );
    return this;
  }

  setWeight(name: string, regionCode: string, weight: number): this {
    this.findRecord(name, regionCode).weight = weight;
    return this;
  }

  patchRecord(name: string, regionCode: string, patch: Partial<DnsRecord>): this {
    Object.assign(this.findRecord(name, regionCode), patch);
    return this;
  }

  /** Adds any record (for example one regionctl does not own). */
  addRecord(record: DnsRecord): this {
    this.state.records.push(clone(record));
    return this;
  }

  stack(regionCode: string, patch: Partial<LiveStack>): this {
    const stack = this.state.stacks[regionCode];
    if (!stack) throw new Error(`test setup: no stack in ${regionCode}`);
    Object.assign(stack, clone(patch));
    return this;
  }

  stackStatus(regionCode: string, status: StackStatus, statusReason?: string): this {
    return this.stack(regionCode, { status, ...(statusReason ? { statusReason } : {}) });
  }

  removeStack(regionCode: string): this {
    this.state.stacks[regionCode] = undefined;
    return this;
  }

  /** Puts a stack of the same name that another owner made. */
  unownedStack(regionCode: string, owner?: string): this {
    const tags: Record<string, string> = owner ? { 'regionctl:regionset': owner } : {};
    this.state.stacks[regionCode] = { ...liveStack(this.desired, region(regionCode)), tags };
    return this;
  }

  table(name: string, patch: Partial<LiveTable>): this {
    const table = this.state.tables[name];
    if (!table) throw new Error(`test setup: no table ${name}`);
    Object.assign(table, clone(patch));
    return this;
  }

  removeTable(name: string): this {
    this.state.tables[name] = undefined;
    return this;
  }

  replicaStatus(table: string, regionCode: string, status: ReplicaStatus, statusDescription?: string): this {
    const replica = this.state.tables[table]?.replicas.find((r) => r.region === regionCode);
    if (!replica) throw new Error(`test setup: no replica of ${table} in ${regionCode}`);
    replica.status = status;
    if (statusDescription) replica.statusDescription = statusDescription;
    return this;
  }

  removeReplica(table: string, regionCode: string): this {
    const live = this.state.tables[table];
    if (live) live.replicas = live.replicas.filter((r) => r.region !== regionCode);
    return this;
  }

  /** Marks the region's health checks (all records, or one) with a status. */
  health(regionCode: string, status: HealthStatus, recordName?: string): this {
    for (const rec of this.desired.dns.records) {
      if (!rec.healthCheck || (recordName && rec.name !== recordName)) continue;
      this.state.health[healthCheckId(rec.name, regionCode)] = status;
    }
    return this;
  }

  unhealthy(regionCode: string): this {
    return this.health(regionCode, 'unhealthy');
  }

  healthCheckConfig(recordName: string, regionCode: string, patch: Partial<HealthCheckConfig>): this {
    const check = this.state.healthChecks.find((c) => c.id === healthCheckId(recordName, regionCode));
    if (!check) throw new Error(`test setup: no health check for ${recordName} in ${regionCode}`);
    Object.assign(check.config, patch);
    return this;
  }

  removeHealthCheck(recordName: string, regionCode: string): this {
    const id = healthCheckId(recordName, regionCode);
    this.state.healthChecks = this.state.healthChecks.filter((c) => c.id !== id);
    for (const r of this.state.records) if (r.healthCheckId === id) delete r.healthCheckId;
    return this;
  }

  addHealthCheck(check: LiveHealthCheck): this {
    this.state.healthChecks.push(clone(check));
    return this;
  }

  /** Replaces the inventory's region list; an empty list removes the inventory record. */
  inventory(regions: string[]): this {
    const name = `_regionctl.${this.desired.name}.${this.desired.dns.zone}`;
    this.state.records = this.state.records.filter((r) => !(r.name === name && r.type === 'TXT'));
    if (regions.length > 0) this.state.records.push(inventoryRecord(this.desired, regions));
    return this;
  }

  /** Everything in a region gone (as before the region ever joined), inventory included. */
  regionAbsent(regionCode: string): this {
    const prefix = `${this.desired.name}:${regionCode}`;
    this.state.records = this.state.records.filter((r) => !(r.setIdentifier === prefix || r.setIdentifier?.startsWith(`${prefix}:`)));
    const ids = new Set(this.desired.dns.records.map((rec) => healthCheckId(rec.name, regionCode)));
    this.state.healthChecks = this.state.healthChecks.filter((c) => !ids.has(c.id));
    this.state.stacks[regionCode] = undefined;
    for (const table of Object.values(this.state.tables)) if (table) table.replicas = table.replicas.filter((r) => r.region !== regionCode);
    const inventory = this.state.records.find((r) => r.type === 'TXT' && r.name.startsWith('_regionctl.'));
    const regions = this.desired.regions.map((r) => r.code).filter((code) => code !== regionCode);
    if (inventory) this.inventory(regions);
    return this;
  }
}

export function liveFor(desired: DesiredState): LiveStateBuilder {
  return new LiveStateBuilder(desired);
}

function liveStack(desired: DesiredState, r: DesiredRegion): LiveStack {
  const outputs: Record<string, string> = {};
  for (const rec of desired.dns.records) {
    outputs[rec.targetOutput] = outputValue(rec.targetOutput, r.code);
    if (rec.alias) outputs[rec.alias.hostedZoneIdOutput] = outputValue(rec.alias.hostedZoneIdOutput, r.code);
    if (rec.healthCheck) outputs[rec.healthCheck.targetOutput] = outputValue(rec.healthCheck.targetOutput, r.code);
  }
  return {
    region: r.code,
    name: desired.stack.name,
    id: `arn:aws:cloudformation:${r.code}:123456789012:stack/${desired.stack.name}/0000`,
    status: 'CREATE_COMPLETE',
    tags: { ...desired.stack.tags, 'regionctl:regionset': desired.name, 'regionctl:template-hash': desired.stack.templateHash },
    parameters: { ...r.parameters },
    outputs,
    terminationProtection: desired.stack.terminationProtection,
  };
}

/** The live state of a RegionSet that has converged to `desired`. */
export function convergedLive(desired: DesiredState): LiveState {
  const stacks: LiveState['stacks'] = {};
  for (const r of desired.regions) stacks[r.code] = liveStack(desired, r);

  const tables: LiveState['tables'] = {};
  for (const table of desired.tables) {
    const replicas: LiveReplica[] = desired.regions.map((r) => ({ region: r.code, status: 'ACTIVE' }));
    tables[table.name] = {
      name: table.name,
      readRegion: desired.regions[0]?.code ?? 'us-east-1',
      status: 'ACTIVE',
      streamViewType: 'NEW_AND_OLD_IMAGES',
      billingMode: 'PAY_PER_REQUEST',
      globalTableVersion: '2019.11.21',
      replicas,
    };
  }

  const healthChecks: LiveHealthCheck[] = [];
  for (const rec of desired.dns.records) {
    if (!rec.healthCheck) continue;
    for (const r of desired.regions) {
      if (r.state === 'drained') continue;
      const hc = rec.healthCheck;
      healthChecks.push({
        id: healthCheckId(rec.name, r.code),
        callerReference: `rc1:${h8(desired.name)}:${h8(`${rec.name}|${r.code}`)}:lk0`,
        config: {
          protocol: hc.protocol,
          fqdn: outputValue(hc.targetOutput, r.code),
          port: hc.port,
          path: hc.path,
          interval: hc.interval,
          failureThreshold: hc.failureThreshold,
          regions: [...hc.regions],
        },
      });
    }
  }

  const zoneName = desired.dns.zone;
  const records: DnsRecord[] = [
    { name: zoneName, type: 'NS', ttl: 172800, values: ['ns-1.awsdns-01.org.', 'ns-2.awsdns-02.com.'] },
    { name: zoneName, type: 'SOA', ttl: 900, values: ['ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'] },
    inventoryRecord(
      desired,
      desired.regions.map((r) => r.code),
    ),
  ];
  for (const rec of desired.dns.records) for (const r of desired.regions) records.push(...expectedRecords(desired, rec, r));

  return { stacks, tables, zone: { id: ZONE_ID, name: zoneName }, records, healthChecks, health: {} };
}

/**
 * A regional stack template the sandbox accepts: a RestApi whose id stands in for the domain
 * name as the output ApiDomainName; with `stage`, it declares the Stage parameter the
 * example's regions pass.
 */
export function apiTemplate(options: { stage?: boolean } = {}): string {
  const parameters = options.stage ? 'Parameters:\n  Stage:\n    Type: String\n' : '';
  return `AWSTemplateFormatVersion: '2010-09-09'
${parameters}Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: regional-api
Outputs:
  ApiDomainName:
    Value: !GetAtt Api.RootResourceId
`;
}

/** desiredState() in us-east-1 and eu-west-1, one healthy region enough, its stack apiTemplate({ stage: true }): a RegionSet the sandbox converges. */
export function sandboxDesired(overrides: DesiredOverrides = {}): DesiredState {
  const template = apiTemplate({ stage: true });
  return desiredState({
    regions: ['us-east-1', 'eu-west-1'],
    rollout: { minHealthyRegions: 1 },
    ...overrides,
    stack: { templateBody: template, templateHash: hash16(template), capabilities: [], ...overrides.stack },
  });
}

/** An HTTPS health check on /health of a regional API Gateway endpoint, checked from `regions` (in this order). */
export function apiHealthCheckConfig(regions: string[]): HealthCheckConfig {
  return { protocol: 'HTTPS', fqdn: 'abc123.execute-api.eu-west-1.amazonaws.com', port: 443, path: '/health', interval: 30, failureThreshold: 3, regions };
}

/**
 * Another team's stack where a RegionSet would put its own: same name, not tagged with the
 * RegionSet. A plan that would take it over is refused (unowned-resource).
 */
export async function createUnownedStack(providers: Providers, region: string, name: string): Promise<void> {
  await providers.stacks.create({
    region,
    name,
    templateBody: '{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}',
    parameters: {},
    capabilities: [],
    tags: { team: 'someone-else' },
    terminationProtection: false,
    clientToken: 'another-team-create',
  });
}
