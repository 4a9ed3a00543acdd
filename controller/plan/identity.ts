// Identity and ownership: how regionctl names what it creates and recognises what it owns.
// Everything here is pure and shared by the planner, the guardrails, the executor and tests.
// Ownership markers: stack tags, record set identifiers, health-check caller references,
// and one inventory TXT record per RegionSet listing the regions it manages.

import { createHash } from 'node:crypto';
import { decodeDnsEscapes, dnsNameKey } from '../dns-name.js';
import type { DesiredState, GeoLocation } from '../manifest/types.js';
import type { DnsRecord, GeoLocationCode, LiveHealthCheck, LiveStack, LiveState } from '../providers/types.js';

export const TAG_REGIONSET = 'regionctl:regionset';
export const TAG_TEMPLATE_HASH = 'regionctl:template-hash';
const TAG_RECORD = 'regionctl:record';
const TAG_REGION = 'regionctl:region';

// ---- stacks ----------------------------------------------------------------------

/** Tags written on every stack: the user's, plus the owner and the template hash. */
export function stackTags(desired: DesiredState): Record<string, string> {
  return { ...desired.stack.tags, [TAG_REGIONSET]: desired.name, [TAG_TEMPLATE_HASH]: desired.stack.templateHash };
}

export function isOwnedStack(stack: LiveStack, regionSet: string): boolean {
  return stack.tags[TAG_REGIONSET] === regionSet;
}

// ---- records -----------------------------------------------------------------------

/** `continent-EU`, `country-DE`, `subdivision-US-CA` or `default`: the location part of a set identifier. */
function geoLocationKey(location: GeoLocation): string {
  switch (location.kind) {
    case 'continent':
      return `continent-${location.code}`;
    case 'country':
      return `country-${location.code}`;
    case 'subdivision':
      return `subdivision-${location.country}-${location.code}`;
    case 'default':
      return 'default';
  }
}

/** The Route 53 GeoLocation of a location; the default location is CountryCode `*`. */
export function geoLocationCode(location: GeoLocation): GeoLocationCode {
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

export function setIdentifier(regionSet: string, region: string, location?: GeoLocation): string {
  return location ? `${regionSet}:${region}:${geoLocationKey(location)}` : `${regionSet}:${region}`;
}

export function isOwnedRecord(record: DnsRecord, regionSet: string): boolean {
  return record.setIdentifier !== undefined && ownedSetIdentifier(record.setIdentifier, regionSet);
}

/** `REGIONSET:...` (planning speed: no string built per record). */
function ownedSetIdentifier(setId: string, regionSet: string): boolean {
  return setId.length > regionSet.length && setId.charCodeAt(regionSet.length) === 58 && setId.startsWith(regionSet);
}

/** The region an owned set identifier names (region codes hold no colon). */
export function regionOfSetIdentifier(setId: string, regionSet: string): string | undefined {
  if (!ownedSetIdentifier(setId, regionSet)) return undefined;
  const start = regionSet.length + 1;
  const end = setId.indexOf(':', start);
  const region = end === -1 ? setId.slice(start) : setId.slice(start, end);
  return region ? region : undefined;
}

// ---- inventory ---------------------------------------------------------------------

const INVENTORY_MARKER = 'regionctl-inventory=v1';
const REGIONS_PREFIX = 'regions=';
const FILE_PREFIX = 'file=';
/** A path that cannot be written as plain TXT text (long, quotes, non-ASCII) is recorded by hash. */
const FILE_HASH_PREFIX = 'file-sha256=';
/** A TXT character-string holds at most 255 characters. */
const MAX_TXT_STRING = 255;
export const INVENTORY_TTL = 300;

/** The zone's own name: from the live zone, the SOA record, or the manifest (which may hold a zone id). */
export function zoneName(desired: DesiredState, live?: Pick<LiveState, 'zone' | 'records'>): string {
  if (live?.zone) return withDot(live.zone.name);
  const soa = live?.records.find((record) => record.type === 'SOA');
  if (soa) return withDot(soa.name);
  return withDot(desired.dns.zone);
}

function withDot(name: string): string {
  return dnsNameKey(name);
}

export function inventoryName(regionSet: string, zone: string): string {
  return `_regionctl.${regionSet}.${withDot(zone)}`;
}

/**
 * TXT values of the inventory: the marker, then the regions in chunks. Each chunk is a
 * self-contained `regions=...` list cut at region boundaries, so the values can be read
 * back in any order.
 */
export function inventoryValues(regions: string[], ownerFile?: string): string[] {
  const sorted = [...new Set(regions)].sort();
  const chunks: string[] = [];
  let current: string[] = [];
  const textOf = (list: string[]) => `${REGIONS_PREFIX}${list.join(',')}`;
  for (const region of sorted) {
    if (current.length > 0 && textOf([...current, region]).length > MAX_TXT_STRING) {
      chunks.push(textOf(current));
      current = [];
    }
    current.push(region);
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(textOf(current));
  const file = ownerFile === undefined ? [] : [`"${inventoryFileValue(ownerFile)}"`];
  return [`"${INVENTORY_MARKER}"`, ...chunks.map((chunk) => `"${chunk}"`), ...file];
}

function inventoryFileValue(file: string): string {
  return /^[\x20-\x7e]{1,200}$/.test(file) && !/["\\]/.test(file) ? `${FILE_PREFIX}${file}` : `${FILE_HASH_PREFIX}${fileHash(file)}`;
}

function fileHash(file: string): string {
  return createHash('sha256').update(file).digest('hex').slice(0, 32);
}

/** What an inventory says about its owner file: absent (an older inventory, or none recorded). */
export interface InventoryOwner {
  /** The recorded path, when it was written in plain text. */
  file?: string;
  /** The recorded value, to compare a path against (path or hash). */
  value: string;
}

export function parseInventoryOwner(record: DnsRecord): InventoryOwner | undefined {
  const strings = record.values.map(unquote);
  if (!strings.includes(INVENTORY_MARKER)) return undefined;
  const value = strings.find((s) => s.startsWith(FILE_PREFIX) || s.startsWith(FILE_HASH_PREFIX));
  if (value === undefined) return undefined;
  return value.startsWith(FILE_PREFIX) ? { file: value.slice(FILE_PREFIX.length), value } : { value };
}

/** Whether the inventory's recorded owner is this path. */
export function ownerIs(owner: InventoryOwner, file: string): boolean {
  return owner.value === inventoryFileValue(file);
}

/** The recorded owner for messages: the path, or `a file recorded by hash`. */
export function describeOwner(owner: InventoryOwner): string {
  return owner.file ?? 'a file recorded by hash';
}

/** Regions listed by an inventory record (undefined when the record is not an inventory). */
export function parseInventory(record: DnsRecord): string[] | undefined {
  const strings = record.values.map(unquote);
  if (!strings.includes(INVENTORY_MARKER)) return undefined;
  const regions = strings
    .filter((value) => value.startsWith(REGIONS_PREFIX))
    .flatMap((value) => value.slice(REGIONS_PREFIX.length).split(','))
    .map((region) => region.trim())
    .filter((region) => region.length > 0);
  return [...new Set(regions)].sort();
}

/** A TXT value may hold several quoted strings (`"a" "b"`): join them. */
function unquote(value: string): string {
  // Planning speed: one quoted string without escapes or inner quotes needs no pattern.
  const last = value.length - 1;
  if (last > 0 && value.charCodeAt(0) === 34 && value.charCodeAt(last) === 34 && value.indexOf('"', 1) === last && !value.includes('\\')) return value.slice(1, last);
  const parts = value.match(/"((?:[^"\\]|\\.)*)"/g);
  if (!parts) return value;
  return parts.map((part) => part.slice(1, -1).replace(/\\(.)/g, '$1')).join('');
}

export function findInventoryRecord(records: DnsRecord[], desired: DesiredState, zone?: string): DnsRecord | undefined {
  const name = inventoryName(desired.name, zone ?? zoneNameFromRecords(desired, records));
  return records.find((record) => record.type === 'TXT' && dnsNameKey(record.name) === name && record.setIdentifier === undefined);
}

function zoneNameFromRecords(desired: DesiredState, records: DnsRecord[]): string {
  return zoneName(desired, { records });
}

/** Regions the RegionSet's inventory record lists (sorted; empty when there is none). */
export function inventoryRegions(records: DnsRecord[], desired: DesiredState, zone?: string): string[] {
  const record = findInventoryRecord(records, desired, zone);
  return record ? (parseInventory(record) ?? []) : [];
}

// ---- health checks -----------------------------------------------------------------

const h8Cache = new Map<string, string>();

/** First 8 hex characters of sha256 (memoised: the same names are hashed on every plan). */
export function h8(text: string): string {
  let hash = h8Cache.get(text);
  if (hash === undefined) {
    hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
    if (h8Cache.size > 100_000) h8Cache.clear();
    h8Cache.set(text, hash);
  }
  return hash;
}

function healthCheckOwnerPrefix(regionSet: string): string {
  return `rc1:${h8(regionSet)}:`;
}

/** The part of a caller reference naming the (record, region) pair. */
export function healthCheckKey(recordName: string, region: string): string {
  return h8(`${decodeDnsEscapes(recordName)}|${region}`);
}

/** `rc1:h8(regionSet):h8(record|region):nonce`; the nonce (planning time in base 36) makes each creation unique. */
export function callerReference(regionSet: string, recordName: string, region: string, now: number): string {
  return `${healthCheckOwnerPrefix(regionSet)}${healthCheckKey(recordName, region)}:${Math.max(0, Math.floor(now)).toString(36)}`;
}

export function isOwnedHealthCheck(check: Pick<LiveHealthCheck, 'callerReference'>, regionSet: string): boolean {
  return check.callerReference.startsWith(healthCheckOwnerPrefix(regionSet));
}

/** The (record, region) key of an owned check's caller reference. */
export function healthCheckKeyOf(check: Pick<LiveHealthCheck, 'callerReference'>, regionSet: string): string | undefined {
  if (!isOwnedHealthCheck(check, regionSet)) return undefined;
  return check.callerReference.slice(healthCheckOwnerPrefix(regionSet).length).split(':')[0];
}

export function healthCheckTags(regionSet: string, recordName: string, region: string): Record<string, string> {
  return {
    [TAG_REGIONSET]: regionSet,
    [TAG_RECORD]: recordName,
    [TAG_REGION]: region,
    Name: `${regionSet} ${recordName} ${region}`.slice(0, 256),
  };
}

/**
 * Owned checks by (record, region) key, best first: the one a live record uses, then the
 * oldest caller reference. Index once per plan: hashing every check per lookup is slow.
 */
export function indexOwnedHealthChecks(checks: LiveHealthCheck[], regionSet: string, records: DnsRecord[] = []): Map<string, LiveHealthCheck[]> {
  const used = new Set(records.map((record) => record.healthCheckId).filter((id) => id !== undefined));
  const index = new Map<string, LiveHealthCheck[]>();
  for (const check of checks) {
    const key = healthCheckKeyOf(check, regionSet);
    if (key === undefined) continue;
    const list = index.get(key);
    if (list) list.push(check);
    else index.set(key, [check]);
  }
  for (const list of index.values()) {
    list.sort((a, b) => Number(used.has(b.id)) - Number(used.has(a.id)) || compareStrings(a.callerReference, b.callerReference) || compareStrings(a.id, b.id));
  }
  return index;
}

/** Owned checks of one (record, region), best first (see indexOwnedHealthChecks). */
function ownedHealthChecksOf(
  checks: LiveHealthCheck[],
  regionSet: string,
  recordName: string,
  region: string,
  records: DnsRecord[] = [],
): LiveHealthCheck[] {
  return indexOwnedHealthChecks(checks, regionSet, records).get(healthCheckKey(recordName, region)) ?? [];
}

/** The health check that stands for a region's health: its first health-checked record's. */
export function ownedHealthCheckFor(checks: LiveHealthCheck[], desired: DesiredState, region: string): LiveHealthCheck | undefined {
  for (const record of desired.dns.records) {
    if (!record.healthCheck) continue;
    const found = ownedHealthChecksOf(checks, desired.name, record.name, region)[0];
    if (found) return found;
  }
  return undefined;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
