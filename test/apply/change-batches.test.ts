// The plan says "at most N Route 53 change batches" (issue 14 item 7): through a RegionSet's
// life cycle on the sandbox — regions joining with a weighted ramp, a weight change, a
// drain, a removal, one region at a time or two at once — the executor never sends more
// ChangeResourceRecordSets calls than the plan said, and sends as many as it said when
// nothing can share a batch.
import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState, type ScenarioManifest } from './desired.js';

async function applyCountingBatches(cloud: SandboxCloud, clock: FakeClock, manifest: ScenarioManifest) {
  const desired = await desiredState(manifest);
  const { plan } = await planReconcile(desired, cloud.providers(), { now: clock.now() });
  let sent = 0;
  const result = await execute(plan, cloud.providers(), {
    clock,
    maxParallelRegions: desired.rollout.maxParallelRegions,
    onEvent: (event) => {
      if (event.type === 'batch-sent') sent++;
    },
  });
  expect(result.failed).toEqual([]);
  return { planned: plan.summary.route53ChangeBatches, sent, calls: cloud.calls.count('ChangeResourceRecordSets') };
}

describe('Route 53 change batches: planned at most, sent', () => {
  for (const maxParallelRegions of [1, 2]) {
    it(`never more than planned through a life cycle (maxParallelRegions ${maxParallelRegions})`, async () => {
      const clock = new FakeClock();
      const cloud = new SandboxCloud({ clock, seed: 7 });
      cloud.seedZone('example.com.');
      cloud.seedTable('orders', 'us-east-1');
      const stages: ScenarioManifest['regions'][] = [
        { 'us-east-1': '{}' },
        { 'us-east-1': '{}', 'eu-west-1': '{}', 'ap-southeast-1': '{ weight: 50 }' },
        { 'us-east-1': '{ weight: 200 }', 'eu-west-1': '{}', 'ap-southeast-1': '{ weight: 50 }' },
        { 'us-east-1': '{ weight: 200 }', 'eu-west-1': '{ state: drained }', 'ap-southeast-1': '{ weight: 50 }' },
        { 'us-east-1': '{ weight: 200 }', 'ap-southeast-1': '{ weight: 50 }' },
      ];
      for (const regions of stages) {
        cloud.calls.reset();
        const { planned, sent, calls } = await applyCountingBatches(cloud, clock, { regions, maxParallelRegions, removeReplicas: true });
        const stage = JSON.stringify(regions);
        expect(sent, stage).toBe(calls);
        expect(sent, stage).toBeGreaterThan(0);
        expect(sent, stage).toBeLessThanOrEqual(planned);
      }
    });
  }

  it('says exactly what one region at a time sends: nothing can share a batch', async () => {
    const clock = new FakeClock();
    const cloud = new SandboxCloud({ clock, seed: 7 });
    cloud.seedZone('example.com.');
    cloud.seedTable('orders', 'us-east-1');
    const { planned, sent } = await applyCountingBatches(cloud, clock, { regions: { 'us-east-1': '{}', 'eu-west-1': '{}' }, maxParallelRegions: 1 });
    expect(sent).toBe(planned);
  });
});
