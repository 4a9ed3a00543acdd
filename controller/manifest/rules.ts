// Semantic rules: what the schema cannot say. Each rule has its own id, points at the text
// to change (a JSON pointer into the written manifest) and says what to do next.
import { formatDuration } from './duration.js';
import { encodePointer } from './positions.js';
import { closestRegion, isAwsRegion } from './regions.js';
import { partitionsOf } from '../partition.js';
import type { PointedIssue } from './schema-errors.js';
import type { DesiredRecord, DesiredRegion, DesiredState, GeoLocation, RegionSetManifest } from './types.js';

const REGIONS = '/spec/regions';
/** The first label of regionctl's inventory TXT records (plan/identity.ts inventoryName). */
const RESERVED_LABEL = '_regionctl';
const region = (code: string, ...rest: Array<string | number>) => encodePointer(['spec', 'regions', code, ...rest]);
const record = (index: number, ...rest: Array<string | number>) => encodePointer(['spec', 'dns', 'records', index, ...rest]);

/**
 * Region codes are checked on the raw mapping (before the schema), so a typo in a region
 * is reported together with every other mistake in the file.
 */
export function regionCodeIssues(regions: unknown): PointedIssue[] {
  if (!regions || typeof regions !== 'object' || Array.isArray(regions)) return [];
  const issues: PointedIssue[] = [];
  const firstByLowerCase = new Map<string, string>();
  for (const code of Object.keys(regions)) {
    const lower = code.toLowerCase();
    const first = firstByLowerCase.get(lower);
    if (first !== undefined) {
      issues.push({
        rule: 'duplicate-region',
        pointer: region(code),
        anchor: 'key',
        message: `region ${lower} is listed twice (as ${first} and ${code}); region codes are lower case, so keep one line ${lower}: and remove the other`,
      });
      continue;
    }
    firstByLowerCase.set(lower, code);
    if (isAwsRegion(code)) continue;
    const next = isAwsRegion(lower)
      ? `region codes are lower case: write ${lower}`
      : closestRegion(code)
        ? `did you mean ${closestRegion(code)}?`
        : 'use a region code such as eu-west-1 (see the AWS regions list)';
    issues.push({ rule: 'unknown-region', pointer: region(code), anchor: 'key', message: `"${code}" is not an AWS region code; ${next}` });
  }
  issues.push(...partitionIssues([...firstByLowerCase.keys()].filter(isAwsRegion)));
  return issues;
}

/**
 * One RegionSet lives in one AWS partition: credentials, ARNs and Route 53 (one hosted zone,
 * served from the partition's own endpoint) do not cross partitions.
 */
function partitionIssues(codes: string[]): PointedIssue[] {
  const partitions = partitionsOf(codes);
  if (partitions.size <= 1) return [];
  const [first, ...others] = [...partitions.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  return others.flatMap(([partition, regions]) =>
    regions.map((code) => ({
      rule: 'mixed-partitions',
      pointer: region(code),
      anchor: 'key' as const,
      message: `region ${code} is in the ${partition} partition, but ${first![1].join(', ')} ${first![1].length === 1 ? 'is' : 'are'} in ${first![0]}: one RegionSet cannot span AWS partitions (accounts, ARNs and Route 53 are separate); use one manifest per partition`,
    })),
  );
}

export function semanticIssues(manifest: RegionSetManifest, desired: DesiredState): PointedIssue[] {
  return [
    ...rolloutIssues(manifest, desired),
    ...recordIssues(manifest, desired),
    ...tableIssues(desired),
    ...routingIssues(manifest, desired),
  ];
}

function rolloutIssues(manifest: RegionSetManifest, desired: DesiredState): PointedIssue[] {
  const issues: PointedIssue[] = [];
  const written = manifest.spec.rollout ?? {};
  const { ramp, minHealthyRegions, drainWaitMs } = desired.rollout;

  ramp.forEach((step, i) => {
    const previous = ramp[i - 1];
    if (previous !== undefined && step <= previous) {
      issues.push({
        rule: 'ramp-not-ascending',
        pointer: `/spec/rollout/ramp/${i}`,
        message: `rollout.ramp step ${i + 1} is ${step}% after ${previous}%; the steps must go up, for example [10, 50, 100]`,
      });
    }
  });
  const last = ramp.at(-1);
  if (last !== undefined && last !== 100) {
    issues.push({
      rule: 'ramp-not-ending-at-100',
      pointer: `/spec/rollout/ramp/${ramp.length - 1}`,
      message: `rollout.ramp ends at ${last}% so a joining region would never get its full weight; end the ramp with 100`,
    });
  }

  const minHealthyPointer = written.minHealthyRegions !== undefined ? '/spec/rollout/minHealthyRegions' : REGIONS;
  const active = desired.regions.filter((r) => r.state === 'active');
  if (minHealthyRegions > desired.regions.length) {
    issues.push({
      rule: 'min-healthy-above-regions',
      pointer: minHealthyPointer,
      message: `rollout.minHealthyRegions is ${minHealthyRegions} but the RegionSet lists only ${desired.regions.length} region${plural(desired.regions.length)}; lower minHealthyRegions or add regions`,
    });
  } else if (active.length < minHealthyRegions) {
    issues.push({
      rule: 'too-few-active-regions',
      pointer: minHealthyPointer,
      message: `${active.length} region${plural(active.length)} ${active.length === 1 ? 'is' : 'are'} active${active.length ? ` (${active.map((r) => r.code).join(', ')})` : ''} but rollout.minHealthyRegions is ${minHealthyRegions}; set state: active on more regions or lower minHealthyRegions`,
    });
  }

  // Resolvers may cache a record for its TTL: removing it sooner would strand users on a drained region.
  const cached = desired.dns.records
    .map((r, index) => ({ r, index }))
    .filter(({ r }) => !r.alias)
    .sort((a, b) => b.r.ttl - a.r.ttl)[0];
  if (cached && drainWaitMs < cached.r.ttl * 1000) {
    const drainWait = written.drainWait ?? formatDuration(drainWaitMs);
    issues.push({
      rule: 'drain-wait-below-ttl',
      pointer: written.drainWait !== undefined ? '/spec/rollout/drainWait' : record(cached.index, 'ttl'),
      message: `rollout.drainWait is ${drainWait} but record ${cached.r.name} has a TTL of ${cached.r.ttl}s, so resolvers could still send users to a drained region after its record is removed; set drainWait to at least ${formatDuration(cached.r.ttl * 1000)} or lower the TTL`,
    });
  }
  return issues;
}

function recordIssues(manifest: RegionSetManifest, desired: DesiredState): PointedIssue[] {
  const issues: PointedIssue[] = [];
  const zone = desired.dns.zone;
  const byName = new Map<string, Array<{ r: DesiredRecord; index: number }>>();
  desired.dns.records.forEach((r, index) => {
    const written = manifest.spec.dns.records[index]!;
    if (r.name !== zone && !r.name.endsWith(`.${zone}`)) {
      issues.push({
        rule: 'record-outside-zone',
        pointer: record(index, 'name'),
        message: `record ${r.name} is not inside the zone ${zone}; use a name ending in .${zone} or change spec.dns.zone`,
      });
    } else if (r.name === zone && r.type === 'CNAME') {
      issues.push({
        rule: 'cname-at-zone-apex',
        pointer: record(index, written.type ? 'type' : 'name'),
        message: `record ${r.name} is the zone apex, where DNS does not allow a CNAME; use type: A with alias`,
      });
    }
    if (r.name.split('.').includes(RESERVED_LABEL)) {
      issues.push({
        rule: 'reserved-record-name',
        pointer: record(index, 'name'),
        message: `record ${r.name} uses the label ${RESERVED_LABEL}, which regionctl reserves for its inventory records (${RESERVED_LABEL}.<RegionSet>.<zone>); rename the record`,
      });
    }
    if (r.alias && r.type === 'CNAME') {
      issues.push({
        rule: 'alias-needs-address-type',
        pointer: record(index, written.type ? 'type' : 'alias'),
        message: `record ${r.name} is an alias to the regional endpoint, which Route 53 allows only as type A or AAAA; add type: A`,
      });
    }
    if (r.routing === 'failover' && !r.healthCheck && !r.alias?.evaluateTargetHealth) {
      issues.push({
        rule: 'failover-without-health-check',
        pointer: record(index, 'routing'),
        message: `failover record ${r.name} has no health check, so Route 53 would never fail over from the PRIMARY region; add healthCheck: { path: /health }`,
      });
    }
    const sameName = byName.get(r.name) ?? [];
    const twin = sameName.find((other) => other.r.type === r.type);
    if (twin) {
      issues.push({
        rule: 'duplicate-record',
        pointer: record(index, 'name'),
        message: `record ${r.name} (${r.type}) is listed twice (records ${twin.index + 1} and ${index + 1}); remove one`,
      });
    } else if (sameName.some((other) => other.r.type === 'CNAME' || r.type === 'CNAME')) {
      issues.push({
        rule: 'cname-conflict',
        pointer: record(index, 'name'),
        message: `record ${r.name} is listed as ${r.type} and as ${sameName[0]!.r.type}; a CNAME cannot share its name with other records, so rename one`,
      });
    }
    byName.set(r.name, [...sameName, { r, index }]);
  });
  return issues;
}

function tableIssues(desired: DesiredState): PointedIssue[] {
  const issues: PointedIssue[] = [];
  const seen = new Map<string, number>();
  desired.tables.forEach((table, index) => {
    // ddb.cmk-replica-key: a replica's key must be in the replica's own region.
    for (const [region, key] of Object.entries(table.kmsKeys).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const keyRegion = key.startsWith('arn:') ? key.split(':')[3] : undefined;
      if (keyRegion !== undefined && keyRegion !== region) {
        issues.push({
          rule: 'kms-key-region',
          pointer: `/spec/tables/${index}/kmsKeys/${region}`,
          message: `table ${table.name}: the KMS key for ${region} is in ${keyRegion} (${key}); DynamoDB needs a key in the replica's own region, so give a key created in ${region}`,
        });
      }
    }
    const first = seen.get(table.name);
    if (first === undefined) {
      seen.set(table.name, index);
      return;
    }
    issues.push({
      rule: 'duplicate-table',
      pointer: `/spec/tables/${index}/name`,
      message: `table ${table.name} is listed twice (tables ${first + 1} and ${index + 1}); remove one`,
    });
  });
  return issues;
}

function routingIssues(manifest: RegionSetManifest, desired: DesiredState): PointedIssue[] {
  const issues: PointedIssue[] = [];
  const recordsWith = (routing: DesiredRecord['routing']) => desired.dns.records.filter((r) => r.routing === routing);
  const active = desired.regions.filter((r) => r.state === 'active');
  const serving = desired.regions.filter((r) => r.state !== 'drained');
  const writtenRegion = (code: string) => manifest.spec.regions[code] ?? {};

  for (const r of recordsWith('weighted')) {
    if (active.length > 0 && active.every((reg) => reg.weight === 0)) {
      const first = active.find((reg) => writtenRegion(reg.code).weight !== undefined) ?? active[0]!;
      issues.push({
        rule: 'weights-all-zero',
        pointer: region(first.code, 'weight'),
        message: `every active region of weighted record ${r.name} has weight 0, so Route 53 would split traffic equally; give at least one region a weight above 0`,
      });
    }
  }

  const failover = recordsWith('failover');
  if (failover.length) {
    const names = failover.map((r) => r.name).join(', ');
    const primaries = serving.filter((reg) => reg.failover === 'PRIMARY');
    const secondaries = serving.filter((reg) => reg.failover === 'SECONDARY');
    if (primaries.length === 0) {
      issues.push({
        rule: 'failover-no-primary',
        pointer: REGIONS,
        anchor: 'key',
        message: `failover record ${names} has no PRIMARY region among the active and standby regions; set failover: PRIMARY on the region that should serve`,
      });
    }
    for (const [role, regions] of [['PRIMARY', primaries], ['SECONDARY', secondaries]] as const) {
      for (const extra of regions.slice(1)) {
        issues.push({
          rule: role === 'PRIMARY' ? 'failover-multiple-primaries' : 'failover-multiple-secondaries',
          pointer: region(extra.code, 'failover'),
          message: `failover record ${names} has ${regions.length} ${role} regions (${regions.map((reg) => reg.code).join(', ')}) but Route 53 allows one; ${role === 'PRIMARY' ? 'make the others SECONDARY' : 'keep one SECONDARY'} or set state: drained on the extra ones`,
        });
      }
    }
    for (const reg of serving.filter((s) => !s.failover)) {
      issues.push({
        rule: 'failover-missing-role',
        pointer: region(reg.code),
        anchor: 'key',
        message: `region ${reg.code} is ${reg.state} under failover record ${names} but has no role; set failover: PRIMARY or SECONDARY, or state: drained`,
      });
    }
  }

  const geo = recordsWith('geolocation');
  if (geo.length) {
    const names = geo.map((r) => r.name).join(', ');
    if (!active.some((reg) => reg.geolocation.some((l) => l.kind === 'default'))) {
      issues.push({
        rule: 'geolocation-no-default',
        pointer: REGIONS,
        anchor: 'key',
        message: `geolocation record ${names} has no active region with the default location, so users elsewhere would get no answer; set geolocation: { default: true } on one active region`,
      });
    }
    const claimedBy = new Map<string, string>();
    for (const reg of serving) {
      const locations = reg.geolocation;
      if (reg.state === 'active' && locations.length === 0) {
        issues.push({
          rule: 'geolocation-no-location',
          pointer: region(reg.code),
          anchor: 'key',
          message: `region ${reg.code} is active under geolocation record ${names} but claims no location, so it would get no traffic; add geolocation continents, countries, subdivisions or default: true`,
        });
      }
      for (const location of locations) {
        const key = locationKey(location);
        const owner = claimedBy.get(key);
        if (owner === undefined) {
          claimedBy.set(key, reg.code);
          continue;
        }
        issues.push({
          rule: 'geolocation-location-claimed-twice',
          pointer: locationPointer(reg, location, manifest),
          message: `${locationName(location)} is claimed by both ${owner} and ${reg.code} under geolocation record ${names}; a location routes to one region, so remove it from one of them`,
        });
      }
    }
  }
  return issues;
}

function locationKey(location: GeoLocation): string {
  switch (location.kind) {
    case 'default':
      return 'default';
    case 'subdivision':
      return `subdivision:${location.country}-${location.code}`;
    default:
      return `${location.kind}:${location.code}`;
  }
}

function locationName(location: GeoLocation): string {
  switch (location.kind) {
    case 'default':
      return 'the default location';
    case 'subdivision':
      return `subdivision ${location.country}-${location.code}`;
    default:
      return `${location.kind} ${location.code}`;
  }
}

function locationPointer(reg: DesiredRegion, location: GeoLocation, manifest: RegionSetManifest): string {
  const geo = manifest.spec.regions[reg.code]?.geolocation ?? {};
  switch (location.kind) {
    case 'default':
      return region(reg.code, 'geolocation', 'default');
    case 'continent':
      return region(reg.code, 'geolocation', 'continents', (geo.continents ?? []).findIndex((code) => code === location.code));
    case 'country':
      return region(reg.code, 'geolocation', 'countries', (geo.countries ?? []).indexOf(location.code));
    case 'subdivision':
      return region(reg.code, 'geolocation', 'subdivisions', (geo.subdivisions ?? []).indexOf(`${location.country}-${location.code}`));
  }
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
