// Per-region traffic, weight and health in /status, from what each reconcile reads anyway:
// the example with weighted routing on the sandbox, applied, then a region drained; and a
// plan-only controller that reports a drain it did not carry out.
import { describe, expect, it } from 'vitest';
import { runtimeHarness, sandboxWorld, useWeightedRouting } from './helpers.js';

const harness = runtimeHarness();
const weighted = () => useWeightedRouting(harness.repo);

describe('/status regions: traffic, weight and health', () => {
  it('after an apply every region serves at its weight and is healthy; a drained region shows drained with no record', async () => {
    weighted();
    const { cloud } = sandboxWorld();
    const { runtime, json } = await harness.start(harness.config(), { sandboxCloud: cloud });
    await runtime.controller.idle();
    let regions = (await json('/status')).regionSets['global-api'].regions;
    expect(regions['eu-west-1']).toMatchObject({ traffic: 'serving', weight: { desired: 200, live: 200 }, health: 'healthy' });
    expect(regions['us-east-2']).toMatchObject({ traffic: 'serving', weight: { desired: 100, live: 100 }, health: 'healthy' });
    expect(regions['ap-southeast-1']).toMatchObject({ traffic: 'serving', weight: { desired: 50, live: 50 }, health: 'healthy' });
    const observedAt = regions['eu-west-1'].healthObservedAt;
    expect(Date.parse(observedAt)).not.toBeNaN();

    // A converged reconcile reads no health: the last observation and its time stay.
    runtime.controller.requestReconcile('global-api', 'test');
    await runtime.controller.idle();
    regions = (await json('/status')).regionSets['global-api'].regions;
    expect(regions['eu-west-1']).toMatchObject({ traffic: 'serving', health: 'healthy', healthObservedAt: observedAt });

    harness.repo.edit('ap-southeast-1: { weight: 50 }', 'ap-southeast-1: { weight: 50, state: drained }');
    runtime.controller.requestSync('test');
    await runtime.controller.idle();
    const set = (await json('/status')).regionSets['global-api'];
    expect(set.lastOutcome).toBe('applied');
    expect(set.regions['ap-southeast-1']).toMatchObject({ desiredState: 'drained', lastTransition: 'draining', traffic: 'drained', weight: { desired: 0 } });
    expect(set.regions['ap-southeast-1'].weight.live).toBeUndefined();
  });

  it('a plan-only controller reports a drain it did not carry out as draining, at the live weight', async () => {
    weighted();
    const { cloud } = sandboxWorld();
    const first = await harness.start(harness.config(), { sandboxCloud: cloud });
    await first.runtime.controller.idle();
    await first.runtime.stop();

    harness.repo.edit('us-east-2: { weight: 100 }', 'us-east-2: { weight: 100, state: drained }');
    const { runtime, json } = await harness.start(harness.config({ mode: 'plan-only' }), { sandboxCloud: cloud });
    await runtime.controller.idle();
    const set = (await json('/status')).regionSets['global-api'];
    expect(set.lastOutcome).toBe('drift');
    expect(set.regions['us-east-2']).toMatchObject({ traffic: 'draining', weight: { desired: 0, live: 100 } });
    expect(set.regions['eu-west-1']).toMatchObject({ traffic: 'serving', weight: { desired: 200, live: 200 } });
  });
});
