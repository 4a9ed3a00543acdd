// The convergence bench's AWS lower bound agrees with the formula written by hand,
// every scenario stays within the target ratio (virtual time: deterministic), and a plan
// that serialises regions for no reason fails the target (the bound does not come from the plan).

import { describe, expect, it } from 'vitest';
import type { Plan } from '../../controller/plan/types.js';
import { BENCH_LATENCIES, CONVERGENCE_SCENARIOS, measureConvergence } from './convergence.bench.js';

const L = BENCH_LATENCIES;
const HEALTH_INTERVAL = 30_000;
const STEP_WAIT = 120_000;
const DRAIN_WAIT = 300_000;
/** Ramp 10 → 50 → 100: three record changes, two health holds. */
const RAMP = 3 * L.dnsChange + 2 * STEP_WAIT;

const byHand: Record<string, number> = {
  // The health check probes the new stack; the first weight needs the replica and a healthy check.
  'add 1 region': Math.max(L.stackCreate + HEALTH_INTERVAL, L.replicaCreate) + RAMP,
  // One replica change per table at a time: the fifth region's replica is ready after five.
  'add 5 regions at once': Math.max(L.stackCreate + HEALTH_INTERVAL, 5 * L.replicaCreate) + RAMP,
  // Weight 0 in sync, drain wait, record delete in sync (then the health check goes).
  'drain 1 region': L.dnsChange + DRAIN_WAIT + L.dnsChange,
  // Replicas are kept (removeReplicas false): only the stack goes after the drain.
  'remove 1 region': L.dnsChange + DRAIN_WAIT + L.dnsChange + L.stackDelete,
};

describe.each(CONVERGENCE_SCENARIOS)('convergence: $name', (scenario) => {
  it('converges within 1.10 × the AWS lower bound, which matches the formula by hand', async () => {
    const result = await measureConvergence(scenario);
    expect(result.lowerBoundMs).toBe(byHand[scenario.name]);
    // A plan whose own longest chain is shorter than AWS's would be skipping something AWS needs.
    expect(result.planGraphBoundMs).toBeGreaterThanOrEqual(result.lowerBoundMs);
    expect(result.convergedMs).toBeGreaterThanOrEqual(result.lowerBoundMs);
    expect(result.ratio).toBeLessThanOrEqual(1.1);
    expect(result.plans, 'one apply converges; the second plan is empty').toBe(2);
  });
});

/** Makes every step of each region wait for all steps of the region before it: needless, AWS would run them side by side. */
function oneRegionAtATime(plan: Plan): Plan {
  const regions = [...new Set(plan.steps.flatMap((step) => (step.region ? [step.region] : [])))];
  const idsOf = (region: string) => plan.steps.filter((step) => step.region === region).map((step) => step.id);
  const steps = plan.steps.map((step) => {
    const index = step.region ? regions.indexOf(step.region) : -1;
    return index > 0 ? { ...step, dependsOn: [...new Set([...step.dependsOn, ...idsOf(regions[index - 1]!)])] } : step;
  });
  return { ...plan, steps };
}

describe('convergence bound is independent of the plan', () => {
  it('a plan that adds five regions one at a time misses the target, though it matches its own graph', async () => {
    const scenario = CONVERGENCE_SCENARIOS.find((s) => s.name === 'add 5 regions at once')!;
    const result = await measureConvergence(scenario, { reshapePlan: oneRegionAtATime });
    expect(result.lowerBoundMs).toBe(byHand[scenario.name]);
    expect(result.convergedMs / result.planGraphBoundMs, 'the serial plan runs as fast as its own graph allows').toBeLessThanOrEqual(1.1);
    expect(result.ratio, 'but far slower than AWS needs').toBeGreaterThan(1.5);
  });
});
