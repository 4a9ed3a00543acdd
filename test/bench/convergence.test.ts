// The convergence bench's lower bound agrees with the formula written by hand, and
// every scenario stays within the target ratio (virtual time: deterministic).

import { describe, expect, it } from 'vitest';
import { BENCH_LATENCIES, CONVERGENCE_SCENARIOS, measureConvergence } from './convergence.bench.js';

const L = BENCH_LATENCIES;
const HEALTH_INTERVAL = 30_000;
const STEP_WAIT = 120_000;
const DRAIN_WAIT = 300_000;
/** Ramp 10 → 50 → 100: three record changes, two health holds. */
const RAMP = 3 * L.dnsChange + 2 * STEP_WAIT;

const byHand: Record<string, number> = {
  'add 1 region': Math.max(L.stackCreate + HEALTH_INTERVAL, L.replicaCreate) + RAMP,
  // One replica change per table at a time: the fifth region's replica is ready after five.
  'add 5 regions at once': Math.max(L.stackCreate + HEALTH_INTERVAL, 5 * L.replicaCreate) + RAMP,
  // Weight 0 in sync, drain wait, record delete in sync (then the health check goes).
  'drain 1 region': L.dnsChange + DRAIN_WAIT + L.dnsChange,
  'remove 1 region': L.dnsChange + DRAIN_WAIT + L.dnsChange + L.stackDelete,
};

describe.each(CONVERGENCE_SCENARIOS)('convergence: $name', (scenario) => {
  it('converges within 1.10 × the critical-path lower bound, which matches the formula by hand', async () => {
    const result = await measureConvergence(scenario);
    expect(result.lowerBoundMs).toBe(byHand[scenario.name]);
    expect(result.convergedMs).toBeGreaterThanOrEqual(result.lowerBoundMs);
    expect(result.ratio).toBeLessThanOrEqual(1.1);
    expect(result.plans, 'one apply converges; the second plan is empty').toBe(2);
  });
});
