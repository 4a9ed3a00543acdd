// DnsProvider on Route 53 (SDK v3). Records are returned in Route 53's own spelling and
// order, and sent back field for field, because a DELETE must repeat every value exactly.
// Every call waits its turn in the account's shared rate limiter.

import type { Change, ListResourceRecordSetsCommandInput, ResourceRecordSet } from '@aws-sdk/client-route-53';
import { route53Name } from '../../dns-name.js';
import { AwsRequestError, InternalError, ManifestError } from '../../errors.js';
import type { ChangeStatus, DnsProvider, DnsRecord, HostedZone, RecordChange } from '../types.js';
import type { AwsApis, Route53Api } from './api.js';
import { awsCall, errorCode, mapAwsError } from './errors.js';
import type { RateLimiter } from './rate-limit.js';
import { answerMayBeLost, settleLostAnswer } from './route53-lost-answer.js';

export interface Route53Dependencies {
  clients: Pick<AwsApis, 'route53Api'>;
  /**
   * One per account and process, shared with the health-check provider. None for the
   * sandbox: its throttling is a fault the test arms, not a client-side budget.
   */
  limiter?: RateLimiter;
}

/** Route 53's maximum page size for ListResourceRecordSets. */
const RECORD_PAGE_SIZE = 300;
const ZONE_PAGE_SIZE = 100;

/** One Route 53 call: waits for a token, then sends, with SDK errors mapped to typed errors. */
export function route53Call<T>(deps: Route53Dependencies, what: string, send: (api: Route53Api) => Promise<T>, resource?: string): Promise<T> {
  return inTurn(deps, () => awsCall(what, () => send(deps.clients.route53Api()), resource));
}

/** Runs `call` when the shared rate limiter gives a turn (at once without a limiter). */
export function inTurn<T>(deps: Route53Dependencies, call: () => Promise<T>): Promise<T> {
  return deps.limiter ? deps.limiter.run(call) : call();
}

/** InvalidChangeBatch with every reason Route 53 gave (one per refused change). */
export class InvalidChangeBatchError extends AwsRequestError {
  constructor(message: string, readonly messages: string[], resource?: string) {
    super(message, 'InvalidChangeBatch', resource);
  }
}

/** Zone and record names as Route 53 spells them (see dns-name.ts). */
export { route53Name };

function isZoneId(nameOrId: string): boolean {
  return nameOrId.startsWith('/hostedzone/') || /^Z[A-Z0-9]+$/.test(nameOrId);
}

export class AwsDnsProvider implements DnsProvider {
  constructor(private readonly deps: Route53Dependencies) {}

  async findZone(nameOrId: string): Promise<HostedZone | undefined> {
    return isZoneId(nameOrId) ? this.zoneById(nameOrId) : this.zoneByName(nameOrId);
  }

  async listRecords(zoneId: string): Promise<DnsRecord[]> {
    const records: DnsRecord[] = [];
    let start: RecordStart = {};
    for (;;) {
      const page = await route53Call(
        this.deps,
        `ListResourceRecordSets ${zoneId}`,
        (api) => api.send('ListResourceRecordSets', { HostedZoneId: zoneId, MaxItems: RECORD_PAGE_SIZE, ...start }),
        zoneId,
      );
      for (const set of page.ResourceRecordSets ?? []) records.push(fromRecordSet(set));
      if (!page.IsTruncated) return records;
      const next = {
        StartRecordName: page.NextRecordName,
        StartRecordType: page.NextRecordType,
        // Present when the page ends inside one name and type with several set identifiers.
        ...(page.NextRecordIdentifier !== undefined ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}),
      };
      if (!next.StartRecordName || sameStart(next, start)) {
        // A page that does not move forward would loop for ever. Route 53 never sends one;
        // moto does, for one name and type with more set identifiers than a page holds.
        throw new InternalError(
          `ListResourceRecordSets ${zoneId}: a truncated page gave no new start position (${describeStart(next)}); stopping instead of looping`,
        );
      }
      start = next;
    }
  }

  async change(zoneId: string, changes: RecordChange[], comment: string): Promise<{ id: string; status: ChangeStatus }> {
    const what = `ChangeResourceRecordSets ${zoneId} (${changes.length} change${changes.length === 1 ? '' : 's'})`;
    const batch: Change[] = changes.map((c) => ({ Action: c.action, ResourceRecordSet: toRecordSet(c.record) }));
    const request = { HostedZoneId: zoneId, ChangeBatch: { ...(comment ? { Comment: comment } : {}), Changes: batch } };
    let result;
    try {
      result = await inTurn(this.deps, () => this.deps.clients.route53Api().send('ChangeResourceRecordSets', request));
    } catch (error) {
      // Never resent blindly: the zone is re-read first (issue 12 item 8, route53-lost-answer.ts).
      if (answerMayBeLost(error)) return settleLostAnswer(what, zoneId, error, changes, await this.reread(zoneId, what, error));
      throw changeError(error, what, zoneId);
    }
    const info = result.ChangeInfo;
    if (!info?.Id) throw new InternalError(`${what}: the response has no ChangeInfo.Id`);
    return { id: info.Id, status: changeStatusOf(info.Status, what) };
  }

  /**
   * The zone's records after a lost answer. If they cannot be read either, the outcome stays
   * unknown: a non-retryable error, so that the executor does not resend the change blindly.
   */
  private async reread(zoneId: string, what: string, lost: unknown): Promise<DnsRecord[]> {
    try {
      return await this.listRecords(zoneId);
    } catch (error) {
      throw new AwsRequestError(
        `${what}: the answer was lost (${errorCode(lost)}) and the zone's records could not be read to see whether the change was applied (${(error as Error).message}); it is not sent again. Run \`regionctl diff\` to see the zone as it is, then \`regionctl apply\``,
        'ChangeOutcomeUnknown',
        zoneId,
      );
    }
  }

  async changeStatus(changeId: string): Promise<ChangeStatus> {
    const what = `GetChange ${changeId}`;
    const result = await route53Call(this.deps, what, (api) => api.send('GetChange', { Id: changeId }), changeId);
    return changeStatusOf(result.ChangeInfo?.Status, what);
  }

  private async zoneById(id: string): Promise<HostedZone | undefined> {
    try {
      const result = await route53Call(this.deps, `GetHostedZone ${id}`, (api) => api.send('GetHostedZone', { Id: id }), id);
      const zone = result.HostedZone;
      if (!zone?.Id || !zone.Name) throw new InternalError(`GetHostedZone ${id}: the response has no hosted zone`);
      return { id: zone.Id, name: zone.Name };
    } catch (error) {
      if (error instanceof AwsRequestError && error.code === 'NoSuchHostedZone') return undefined;
      throw error;
    }
  }

  /** Every zone of exactly that name (public and private can share one), then one choice. */
  private async zoneByName(name: string): Promise<HostedZone | undefined> {
    const wanted = route53Name(name);
    const matches: Array<HostedZone & { private: boolean }> = [];
    let start: { DNSName: string; HostedZoneId?: string } = { DNSName: wanted };
    for (;;) {
      const page = await route53Call(this.deps, `ListHostedZonesByName ${wanted}`, (api) =>
        api.send('ListHostedZonesByName', { ...start, MaxItems: ZONE_PAGE_SIZE }),
      );
      const zones = page.HostedZones ?? [];
      // The listing starts at the name and continues in name order: stop at the first other name.
      const ofName = zones.filter((z) => z.Name !== undefined && route53Name(z.Name) === wanted);
      for (const z of ofName) matches.push({ id: z.Id!, name: z.Name!, private: z.Config?.PrivateZone === true });
      const more = page.IsTruncated && ofName.length === zones.length && page.NextDNSName && route53Name(page.NextDNSName) === wanted;
      if (!more) break;
      start = { DNSName: page.NextDNSName!, ...(page.NextHostedZoneId ? { HostedZoneId: page.NextHostedZoneId } : {}) };
    }
    const publicZones = matches.filter((z) => !z.private);
    const candidates = publicZones.length > 0 ? publicZones : matches;
    if (candidates.length > 1) {
      const kind = publicZones.length > 0 ? 'public' : 'private';
      throw new ManifestError(
        `hosted zone name ${wanted} matches ${candidates.length} ${kind} hosted zones (${candidates.map((z) => z.id).join(', ')}): give the zone id instead of its name`,
      );
    }
    const zone = candidates[0];
    return zone ? { id: zone.id, name: zone.name } : undefined;
  }
}

/** InvalidChangeBatch keeps every reason Route 53 gave; the rest is mapped as usual. */
function changeError(error: unknown, what: string, zoneId: string): Error {
  if (errorCode(error) !== 'InvalidChangeBatch') return mapAwsError(error, what, zoneId);
  // One message per refused change; Route 53 also has a single-message form of this error.
  const listed = (error as { messages?: string[] }).messages;
  const messages = listed && listed.length > 0 ? listed : [(error as Error).message];
  return new InvalidChangeBatchError(`${what}: InvalidChangeBatch: [${messages.join(', ')}]`, messages, zoneId);
}

function changeStatusOf(status: string | undefined, what: string): ChangeStatus {
  if (status === 'PENDING' || status === 'INSYNC') return status;
  throw new InternalError(`${what}: unexpected change status ${String(status)}`);
}

type RecordStart = Pick<ListResourceRecordSetsCommandInput, 'StartRecordName' | 'StartRecordType' | 'StartRecordIdentifier'>;

function sameStart(a: RecordStart, b: RecordStart): boolean {
  return a.StartRecordName === b.StartRecordName && a.StartRecordType === b.StartRecordType && a.StartRecordIdentifier === b.StartRecordIdentifier;
}

function describeStart(s: RecordStart): string {
  return `name ${String(s.StartRecordName)}, type ${String(s.StartRecordType)}, set identifier ${String(s.StartRecordIdentifier)}`;
}

/** SDK record set → DnsRecord, keeping only the fields Route 53 returned. */
export function fromRecordSet(set: ResourceRecordSet): DnsRecord {
  const record: DnsRecord = {
    name: set.Name ?? '',
    type: set.Type ?? '',
    values: (set.ResourceRecords ?? []).map((r) => r.Value ?? ''),
  };
  if (set.SetIdentifier !== undefined) record.setIdentifier = set.SetIdentifier;
  if (set.TTL !== undefined) record.ttl = set.TTL;
  if (set.AliasTarget) {
    record.alias = {
      hostedZoneId: set.AliasTarget.HostedZoneId ?? '',
      dnsName: set.AliasTarget.DNSName ?? '',
      evaluateTargetHealth: set.AliasTarget.EvaluateTargetHealth ?? false,
    };
  }
  if (set.Weight !== undefined) record.weight = set.Weight;
  if (set.Region !== undefined) record.region = set.Region;
  if (set.Failover === 'PRIMARY' || set.Failover === 'SECONDARY') record.failover = set.Failover;
  if (set.GeoLocation) {
    const geo: NonNullable<DnsRecord['geolocation']> = {};
    if (set.GeoLocation.ContinentCode !== undefined) geo.continentCode = set.GeoLocation.ContinentCode;
    if (set.GeoLocation.CountryCode !== undefined) geo.countryCode = set.GeoLocation.CountryCode;
    if (set.GeoLocation.SubdivisionCode !== undefined) geo.subdivisionCode = set.GeoLocation.SubdivisionCode;
    record.geolocation = geo;
  }
  if (set.HealthCheckId !== undefined) record.healthCheckId = set.HealthCheckId;
  return record;
}

/** DnsRecord → SDK record set. Alias records carry no TTL and no values (Route 53 refuses both). */
export function toRecordSet(record: DnsRecord): ResourceRecordSet {
  const set: ResourceRecordSet = { Name: record.name, Type: record.type as ResourceRecordSet['Type'] };
  if (record.setIdentifier !== undefined) set.SetIdentifier = record.setIdentifier;
  if (record.weight !== undefined) set.Weight = record.weight;
  if (record.region !== undefined) set.Region = record.region as ResourceRecordSet['Region'];
  if (record.geolocation) {
    set.GeoLocation = {
      ...(record.geolocation.continentCode !== undefined ? { ContinentCode: record.geolocation.continentCode } : {}),
      ...(record.geolocation.countryCode !== undefined ? { CountryCode: record.geolocation.countryCode } : {}),
      ...(record.geolocation.subdivisionCode !== undefined ? { SubdivisionCode: record.geolocation.subdivisionCode } : {}),
    };
  }
  if (record.failover !== undefined) set.Failover = record.failover;
  if (record.alias) {
    set.AliasTarget = {
      HostedZoneId: record.alias.hostedZoneId,
      DNSName: record.alias.dnsName,
      EvaluateTargetHealth: record.alias.evaluateTargetHealth,
    };
  } else {
    if (record.ttl !== undefined) set.TTL = record.ttl;
    set.ResourceRecords = record.values.map((value) => ({ Value: value }));
  }
  if (record.healthCheckId !== undefined) set.HealthCheckId = record.healthCheckId;
  return set;
}
