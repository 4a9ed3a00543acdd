// Routing policies of Route 53 record sets: which policy a set uses, whether it takes
// traffic, and the slot (failover role, location, latency Region) only one set may hold.

import type { DnsRecord } from '../providers/types.js';

export type RoutingPolicy = 'weighted' | 'latency' | 'failover' | 'geolocation' | 'simple';

export function routingOf(record: Pick<DnsRecord, 'weight' | 'region' | 'failover' | 'geolocation'>): RoutingPolicy {
  if (record.weight !== undefined) return 'weighted';
  if (record.region !== undefined) return 'latency';
  if (record.failover !== undefined) return 'failover';
  if (record.geolocation !== undefined) return 'geolocation';
  return 'simple';
}

/** Whether a live record takes traffic: present, and for weighted routing a weight above 0. */
export function takesTraffic(record: DnsRecord): boolean {
  return record.weight === undefined || record.weight > 0;
}

/** The slot Route 53 lets only one set of a name and type hold: a failover role, a geolocation location, a latency Region. */
export function uniqueSlot(record: Pick<DnsRecord, 'region' | 'failover' | 'geolocation'>): string | undefined {
  if (record.failover !== undefined) return `failover ${record.failover}`;
  if (record.region !== undefined) return `latency Region ${record.region}`;
  if (record.geolocation !== undefined) {
    const { continentCode, countryCode, subdivisionCode } = record.geolocation;
    return `location ${[continentCode ?? '', countryCode ?? '', subdivisionCode ?? ''].join('/')}`;
  }
  return undefined;
}

/** A slot for people: "failover PRIMARY", "the default location"... */
export function slotText(record: Pick<DnsRecord, 'region' | 'failover' | 'geolocation'>): string {
  if (record.geolocation?.countryCode === '*') return 'the default location';
  return uniqueSlot(record) ?? 'the record';
}
