// Route 53 health checks: create / update / delete, and the health gates of a ramp.

import type { RecordTemplate, Step } from '../plan/types.js';
import { formatDuration } from '../manifest/duration.js';
import { AwsStepFailure, call, StepFailure, type ExecutionContext } from './context.js';
import type { DnsBatcher } from './dns.js';
import { resolveHealthCheck, resolveValue } from './resolve.js';

export async function runHealthCheckStep(ctx: ExecutionContext, step: Step): Promise<string | undefined> {
  const payload = step.payload;
  const checks = ctx.providers.healthChecks;
  if (step.action === 'healthcheck.create' && payload.kind === 'healthcheck-create') {
    const config = { ...payload.config, fqdn: await resolveValue(ctx, payload.config.fqdn) };
    // Idempotent in Route 53 for the same caller reference and settings: a retry returns the same id.
    const id = await call(ctx, `CreateHealthCheck ${payload.callerReference} (${config.fqdn})`, () =>
      checks.create(payload.callerReference, config, payload.tags),
    );
    ctx.healthCheckIds.set(payload.callerReference, id);
    return `health check ${id} for ${config.fqdn}`;
  }
  if (step.action === 'healthcheck.update' && payload.kind === 'healthcheck-update') {
    await call(ctx, `UpdateHealthCheck ${payload.id}`, () => checks.update(payload.id, payload.config));
    return undefined;
  }
  if (step.action === 'healthcheck.delete' && payload.kind === 'healthcheck-delete') {
    try {
      await call(ctx, `DeleteHealthCheck ${payload.id}`, () => checks.delete(payload.id));
    } catch (error) {
      // Already gone (deleted by an interrupted earlier run): that is the goal.
      if (error instanceof AwsStepFailure && /NoSuchHealthCheck/.test(error.code)) return 'already deleted';
      throw error;
    }
    return undefined;
  }
  throw new StepFailure(`step ${step.id}: ${step.action} does not match its payload (${payload.kind})`);
}

/**
 * Healthy once (holdMs 0), or healthy for holdMs in a row. During a hold with a rollback
 * record, one unhealthy observation sends the rollback (weight 0) at once and fails the
 * step: a region that fails its health check does not keep its traffic while we wait.
 */
export async function runHealthWait(ctx: ExecutionContext, dns: DnsBatcher, step: Step): Promise<string | undefined> {
  if (step.payload.kind !== 'health') throw new StepFailure(`step ${step.id}: health.wait needs a health payload, got ${step.payload.kind}`);
  const { healthCheck, holdMs, timeoutMs, rollback } = step.payload;
  const id = await resolveHealthCheck(ctx, healthCheck);
  const guarded = rollback ? guardedRecordStep(ctx, step, rollback) : undefined;
  const subject = `health check of ${recordNameOf(step) ?? id}${step.region ? ` in ${step.region}` : ''}`;
  const deadline = ctx.clock.now() + timeoutMs;
  let healthySince: number | undefined;
  for (;;) {
    const status = await call(ctx, `GetHealthCheckStatus ${id}`, () => ctx.providers.healthChecks.status(id));
    const now = ctx.clock.now();
    if (status === 'healthy') {
      healthySince ??= now;
      if (now - healthySince >= holdMs) return holdMs > 0 ? `healthy for ${formatDuration(holdMs)}` : 'healthy';
    } else {
      healthySince = undefined;
      if (status === 'unhealthy' && holdMs > 0 && rollback) {
        const weight = guarded?.weight ?? (step.action === 'health.wait' ? step.after?.weight : undefined);
        const at = weight === undefined ? '' : ` at weight ${String(weight)}`;
        const zoneId = guarded?.zoneId ?? anyZoneOf(ctx, rollback);
        if (!zoneId) throw new StepFailure(`${subject} failed${at}; no hosted zone known to roll back in (plan has no record step for ${rollback.name})`);
        try {
          await dns.submit(zoneId, 'UPSERT', rollback, `rollback of ${step.id}`);
        } catch (error) {
          throw new StepFailure(`${subject} failed${at}; rolling back to weight ${rollback.weight ?? 0} failed too: ${(error as Error).message}`);
        }
        throw new StepFailure(`${subject} failed${at}; rolled back to weight ${rollback.weight ?? 0}`);
      }
    }
    if (now >= deadline) {
      const goal = holdMs > 0 ? `healthy for ${formatDuration(holdMs)} in a row` : 'healthy';
      throw new StepFailure(`${subject} was not ${goal} within ${formatDuration(timeoutMs)} (last status: ${status})`);
    }
    await ctx.clock.sleep(Math.min(ctx.poll.healthMs, deadline - now));
  }
}

/**
 * The record a health wait is about, for messages: people know the record, not the
 * check's id. The rollback names it; otherwise the step's resource, healthcheck:NAME:REGION.
 */
function recordNameOf(step: Step): string | undefined {
  if (step.payload.kind === 'health' && step.payload.rollback) return step.payload.rollback.name;
  return /^healthcheck:(.+):[^:]*$/.exec(step.resource)?.[1];
}

/** The record step this health wait guards: the nearest dependency changing the same record. */
function guardedRecordStep(ctx: ExecutionContext, step: Step, record: RecordTemplate): { zoneId: string; weight?: number } | undefined {
  const byId = new Map(ctx.plan.steps.map((candidate) => [candidate.id, candidate]));
  const seen = new Set<string>();
  let frontier = [...step.dependsOn];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      if (seen.has(id)) continue;
      seen.add(id);
      const dependency = byId.get(id);
      if (!dependency) continue;
      const payload = dependency.payload;
      if (payload.kind === 'record' && sameRecord(payload.record, record)) {
        return { zoneId: payload.zoneId, ...(payload.record.weight !== undefined ? { weight: payload.record.weight } : {}) };
      }
      next.push(...dependency.dependsOn);
    }
    frontier = next;
  }
  return undefined;
}

function anyZoneOf(ctx: ExecutionContext, record: RecordTemplate): string | undefined {
  let any: string | undefined;
  for (const step of ctx.plan.steps) {
    if (step.payload.kind !== 'record') continue;
    if (step.payload.record.name === record.name) return step.payload.zoneId;
    any ??= step.payload.zoneId;
  }
  return any;
}

function sameRecord(a: RecordTemplate, b: RecordTemplate): boolean {
  return a.name === b.name && a.type === b.type && (a.setIdentifier ?? '') === (b.setIdentifier ?? '');
}
