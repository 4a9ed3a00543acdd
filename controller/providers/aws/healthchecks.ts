// HealthCheckProvider on Route 53 (SDK v3). Creation is idempotent through the caller
// reference (AWS returns the existing check for the same reference and settings); a
// reference AWS refuses is looked up to tell a harmless retry from a real conflict.
// Every call waits its turn in the account's shared rate limiter.

import { healthyByCheckers } from '../../route53-health.js';
import type {
  HealthCheck,
  HealthCheckConfig as SdkHealthCheckConfig,
  HealthCheckRegion,
  ResettableElementName,
} from '@aws-sdk/client-route-53';
import { AwsRequestError, InternalError } from '../../errors.js';
import type { HealthCheckConfig, HealthCheckProvider, HealthStatus, LiveHealthCheck } from '../types.js';
import { route53Call, type Route53Dependencies } from './route53.js';

/** Route 53's maximum page size for ListHealthChecks. */
const HEALTH_CHECK_PAGE_SIZE = 100;
/** ChangeTagsForResource takes at most 10 tags per request. */
const MAX_TAGS = 10;

export class AwsHealthCheckProvider implements HealthCheckProvider {
  constructor(private readonly deps: Route53Dependencies) {}

  async list(): Promise<LiveHealthCheck[]> {
    const checks: LiveHealthCheck[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await route53Call(this.deps, 'ListHealthChecks', (api) =>
        api.send('ListHealthChecks', { MaxItems: HEALTH_CHECK_PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }),
      );
      for (const check of page.HealthChecks ?? []) {
        const live = fromHealthCheck(check);
        if (live) checks.push(live);
      }
      if (!page.IsTruncated) return checks;
      if (!page.NextMarker || page.NextMarker === marker) {
        throw new InternalError(`ListHealthChecks: a truncated page gave no new marker (${String(page.NextMarker)}); stopping instead of looping`);
      }
      marker = page.NextMarker;
    }
  }

  async create(callerReference: string, config: HealthCheckConfig, tags: Record<string, string>): Promise<string> {
    const tagList = Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // Checked before creating, so that a refused tag set never leaves an untagged check behind.
    if (tagList.length > MAX_TAGS) {
      throw new AwsRequestError(`CreateHealthCheck ${callerReference}: at most ${MAX_TAGS} tags per health check (got ${tagList.length})`, 'InvalidInput', callerReference);
    }
    const id = await this.createOrFind(callerReference, config);
    if (tagList.length > 0) {
      await route53Call(
        this.deps,
        `ChangeTagsForResource healthcheck ${id}`,
        (api) => api.send('ChangeTagsForResource', { ResourceType: 'healthcheck', ResourceId: id, AddTags: tagList.map(([Key, Value]) => ({ Key, Value })) }),
        id,
      );
    }
    return id;
  }

  async update(id: string, config: HealthCheckConfig): Promise<void> {
    // Type and request interval cannot change after creation (the planner replaces the check).
    // No HealthCheckVersion: it is optional, and the manifest is the authority, so last write wins.
    const resets: ResettableElementName[] = [];
    if (config.regions.length === 0) resets.push('Regions');
    if (!config.path) resets.push('ResourcePath');
    await route53Call(
      this.deps,
      `UpdateHealthCheck ${id}`,
      (api) =>
        api.send('UpdateHealthCheck', {
          HealthCheckId: id,
          FullyQualifiedDomainName: config.fqdn,
          Port: config.port,
          ...(config.path ? { ResourcePath: config.path } : {}),
          FailureThreshold: config.failureThreshold,
          ...(config.regions.length > 0 ? { Regions: config.regions as HealthCheckRegion[] } : {}),
          ...(config.protocol === 'HTTPS' ? { EnableSNI: true } : {}),
          ...(resets.length > 0 ? { ResetElements: resets } : {}),
        }),
      id,
    );
  }

  async delete(id: string): Promise<void> {
    try {
      await route53Call(this.deps, `DeleteHealthCheck ${id}`, (api) => api.send('DeleteHealthCheck', { HealthCheckId: id }), id);
    } catch (error) {
      if (error instanceof AwsRequestError && error.code === 'NoSuchHealthCheck') return; // already gone: the goal
      if (error instanceof AwsRequestError && error.code === 'HealthCheckInUse') {
        throw new AwsRequestError(
          `DeleteHealthCheck ${id}: health check ${id} is still used by a record set; remove it from the record first (${error.message})`,
          'HealthCheckInUse',
          id,
        );
      }
      throw error;
    }
  }

  async status(id: string): Promise<HealthStatus> {
    const result = await route53Call(
      this.deps,
      `GetHealthCheckStatus ${id}`,
      (api) => api.send('GetHealthCheckStatus', { HealthCheckId: id }),
      id,
    );
    const observations = result.HealthCheckObservations ?? [];
    if (observations.length === 0) return 'unknown';
    // Route 53's own rule: healthy when more than 18% of the checkers report healthy
    // (r53.healthy-above-18-percent), so a ramp gates on what Route 53 routes by.
    const successes = observations.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length;
    return healthyByCheckers(successes, observations.length) ? 'healthy' : 'unhealthy';
  }

  private async createOrFind(callerReference: string, config: HealthCheckConfig): Promise<string> {
    try {
      const result = await route53Call(
        this.deps,
        `CreateHealthCheck ${callerReference}`,
        (api) => api.send('CreateHealthCheck', { CallerReference: callerReference, HealthCheckConfig: toSdkConfig(config) }),
        callerReference,
      );
      const id = result.HealthCheck?.Id;
      if (!id) throw new InternalError(`CreateHealthCheck ${callerReference}: the response has no health check id`);
      return id;
    } catch (error) {
      if (!(error instanceof AwsRequestError) || error.code !== 'HealthCheckAlreadyExists') throw error;
      // AWS returns the existing check for identical settings; it refuses when they differ,
      // or when the reference belonged to a deleted check. Tell those apart for the caller.
      const existing = (await this.list()).find((c) => c.callerReference === callerReference);
      if (existing && sameSettings(existing.config, config)) return existing.id;
      const why = existing
        ? `health check ${existing.id} already uses it with other settings (${describeDifferences(existing.config, config)})`
        : 'it belonged to a health check that was deleted, and a caller reference cannot be reused';
      throw new AwsRequestError(`CreateHealthCheck: caller reference ${callerReference} cannot be used: ${why}`, 'HealthCheckAlreadyExists', existing?.id ?? callerReference);
    }
  }
}

function toSdkConfig(config: HealthCheckConfig): SdkHealthCheckConfig {
  return {
    Type: config.protocol,
    FullyQualifiedDomainName: config.fqdn,
    Port: config.port,
    ...(config.path ? { ResourcePath: config.path } : {}),
    RequestInterval: config.interval,
    FailureThreshold: config.failureThreshold,
    ...(config.regions.length > 0 ? { Regions: config.regions as HealthCheckRegion[] } : {}),
    // API Gateway and CloudFront endpoints need SNI to pick the certificate.
    ...(config.protocol === 'HTTPS' ? { EnableSNI: true } : {}),
  };
}

/**
 * Only HTTP and HTTPS checks can be regionctl's (it creates no other type, and a type never
 * changes); other checks of the account (TCP, string match, calculated…) are left out.
 */
function fromHealthCheck(check: HealthCheck): LiveHealthCheck | undefined {
  const c = check.HealthCheckConfig;
  if (!check.Id || !c || (c.Type !== 'HTTP' && c.Type !== 'HTTPS')) return undefined;
  return {
    id: check.Id,
    callerReference: check.CallerReference ?? '',
    config: {
      protocol: c.Type,
      fqdn: c.FullyQualifiedDomainName ?? '',
      port: c.Port ?? (c.Type === 'HTTPS' ? 443 : 80),
      // Route 53 requests "/" when no path is set.
      path: c.ResourcePath ?? '/',
      interval: c.RequestInterval === 10 ? 10 : 30,
      failureThreshold: c.FailureThreshold ?? 3,
      regions: [...(c.Regions ?? [])],
    },
  };
}

/** The settings CreateHealthCheck idempotency compares; no regions asked for means Route 53's default set. */
function sameSettings(live: HealthCheckConfig, wanted: HealthCheckConfig): boolean {
  return describeDifferences(live, wanted) === '';
}

function describeDifferences(live: HealthCheckConfig, wanted: HealthCheckConfig): string {
  const differences: string[] = [];
  const differ = (field: string, a: unknown, b: unknown) => {
    if (a !== b) differences.push(`${field} ${String(a)} → ${String(b)}`);
  };
  differ('protocol', live.protocol, wanted.protocol);
  differ('fqdn', live.fqdn.toLowerCase(), wanted.fqdn.toLowerCase());
  differ('port', live.port, wanted.port);
  differ('path', live.path, wanted.path || '/');
  differ('interval', live.interval, wanted.interval);
  differ('failureThreshold', live.failureThreshold, wanted.failureThreshold);
  if (wanted.regions.length > 0) differ('regions', [...live.regions].sort().join(','), [...wanted.regions].sort().join(','));
  return differences.join(', ');
}
