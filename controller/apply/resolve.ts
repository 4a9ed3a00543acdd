// Values the plan could only name symbolically: stack outputs of stacks this run creates
// or changes, and ids of health checks created by this run (or by an interrupted earlier one).

import type { HealthCheckRef, RecordTemplate, ValueRef } from '../plan/types.js';
import type { DnsRecord } from '../providers/types.js';
import { call, StepFailure, type ExecutionContext } from './context.js';
import { describeStack } from './stacks.js';

export async function resolveValue(ctx: ExecutionContext, ref: ValueRef): Promise<string> {
  if ('literal' in ref) return ref.literal;
  const name = stackNameFor(ctx, ref.region);
  let stack = ctx.stacks.get(ref.region);
  if (!ctx.stacks.has(ref.region)) {
    stack = await call(ctx, `DescribeStacks ${describeStack(ref.region, name)}`, () => ctx.providers.stacks.describe(ref.region, name));
    ctx.stacks.set(ref.region, stack);
  }
  if (!stack) throw new StepFailure(`stack output ${ref.stackOutput} is needed but stack ${describeStack(ref.region, name)} does not exist`);
  const value = stack.outputs[ref.stackOutput];
  if (value === undefined) {
    const known = Object.keys(stack.outputs);
    throw new StepFailure(
      `stack ${describeStack(ref.region, name)} has no output ${ref.stackOutput}` +
        ` (outputs: ${known.length > 0 ? known.join(', ') : 'none'}); add it to the template or fix the record's target`,
    );
  }
  return value;
}

/** The stack whose outputs a region's ValueRefs read: the plan's stack step there, else any (one stack name per RegionSet). */
function stackNameFor(ctx: ExecutionContext, region: string): string {
  let fallback: string | undefined;
  for (const step of ctx.plan.steps) {
    const payload = step.payload;
    const found = payload.kind === 'stack' ? payload.input : payload.kind === 'stack-ref' ? { region: payload.region, name: payload.stackName } : undefined;
    if (!found) continue;
    if (found.region === region) return found.name;
    fallback ??= found.name;
  }
  const name = fallback ?? ctx.stackName;
  if (!name) throw new StepFailure(`cannot read outputs in ${region}: the plan names no stack and no stackName option was given`);
  return name;
}

export async function resolveHealthCheck(ctx: ExecutionContext, ref: HealthCheckRef): Promise<string> {
  if ('id' in ref) return ref.id;
  const created = ctx.healthCheckIds.get(ref.callerReference);
  if (created) return created;
  // Created by an earlier, interrupted run: Route 53 keeps the caller reference.
  const all = await call(ctx, 'ListHealthChecks', () => ctx.providers.healthChecks.list());
  const found = all.find((check) => check.callerReference === ref.callerReference);
  if (!found) throw new StepFailure(`health check with caller reference ${ref.callerReference} does not exist (its create step did not run)`);
  ctx.healthCheckIds.set(ref.callerReference, found.id);
  return found.id;
}

export async function resolveRecord(ctx: ExecutionContext, template: RecordTemplate): Promise<DnsRecord> {
  const { values, alias, healthCheck, ...rest } = template;
  const record: DnsRecord = { ...rest, values: await Promise.all(values.map((value) => resolveValue(ctx, value))) };
  if (alias) {
    record.alias = {
      hostedZoneId: await resolveValue(ctx, alias.hostedZoneId),
      dnsName: await resolveValue(ctx, alias.dnsName),
      evaluateTargetHealth: alias.evaluateTargetHealth,
    };
  }
  if (healthCheck) record.healthCheckId = await resolveHealthCheck(ctx, healthCheck);
  return record;
}
