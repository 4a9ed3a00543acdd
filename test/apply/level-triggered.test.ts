// Level-triggered: whatever point an apply stops at (stopped between steps, or killed in
// the middle of one), planning again from the live state and applying converges, with no
// duplicate health checks, no stray records and no replica lost.

import { describe, expect, it } from 'vitest';
import { execute, type ApplyResult, type ExecuteOptions } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState, type ScenarioManifest } from './desired.js';

interface Scenario {
  name: string;
  before: ScenarioManifest;
  after: ScenarioManifest;
  /** Regions holding a replica of orders once converged. */
  replicas: string[];
  /** Replica deletions the change makes (each deletes a region's items). */
  replicaDeletions: number;
}

const TWO = { 'us-east-1': '{}', 'eu-west-1': '{}' };
const THREE = { ...TWO, 'ap-southeast-1': '{}' };

const scenarios: Scenario[] = [
  { name: 'a region joins', before: { regions: TWO }, after: { regions: THREE }, replicas: ['ap-southeast-1', 'eu-west-1', 'us-east-1'], replicaDeletions: 0 },
  {
    name: 'a region is drained and removed (its replica kept)',
    before: { regions: THREE },
    after: { regions: TWO },
    replicas: ['ap-southeast-1', 'eu-west-1', 'us-east-1'],
    replicaDeletions: 0,
  },
  {
    name: 'a region is drained and removed with its replica (removeReplicas)',
    before: { regions: THREE, removeReplicas: true },
    after: { regions: TWO, removeReplicas: true },
    replicas: ['eu-west-1', 'us-east-1'],
    replicaDeletions: 1,
  },
];

interface World {
  clock: FakeClock;
  cloud: SandboxCloud;
}

async function worldWith(before: DesiredState): Promise<World> {
  const clock = new FakeClock();
  const cloud = new SandboxCloud({ clock });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'us-east-1');
  const w = { clock, cloud };
  await converge(w, before);
  cloud.calls.reset();
  return w;
}

function options(w: World, desired: DesiredState, extra: Partial<ExecuteOptions> = {}): ExecuteOptions {
  return { clock: w.clock, maxParallelRegions: desired.rollout.maxParallelRegions, regionSet: desired.name, ...extra };
}

/** Plans and applies until a plan has no steps; returns the step count of each plan (the last one 0). */
async function converge(w: World, desired: DesiredState, label = ''): Promise<number[]> {
  const counts: number[] = [];
  for (let round = 0; round < 4; round++) {
    const { plan } = await planReconcile(desired, w.cloud.providers(), { now: w.clock.now() });
    expect(plan.refusals, `${label} round ${round}: refusals`).toEqual([]);
    counts.push(plan.steps.length);
    if (plan.steps.length === 0) return counts;
    const result = await execute(plan, w.cloud.providers(), options(w, desired));
    expect(result.failed, `${label} round ${round}: failures`).toEqual([]);
  }
  return counts;
}

function expectConverged(w: World, desired: DesiredState, scenario: Scenario, label: string): void {
  const serving = desired.regions.filter((r) => r.state === 'active').map((r) => r.code).sort();
  const stacks = w.cloud.listStacks();
  expect(stacks.map((s) => `${s.region} ${s.status}`).sort(), `${label}: stacks`).toEqual(desired.regions.map((r) => `${r.code} CREATE_COMPLETE`).sort());

  const checks = w.cloud.listHealthChecks();
  expect(checks, `${label}: one health check per serving region`).toHaveLength(serving.length);

  const records = w.cloud.recordsOf('example.com.').filter((r) => r.name === 'api.example.com.');
  expect(records.map((r) => `${r.setIdentifier} ${r.weight}`), `${label}: records`).toEqual(serving.map((region) => `global-api:${region} 100`));
  for (const record of records) {
    const region = record.setIdentifier!.split(':')[1]!;
    const endpoint = w.cloud.peekStack(region, 'global-api')!.outputs['ApiDomainName']!;
    expect(record.values, `${label}: ${region} record target`).toEqual([endpoint]);
    const check = checks.find((c) => c.id === record.healthCheckId);
    expect(check?.config.fqdn, `${label}: ${region} record's health check`).toBe(endpoint);
  }
  const inventory = w.cloud.recordsOf('example.com.').filter((r) => r.type === 'TXT' && r.name.startsWith('_regionctl.'));
  expect(inventory.map((r) => r.values.join(' ')), `${label}: inventory`).toEqual([expect.stringContaining(`regions=${desired.regions.map((r) => r.code).sort().join(',')}`)]);

  expect(w.cloud.replicasOf('orders').map((r) => `${r.region} ${r.status}`).sort(), `${label}: replicas`).toEqual(scenario.replicas.map((r) => `${r} ACTIVE`));
  expect(w.cloud.replicaDeletionCount, `${label}: replica deletions`).toBe(scenario.replicaDeletions);
}

describe.each(scenarios)('level-triggered: $name', (scenario) => {
  it('converges when the apply is stopped after any step', async () => {
    const before = await desiredState(scenario.before);
    const after = await desiredState(scenario.after);
    const reference = await worldWith(before);
    const { plan } = await planReconcile(after, reference.cloud.providers(), { now: reference.clock.now() });
    expect(plan.steps.length).toBeGreaterThan(2);

    for (let k = 1; k <= plan.steps.length; k++) {
      const label = `stopped after step ${k}/${plan.steps.length}`;
      const w = await worldWith(before);
      const { plan: first } = await planReconcile(after, w.cloud.providers(), { now: w.clock.now() });
      const stop = new AbortController();
      let done = 0;
      const interrupted: ApplyResult = await execute(first, w.cloud.providers(), options(w, after, {
        signal: stop.signal,
        onEvent: (event) => {
          if (event.type === 'step-done' && ++done === k) stop.abort();
        },
      }));
      expect(interrupted.failed, label).toEqual([]);
      expect(interrupted.completed.length, label).toBeGreaterThanOrEqual(k);

      const rounds = await converge(w, after, label);
      // One more apply finishes the job; the plan after it is empty.
      expect(rounds.length, `${label}: plans until converged ${JSON.stringify(rounds)}`).toBeLessThanOrEqual(2);
      expectConverged(w, after, scenario, label);
    }
  });

  it('converges when the controller is killed right after any write call', async () => {
    const before = await desiredState(scenario.before);
    const after = await desiredState(scenario.after);
    const reference = await worldWith(before);
    await converge(reference, after);
    const writes = reference.cloud.calls.writes().length;
    expect(writes).toBeGreaterThan(2);

    for (let n = 1; n <= writes; n++) {
      const label = `killed at write ${n}/${writes}`;
      const w = await worldWith(before);
      const { plan } = await planReconcile(after, w.cloud.providers(), { now: w.clock.now() });
      let seen = 0;
      let dead = false;
      // The n-th write reaches AWS, then the controller is gone: nothing after it arrives,
      // so operations it started are still in flight when the next controller plans.
      w.cloud.onCall = (call) => {
        if (dead) throw new Error('controller killed');
        if (call.write && ++seen === n) dead = true;
      };
      await execute(plan, w.cloud.providers(), options(w, after));
      w.cloud.onCall = undefined;

      const rounds = await converge(w, after, label);
      expect(rounds.length, `${label}: plans until converged ${JSON.stringify(rounds)}`).toBeLessThanOrEqual(3);
      expectConverged(w, after, scenario, label);
    }
  });
});
