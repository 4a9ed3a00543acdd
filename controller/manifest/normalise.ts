// Written shape → DesiredState: every default applied in one place, names canonical,
// regions sorted, parameters merged and stringified, durations in milliseconds.
import { createRequire } from 'node:module';
import { dnsNameKey } from '../dns-name.js';
import { noEchoParameters } from '../template/cfn-yaml.js';
import { parseDuration } from './duration.js';
import type {
  DesiredHealthCheck,
  DesiredRecord,
  DesiredRegion,
  DesiredState,
  GeoLocation,
  HealthCheckProtocol,
  ManifestHealthCheck,
  ManifestRecord,
  ManifestRegion,
  RegionSetManifest,
} from './types.js';

/** The defaults of the written shape; a test keeps them equal to the schema's `default`s. */
export const DEFAULTS = {
  stack: { parameters: {}, capabilities: [] as string[], tags: {}, terminationProtection: false },
  table: { removeReplicas: false },
  record: { type: 'CNAME', ttl: 60 },
  alias: { evaluateTargetHealth: false },
  healthCheck: { path: '/health', protocol: 'HTTPS', interval: 30, failureThreshold: 3, regions: [] as string[] },
  healthCheckPort: { HTTPS: 443, HTTP: 80 } satisfies Record<HealthCheckProtocol, number>,
  rollout: { maxParallelRegions: 2, minHealthyRegions: 1, ramp: [10, 50, 100], stepWait: '2m', drainWait: '5m' },
  region: { state: 'active', weight: 100 },
} as const;

/** Canonical DNS name: lower case with the trailing dot. */
export function canonicalName(name: string): string {
  return dnsNameKey(name);
}

// node:crypto is loaded on first use: its start-up (a dozen internal modules, about 8 ms of
// CPU here) would be paid by every cold `validate`, which never needs the hash.
const require = createRequire(import.meta.url);

export function templateHash(body: string): string {
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** Expects a manifest that passed the schema; semantic rules run on the result. */
export function normalise(manifest: RegionSetManifest, file: string, templateBody: string): DesiredState {
  const { spec } = manifest;
  const rollout = { ...DEFAULTS.rollout, ...spec.rollout };
  const stackParameters = spec.stack.parameters ?? {};
  const regions = Object.entries(spec.regions)
    .map(([code, region]) => normaliseRegion(code, region ?? {}, stackParameters))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return {
    name: manifest.metadata.name,
    file,
    stack: {
      name: spec.stack.name,
      templatePath: spec.stack.template,
      templateBody,
      // Computed on first read (planning reads it; validation never does), then kept.
      get templateHash(): string {
        const value = templateHash(templateBody);
        Object.defineProperty(this, 'templateHash', { value, enumerable: true, writable: true, configurable: true });
        return value;
      },
      // A template regionctl cannot read (AWS will refuse it) hides every value: mask rather than guess.
      noEchoParameters: noEchoParameters(templateBody) ?? [...new Set(regions.flatMap((r) => Object.keys(r.parameters)))].sort(),
      capabilities: [...(spec.stack.capabilities ?? DEFAULTS.stack.capabilities)],
      tags: { ...spec.stack.tags },
      terminationProtection: spec.stack.terminationProtection ?? DEFAULTS.stack.terminationProtection,
    },
    tables: (spec.tables ?? []).map((table) => ({ name: table.name, removeReplicas: table.removeReplicas ?? DEFAULTS.table.removeReplicas, kmsKeys: { ...(table.kmsKeys ?? {}) } })),
    dns: { zone: canonicalName(spec.dns.zone), records: spec.dns.records.map(normaliseRecord) },
    rollout: {
      maxParallelRegions: rollout.maxParallelRegions,
      minHealthyRegions: rollout.minHealthyRegions,
      ramp: [...rollout.ramp],
      stepWaitMs: parseDuration(rollout.stepWait) ?? 0,
      drainWaitMs: parseDuration(rollout.drainWait) ?? 0,
    },
    regions,
    syncWindows: (spec.syncWindows ?? []).map((window) => ({
      kind: window.kind,
      schedule: window.schedule.trim(),
      duration: window.duration,
      durationMs: parseDuration(window.duration) ?? 0,
      timeZone: window.timeZone,
      ...(window.description !== undefined ? { description: window.description } : {}),
    })),
  };
}

function normaliseRecord(record: ManifestRecord): DesiredRecord {
  return {
    name: canonicalName(record.name),
    type: record.type ?? DEFAULTS.record.type,
    routing: record.routing,
    // Alias records have no TTL of their own; the default keeps the field meaningful.
    ttl: record.ttl ?? DEFAULTS.record.ttl,
    targetOutput: record.target,
    ...(record.alias && {
      alias: {
        hostedZoneIdOutput: record.alias.hostedZoneIdOutput,
        // A failover alias fails over only if Route 53 evaluates the alias target's health
        // (Route 53 developer guide, resource-record-sets-values-failover-alias: Evaluate target
        // health; conformance case r53.failover-alias): true unless the manifest says otherwise.
        evaluateTargetHealth: record.alias.evaluateTargetHealth ?? (record.routing === 'failover' ? true : DEFAULTS.alias.evaluateTargetHealth),
      },
    }),
    ...(record.healthCheck && { healthCheck: normaliseHealthCheck(record.healthCheck, record.target) }),
  };
}

function normaliseHealthCheck(check: ManifestHealthCheck, recordTarget: string): DesiredHealthCheck {
  const protocol = check.protocol ?? DEFAULTS.healthCheck.protocol;
  return {
    // Without its own target the check probes the host the record points at.
    targetOutput: check.target ?? recordTarget,
    protocol,
    port: check.port ?? DEFAULTS.healthCheckPort[protocol],
    path: check.path ?? DEFAULTS.healthCheck.path,
    interval: check.interval ?? DEFAULTS.healthCheck.interval,
    failureThreshold: check.failureThreshold ?? DEFAULTS.healthCheck.failureThreshold,
    regions: [...(check.regions ?? DEFAULTS.healthCheck.regions)],
  };
}

function normaliseRegion(code: string, region: ManifestRegion, stackParameters: Record<string, string | number | boolean>): DesiredRegion {
  const parameters: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...stackParameters, ...region.parameters })) parameters[key] = String(value);
  return {
    code,
    state: region.state ?? DEFAULTS.region.state,
    weight: region.weight ?? DEFAULTS.region.weight,
    ...(region.failover && { failover: region.failover }),
    geolocation: geoLocations(region),
    parameters,
  };
}

function geoLocations(region: ManifestRegion): GeoLocation[] {
  const geo = region.geolocation;
  if (!geo) return [];
  return [
    ...(geo.continents ?? []).map((code): GeoLocation => ({ kind: 'continent', code })),
    ...(geo.countries ?? []).map((code): GeoLocation => ({ kind: 'country', code })),
    ...(geo.subdivisions ?? []).map((full): GeoLocation => {
      const [country = '', code = ''] = full.split('-');
      return { kind: 'subdivision', country, code };
    }),
    ...(geo.default ? [{ kind: 'default' } as const] : []),
  ];
}
