// Route 53 health checks at the API level: CallerReference idempotency, checker regions,
// ResetElements, tags (ChangeTagsForResource), HealthCheckInUse, and a status
// (GetHealthCheckStatus observations) that follows the stack serving the fqdn.

import type { HealthCheck, SdkHealthCheckConfig, HealthCheckRegion } from '../aws/api.js';
import type { Route53Ops } from '../aws/api.js';
import type { HealthCheckConfig, StackStatus } from '../types.js';
import { awsError } from './aws-error.js';
import { nextId, type SandboxContext } from './context.js';
import type { HealthCheckRecord } from './state.js';
import { observedPhase, settleStacks } from './stacks.js';
import { clone, deepEqual } from './util.js';
import { DEFAULT_CHECKER_REGIONS, healthyByCheckers } from '../../route53-health.js';

export const HEALTH_CHECKER_REGIONS: string[] = [...DEFAULT_CHECKER_REGIONS];
// r53.healthcheck-tags-limit
const MAX_TAGS = 10;
const PAGE_SIZE = 100;

/** Stack statuses in which the application's resources exist and serve traffic. */
const SERVING: ReadonlySet<StackStatus> = new Set([
  'CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE',
  // During an update the previous version keeps serving.
  'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
]);

type Ops = Route53Ops;

/** Route 53 health checks, as the API serves them. */
export class SandboxHealthChecks {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly recordsUsing: (id: string) => Array<{ name: string; type: string }>,
  ) {}

  /** One page of live checks (at most 100), in creation order, from Marker on. */
  listHealthChecks(input: Ops['ListHealthChecks'][0]): Ops['ListHealthChecks'][1] {
    const maxItems = Math.min(Number(input.MaxItems ?? PAGE_SIZE), PAGE_SIZE);
    const live = this.ctx.state.healthChecks.filter((h) => !h.deleted);
    let from = 0;
    if (input.Marker !== undefined) {
      from = live.findIndex((h) => h.id === input.Marker);
      // No case yet: an unknown ListHealthChecks Marker (message unconfirmed).
      if (from < 0) throw awsError('InvalidInput', `Invalid marker: ${input.Marker}`);
    }
    const page = live.slice(from, from + maxItems);
    const next = live[from + maxItems];
    return {
      HealthChecks: page.map(wireCheck),
      Marker: input.Marker ?? '',
      IsTruncated: next !== undefined,
      ...(next ? { NextMarker: next.id } : {}),
      MaxItems: maxItems,
    };
  }

  /** Idempotent per CallerReference: the same settings return the check made the first time. */
  createHealthCheck(input: Ops['CreateHealthCheck'][0]): Ops['CreateHealthCheck'][1] {
    const callerReference = input.CallerReference ?? '';
    const config = configFromWire(input.HealthCheckConfig);
    validateConfig(config);
    if (!callerReference || callerReference.length > 64) {
      // No case yet: CallerReference length 1-64 (API_CreateHealthCheck length constraint).
      throw awsError('InvalidInput', `1 validation error detected: Value '${callerReference}' at 'callerReference' failed to satisfy constraint: Member must have length between 1 and 64`);
    }
    const existing = this.ctx.state.healthChecks.find((h) => h.callerReference === callerReference);
    if (existing) {
      if (existing.deleted || !deepEqual(comparable(existing.config), comparable(config))) {
        // AWS's text for both (r53.healthcheck-caller-reference, r53.healthcheck-deleted-reference).
        throw awsError('HealthCheckAlreadyExists', 'A different health check has already been created with the specified caller reference.', 409);
      }
      return { HealthCheck: wireCheck(existing), Location: location(existing.id) };
    }
    const hex = nextId(this.ctx, 'health-check', 32);
    const record: HealthCheckRecord = {
      id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
      callerReference,
      config,
      tags: {},
      createdAt: this.ctx.clock.now(),
      deleted: false,
    };
    this.ctx.state.healthChecks.push(record);
    return { HealthCheck: wireCheck(record), Location: location(record.id) };
  }

  /** Only the mutable settings exist in the request: type and interval are fixed at creation. */
  updateHealthCheck(input: Ops['UpdateHealthCheck'][0]): Ops['UpdateHealthCheck'][1] {
    const check = this.require(input.HealthCheckId ?? '');
    const next: HealthCheckConfig = clone(check.config);
    if (input.FullyQualifiedDomainName !== undefined) next.fqdn = input.FullyQualifiedDomainName;
    if (input.Port !== undefined) next.port = input.Port;
    if (input.ResourcePath !== undefined) next.path = input.ResourcePath;
    if (input.FailureThreshold !== undefined) next.failureThreshold = input.FailureThreshold;
    if (input.Regions !== undefined) next.regions = [...input.Regions];
    for (const element of input.ResetElements ?? []) {
      if (element === 'Regions') next.regions = [];
      else if (element === 'ResourcePath') next.path = '';
      else if (element === 'FullyQualifiedDomainName') next.fqdn = '';
    }
    validateConfig(next);
    check.config = next;
    check.version = (check.version ?? 1) + 1;
    return { HealthCheck: wireCheck(check) };
  }

  /** GetHealthCheck (conformance reads a check back; r53.request-interval-immutable). */
  getHealthCheck(input: Record<string, unknown>): unknown {
    return { HealthCheck: wireCheck(this.require(String(input['HealthCheckId'] ?? ''))) };
  }

  /**
   * Route 53 deletes a check even while a record still references it; routing then becomes
   * unpredictable (r53.delete-healthcheck-in-use, API_DeleteHealthCheck). The planner, not
   * Route 53, must make sure no record uses it.
   */
  deleteHealthCheck(input: Ops['DeleteHealthCheck'][0]): Ops['DeleteHealthCheck'][1] {
    const check = this.require(input.HealthCheckId ?? '');
    check.deleted = true;
    return {};
  }

  /** Records still referring to a check (a deleted check's users route unpredictably). */
  usersOf(id: string): Array<{ name: string; type: string }> {
    return this.recordsUsing(id);
  }

  /**
   * One observation per checker: the reports set by setCheckerReports, or one per checker
   * region all reporting the check's current health (r53.healthcheck-status-observations).
   */
  getHealthCheckStatus(input: Ops['GetHealthCheckStatus'][0]): Ops['GetHealthCheckStatus'][1] {
    const check = this.require(input.HealthCheckId ?? '');
    const checkedTime = new Date(this.ctx.clock.now());
    const regions = check.config.regions.length > 0 ? check.config.regions : HEALTH_CHECKER_REGIONS;
    const reports = check.checkerReports;
    const outcomes: boolean[] = reports
      ? [...Array<boolean>(reports.healthy).fill(true), ...Array<boolean>(reports.unhealthy).fill(false)]
      : regions.map(() => this.healthOf(check) === 'healthy');
    return {
      HealthCheckObservations: outcomes.map((healthy, i) => ({
        Region: regions[i % regions.length] as HealthCheckRegion,
        IPAddress: `15.177.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        StatusReport: {
          Status: healthy ? 'Success: HTTP Status Code 200, OK' : 'Failure: HTTP Status Code 503, Service Unavailable',
          CheckedTime: checkedTime,
        },
      })),
    };
  }

  /** What each checker reports from now on (control step setCheckerReports). */
  setCheckerReports(id: string, healthy: number, unhealthy: number): void {
    this.require(id).checkerReports = { healthy, unhealthy };
  }

  /** Tags of a health check (hosted zone tags are not modelled). */
  changeTagsForResource(input: Ops['ChangeTagsForResource'][0]): Ops['ChangeTagsForResource'][1] {
    if (input.ResourceType !== 'healthcheck') {
      // Not an AWS rule: the sandbox tags health checks only.
      throw awsError('InvalidInput', `The sandbox tags health checks only (got resource type ${String(input.ResourceType)}).`);
    }
    const check = this.require(input.ResourceId ?? '');
    const added = Object.fromEntries((input.AddTags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    validateTags(added);
    const merged = { ...check.tags, ...added };
    for (const key of input.RemoveTagKeys ?? []) delete merged[key];
    // r53.healthcheck-tags-limit
    if (Object.keys(merged).length > MAX_TAGS) throw awsError('InvalidInput', `A resource can have at most ${MAX_TAGS} tags.`);
    check.tags = merged;
    return {};
  }

  /** setHealth's value wins; otherwise healthy once the fqdn is served and one interval has passed. */
  healthOf(check: HealthCheckRecord): 'healthy' | 'unhealthy' {
    // More than 18% of checkers healthy (r53.healthy-above-18-percent).
    const reports = check.checkerReports;
    if (reports) return healthyByCheckers(reports.healthy, reports.healthy + reports.unhealthy) ? 'healthy' : 'unhealthy';
    const forced = this.ctx.state.healthOverrides[check.id] ?? this.ctx.state.healthOverrides[check.config.fqdn.toLowerCase()];
    if (forced) return forced;
    const now = this.ctx.clock.now();
    const warmup = check.config.interval * 1000 * this.ctx.state.latencies.healthCheckIntervals;
    if (now - check.createdAt < warmup) return 'unhealthy';
    settleStacks(this.ctx);
    const fqdn = check.config.fqdn.toLowerCase();
    const served = this.ctx.state.stacks.some(
      (s) => SERVING.has(observedPhase(s, now).status) && Object.values(s.current.outputs).some((v) => v.toLowerCase() === fqdn),
    );
    return served ? 'healthy' : 'unhealthy';
  }

  private require(id: string): HealthCheckRecord {
    const check = this.ctx.state.healthChecks.find((h) => h.id === id && !h.deleted);
    // r53.no-such-health-check (code only; the message and the 404 are unconfirmed).
    if (!check) throw awsError('NoSuchHealthCheck', `A health check with id ${id} does not exist.`, 404);
    return check;
  }
}

function location(id: string): string {
  return `https://route53.amazonaws.com/2013-04-01/healthcheck/${id}`;
}

/** The stored settings from a request's HealthCheckConfig (Route 53's defaults filled in). */
function configFromWire(c: SdkHealthCheckConfig | undefined): HealthCheckConfig {
  const protocol = (c?.Type ?? '') as HealthCheckConfig['protocol'];
  return {
    protocol,
    fqdn: c?.FullyQualifiedDomainName ?? '',
    port: c?.Port ?? (protocol === 'HTTPS' ? 443 : 80),
    path: c?.ResourcePath ?? '',
    interval: (c?.RequestInterval ?? 30) as HealthCheckConfig['interval'],
    failureThreshold: c?.FailureThreshold ?? 3,
    regions: [...(c?.Regions ?? [])],
  };
}

function wireCheck(check: HealthCheckRecord): HealthCheck {
  const c = check.config;
  return {
    Id: check.id,
    CallerReference: check.callerReference,
    HealthCheckConfig: {
      Type: c.protocol,
      FullyQualifiedDomainName: c.fqdn,
      Port: c.port,
      ...(c.path ? { ResourcePath: c.path } : {}),
      RequestInterval: c.interval,
      FailureThreshold: c.failureThreshold,
      MeasureLatency: false,
      Inverted: false,
      Disabled: false,
      ...(c.protocol === 'HTTPS' ? { EnableSNI: true } : {}),
      ...(c.regions.length > 0 ? { Regions: c.regions as HealthCheckRegion[] } : {}),
    },
    HealthCheckVersion: check.version ?? 1,
  };
}

/** Settings compared for CallerReference idempotency (checker regions as a set). */
function comparable(config: HealthCheckConfig): unknown {
  return { ...config, fqdn: config.fqdn.toLowerCase(), regions: [...config.regions].sort() };
}

// HealthCheckConfig as AWS validates it. RequestInterval 10/30, FailureThreshold 1-10 and at least 3
// checker regions: r53.healthcheck-config-limits (code only). Type, Port, FQDN, ResourcePath and
// unknown regions follow API_HealthCheckConfig's constraints with no case yet.
function validateConfig(config: HealthCheckConfig): void {
  if (config.protocol !== 'HTTP' && config.protocol !== 'HTTPS') {
    throw awsError('InvalidInput', `1 validation error detected: Value '${config.protocol}' at 'healthCheckConfig.type' failed to satisfy constraint: Member must satisfy enum value set`);
  }
  if (config.interval !== 10 && config.interval !== 30) {
    throw awsError('InvalidInput', `Invalid request: RequestInterval must be 10 or 30 (got ${config.interval}).`);
  }
  if (!Number.isInteger(config.failureThreshold) || config.failureThreshold < 1 || config.failureThreshold > 10) {
    throw awsError(
      'InvalidInput',
      `1 validation error detected: Value '${config.failureThreshold}' at 'healthCheckConfig.failureThreshold' failed to satisfy constraint: Member must have value between 1 and 10`,
    );
  }
  if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535) {
    throw awsError('InvalidInput', `1 validation error detected: Value '${config.port}' at 'healthCheckConfig.port' failed to satisfy constraint: Member must have value between 1 and 65535`);
  }
  if (!config.fqdn || config.fqdn.length > 255) {
    throw awsError('InvalidInput', 'Invalid request: FullyQualifiedDomainName must be 1 to 255 characters.');
  }
  if (config.path.length > 255) {
    throw awsError('InvalidInput', '1 validation error detected: ResourcePath must have length less than or equal to 255');
  }
  const unknown = config.regions.filter((r) => !HEALTH_CHECKER_REGIONS.includes(r));
  if (unknown.length > 0) {
    throw awsError('InvalidInput', `1 validation error detected: Value '[${unknown.join(', ')}]' at 'healthCheckConfig.regions' failed to satisfy constraint: Member must satisfy enum value set: [${HEALTH_CHECKER_REGIONS.join(', ')}]`);
  }
  if (config.regions.length > 0 && new Set(config.regions).size < 3) {
    throw awsError('InvalidInput', 'Invalid request: you must specify at least 3 distinct health checker regions, or none for the default set.');
  }
}

function validateTags(tags: Record<string, string>): void {
  const keys = Object.keys(tags);
  // r53.healthcheck-tags-limit; the aws: prefix below has no Route 53 case yet (its stack-tag twin is cfn.aws-tag-prefix).
  if (keys.length > MAX_TAGS) throw awsError('InvalidInput', `A resource can have at most ${MAX_TAGS} tags.`);
  for (const key of keys) {
    if (key.toLowerCase().startsWith('aws:')) throw awsError('InvalidInput', `Invalid tag key [${key}]: the aws: prefix is reserved for AWS use`);
  }
}
