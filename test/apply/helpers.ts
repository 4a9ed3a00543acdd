// Hand-made plans and a sandbox on virtual time for the executor tests. Plans are written
// out step by step here (rather than computed) where the test is about one executor rule.

import { FakeClock } from '../../controller/clock.js';
import type { ExecEvent, ExecuteOptions } from '../../controller/apply/execute.js';
import type { HealthCheckRef, Plan, RecordTemplate, Step } from '../../controller/plan/types.js';
import { SandboxCloud, type Latencies } from '../../controller/providers/sandbox/index.js';
import { nextRandom } from '../../controller/providers/sandbox/util.js';
import { apiTemplate } from '../support/builders.js';

export const START = Date.UTC(2026, 0, 1);
export const REGION_SET = 'global-api';
export const STACK = 'global-api';
export const RECORD = 'api.example.com.';

export const TEMPLATE = apiTemplate();

export interface World {
  clock: FakeClock;
  cloud: SandboxCloud;
  zoneId: string;
  events: ExecEvent[];
  /** Options for execute(): this world's clock, events collected, a seeded jitter. */
  options(overrides?: Partial<ExecuteOptions>): ExecuteOptions;
}

/** A sandbox with the zone example.com. and the table orders (first replica in us-east-1), on auto-advancing virtual time. */
export function world(latencies?: Partial<Latencies>): World {
  const clock = new FakeClock(START);
  const cloud = new SandboxCloud({ clock, ...(latencies ? { latencies } : {}) });
  const zoneId = cloud.seedZone('example.com.').id;
  cloud.seedTable('orders', 'us-east-1');
  const events: ExecEvent[] = [];
  return {
    clock,
    cloud,
    zoneId,
    events,
    options: (overrides = {}) => ({
      clock,
      maxParallelRegions: 10,
      regionSet: REGION_SET,
      retry: { random: seeded(7) },
      ...overrides,
      onEvent: (event) => {
        events.push(event);
        overrides.onEvent?.(event);
      },
    }),
  };
}

/** Reproducible jitter, from the sandbox's own seeded generator. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    const [value, next] = nextRandom(state);
    state = next;
    return value;
  };
}

/** A plan of these steps; like the planner's, its summary lists every region of the RegionSet (the table's home too). */
export function makePlan(steps: Step[], plannedAt = START, unchangedRegions = ['us-east-1']): Plan {
  const regions: Plan['summary']['regions'] = {};
  for (const region of unchangedRegions) regions[region] = 'unchanged';
  for (const step of steps) if (step.region) regions[step.region] = 'joining';
  return {
    regionSet: REGION_SET,
    plannedAt,
    steps,
    refusals: [],
    summary: { steps: steps.length, create: steps.length, update: 0, delete: 0, regions, route53ChangeBatches: 0 },
    notes: [],
  };
}

function step(id: string, action: Step['action'], region: string | undefined, payload: Step['payload'], dependsOn: string[], resource = id): Step {
  // Any action with any payload: these helpers also build steps the planner never makes.
  return { id, action, ...(region ? { region } : {}), resource, dependsOn, reason: `test: ${action}`, payload } as Step;
}

export function stackCreate(region: string, dependsOn: string[] = []): Step {
  return step(`${region}:stack.create`, 'stack.create', region, {
    kind: 'stack',
    input: { region, name: STACK, templateBody: TEMPLATE, parameters: {}, capabilities: [], tags: { 'regionctl:owner': REGION_SET }, terminationProtection: false },
  }, dependsOn, `stack:${region}`);
}

export function stackDelete(region: string, dependsOn: string[] = []): Step {
  return step(`${region}:stack.delete`, 'stack.delete', region, { kind: 'stack-ref', region, stackName: STACK }, dependsOn, `stack:${region}`);
}

export function replicaCreate(table: string, region: string, dependsOn: string[] = []): Step {
  return step(`${region}:replica.create:${table}`, 'replica.create', region, { kind: 'replica', table, region }, dependsOn, `replica:${table}:${region}`);
}

export function replicaDelete(table: string, region: string, dependsOn: string[] = []): Step {
  return step(`${region}:replica.delete:${table}`, 'replica.delete', region, { kind: 'replica', table, region }, dependsOn, `replica:${table}:${region}`);
}

export function callerReference(region: string): string {
  return `${REGION_SET}:${region}:${START}`;
}

export function healthCheckCreate(region: string, dependsOn: string[]): Step {
  return step(`${region}:healthcheck.create`, 'healthcheck.create', region, {
    kind: 'healthcheck-create',
    callerReference: callerReference(region),
    config: { protocol: 'HTTPS', fqdn: { stackOutput: 'ApiDomainName', region }, port: 443, path: '/health', interval: 30, failureThreshold: 3, regions: [] },
    tags: { 'regionctl:owner': REGION_SET },
  }, dependsOn, `healthcheck:${RECORD}:${region}`);
}

export function healthCheckDelete(region: string, id: string, dependsOn: string[]): Step {
  return step(`${region}:healthcheck.delete`, 'healthcheck.delete', region, { kind: 'healthcheck-delete', id }, dependsOn, `healthcheck:${RECORD}:${region}`);
}

export function weightedRecord(region: string, weight: number, healthCheck: HealthCheckRef = { callerReference: callerReference(region) }): RecordTemplate {
  return {
    name: RECORD,
    type: 'CNAME',
    setIdentifier: region,
    ttl: 60,
    weight,
    values: [{ stackOutput: 'ApiDomainName', region }],
    healthCheck,
  };
}

/** A weighted record without a health check (for tests about DNS alone). */
export function plainRecord(region: string, weight: number, name = RECORD): RecordTemplate {
  const { healthCheck: _none, ...record } = weightedRecord(region, weight);
  return { ...record, name };
}

export function recordStep(
  id: string,
  action: 'record.create' | 'record.update' | 'record.delete',
  zoneId: string,
  record: RecordTemplate,
  dependsOn: string[],
  region = record.setIdentifier,
): Step {
  const change = action === 'record.create' ? 'CREATE' : action === 'record.update' ? 'UPSERT' : 'DELETE';
  return step(id, action, region, { kind: 'record', zoneId, change, record }, dependsOn, `record:${record.name}:${record.type}:${record.setIdentifier ?? ''}`);
}

export function healthWait(id: string, region: string, dependsOn: string[], holdMs: number, rollback?: RecordTemplate, timeoutMs = 10 * 60_000): Step {
  return step(id, 'health.wait', region, {
    kind: 'health',
    healthCheck: { callerReference: callerReference(region) },
    holdMs,
    timeoutMs,
    ...(rollback ? { rollback } : {}),
  }, dependsOn, `healthcheck:${RECORD}:${region}`);
}

export function drainWait(region: string, ms: number, dependsOn: string[]): Step {
  return step(`${region}:drain.wait`, 'drain.wait', region, { kind: 'wait', ms }, dependsOn, `record:${RECORD}:CNAME:${region}`);
}

/**
 * What the planner emits when a region joins: stack and replica in parallel, health check,
 * healthy once, then the ramp (each weight held healthy for stepWait, rolled back to 0 on failure).
 */
export function joinRegion(region: string, zoneId: string, options: { ramp?: number[]; weight?: number; stepWaitMs?: number; table?: string } = {}): Step[] {
  const { ramp = [10, 50, 100], weight = 100, stepWaitMs = 120_000, table = 'orders' } = options;
  const steps: Step[] = [stackCreate(region), replicaCreate(table, region)];
  steps.push(healthCheckCreate(region, [`${region}:stack.create`]));
  steps.push(healthWait(`${region}:health.wait:ready`, region, [`${region}:healthcheck.create`], 0));
  let previous = `${region}:health.wait:ready`;
  ramp.forEach((percent, i) => {
    const stepWeight = Math.round((weight * percent) / 100);
    const id = `${region}:record.ramp:${percent}`;
    const deps = i === 0 ? [previous, `${region}:replica.create:${table}`] : [previous];
    steps.push(recordStep(id, i === 0 ? 'record.create' : 'record.update', zoneId, weightedRecord(region, stepWeight), deps));
    previous = id;
    if (i < ramp.length - 1) {
      const hold = `${region}:health.wait:${percent}`;
      steps.push(healthWait(hold, region, [id], stepWaitMs, weightedRecord(region, 0)));
      previous = hold;
    }
  });
  return steps;
}
