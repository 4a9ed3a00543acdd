// Route 53 health checks: CallerReference idempotency, immutable type and interval, checker
// regions, tags, HealthCheckInUse, and a status that follows the stack serving the fqdn.

import { AwsRequestError } from '../../errors.js';
import type { HealthCheckConfig, HealthCheckProvider, HealthStatus, LiveHealthCheck, StackStatus } from '../types.js';
import { invoke, logExtraCall, nextId, type SandboxContext } from './context.js';
import type { HealthCheckRecord } from './state.js';
import { observedPhase, settleStacks } from './stacks.js';
import { clone, deepEqual } from './util.js';

export const HEALTH_CHECKER_REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
const MAX_TAGS = 10;
const PAGE_SIZE = 100;

/** Stack statuses in which the application's resources exist and serve traffic. */
const SERVING: ReadonlySet<StackStatus> = new Set([
  'CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE',
  // During an update the previous version keeps serving.
  'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
]);

export class SandboxHealthChecks implements HealthCheckProvider {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly recordsUsing: (id: string) => Array<{ name: string; type: string }>,
  ) {}

  list(): Promise<LiveHealthCheck[]> {
    return invoke(this.ctx, { service: 'route53', operation: 'ListHealthChecks', method: 'healthChecks.list', write: false }, () => {
      const live = this.ctx.state.healthChecks.filter((h) => !h.deleted);
      for (let page = 1; page < Math.ceil(live.length / PAGE_SIZE); page++) {
        logExtraCall(this.ctx, { service: 'route53', operation: 'ListHealthChecks', method: 'healthChecks.list', write: false });
      }
      return live.map((h) => ({ id: h.id, callerReference: h.callerReference, config: clone(h.config) }));
    });
  }

  create(callerReference: string, config: HealthCheckConfig, tags: Record<string, string>): Promise<string> {
    return invoke(this.ctx, { service: 'route53', operation: 'CreateHealthCheck', method: 'healthChecks.create', write: true }, () => {
      validateConfig(config);
      validateTags(tags);
      if (!callerReference || callerReference.length > 64) {
        throw new AwsRequestError(`1 validation error detected: Value '${callerReference}' at 'callerReference' failed to satisfy constraint: Member must have length between 1 and 64`, 'InvalidInput');
      }
      const existing = this.ctx.state.healthChecks.find((h) => h.callerReference === callerReference);
      if (existing) {
        if (existing.deleted || !deepEqual(comparable(existing.config), comparable(config))) {
          throw new AwsRequestError(
            `A health check with CallerReference ${callerReference} already exists${existing.deleted ? ' (it was deleted; a caller reference cannot be reused)' : ' with different settings'}.`,
            'HealthCheckAlreadyExists',
            existing.id,
          );
        }
        this.tag(existing, tags);
        return existing.id;
      }
      const hex = nextId(this.ctx, 'health-check', 32);
      const record: HealthCheckRecord = {
        id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
        callerReference,
        config: clone(config),
        tags: {},
        createdAt: this.ctx.clock.now(),
        deleted: false,
      };
      this.ctx.state.healthChecks.push(record);
      this.tag(record, tags);
      return record.id;
    });
  }

  update(id: string, config: HealthCheckConfig): Promise<void> {
    return invoke(this.ctx, { service: 'route53', operation: 'UpdateHealthCheck', method: 'healthChecks.update', write: true }, () => {
      const check = this.require(id);
      if (config.protocol !== check.config.protocol) {
        throw new AwsRequestError(`The health check type cannot be changed after creation (it is ${check.config.protocol}).`, 'InvalidInput', id);
      }
      if (config.interval !== check.config.interval) {
        throw new AwsRequestError(`The request interval cannot be changed after creation (it is ${check.config.interval} seconds).`, 'InvalidInput', id);
      }
      validateConfig(config);
      check.config = clone(config);
    });
  }

  delete(id: string): Promise<void> {
    return invoke(this.ctx, { service: 'route53', operation: 'DeleteHealthCheck', method: 'healthChecks.delete', write: true }, () => {
      const check = this.require(id);
      const users = this.recordsUsing(id);
      if (users.length > 0) {
        throw new AwsRequestError(
          `Health check ${id} is still referenced from resource record set [name='${users[0]!.name}', type='${users[0]!.type}']`,
          'HealthCheckInUse',
          id,
        );
      }
      check.deleted = true;
    });
  }

  status(id: string): Promise<HealthStatus> {
    return invoke(this.ctx, { service: 'route53', operation: 'GetHealthCheckStatus', method: 'healthChecks.status', write: false }, () => {
      return this.healthOf(this.require(id));
    });
  }

  /** setHealth's value wins; otherwise healthy once the fqdn is served and one interval has passed. */
  healthOf(check: HealthCheckRecord): 'healthy' | 'unhealthy' {
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
    if (!check) throw new AwsRequestError(`A health check with id ${id} does not exist.`, 'NoSuchHealthCheck', id);
    return check;
  }

  /** Tags go through ChangeTagsForResource (a separate write call in AWS). */
  private tag(check: HealthCheckRecord, tags: Record<string, string>): void {
    if (Object.keys(tags).length === 0) return;
    const merged = { ...check.tags, ...tags };
    if (Object.keys(merged).length > MAX_TAGS) {
      throw new AwsRequestError(`A resource can have at most ${MAX_TAGS} tags.`, 'InvalidInput', check.id);
    }
    check.tags = merged;
    logExtraCall(this.ctx, { service: 'route53', operation: 'ChangeTagsForResource', method: 'healthChecks.create', write: true });
  }
}

/** Settings compared for CallerReference idempotency (checker regions as a set). */
function comparable(config: HealthCheckConfig): unknown {
  return { ...config, fqdn: config.fqdn.toLowerCase(), regions: [...config.regions].sort() };
}

function validateConfig(config: HealthCheckConfig): void {
  if (config.protocol !== 'HTTP' && config.protocol !== 'HTTPS') {
    throw new AwsRequestError(`1 validation error detected: Value '${config.protocol}' at 'healthCheckConfig.type' failed to satisfy constraint: Member must satisfy enum value set`, 'InvalidInput');
  }
  if (config.interval !== 10 && config.interval !== 30) {
    throw new AwsRequestError(`Invalid request: RequestInterval must be 10 or 30 (got ${config.interval}).`, 'InvalidInput');
  }
  if (!Number.isInteger(config.failureThreshold) || config.failureThreshold < 1 || config.failureThreshold > 10) {
    throw new AwsRequestError(
      `1 validation error detected: Value '${config.failureThreshold}' at 'healthCheckConfig.failureThreshold' failed to satisfy constraint: Member must have value between 1 and 10`,
      'InvalidInput',
    );
  }
  if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535) {
    throw new AwsRequestError(`1 validation error detected: Value '${config.port}' at 'healthCheckConfig.port' failed to satisfy constraint: Member must have value between 1 and 65535`, 'InvalidInput');
  }
  if (!config.fqdn || config.fqdn.length > 255) {
    throw new AwsRequestError('Invalid request: FullyQualifiedDomainName must be 1 to 255 characters.', 'InvalidInput');
  }
  if (config.path.length > 255) {
    throw new AwsRequestError('1 validation error detected: ResourcePath must have length less than or equal to 255', 'InvalidInput');
  }
  const unknown = config.regions.filter((r) => !HEALTH_CHECKER_REGIONS.includes(r));
  if (unknown.length > 0) {
    throw new AwsRequestError(`1 validation error detected: Value '[${unknown.join(', ')}]' at 'healthCheckConfig.regions' failed to satisfy constraint: Member must satisfy enum value set: [${HEALTH_CHECKER_REGIONS.join(', ')}]`, 'InvalidInput');
  }
  if (config.regions.length > 0 && new Set(config.regions).size < 3) {
    throw new AwsRequestError('Invalid request: you must specify at least 3 distinct health checker regions, or none for the default set.', 'InvalidInput');
  }
}

function validateTags(tags: Record<string, string>): void {
  const keys = Object.keys(tags);
  if (keys.length > MAX_TAGS) throw new AwsRequestError(`A resource can have at most ${MAX_TAGS} tags.`, 'InvalidInput');
  for (const key of keys) {
    if (key.toLowerCase().startsWith('aws:')) throw new AwsRequestError(`Invalid tag key [${key}]: the aws: prefix is reserved for AWS use`, 'InvalidInput');
  }
}
