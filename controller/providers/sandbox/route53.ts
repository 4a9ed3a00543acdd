// Route 53 hosted zones and record sets at the API level (GetHostedZone,
// ListHostedZonesByName, ListResourceRecordSets with its pages, ChangeResourceRecordSets,
// GetChange). A change batch is validated as a whole against a copy of the zone and applied
// all-or-nothing, with Route 53's own refusals and messages.

import type { HostedZone as WireZone, ResourceRecordSet, RRType } from '../aws/api.js';
import type { Route53Ops } from '../aws/api.js';
// The record-set field mapping is the adapter's: both sides store the same DnsRecord.
import { fromRecordSet, toRecordSet } from '../aws/route53.js';
import type { DnsRecord, HostedZone, RecordChange } from '../types.js';
import { awsError } from './aws-error.js';
import { nextId, type SandboxContext } from './context.js';
import type { ZoneRecord } from './state.js';
import { deepEqual, sha256Hex } from './util.js';
import { route53Name } from '../../dns-name.js';
import { MAX_CHARACTERS_PER_BATCH, MAX_RECORDS_PER_BATCH, UPSERT_FACTOR } from '../../route53-limits.js';

const RECORD_TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'HTTPS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'SSHFP', 'SVCB', 'TLSA', 'TXT']);
/** Route 53's largest pages: ListResourceRecordSets and ListHostedZonesByName. */
const RECORD_PAGE_SIZE = 300;
const ZONE_PAGE_SIZE = 100;

/** Route 53's spelling: lower case, trailing dot, `*` and other bytes as octal escapes (\052). */
export function normaliseName(name: string): string {
  return route53Name(name);
}

export function bareZoneId(id: string): string {
  return id.replace(/^\/hostedzone\//, '');
}

/** ListResourceRecordSets order: names by reversed labels, then type, then set identifier. */
export function compareRecords(a: DnsRecord, b: DnsRecord): number {
  const la = a.name.replace(/\.$/, '').split('.').reverse();
  const lb = b.name.replace(/\.$/, '').split('.').reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (la[i]! !== lb[i]!) return la[i]! < lb[i]! ? -1 : 1;
  }
  if (la.length !== lb.length) return la.length - lb.length;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  const sa = a.setIdentifier ?? '';
  const sb = b.setIdentifier ?? '';
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function recordKey(r: Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'>): string {
  return `${r.name}|${r.type}|${r.setIdentifier ?? ''}`;
}

function describeRecord(r: DnsRecord): string {
  return `[name='${r.name}', type='${r.type}'${r.setIdentifier !== undefined ? `, set-identifier='${r.setIdentifier}'` : ''}]`;
}

function changeLabel(action: string, r: DnsRecord): string {
  return `[Action=${action}, Name=${r.name}, Type=${r.type}, SetIdentifier=${r.setIdentifier ?? 'null'}]`;
}

type RoutingPolicy = 'simple' | 'weighted' | 'latency' | 'failover' | 'geolocation';

function policyOf(r: DnsRecord): RoutingPolicy {
  if (r.weight !== undefined) return 'weighted';
  if (r.region !== undefined) return 'latency';
  if (r.failover !== undefined) return 'failover';
  if (r.geolocation !== undefined) return 'geolocation';
  return 'simple';
}

/** The record as stored: normalised names, no undefined fields, values as given. */
function normaliseRecord(r: DnsRecord): DnsRecord {
  // `r` comes from fromRecordSet: only the fields the request had. Names take Route 53's spelling.
  const out: DnsRecord = { ...r, name: normaliseName(r.name), type: r.type.toUpperCase(), values: [...r.values] };
  if (r.alias) {
    out.alias = { hostedZoneId: bareZoneId(r.alias.hostedZoneId), dnsName: normaliseName(r.alias.dnsName), evaluateTargetHealth: r.alias.evaluateTargetHealth };
  }
  return out;
}

/** DELETE must repeat every value exactly (values compared as a set, as Route 53 stores them). */
function sameValues(a: DnsRecord, b: DnsRecord): boolean {
  return deepEqual({ ...a, values: [...a.values].sort() }, { ...b, values: [...b.values].sort() });
}

function invalidInput(message: string): Error {
  return awsError('InvalidInput', message);
}

/** One message per refused change (the SDK's InvalidChangeBatch.messages), and all of them in brackets as the message. */
function invalidBatch(messages: string[]): Error {
  return awsError('InvalidChangeBatch', `[${messages.join(', ')}]`, 400, { messages });
}

/** ListHostedZonesByName order: names with their labels reversed, then the zone id. */
function compareZones(a: { name: string; id: string }, b: { name: string; id: string }): number {
  const ra = a.name.replace(/\.$/, '').split('.').reverse().join('.');
  const rb = b.name.replace(/\.$/, '').split('.').reverse().join('.');
  if (ra !== rb) return ra < rb ? -1 : 1;
  const ia = bareZoneId(a.id);
  const ib = bareZoneId(b.id);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function wireZone(zone: ZoneRecord): WireZone {
  return {
    Id: zone.id,
    Name: zone.name,
    // API_HostedZone: "The value that you specified for CallerReference when you created the hosted zone" (r53.hosted-zone-caller-reference); zones seeded without one get a stable stand-in.
    CallerReference: zone.callerReference ?? `sandbox-${bareZoneId(zone.id)}`,
    Config: { PrivateZone: false },
    ResourceRecordSetCount: zone.records.length,
  };
}

/** Four deterministic Route 53-style name servers for a zone. */
function nameServersOf(zoneName: string): string[] {
  const n = parseInt(sha256Hex(zoneName).slice(0, 6), 16);
  return [
    `ns-${n % 512}.awsdns-${String(n % 64).padStart(2, '0')}.com.`,
    `ns-${512 + (n % 512)}.awsdns-${String((n >> 3) % 64).padStart(2, '0')}.net.`,
    `ns-${1024 + (n % 512)}.awsdns-${String((n >> 5) % 64).padStart(2, '0')}.org.`,
    `ns-${1536 + (n % 512)}.awsdns-${String((n >> 7) % 64).padStart(2, '0')}.co.uk.`,
  ];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

type Ops = Route53Ops;

/** Hosted zones, record sets and changes, as the Route 53 API serves them. */
export class SandboxRecords {
  constructor(private readonly ctx: SandboxContext) {}

  seedZone(name: string): HostedZone {
    const zoneName = normaliseName(name);
    const existing = this.ctx.state.zones.find((z) => z.name === zoneName);
    if (existing) return { id: existing.id, name: existing.name };
    const id = `/hostedzone/Z${nextId(this.ctx, 'zone', 13, 'upper')}`;
    const nameServers = nameServersOf(zoneName);
    this.ctx.state.zones.push({
      id,
      name: zoneName,
      records: [
        { name: zoneName, type: 'NS', ttl: 172800, values: nameServers },
        { name: zoneName, type: 'SOA', ttl: 900, values: [`${nameServers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`] },
      ],
    });
    return { id, name: zoneName };
  }

  /**
   * CreateHostedZone (conformance setup; regionctl never creates zones): a new public zone with
   * its NS and SOA records. Route 53 allows several zones of one name; a CallerReference is
   * used once (HostedZoneAlreadyExists, API_CreateHostedZone).
   */
  createHostedZone(input: Record<string, unknown>): unknown {
    const callerReference = String(input['CallerReference'] ?? '');
    const name = String(input['Name'] ?? '');
    if (!name) throw invalidInput('Invalid request: Name is required.');
    if (!callerReference) throw invalidInput('Invalid request: CallerReference is required.');
    if (this.ctx.state.zones.some((z) => z.callerReference === callerReference)) {
      // r53.hosted-zone-caller-reference (the message is unconfirmed; the case asserts code and 409).
      throw awsError('HostedZoneAlreadyExists', `A hosted zone has already been created with the specified caller reference.`, 409);
    }
    const zoneName = normaliseName(name);
    const id = `/hostedzone/Z${nextId(this.ctx, 'zone', 13, 'upper')}`;
    const nameServers = nameServersOf(zoneName);
    const zone: ZoneRecord = {
      id,
      name: zoneName,
      callerReference,
      records: [
        { name: zoneName, type: 'NS', ttl: 172800, values: nameServers },
        { name: zoneName, type: 'SOA', ttl: 900, values: [`${nameServers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`] },
      ],
    };
    this.ctx.state.zones.push(zone);
    return {
      HostedZone: wireZone(zone),
      ChangeInfo: this.recordChange(zone.id, ''),
      DelegationSet: { NameServers: nameServers.map((n) => n.replace(/\.$/, '')) },
      Location: `https://route53.amazonaws.com/2013-04-01/hostedzone/${bareZoneId(id)}`,
    };
  }

  /** DeleteHostedZone: unknown id is NoSuchHostedZone (r53.no-such-hosted-zone); only NS and SOA may remain. */
  deleteHostedZone(input: Record<string, unknown>): unknown {
    const zone = this.requireZone(String(input['Id'] ?? ''));
    if (zone.records.some((r) => !(r.name === zone.name && (r.type === 'NS' || r.type === 'SOA')))) {
      throw awsError('HostedZoneNotEmpty', 'The specified hosted zone contains non-required resource record sets and so cannot be deleted.', 400);
    }
    this.ctx.state.zones = this.ctx.state.zones.filter((z) => z !== zone);
    return { ChangeInfo: this.recordChange(zone.id, '') };
  }

  getHostedZone(input: Ops['GetHostedZone'][0]): Ops['GetHostedZone'][1] {
    const zone = this.requireZone(input.Id ?? '');
    return { HostedZone: wireZone(zone), DelegationSet: { NameServers: nameServersOf(zone.name).map((n) => n.replace(/\.$/, '')) } };
  }

  /** Zones in Route 53's order (names with labels reversed, then id), from DNSName/HostedZoneId on. */
  listHostedZonesByName(input: Ops['ListHostedZonesByName'][0]): Ops['ListHostedZonesByName'][1] {
    if (input.HostedZoneId !== undefined && input.DNSName === undefined) {
      throw invalidInput('The specified hosted zone id requires a DNS name.');
    }
    const maxItems = Math.min(Number(input.MaxItems ?? ZONE_PAGE_SIZE), ZONE_PAGE_SIZE);
    const zones = [...this.ctx.state.zones].sort(compareZones);
    const start = input.DNSName === undefined ? undefined : { name: normaliseName(input.DNSName), id: input.HostedZoneId ? bareZoneId(input.HostedZoneId) : '' };
    const from = start ? zones.findIndex((z) => compareZones(z, { name: start.name, id: start.id }) >= 0) : 0;
    const rest = from < 0 ? [] : zones.slice(from);
    const page = rest.slice(0, maxItems);
    const next = rest[maxItems];
    return {
      HostedZones: page.map(wireZone),
      ...(input.DNSName !== undefined ? { DNSName: input.DNSName } : {}),
      ...(input.HostedZoneId !== undefined ? { HostedZoneId: input.HostedZoneId } : {}),
      IsTruncated: next !== undefined,
      ...(next ? { NextDNSName: next.name, NextHostedZoneId: bareZoneId(next.id) } : {}),
      MaxItems: maxItems,
    };
  }

  /** One page (at most 300 record sets) from the start position on, in Route 53's order. */
  listResourceRecordSets(input: Ops['ListResourceRecordSets'][0]): Ops['ListResourceRecordSets'][1] {
    const zone = this.requireZone(input.HostedZoneId ?? '');
    if (input.StartRecordType !== undefined && input.StartRecordName === undefined) {
      throw invalidInput('The input is not valid: StartRecordType requires StartRecordName.');
    }
    if (input.StartRecordIdentifier !== undefined && input.StartRecordType === undefined) {
      throw invalidInput('The input is not valid: StartRecordIdentifier requires StartRecordName and StartRecordType.');
    }
    const maxItems = Math.min(Number(input.MaxItems ?? RECORD_PAGE_SIZE), RECORD_PAGE_SIZE);
    const records = [...zone.records].sort(compareRecords);
    let from = 0;
    if (input.StartRecordName !== undefined) {
      const start = { name: normaliseName(input.StartRecordName), type: input.StartRecordType ?? '', values: [], ...(input.StartRecordIdentifier !== undefined ? { setIdentifier: input.StartRecordIdentifier } : {}) };
      from = records.findIndex((r) => compareRecords(r, start) >= 0);
      if (from < 0) from = records.length;
    }
    const page = records.slice(from, from + maxItems);
    const next = records[from + maxItems];
    return {
      ResourceRecordSets: page.map(toRecordSet),
      IsTruncated: next !== undefined,
      ...(next
        ? { NextRecordName: next.name, NextRecordType: next.type as RRType, ...(next.setIdentifier !== undefined ? { NextRecordIdentifier: next.setIdentifier } : {}) }
        : {}),
      MaxItems: maxItems,
    };
  }

  /** One batch, validated as a whole and applied all-or-nothing. */
  changeResourceRecordSets(input: Ops['ChangeResourceRecordSets'][0]): Ops['ChangeResourceRecordSets'][1] {
    const zone = this.requireZone(input.HostedZoneId ?? '');
    const comment = input.ChangeBatch?.Comment ?? '';
    if (comment.length > 256) {
      throw invalidInput("1 validation error detected: Value at 'changeBatch.comment' failed to satisfy constraint: Member must have length less than or equal to 256");
    }
    const changes: RecordChange[] = (input.ChangeBatch?.Changes ?? []).map((c) => ({
      action: c.Action as RecordChange['action'],
      record: normaliseRecord(fromRecordSet(c.ResourceRecordSet ?? {} as ResourceRecordSet)),
    }));
    zone.records = this.validateBatch(zone, changes);
    return { ChangeInfo: this.recordChange(zone.id, comment) };
  }

  /** A change PENDING for the DNS latency, then INSYNC (r53.change-pending-to-insync). */
  private recordChange(zoneId: string, comment: string): NonNullable<Ops['GetChange'][1]['ChangeInfo']> {
    const id = `/change/C${nextId(this.ctx, 'change', 13, 'upper')}`;
    const ms = this.ctx.state.latencies.dnsChange;
    const submittedAt = this.ctx.clock.now();
    this.ctx.state.changes.push({ id, zoneId, submittedAt, ms, comment });
    return { Id: id, Status: ms > 0 ? 'PENDING' : 'INSYNC', SubmittedAt: new Date(submittedAt), ...(comment ? { Comment: comment } : {}) };
  }

  getChange(input: Ops['GetChange'][0]): Ops['GetChange'][1] {
    const changeId = input.Id ?? '';
    const id = changeId.startsWith('/change/') ? changeId : `/change/${changeId}`;
    const change = this.ctx.state.changes.find((c) => c.id === id);
    // r53.no-such-change
    if (!change) throw awsError('NoSuchChange', `A change with the specified change ID does not exist: ${changeId}`, 404);
    const status = this.ctx.clock.now() >= change.submittedAt + change.ms ? 'INSYNC' : 'PENDING';
    return { ChangeInfo: { Id: change.id, Status: status, SubmittedAt: new Date(change.submittedAt), ...(change.comment ? { Comment: change.comment } : {}) } };
  }

  /** All record sets referring to a health check, across zones (for HealthCheckInUse). */
  recordsUsingHealthCheck(healthCheckId: string): DnsRecord[] {
    return this.ctx.state.zones.flatMap((z) => z.records.filter((r) => r.healthCheckId === healthCheckId));
  }

  private zoneById(id: string): ZoneRecord | undefined {
    return this.ctx.state.zones.find((z) => bareZoneId(z.id) === bareZoneId(id));
  }

  private requireZone(zoneId: string): ZoneRecord {
    const zone = this.zoneById(zoneId);
    // r53.no-such-hosted-zone
    if (!zone) throw awsError('NoSuchHostedZone', `No hosted zone found with ID: ${bareZoneId(zoneId)}`, 404);
    return zone;
  }

  /** Returns the zone's records after the batch, or throws without touching the zone. */
  private validateBatch(zone: ZoneRecord, changes: RecordChange[]): DnsRecord[] {
    if (changes.length === 0) {
      throw invalidInput("1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }
    checkLimits(changes);
    changes.forEach((c, i) => this.checkShape(zone, c, i + 1));

    // Existence rules, change by change against a copy.
    const records = new Map(zone.records.map((r) => [recordKey(r), r]));
    const touched = new Map<string, string>();
    const errors: string[] = [];
    for (const { action, record } of changes) {
      const key = recordKey(record);
      const previous = touched.get(key);
      if (previous !== undefined && !(previous === 'DELETE' && action === 'CREATE')) {
        errors.push(`The request contains an invalid set of changes for a resource record set '${record.type} ${record.name}'`);
        continue;
      }
      touched.set(key, action);
      const current = records.get(key);
      if (action === 'CREATE') {
        if (current) errors.push(`Tried to create resource record set ${describeRecord(record)} but it already exists`);
        else records.set(key, record);
      } else if (action === 'DELETE') {
        if (!current) errors.push(`Tried to delete resource record set ${describeRecord(record)} but it was not found`);
        else if (!sameValues(current, record)) errors.push(`Tried to delete resource record set ${describeRecord(record)} but the values provided do not match the current values`);
        else records.delete(key);
      } else {
        records.set(key, record);
      }
    }
    if (errors.length > 0) throw invalidBatch(errors);

    // Weighted records of one name and type share one TTL: the last TTL given applies to all
    // of them (r53.weighted-ttl-shared).
    for (const { action, record } of changes) {
      if (action === 'DELETE' || record.weight === undefined || record.ttl === undefined) continue;
      for (const [key, r] of records) {
        if (r.name === record.name && r.type === record.type && r.weight !== undefined && r.ttl !== record.ttl) records.set(key, { ...r, ttl: record.ttl });
      }
    }
    const after = [...records.values()];
    const problems = this.checkConsistency(zone, after, changes);
    if (problems.length > 0) throw invalidBatch(problems);
    return after;
  }

  /** Per-change rules: the request shape Route 53 accepts. */
  private checkShape(zone: ZoneRecord, { action, record: r }: RecordChange, index: number): void {
    const label = changeLabel(action, r);
    if (!['CREATE', 'DELETE', 'UPSERT'].includes(action)) {
      throw invalidInput(`1 validation error detected: Value '${action}' at 'changeBatch.changes.${index}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [DELETE, CREATE, UPSERT]`);
    }
    if (!RECORD_TYPES.has(r.type)) {
      throw invalidInput(`1 validation error detected: Value '${r.type}' at 'changeBatch.changes.${index}.member.resourceRecordSet.type' failed to satisfy enum value set`);
    }
    if (r.name !== zone.name && !r.name.endsWith(`.${zone.name}`)) {
      throw invalidBatch([`RRSet with DNS name ${r.name} is not permitted in zone ${zone.name}`]);
    }
    const hasBasic = r.ttl !== undefined || r.values.length > 0;
    if (r.alias && hasBasic) {
      throw invalidInput(`Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with ${label}`);
    }
    if (!r.alias && (r.ttl === undefined || r.values.length === 0)) {
      throw invalidInput(`Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with ${label}`);
    }
    if (r.ttl !== undefined && (!Number.isInteger(r.ttl) || r.ttl < 0 || r.ttl > 2147483647)) {
      throw invalidInput(`1 validation error detected: Value '${r.ttl}' at 'changeBatch.changes.${index}.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value between 0 and 2147483647`);
    }
    const policies = [r.weight, r.region, r.failover, r.geolocation].filter((v) => v !== undefined).length;
    if (policies > 1) {
      throw invalidInput(`Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, CidrRoutingConfig], but found more than one in Change with ${label}`);
    }
    if (policies === 1 && r.setIdentifier === undefined) {
      throw invalidInput(`Invalid request: Missing field 'SetIdentifier' in Change with ${label}`);
    }
    if (policies === 0 && r.setIdentifier !== undefined) {
      throw invalidInput(`Invalid request: Unexpected field 'SetIdentifier' without a routing policy (Weight, Region, Failover, GeoLocation) in Change with ${label}`);
    }
    if (r.setIdentifier !== undefined && (r.setIdentifier.length < 1 || r.setIdentifier.length > 128)) {
      throw invalidInput(`1 validation error detected: Value '${r.setIdentifier}' at 'changeBatch.changes.${index}.member.resourceRecordSet.setIdentifier' failed to satisfy constraint: Member must have length between 1 and 128`);
    }
    if (r.weight !== undefined && (!Number.isInteger(r.weight) || r.weight < 0 || r.weight > 255)) {
      const bound = r.weight < 0 ? 'greater than or equal to 0' : 'less than or equal to 255';
      throw invalidInput(`1 validation error detected: Value '${r.weight}' at 'changeBatch.changes.${index}.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value ${bound}`);
    }
    if (r.region !== undefined && !/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(r.region)) {
      throw invalidInput(`1 validation error detected: Value '${r.region}' at 'changeBatch.changes.${index}.member.resourceRecordSet.region' failed to satisfy constraint: Member must be a valid AWS Region`);
    }
    if (r.failover !== undefined && r.failover !== 'PRIMARY' && r.failover !== 'SECONDARY') {
      throw invalidInput(`1 validation error detected: Value '${r.failover}' at 'changeBatch.changes.${index}.member.resourceRecordSet.failover' failed to satisfy constraint: Member must satisfy enum value set: [PRIMARY, SECONDARY]`);
    }
    // ContinentCode is two letters; AWS's XML schema check answers otherwise (r53.geolocation-records).
    const continent = r.geolocation?.continentCode;
    if (continent !== undefined && continent.length !== 2) {
      throw invalidInput(`Invalid XML ; cvc-length-valid: Value '${continent}' with length = '${continent.length}' is not facet-valid with respect to length '2' for type 'ContinentCode'.`);
    }
    if (r.geolocation !== undefined && Object.keys(r.geolocation).length === 0) {
      throw invalidInput(`Invalid request: GeoLocation must specify a ContinentCode or a CountryCode in Change with ${label}`);
    }
    if (r.type === 'CNAME') {
      if (r.name === zone.name) throw invalidBatch([`RRSet of type CNAME with DNS name ${r.name} is not permitted at apex in zone ${zone.name}`]);
      if (r.values.length > 1) throw invalidBatch([`RRSet of type CNAME with DNS name ${r.name} has more than one value; a CNAME record can hold only one`]);
    }
    if (r.type === 'A') {
      for (const v of r.values) {
        if (!IPV4.test(v)) throw invalidBatch([`Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}''`]);
      }
    }
    if (action !== 'DELETE' && r.healthCheckId !== undefined && !this.ctx.state.healthChecks.some((h) => h.id === r.healthCheckId && !h.deleted)) {
      // No case yet: a record naming a health check that does not exist (message unconfirmed).
      throw awsError('NoSuchHealthCheck', `A health check with id ${r.healthCheckId} does not exist.`, 404);
    }
  }

  /** Rules over the zone after the batch, for the names the batch touched. */
  private checkConsistency(zone: ZoneRecord, after: DnsRecord[], changes: RecordChange[]): string[] {
    const problems: string[] = [];
    const apex = after.filter((r) => r.name === zone.name);
    if (!apex.some((r) => r.type === 'SOA')) problems.push('A HostedZone must contain exactly one SOA record.');
    if (!apex.some((r) => r.type === 'NS')) problems.push('A HostedZone must contain at least one NS record for the zone itself.');

    const names = new Set(changes.filter((c) => c.action !== 'DELETE').map((c) => c.record.name));
    for (const name of names) {
      const atName = after.filter((r) => r.name === name);
      const types = new Set(atName.map((r) => r.type));
      if (types.has('CNAME') && types.size > 1) {
        const other = [...types].find((t) => t !== 'CNAME')!;
        problems.push(`RRSet of type CNAME with DNS name ${name} is not permitted because a conflicting RRSet of type ${other} with the same DNS name already exists in zone ${zone.name}`);
      }
      for (const type of types) problems.push(...groupProblems(name, type, atName.filter((r) => r.type === type), changes));
    }
    for (const { action, record } of changes) {
      if (action === 'DELETE' || !record.alias || record.alias.hostedZoneId !== bareZoneId(zone.id)) continue;
      const target = record.alias.dnsName;
      if (!target.endsWith(zone.name)) {
        problems.push(`Tried to create an alias that targets ${target}, type ${record.type} in zone ${bareZoneId(zone.id)}, but the alias target name does not lie within the target zone`);
      } else if (!after.some((r) => r.name === target && r.type === record.type)) {
        problems.push(`Tried to create an alias that targets ${target}, type ${record.type} in zone ${bareZoneId(zone.id)}, but that target was not found`);
      }
    }
    return problems;
  }
}

/** Routing-policy rules inside one name+type. */
function groupProblems(name: string, type: string, group: DnsRecord[], changes: RecordChange[]): string[] {
  if (group.length <= 1) return [];
  const problems: string[] = [];
  // A weighted record over an existing simple one names its SetIdentifier (r53.routing-policy-coexistence).
  const newWeighted = changes.find((c) => c.action !== 'DELETE' && c.record.name === name && c.record.type === type && c.record.weight !== undefined);
  const simpleKept = group.find((r) => policyOf(r) === 'simple' && !changes.some((c) => c.action !== 'DELETE' && recordKey(c.record) === recordKey(r)));
  if (newWeighted && simpleKept) {
    return [`RRSet with DNS name ${name}, type ${type}, SetIdentifier ${newWeighted.record.setIdentifier} cannot be created as a non-weighted set exists with the same name and type.`];
  }
  if (group.some((r) => policyOf(r) === 'simple')) {
    return [`RRSet with DNS name ${name}, type ${type} cannot be created as other RRSets exist with the same name and type.`];
  }
  const policies = new Set(group.map(policyOf));
  if (policies.size > 1) {
    return [`RRSet with DNS name ${name}, type ${type} cannot be created as other RRSets exist with the same name and type but a different routing policy (${[...policies].sort().join(', ')}).`];
  }
  const policy = [...policies][0];
  type Say = (r: DnsRecord, first: DnsRecord, key: string) => string;
  const duplicate = (keyOf: (r: DnsRecord) => string, say: Say) => {
    const seen = new Map<string, DnsRecord>();
    for (const r of group) {
      const first = seen.get(keyOf(r));
      if (first) problems.push(say(r, first, keyOf(r)));
      else seen.set(keyOf(r), r);
    }
  };
  const taken = (label: string): Say => (r, first, key) => `RRSet with DNS name ${name}, type ${type}, SetIdentifier ${r.setIdentifier} cannot be created because SetIdentifier ${first.setIdentifier} already uses ${label} ${key}`;
  // One latency record per name, type and region, in AWS's words (r53.latency-one-per-region).
  const latencyTaken: Say = (r) => `RRSet with DNS name ${name}, type ${type}, SetIdentifier ${r.setIdentifier}, and Region Name=${r.region} cannot be created because a latency RRSet with the same name, type and region already exists.`;
  if (policy === 'latency') duplicate((r) => r.region!, latencyTaken);
  if (policy === 'failover') duplicate((r) => r.failover!, taken('failover'));
  // Two geolocation records for one location are refused (r53.geolocation-records; code only).
  if (policy === 'geolocation') {
    duplicate((r) => `${r.geolocation?.continentCode ?? ''}/${r.geolocation?.countryCode ?? ''}/${r.geolocation?.subdivisionCode ?? ''}`, taken('location'));
  }
  return problems;
}

/** 1,000 ResourceRecord elements and 32,000 value characters per request; UPSERT counts twice. */
function checkLimits(changes: RecordChange[]): void {
  let elements = 0;
  let characters = 0;
  for (const { action, record } of changes) {
    const factor = action === 'UPSERT' ? UPSERT_FACTOR : 1;
    elements += record.values.length * factor;
    characters += record.values.reduce((sum, v) => sum + v.length, 0) * factor;
  }
  if (elements > MAX_RECORDS_PER_BATCH) {
    throw invalidBatch([`Number of records limit of ${MAX_RECORDS_PER_BATCH} exceeded (the batch has ${elements}; UPSERT counts twice)`]);
  }
  if (characters > MAX_CHARACTERS_PER_BATCH) {
    throw invalidBatch([`Number of characters limit of ${MAX_CHARACTERS_PER_BATCH} exceeded (the batch has ${characters}; UPSERT counts twice)`]);
  }
}
