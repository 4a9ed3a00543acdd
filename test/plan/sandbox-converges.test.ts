// The planner against the sandbox cloud (which rejects what AWS would) and the executor:
// each change converges in one plan-and-apply, after which the next plan is empty.

import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { apiTemplate, DEFAULT_HEALTH_CHECK, hash16, sandboxDesired, withRegion, withoutRegion } from '../support/builders.js';

const TEMPLATE = apiTemplate({ stage: true });

const manifest = sandboxDesired;

async function applyUntilConverged(cloud: SandboxCloud, clock: FakeClock, desired: DesiredState): Promise<number[]> {
  const counts: number[] = [];
  for (let round = 0; round < 3; round++) {
    const { plan } = await planReconcile(desired, cloud.providers(), { now: clock.now() });
    expect(plan.refusals).toEqual([]);
    counts.push(plan.steps.length);
    if (plan.steps.length === 0) break;
    const result = await execute(plan, cloud.providers(), { clock, maxParallelRegions: 4, regionSet: desired.name });
    expect(result.failed).toEqual([]);
  }
  return counts;
}

async function worldAt(desired: DesiredState) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const cloud = new SandboxCloud({ clock });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'us-east-1');
  await applyUntilConverged(cloud, clock, desired);
  return { clock, cloud };
}

const changes: Array<[string, DesiredState, DesiredState]> = [
  ['a weighted region joins with a ramp', manifest({ records: [{ routing: 'weighted' }] }), withRegion(manifest({ records: [{ routing: 'weighted' }] }), 'ap-southeast-1', { weight: 200 })],
  ['latency routing becomes weighted (one atomic batch)', manifest(), manifest({ records: [{ routing: 'weighted' }] })],
  ['a weighted region is drained', manifest({ records: [{ routing: 'weighted' }] }), withRegion(manifest({ records: [{ routing: 'weighted' }] }), 'eu-west-1', { state: 'drained' })],
  ['a latency region leaves with its replica', manifest({ tables: [{ name: 'orders', removeReplicas: true }] }), withoutRegion(manifest({ tables: [{ name: 'orders', removeReplicas: true }] }), 'eu-west-1')],
  [
    'geolocation locations change',
    manifest({ records: [{ routing: 'geolocation' }], regions: [{ code: 'us-east-1', geolocation: [{ kind: 'default' }] }, { code: 'eu-west-1', geolocation: [{ kind: 'continent', code: 'EU' }] }] }),
    manifest({ records: [{ routing: 'geolocation' }], regions: [{ code: 'us-east-1', geolocation: [{ kind: 'default' }, { kind: 'country', code: 'US' }] }, { code: 'eu-west-1', geolocation: [{ kind: 'country', code: 'DE' }] }] }),
  ],
  [
    'the failover PRIMARY moves to another region (one atomic batch)',
    manifest({ records: [{ routing: 'failover' }], regions: [{ code: 'us-east-1', failover: 'PRIMARY' }] }),
    manifest({ records: [{ routing: 'failover' }], regions: [{ code: 'eu-west-1', failover: 'PRIMARY' }] }),
  ],
  [
    'the geolocation default moves to another region (one atomic batch)',
    manifest({ records: [{ routing: 'geolocation' }], regions: [{ code: 'us-east-1', geolocation: [{ kind: 'default' }] }] }),
    manifest({ records: [{ routing: 'geolocation' }], regions: [{ code: 'eu-west-1', geolocation: [{ kind: 'default' }] }] }),
  ],
  [
    'health check interval changes (check replaced under the record)',
    manifest(),
    manifest({ records: [{ healthCheck: { ...DEFAULT_HEALTH_CHECK, interval: 10 } }] }),
  ],
];

describe('plans apply cleanly on the sandbox and converge', () => {
  it.each(changes)('%s', async (_, before, after) => {
    const { clock, cloud } = await worldAt(before);
    const counts = await applyUntilConverged(cloud, clock, after);
    expect(counts.at(-1)).toBe(0);
    expect(counts.length).toBe(2);
    // No orphaned health checks: one per serving (record, region).
    const wanted = after.regions.filter((r) => r.state !== 'drained').length;
    expect(cloud.listHealthChecks().length).toBe(wanted);
  });
});

describe('health checks on another stack output than the record (healthCheck.target)', () => {
  // Like the reference stack with a custom domain: records go to the domain's regional name,
  // health checks to the API's own execute-api host.
  const TWO_HOSTS = `${TEMPLATE}  ApiExecuteHost:
    Value: !Sub '\${Api}.execute-api.\${AWS::Region}.amazonaws.com'
`;
  const twoHosts = (targetOutput: string): DesiredState =>
    manifest({ stack: { templateBody: TWO_HOSTS, templateHash: hash16(TWO_HOSTS) }, records: [{ healthCheck: { ...DEFAULT_HEALTH_CHECK, targetOutput } }] });

  async function hostsByRegion(cloud: SandboxCloud, desired: DesiredState) {
    const hosts: Record<string, { record?: string; check?: string; health?: string }> = {};
    for (const { code } of desired.regions) {
      const outputs = (await cloud.providers().stacks.describe(code, desired.stack.name))!.outputs;
      const record = cloud.recordsOf('example.com.').find((r) => r.setIdentifier === `global-api:${code}`);
      const check = cloud.listHealthChecks().find((c) => c.id === record?.healthCheckId);
      hosts[code] = {
        record: record?.values?.[0] === outputs.ApiDomainName ? 'ApiDomainName' : record?.values?.[0],
        check: check?.config.fqdn === outputs.ApiExecuteHost ? 'ApiExecuteHost' : check?.config.fqdn,
        health: check?.health,
      };
    }
    return hosts;
  }

  it('joining regions serve once the check on the other output is healthy', async () => {
    const desired = twoHosts('ApiExecuteHost');
    const { cloud } = await worldAt(desired);
    const expected = { record: 'ApiDomainName', check: 'ApiExecuteHost', health: 'healthy' };
    expect(await hostsByRegion(cloud, desired)).toEqual({ 'eu-west-1': expected, 'us-east-1': expected });
  });

  it('checks moved from the record target to another output converge in one apply', async () => {
    const { clock, cloud } = await worldAt(twoHosts('ApiDomainName'));
    const moved = twoHosts('ApiExecuteHost');
    expect(await applyUntilConverged(cloud, clock, moved)).toEqual([2, 0]);
    expect(cloud.listHealthChecks()).toHaveLength(2);
    const expected = { record: 'ApiDomainName', check: 'ApiExecuteHost', health: 'healthy' };
    expect(await hostsByRegion(cloud, moved)).toEqual({ 'eu-west-1': expected, 'us-east-1': expected });
  });
});
