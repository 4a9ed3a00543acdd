// A PROVISIONED table gets replicas when its write capacity is auto scaled, as AWS allows
// (the replicas carry its auto-scaling settings); without auto scaling the plan is refused
// before anything is sent (ddb.provisioned-without-autoscaling). Planner, executor and the AWS
// adapter against the API-level sandbox.
import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState } from './desired.js';

async function world(writeAutoScaling: boolean) {
  const clock = new FakeClock();
  const cloud = new SandboxCloud({ clock });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'us-east-1', { billingMode: 'PROVISIONED', writeAutoScaling });
  const desired = await desiredState({ regions: { 'us-east-1': '{}', 'eu-west-1': '{}' } });
  return { clock, cloud, desired };
}

describe('a PROVISIONED table', () => {
  it('with write auto scaling converges with a replica in every region, and the next plan is empty', async () => {
    const { clock, cloud, desired } = await world(true);
    const { plan } = await planReconcile(desired, cloud.providers(), { now: clock.now() });
    expect(plan.refusals).toEqual([]);
    const result = await execute(plan, cloud.providers(), { clock, maxParallelRegions: 2, regionSet: desired.name });
    expect(result.failed).toEqual([]);
    expect(cloud.replicasOf('orders').map((r) => `${r.region} ${r.status}`).sort()).toEqual(['eu-west-1 ACTIVE', 'us-east-1 ACTIVE']);
    const again = await planReconcile(desired, cloud.providers(), { now: clock.now() });
    expect(again.plan.steps).toEqual([]);
  });

  it('without write auto scaling is refused before any write, with what to change', async () => {
    const { clock, cloud, desired } = await world(false);
    const { plan } = await planReconcile(desired, cloud.providers(), { now: clock.now() });
    expect(plan.refusals.map((r) => r.message)).toContainEqual(expect.stringContaining('PROVISIONED capacity without write auto scaling'));
    expect(cloud.calls.writes()).toEqual([]);
  });
});
