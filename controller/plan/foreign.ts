// Records of other owners at the names regionctl manages. Route 53 lets some of them stand
// beside ours (weighted records with other set identifiers; latency records of other Regions;
// failover roles and geolocation locations we do not use): those are left alone, shown in
// the diff, and their weights counted in the traffic share. Others cannot coexist with what
// the manifest asks for (a simple record, another routing policy, a slot we need): those are
// true clashes, refused by the guardrails (unowned-resource). Pure: no I/O.

import type { DesiredRecord, DesiredState } from '../manifest/types.js';
import { sameDnsName } from '../dns-name.js';
import type { DnsRecord, LiveState } from '../providers/types.js';
import { compareStrings, geoLocationCode, isOwnedRecord } from './identity.js';
import { routingOf, type RoutingPolicy } from './routing.js';
import type { ForeignRecord, TrafficShare } from './types.js';

/** A live record standing at a desired record's name: same name and type, or any type beside a CNAME. */
export function atManagedName(live: DnsRecord, record: DesiredRecord): boolean {
  if (!sameDnsName(live.name, record.name)) return false;
  if (live.type === record.type) return true;
  return record.type === 'CNAME' ? live.type !== 'NS' && live.type !== 'SOA' : live.type === 'CNAME';
}

/**
 * Why a foreign record at a managed name cannot stand beside the manifest's records (Route 53
 * would refuse the change), or undefined when Route 53 allows both: then it is left alone.
 */
export function clashReason(other: DnsRecord, record: DesiredRecord, desired: DesiredState): string | undefined {
  if (other.type !== record.type) return 'a CNAME cannot share its name with records of another type';
  if (other.setIdentifier === undefined) return `Route 53 cannot hold a simple record beside this RegionSet's ${record.routing} records`;
  const policy = routingOf(other);
  if (policy !== record.routing) {
    return `it uses ${policy} routing, and Route 53 cannot hold two routing policies at one name and type (this RegionSet's records are ${record.routing})`;
  }
  switch (policy) {
    case 'weighted': {
      // Route 53: weighted records of one name and type share one TTL. Alias records have none;
      // a mix of alias and TTL records is refused too (as the sandbox does): refusing is safe,
      // a change Route 53 rejects halfway through a drain is not.
      const ttl = record.alias ? undefined : record.ttl;
      if (other.ttl !== ttl) {
        return `weighted records of one name and type must share one TTL, and it has ${ttlText(other.ttl)} where spec.dns.records asks for ${ttlText(ttl)}`;
      }
      return undefined;
    }
    case 'latency': {
      const ours = desired.regions.filter((region) => region.state === 'active').map((region) => region.code);
      return other.region !== undefined && ours.includes(other.region)
        ? `Route 53 allows one latency record per Region, and this RegionSet serves ${other.region}`
        : undefined;
    }
    case 'failover': {
      const roles = desired.regions.filter((region) => region.state !== 'drained' && region.failover).map((region) => region.failover);
      return other.failover !== undefined && roles.includes(other.failover)
        ? `Route 53 allows one ${other.failover} failover record, and this RegionSet writes the ${other.failover}`
        : undefined;
    }
    case 'geolocation': {
      const key = locationKey(other.geolocation);
      const ours = desired.regions
        .filter((region) => region.state === 'active')
        .flatMap((region) => region.geolocation.map((location) => ({ region: region.code, key: locationKey(geoLocationCode(location)) })));
      const taken = ours.find((location) => location.key === key);
      return taken ? `Route 53 allows each location once, and this RegionSet routes ${locationText(other.geolocation)} to ${taken.region}` : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Foreign records left standing beside the manifest's records, and the traffic share of
 * every weighted name that has some: weight / total weight at the end of the plan, foreign
 * weights included (Route 53 answers in proportion to all weights of a name and type).
 */
export function foreignRecords(desired: DesiredState, live: LiveState): { records: ForeignRecord[]; shares: TrafficShare[] } {
  const records: ForeignRecord[] = [];
  const shares: TrafficShare[] = [];
  for (const record of desired.dns.records) {
    const others = live.records
      .filter((other) => other.type === record.type && atManagedName(other, record) && !isOwnedRecord(other, desired.name))
      .filter((other) => clashReason(other, record, desired) === undefined)
      .sort((a, b) => compareStrings(a.setIdentifier ?? '', b.setIdentifier ?? ''));
    if (others.length === 0) continue;
    let share: TrafficShare | undefined;
    if (record.routing === 'weighted') {
      const entries: TrafficShare['shares'] = [];
      for (const region of desired.regions) {
        if (region.state === 'drained') continue;
        entries.push({ owner: region.code, foreign: false, weight: region.state === 'active' ? region.weight : 0, percent: 0 });
      }
      for (const other of others) entries.push({ owner: other.setIdentifier!, foreign: true, weight: other.weight ?? 0, percent: 0 });
      const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
      for (const entry of entries) {
        // All weights 0: Route 53 answers with every record equally.
        entry.percent = roundPercent(total > 0 ? (100 * entry.weight) / total : 100 / entries.length);
      }
      share = { name: record.name, type: record.type, shares: entries };
      shares.push(share);
    }
    for (const other of others) {
      records.push({
        name: other.name,
        type: other.type,
        setIdentifier: other.setIdentifier!,
        routing: routingOf(other) as Exclude<RoutingPolicy, 'simple'>,
        ...(other.weight !== undefined ? { weight: other.weight } : {}),
        ...(other.region !== undefined ? { region: other.region } : {}),
        ...(other.failover !== undefined ? { failover: other.failover } : {}),
        ...(other.geolocation !== undefined ? { location: locationText(other.geolocation) } : {}),
        ...(share ? { share: share.shares.find((entry) => entry.foreign && entry.owner === other.setIdentifier)!.percent } : {}),
      });
    }
  }
  return { records, shares };
}

function ttlText(ttl: number | undefined): string {
  return ttl === undefined ? 'no TTL (alias)' : `TTL ${ttl}`;
}

function roundPercent(value: number): number {
  return Math.round(value * 10) / 10;
}

function locationKey(geo: DnsRecord['geolocation']): string {
  return `${geo?.continentCode ?? ''}/${geo?.countryCode ?? ''}/${geo?.subdivisionCode ?? ''}`;
}

function locationText(geo: DnsRecord['geolocation']): string {
  if (!geo) return '(none)';
  if (geo.countryCode === '*') return 'the default location';
  if (geo.subdivisionCode) return `${geo.countryCode}-${geo.subdivisionCode}`;
  return geo.countryCode ?? (geo.continentCode ? `continent ${geo.continentCode}` : '(none)');
}
