// Route 53 record sets between the wire (the SDK's ResourceRecordSet, as the API receives
// and returns them) and the sandbox's stored form (DnsRecord: what the state file keeps).
// Written here, not borrowed from the adapter, so that a mistake in one is seen by the other.

import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { DnsRecord } from '../types.js';

export function recordFromWire(set: ResourceRecordSet): DnsRecord {
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
  if (set.Failover !== undefined) record.failover = set.Failover as NonNullable<DnsRecord['failover']>;
  if (set.GeoLocation) {
    record.geolocation = {
      ...(set.GeoLocation.ContinentCode !== undefined ? { continentCode: set.GeoLocation.ContinentCode } : {}),
      ...(set.GeoLocation.CountryCode !== undefined ? { countryCode: set.GeoLocation.CountryCode } : {}),
      ...(set.GeoLocation.SubdivisionCode !== undefined ? { subdivisionCode: set.GeoLocation.SubdivisionCode } : {}),
    };
  }
  if (set.HealthCheckId !== undefined) record.healthCheckId = set.HealthCheckId;
  return record;
}

/** As ListResourceRecordSets returns a record set: only the fields it has, in Route 53's spelling. */
export function recordToWire(record: DnsRecord): ResourceRecordSet {
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
  if (record.ttl !== undefined) set.TTL = record.ttl;
  if (record.alias) {
    set.AliasTarget = { HostedZoneId: record.alias.hostedZoneId, DNSName: record.alias.dnsName, EvaluateTargetHealth: record.alias.evaluateTargetHealth };
  } else {
    set.ResourceRecords = record.values.map((Value) => ({ Value }));
  }
  if (record.healthCheckId !== undefined) set.HealthCheckId = record.healthCheckId;
  return set;
}
