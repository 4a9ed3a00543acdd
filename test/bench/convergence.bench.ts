// Convergence ratio: how close regionctl comes to the time AWS itself needs. Each scenario
// runs on the sandbox with realistic, deliberately non-round latencies on virtual time
// (FakeClock: deterministic, no wall clock), reconciling until a plan is empty. The
// measured time is divided by AWS's lower bound (aws-lower-bound.ts), computed from the
// two manifests and the latencies alone: polling, retries and any needless serialisation
// in regionctl's plan push the ratio above 1. The plan-graph bound (the longest chain of
// the first plan's own dependency graph) is printed beside it: it says how much of the gap
// is the plan's shape and how much the executor's waiting.

import { execute } from '../../controller/apply/execute.js';
import type { PollIntervals } from '../../controller/apply/types.js';
import { FakeClock } from '../../controller/clock.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import type { Plan, Step } from '../../controller/plan/types.js';
import { SandboxCloud, type Latencies } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState, type ScenarioManifest } from '../apply/desired.js';
import { awsLowerBound } from './aws-lower-bound.js';
import type { Figure } from './run.js';

/** Realistic and off the poll grid, so polling overshoot shows (the sandbox defaults are round). */
export const BENCH_LATENCIES: Latencies = {
  stackCreate: 94_300,
  stackUpdate: 63_700,
  stackCleanup: 11_300,
  stackDelete: 71_900,
  stackRollback: 33_100,
  replicaCreate: 287_400,
  replicaDelete: 131_700,
  dnsChange: 43_700,
  // A new check reports healthy after one request interval (30 s in these manifests).
  healthCheckIntervals: 1,
};

export interface ConvergenceScenario {
  name: string;
  before: ScenarioManifest;
  after: ScenarioManifest;
}

const THREE = { 'us-east-1': '{}', 'eu-west-1': '{}', 'ap-southeast-1': '{}' };
const FIVE_MORE = { 'us-west-2': '{}', 'us-west-1': '{}', 'eu-central-1': '{}', 'ap-northeast-1': '{}', 'sa-east-1': '{}' };

export const CONVERGENCE_SCENARIOS: ConvergenceScenario[] = [
  { name: 'add 1 region', before: { regions: THREE }, after: { regions: { ...THREE, 'us-west-2': '{}' } } },
  { name: 'add 5 regions at once', before: { regions: THREE }, after: { regions: { ...THREE, ...FIVE_MORE }, maxParallelRegions: 5 } },
  { name: 'drain 1 region', before: { regions: THREE }, after: { regions: { ...THREE, 'ap-southeast-1': '{ state: drained }' } } },
  { name: 'remove 1 region', before: { regions: THREE }, after: { regions: { 'us-east-1': '{}', 'eu-west-1': '{}' } } },
];

export interface ConvergenceResult {
  scenario: string;
  /** Virtual time from the first plan until a plan came out empty. */
  convergedMs: number;
  /** AWS's own critical path, from the manifests and latencies (independent of the plan). */
  lowerBoundMs: number;
  /** The longest chain of the first plan's dependency graph, costed with the same latencies. */
  planGraphBoundMs: number;
  /** convergedMs / lowerBoundMs. */
  ratio: number;
  /** AWS API calls of the whole convergence, reads included. */
  calls: number;
  /** Plans made, the final empty one included. */
  plans: number;
}

export interface MeasureOptions {
  latencies?: Latencies;
  pollIntervals?: Partial<PollIntervals>;
  /** Rewrites each plan before it runs (tests use it to inject a needless serialisation). */
  reshapePlan?: (plan: Plan) => Plan;
}

/** Runs one scenario from a converged `before` to converged `after`. */
export async function measureConvergence(scenario: ConvergenceScenario, options: MeasureOptions = {}): Promise<ConvergenceResult> {
  const latencies = options.latencies ?? BENCH_LATENCIES;
  const clock = new FakeClock();
  const cloud = new SandboxCloud({ clock, latencies });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'us-east-1');
  const before = await desiredState(scenario.before);
  await reconcileUntilEmpty(before, cloud, clock, { pollIntervals: options.pollIntervals });

  const after = await desiredState(scenario.after);
  cloud.calls.reset();
  const start = clock.now();
  const { plans, first } = await reconcileUntilEmpty(after, cloud, clock, options);
  const convergedMs = clock.now() - start;
  const lowerBoundMs = awsLowerBound(before, after, latencies).totalMs;
  const planGraphBoundMs = criticalPathMs(first, latencies, healthCheckIntervalMs(after));
  return { scenario: scenario.name, convergedMs, lowerBoundMs, planGraphBoundMs, ratio: convergedMs / lowerBoundMs, calls: cloud.calls.count(), plans };
}

async function reconcileUntilEmpty(
  desired: DesiredState,
  cloud: SandboxCloud,
  clock: FakeClock,
  { pollIntervals, reshapePlan }: Pick<MeasureOptions, 'pollIntervals' | 'reshapePlan'>,
): Promise<{ plans: number; first: Plan }> {
  let first: Plan | undefined;
  for (let round = 1; round <= 4; round++) {
    const planned = (await planReconcile(desired, cloud.providers(), { now: clock.now() })).plan;
    const plan = reshapePlan ? reshapePlan(planned) : planned;
    first ??= plan;
    if (plan.refusals.length > 0) throw new Error(`convergence bench: plan refused: ${plan.refusals.map((r) => r.message).join('; ')}`);
    if (plan.steps.length === 0) return { plans: round, first };
    const result = await execute(plan, cloud.providers(), {
      clock,
      maxParallelRegions: desired.rollout.maxParallelRegions,
      ...(pollIntervals ? { pollIntervals } : {}),
    });
    if (result.failed.length > 0) throw new Error(`convergence bench: ${result.failed.map((f) => `${f.stepId}: ${f.message}`).join('; ')}`);
  }
  throw new Error('convergence bench: still not converged after 4 reconciles');
}

function healthCheckIntervalMs(desired: DesiredState): number {
  const intervals = desired.dns.records.flatMap((record) => (record.healthCheck ? [record.healthCheck.interval] : []));
  return Math.max(0, ...intervals) * 1000;
}

/**
 * The plan-graph bound: the earliest the plan can finish if every step started the instant its dependencies
 * finished and no time went to polling: a longest path through the graph where
 *   stack create / update / delete   = the CloudFormation operation's duration
 *   replica create / delete          = the replica operation, one at a time per table
 *                                      (queue position × duration when they start together)
 *   health check create / delete     = 0 (synchronous APIs)
 *   first health wait                = until the new check's first interval has passed
 *   ramp hold                        = its holdMs, healthy the whole time
 *   record change                    = Route 53 INSYNC (the inventory TXT: accepted is enough)
 *   drain wait / ramp wait           = their own duration
 * Steps start in order of readiness, so a table's replicas queue in the order they become
 * ready (equal readiness: any order gives the same finish of the last one).
 */
export function criticalPathMs(plan: Plan, latencies: Latencies, healthIntervalMs: number): number {
  const byId = new Map(plan.steps.map((step) => [step.id, step]));
  const finish = new Map<string, number>();
  const tableFreeAt = new Map<string, number>();
  /** When each health check created in this plan first reports healthy. */
  const healthyAt = new Map<string, number>();
  const remaining = new Set(plan.steps.map((step) => step.id));

  while (remaining.size > 0) {
    let next: { step: Step; ready: number } | undefined;
    for (const id of remaining) {
      const step = byId.get(id)!;
      if (!step.dependsOn.every((dependency) => finish.has(dependency))) continue;
      const ready = Math.max(0, ...step.dependsOn.map((dependency) => finish.get(dependency)!));
      if (!next || ready < next.ready) next = { step, ready };
    }
    if (!next) throw new Error('convergence bench: plan graph has a cycle');
    const { step, ready } = next;
    remaining.delete(step.id);
    finish.set(step.id, finishOf(step, ready));
  }
  return Math.max(0, ...finish.values());

  function finishOf(step: Step, ready: number): number {
    const payload = step.payload;
    switch (step.action) {
      case 'stack.create':
        return ready + latencies.stackCreate;
      case 'stack.update':
        return ready + latencies.stackUpdate + latencies.stackCleanup;
      case 'stack.recreate':
        return ready + latencies.stackDelete + latencies.stackCreate;
      case 'stack.delete':
        return ready + latencies.stackDelete;
      case 'replica.create':
      case 'replica.delete': {
        if (payload.kind !== 'replica') return ready;
        const start = Math.max(ready, tableFreeAt.get(payload.table) ?? 0);
        const done = start + (step.action === 'replica.create' ? latencies.replicaCreate : latencies.replicaDelete);
        tableFreeAt.set(payload.table, done);
        return done;
      }
      case 'healthcheck.create':
        if (payload.kind === 'healthcheck-create') healthyAt.set(payload.callerReference, ready + healthIntervalMs * latencies.healthCheckIntervals);
        return ready;
      case 'health.wait': {
        if (payload.kind !== 'health') return ready;
        const created = 'callerReference' in payload.healthCheck ? healthyAt.get(payload.healthCheck.callerReference) : undefined;
        return Math.max(ready, created ?? 0) + payload.holdMs;
      }
      case 'record.create':
      case 'record.update':
      case 'record.delete':
        return ready + latencies.dnsChange;
      case 'drain.wait':
      case 'ramp.wait':
        return ready + (payload.kind === 'wait' ? payload.ms : 0);
      default:
        // inventory.update (read back through the API at once), healthcheck update/delete, stack.wait.
        return ready;
    }
  }
}

export async function benchConvergence(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const scenario of CONVERGENCE_SCENARIOS) {
    const result = await measureConvergence(scenario);
    figures.push(
      { name: `convergence ratio, ${scenario.name} (target ≤ 1.10)`, value: result.ratio, unit: '×' },
      { name: `${scenario.name}: converged in (virtual time)`, value: result.convergedMs / 1000, unit: 's' },
      { name: `${scenario.name}: AWS lower bound (from manifests and latencies)`, value: result.lowerBoundMs / 1000, unit: 's' },
      { name: `${scenario.name}: plan-graph bound (first plan's longest chain)`, value: result.planGraphBoundMs / 1000, unit: 's' },
      { name: `${scenario.name}: AWS calls until converged`, value: result.calls, unit: 'calls' },
    );
  }
  return figures;
}
