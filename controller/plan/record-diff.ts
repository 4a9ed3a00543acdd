// Pure helpers shared by the record passes: record identity within a plan, what differs
// between a wanted record set and a live one, and how both are shown to people.

import type { DesiredRegion } from '../manifest/types.js';
import type { DnsRecord } from '../providers/types.js';
import { dnsNameKey, sameDnsName } from '../dns-name.js';
import { regionOfSetIdentifier } from './identity.js';
import type { RecordDisplay, RecordTemplate, ValueRef } from './types.js';

export function liveKey(record: Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'>): string {
  return `${dnsNameKey(record.name)}|${record.type}|${record.setIdentifier ?? ''}`;
}

/** `name:type` plus the set identifier's tail after the region (a geolocation location). */
export function recordSuffix(record: Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'>, regionSet: string): string {
  const setId = record.setIdentifier ?? '';
  const region = regionOfSetIdentifier(setId, regionSet);
  const tail = region ? setId.slice(regionSet.length + 1 + region.length + 1) : '';
  return `${record.name}:${record.type}${tail ? `:${tail}` : ''}`;
}

export function literalTemplate(record: DnsRecord): RecordTemplate {
  const { values, alias, healthCheckId, ...rest } = record;
  const template: RecordTemplate = { ...rest, values: values.map((literal) => ({ literal })) };
  if (alias) template.alias = { hostedZoneId: { literal: alias.hostedZoneId }, dnsName: { literal: alias.dnsName }, evaluateTargetHealth: alias.evaluateTargetHealth };
  if (healthCheckId) template.healthCheck = { id: healthCheckId };
  return template;
}





function sameRef(ref: ValueRef, value: string | undefined): boolean {
  return 'literal' in ref && value !== undefined && sameDnsName(ref.literal, value);
}

/** Display names of the fields that differ between a wanted record and the live one. */
export function recordDifferences(template: RecordTemplate, live: DnsRecord): string[] {
  const differences: string[] = [];
  if (template.weight !== live.weight) differences.push('weight');
  if ((template.ttl ?? undefined) !== (live.ttl ?? undefined)) differences.push('ttl');
  if (template.values.length !== live.values.length || template.values.some((ref, i) => !sameRef(ref, live.values[i]))) differences.push('values');
  if (Boolean(template.alias) !== Boolean(live.alias)) differences.push('alias');
  else if (template.alias && live.alias) {
    if (
      !sameRef(template.alias.dnsName, live.alias.dnsName) ||
      !sameRef(template.alias.hostedZoneId, live.alias.hostedZoneId) ||
      template.alias.evaluateTargetHealth !== live.alias.evaluateTargetHealth
    ) {
      differences.push('alias');
    }
  }
  if (template.region !== live.region) differences.push('region');
  if (template.failover !== live.failover) differences.push('failover');
  if (JSON.stringify(template.geolocation ?? null) !== JSON.stringify(normaliseGeo(live.geolocation))) differences.push('geolocation');
  const wantedCheck = template.healthCheck ? ('id' in template.healthCheck ? template.healthCheck.id : undefined) : undefined;
  if (template.healthCheck ? wantedCheck !== live.healthCheckId : live.healthCheckId !== undefined) differences.push('healthCheck');
  return differences;
}

function normaliseGeo(geo: DnsRecord['geolocation']): DnsRecord['geolocation'] | null {
  if (!geo) return null;
  const out: NonNullable<DnsRecord['geolocation']> = {};
  if (geo.continentCode !== undefined) out.continentCode = geo.continentCode;
  if (geo.countryCode !== undefined) out.countryCode = geo.countryCode;
  if (geo.subdivisionCode !== undefined) out.subdivisionCode = geo.subdivisionCode;
  return out;
}

export function updateReason(differences: string[], silencing: boolean, region: DesiredRegion): string {
  if (silencing) return `${region.code} is ${region.state}: weight 0 (no traffic, record kept)`;
  if (differences.length === 1 && differences[0] === 'weight') return 'weight changed';
  return `${differences.join(', ')} differ from the manifest`;
}

/** Fields of a live record for display. */
export function recordDisplay(record: DnsRecord): RecordDisplay {
  const out: RecordDisplay = {};
  if (record.weight !== undefined) out.weight = record.weight;
  if (record.ttl !== undefined) out.ttl = record.ttl;
  if (record.values.length > 0) out.values = record.values;
  if (record.alias) out.alias = record.alias;
  if (record.region !== undefined) out.region = record.region;
  if (record.failover !== undefined) out.failover = record.failover;
  if (record.geolocation !== undefined) out.geolocation = record.geolocation;
  if (record.healthCheckId !== undefined) out.healthCheck = record.healthCheckId;
  return out;
}

/** Fields of a wanted record for display; references stay references (rendered as "known after apply"). */
export function templateDisplay(template: RecordTemplate): RecordDisplay {
  const out: RecordDisplay = {};
  if (template.weight !== undefined) out.weight = template.weight;
  if (template.ttl !== undefined) out.ttl = template.ttl;
  if (template.values.length > 0) out.values = template.values.map((ref) => ('literal' in ref ? ref.literal : ref));
  if (template.alias) {
    const { hostedZoneId, dnsName, evaluateTargetHealth } = template.alias;
    out.alias = {
      hostedZoneId: 'literal' in hostedZoneId ? hostedZoneId.literal : hostedZoneId,
      dnsName: 'literal' in dnsName ? dnsName.literal : dnsName,
      evaluateTargetHealth,
    };
  }
  if (template.region !== undefined) out.region = template.region;
  if (template.failover !== undefined) out.failover = template.failover;
  if (template.geolocation !== undefined) out.geolocation = template.geolocation;
  if (template.healthCheck) out.healthCheck = 'id' in template.healthCheck ? template.healthCheck.id : template.healthCheck;
  return out;
}

/** The fields of a display that differ (keys: the names recordDifferences and healthCheckDifferences give). */
export function pick<T extends object>(source: T, keys: string[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) if (key in source) out[key as keyof T] = source[key as keyof T];
  return out;
}
