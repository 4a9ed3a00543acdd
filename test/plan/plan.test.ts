import { describe, expect, it } from 'vitest';
import type { DesiredState, GeoLocation } from '../../controller/manifest/types.js';
import { callerReference, inventoryValues, parseInventory } from '../../controller/plan/identity.js';
import { batchRecordChanges } from '../../controller/plan/batch.js';
import { dependencyDepths } from '../../controller/plan/order.js';
import { plan } from '../../controller/plan/plan.js';
import { rampWeights } from '../../controller/plan/passes/records.js';
import type { Plan, Step } from '../../controller/plan/types.js';
import type { LiveStack, LiveState } from '../../controller/providers/types.js';
import { DEFAULT_HEALTH_CHECK, desiredState, healthCheckId, liveFor, outputValue, withoutRegion, withRegion, ZONE_ID } from '../support/builders.js';
import { expectIndependent, expectOrder, expectWellFormed, ids, NOW, step } from './helpers.js';

const API = 'api.example.com.';
const run = (desired: DesiredState, live: LiveState): Plan => {
  const result = plan(desired, live, { now: NOW });
  expectWellFormed(result);
  return result;
};

const latency = desiredState();
const weighted = desiredState({ records: [{ routing: 'weighted' }] });

describe('converged RegionSets plan nothing', () => {
  const cases: Array<[string, DesiredState]> = [
    ['latency', latency],
    ['weighted', weighted],
    ['weighted with standby and drained regions', withRegion(withRegion(weighted, 'us-east-2', { state: 'standby' }), 'ap-southeast-1', { state: 'drained' })],
    [
      'failover',
      desiredState({
        records: [{ routing: 'failover' }],
        regions: [{ code: 'eu-west-1', failover: 'PRIMARY' }, { code: 'us-east-2', failover: 'SECONDARY', state: 'standby' }, 'ap-southeast-1'],
        rollout: { minHealthyRegions: 1 },
      }),
    ],
    [
      'geolocation',
      desiredState({
        records: [{ routing: 'geolocation' }],
        regions: [
          { code: 'eu-west-1', geolocation: [{ kind: 'continent', code: 'EU' }, { kind: 'default' }] },
          { code: 'us-east-2', geolocation: [{ kind: 'subdivision', country: 'US', code: 'CA' }, { kind: 'country', code: 'CA' }] },
        ],
      }),
    ],
    ['alias records without health checks', desiredState({ records: [{ type: 'A', alias: { hostedZoneIdOutput: 'ApiHostedZoneId', evaluateTargetHealth: true }, healthCheck: undefined }] })],
  ];
  it.each(cases)('%s', (_, desired) => {
    const result = run(desired, liveFor(desired).build());
    expect(result.steps).toEqual([]);
    expect(result.refusals).toEqual([]);
    expect(Object.values(result.summary.regions).every((t) => t === 'unchanged')).toBe(true);
    expect(result.summary).toMatchObject({ create: 0, update: 0, delete: 0, route53ChangeBatches: 0 });
  });
});

describe('a region joins', () => {
  const joined = withRegion(latency, 'eu-central-1');
  const result = run(joined, liveFor(latency).build());

  it('goes inventory → stack and replicas in parallel → health check → healthy → record', () => {
    expectOrder(result, 'inventory.update:add', 'eu-central-1:stack.create', 'eu-central-1:healthcheck.create:api.example.com.', 'eu-central-1:health.wait:api.example.com.:CNAME', 'eu-central-1:record.create:api.example.com.:CNAME');
    expectOrder(result, 'inventory.update:add', 'eu-central-1:replica.create:orders', 'eu-central-1:health.wait:api.example.com.:CNAME');
    expectIndependent(result, 'eu-central-1:stack.create', 'eu-central-1:replica.create:orders');
    expect(result.summary.regions['eu-central-1']).toBe('joining');
    expect(result.summary.regions['eu-west-1']).toBe('unchanged');
    expect(result.refusals).toEqual([]);
  });

  it('writes the new region into the inventory before anything else', () => {
    const inventory = step(result, 'inventory.update:add');
    expect(inventory.payload).toMatchObject({ kind: 'record', change: 'UPSERT', zoneId: ZONE_ID, record: { name: '_regionctl.global-api.example.com.', type: 'TXT', ttl: 300 } });
    expect(inventory.after).toEqual({ regions: ['ap-southeast-1', 'eu-central-1', 'eu-west-1', 'us-east-2'] });
    for (const s of result.steps.filter((s) => s.region === 'eu-central-1')) expect(expectOrderSafe(result, 'inventory.update:add', s.id)).toBe(true);
  });

  it('creates the stack with owner tags and the region parameters', () => {
    expect(step(result, 'eu-central-1:stack.create').payload).toEqual({
      kind: 'stack',
      input: {
        region: 'eu-central-1',
        name: 'global-api',
        templateBody: joined.stack.templateBody,
        parameters: { Stage: 'prod' },
        capabilities: ['CAPABILITY_IAM'],
        tags: { team: 'platform', 'regionctl:regionset': 'global-api', 'regionctl:template-hash': joined.stack.templateHash },
        terminationProtection: false,
      },
    });
  });

  it('names values known only after apply by stack output, and the new check by caller reference', () => {
    const reference = callerReference('global-api', API, 'eu-central-1', NOW);
    expect(reference).toMatch(/^rc1:[0-9a-f]{8}:[0-9a-f]{8}:[0-9a-z]+$/);
    expect(step(result, 'eu-central-1:healthcheck.create:api.example.com.').payload).toMatchObject({
      kind: 'healthcheck-create',
      callerReference: reference,
      config: { protocol: 'HTTPS', port: 443, path: '/health', interval: 30, failureThreshold: 3, fqdn: { stackOutput: 'ApiDomainName', region: 'eu-central-1' } },
      tags: { 'regionctl:regionset': 'global-api', 'regionctl:record': API, 'regionctl:region': 'eu-central-1' },
    });
    expect(step(result, 'eu-central-1:health.wait:api.example.com.:CNAME').payload).toMatchObject({ kind: 'health', healthCheck: { callerReference: reference }, holdMs: 0 });
    expect(step(result, 'eu-central-1:record.create:api.example.com.:CNAME').payload).toEqual({
      kind: 'record',
      zoneId: ZONE_ID,
      change: 'CREATE',
      record: {
        name: API,
        type: 'CNAME',
        setIdentifier: 'global-api:eu-central-1',
        ttl: 60,
        values: [{ stackOutput: 'ApiDomainName', region: 'eu-central-1' }],
        region: 'eu-central-1',
        healthCheck: { callerReference: reference },
      },
    });
  });

  it('counts resources, not steps', () => {
    expect(result.summary).toMatchObject({ create: 4, update: 1, delete: 0 });
  });

  it('creates the inventory record when there is none', () => {
    const fresh = run(latency, liveFor(latency).inventory([]).build());
    expect(step(fresh, 'inventory.update:add').payload).toMatchObject({ change: 'CREATE' });
  });
});

/** expectOrder without throwing, for loops. */
function expectOrderSafe(result: Plan, a: string, b: string): boolean {
  if (a === b) return true;
  const byId = new Map(result.steps.map((s) => [s.id, s]));
  const stack = [...(byId.get(b)?.dependsOn ?? [])];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === a) return true;
    if (!seen.has(id)) {
      seen.add(id);
      stack.push(...(byId.get(id)?.dependsOn ?? []));
    }
  }
  return false;
}

describe('weighted join ramps under health holds', () => {
  it('computes ramp weights from percentages of the full weight', () => {
    expect(rampWeights(200, [10, 50, 100])).toEqual([20, 100, 200]);
    expect(rampWeights(5, [1, 50, 100])).toEqual([1, 3, 5]);
    expect(rampWeights(100, [10, 50])).toEqual([10, 50, 100]);
    expect(rampWeights(0, [10, 100])).toEqual([0]);
  });

  const joined = withRegion(weighted, 'eu-central-1', { weight: 200 });
  const result = run(joined, liveFor(weighted).build());
  const r = 'eu-central-1';

  it('creates at the first ramp weight, then holds health before each next weight', () => {
    expectOrder(
      result,
      `${r}:health.wait:api.example.com.:CNAME`,
      `${r}:record.create:api.example.com.:CNAME`,
      `${r}:health.wait:api.example.com.:CNAME@20`,
      `${r}:record.update:api.example.com.:CNAME@100`,
      `${r}:health.wait:api.example.com.:CNAME@100`,
      `${r}:record.update:api.example.com.:CNAME@200`,
    );
    expect(step(result, `${r}:record.create:api.example.com.:CNAME`).payload).toMatchObject({ change: 'CREATE', record: { weight: 20 } });
    expect(step(result, `${r}:record.update:api.example.com.:CNAME@200`).payload).toMatchObject({ change: 'UPSERT', record: { weight: 200 } });
  });

  it('holds for stepWait and rolls the record back to weight 0 if health fails', () => {
    const hold = step(result, `${r}:health.wait:api.example.com.:CNAME@20`);
    expect(hold.payload).toMatchObject({ kind: 'health', holdMs: 120_000, rollback: { name: API, setIdentifier: `global-api:${r}`, weight: 0 } });
  });

  it('ramps with plain waits when the record has no health check', () => {
    const noCheck = desiredState({ records: [{ routing: 'weighted', healthCheck: undefined }] });
    const plain = run(withRegion(noCheck, r), liveFor(noCheck).build());
    expect(plain.steps.some((s) => s.action === 'health.wait')).toBe(false);
    expectOrder(plain, `${r}:stack.create`, `${r}:record.create:api.example.com.:CNAME`, `${r}:ramp.wait:api.example.com.:CNAME@10`, `${r}:record.update:api.example.com.:CNAME@50`);
    expect(step(plain, `${r}:ramp.wait:api.example.com.:CNAME@10`).payload).toEqual({ kind: 'wait', ms: 120_000 });
  });

  it('continues a ramp interrupted by a crash from the live weight', () => {
    const live = liveFor(joined).setWeight(API, r, 100).build();
    const resumed = run(joined, live);
    expect(resumed.steps.filter((s) => s.region === r).map((s) => s.id)).toEqual([
      `${r}:health.wait:api.example.com.:CNAME@100`,
      `${r}:record.update:api.example.com.:CNAME@200`,
    ]);
    expect(step(resumed, `${r}:health.wait:api.example.com.:CNAME@100`).payload).toMatchObject({ holdMs: 120_000, rollback: { weight: 0 } });
  });

  it('starts again, health first, from a ramp rolled back to weight 0', () => {
    const live = liveFor(joined).setWeight(API, r, 0).build();
    const again = run(joined, live);
    expectOrder(again, `${r}:health.wait:api.example.com.:CNAME`, `${r}:record.update:api.example.com.:CNAME@20`, `${r}:health.wait:api.example.com.:CNAME@20`, `${r}:record.update:api.example.com.:CNAME@100`);
    expect(step(again, `${r}:health.wait:api.example.com.:CNAME`).payload).toMatchObject({ holdMs: 0, healthCheck: { id: healthCheckId(API, r) } });
    expect(again.summary.regions[r]).toBe('joining');
  });
});

describe('standby and drained regions', () => {
  it('standby weighted: weight 0, record and health check kept', () => {
    const desired = withRegion(weighted, 'eu-west-1', { state: 'standby' });
    const result = run(desired, liveFor(weighted).build());
    expect(ids(result)).toEqual(['eu-west-1:record.update:api.example.com.:CNAME']);
    expect(step(result, 'eu-west-1:record.update:api.example.com.:CNAME')).toMatchObject({ before: { weight: 100 }, after: { weight: 0 }, payload: { change: 'UPSERT', record: { weight: 0 } } });
    expect(result.summary.regions['eu-west-1']).toBe('standby');
  });

  it('standby latency: record removed (a latency record always takes traffic), health check kept', () => {
    const desired = withRegion(latency, 'eu-west-1', { state: 'standby' });
    const result = run(desired, liveFor(latency).build());
    expect(ids(result)).toEqual(['eu-west-1:record.delete:api.example.com.:CNAME']);
    expect(result.notes.some((n) => n.includes('standby region eu-west-1') && n.includes('always takes traffic'))).toBe(true);
  });

  it('drained weighted: weight 0 → drain wait → record and health check deleted; stack and replicas kept', () => {
    const desired = withRegion(weighted, 'eu-west-1', { state: 'drained' });
    const result = run(desired, liveFor(weighted).build());
    const check = `eu-west-1:healthcheck.delete:api.example.com.:${healthCheckId(API, 'eu-west-1')}`;
    expectOrder(result, 'eu-west-1:record.update:api.example.com.:CNAME', 'eu-west-1:drain.wait', 'eu-west-1:record.delete:api.example.com.:CNAME', check);
    expect(step(result, 'eu-west-1:drain.wait').payload).toEqual({ kind: 'wait', ms: 300_000 });
    // The delete repeats the record exactly as it will be (weight 0), as Route 53 requires.
    expect(step(result, 'eu-west-1:record.delete:api.example.com.:CNAME').payload).toMatchObject({ change: 'DELETE', record: { weight: 0, values: [{ literal: outputValue('ApiDomainName', 'eu-west-1') }] } });
    expect(result.steps.some((s) => s.action.startsWith('stack.') || s.action.startsWith('replica.'))).toBe(false);
    expect(result.summary.regions['eu-west-1']).toBe('draining');
  });

  it('drained latency: out of the set → drain wait → health check deleted', () => {
    const desired = withRegion(latency, 'eu-west-1', { state: 'drained' });
    const result = run(desired, liveFor(latency).build());
    expectOrder(result, 'eu-west-1:record.delete:api.example.com.:CNAME', 'eu-west-1:drain.wait', `eu-west-1:healthcheck.delete:api.example.com.:${healthCheckId(API, 'eu-west-1')}`);
  });
});

describe('a region line is deleted', () => {
  it('drains, deletes the stack, keeps replicas (removeReplicas false), then updates the inventory', () => {
    const result = run(withoutRegion(weighted, 'eu-west-1'), liveFor(weighted).build());
    expectOrder(result, 'eu-west-1:record.update:api.example.com.:CNAME', 'eu-west-1:drain.wait', 'eu-west-1:record.delete:api.example.com.:CNAME', 'eu-west-1:stack.delete', 'inventory.update:remove');
    expectOrder(result, `eu-west-1:healthcheck.delete:api.example.com.:${healthCheckId(API, 'eu-west-1')}`, 'inventory.update:remove');
    expect(result.steps.some((s) => s.action === 'replica.delete')).toBe(false);
    expect(result.notes).toContain('replica orders in eu-west-1 kept: removeReplicas is false');
    expect(step(result, 'inventory.update:remove').after).toEqual({ regions: ['ap-southeast-1', 'us-east-2'] });
    expect(result.summary.regions['eu-west-1']).toBe('leaving');
  });

  it('deletes replicas after the stack when the table allows it', () => {
    const desired = desiredState({ tables: [{ name: 'orders', removeReplicas: true }, { name: 'audit' }] });
    const result = run(withoutRegion(desired, 'eu-west-1'), liveFor(desired).build());
    expectOrder(result, 'eu-west-1:drain.wait', 'eu-west-1:stack.delete', 'eu-west-1:replica.delete:orders', 'inventory.update:remove');
    expect(result.notes).toEqual(['replica audit in eu-west-1 kept: removeReplicas is false']);
    expect(result.refusals).toEqual([]);
  });

  it('adds the new replicas before deleting the leaving one', () => {
    const before = desiredState({ regions: ['eu-west-1'], tables: [{ name: 'orders', removeReplicas: true }], rollout: { minHealthyRegions: 1 } });
    const after = desiredState({ regions: ['us-east-2'], tables: [{ name: 'orders', removeReplicas: true }], rollout: { minHealthyRegions: 1 } });
    const result = run(after, liveFor(before).build());
    expectOrder(result, 'us-east-2:replica.create:orders', 'eu-west-1:replica.delete:orders');
  });

  it('only updates the inventory when the region has nothing left', () => {
    const live = liveFor(latency).regionAbsent('eu-west-1').inventory(['ap-southeast-1', 'eu-west-1', 'us-east-2']).build();
    const result = run(withoutRegion(latency, 'eu-west-1'), live);
    expect(ids(result)).toEqual(['inventory.update:remove']);
  });

  it('never shrinks before a joining region serves', () => {
    const desired = withRegion(withoutRegion(latency, 'eu-west-1'), 'eu-central-1');
    const result = run(desired, liveFor(latency).build());
    expectOrder(result, 'eu-central-1:record.create:api.example.com.:CNAME', 'eu-west-1:record.delete:api.example.com.:CNAME');
  });
});

describe('changes to serving regions', () => {
  it('weight lowered: one UPSERT with before and after weight', () => {
    const result = run(withRegion(weighted, 'us-east-2', { weight: 50 }), liveFor(weighted).build());
    expect(ids(result)).toEqual(['us-east-2:record.update:api.example.com.:CNAME']);
    expect(step(result, 'us-east-2:record.update:api.example.com.:CNAME')).toMatchObject({ before: { weight: 100 }, after: { weight: 50 }, payload: { change: 'UPSERT' } });
  });

  it('weight raised: the increase waits for health to hold at the current weight', () => {
    const result = run(withRegion(weighted, 'us-east-2', { weight: 200 }), liveFor(weighted).build());
    expectOrder(result, 'us-east-2:health.wait:api.example.com.:CNAME@100', 'us-east-2:record.update:api.example.com.:CNAME@200');
    expect(step(result, 'us-east-2:record.update:api.example.com.:CNAME@200')).toMatchObject({ before: { weight: 100 }, after: { weight: 200 } });
  });

  it('routing change latency → weighted: old sets deleted and new ones created together, in one batch', () => {
    const result = run(weighted, liveFor(latency).build());
    const dns = result.steps.filter((s) => s.action.startsWith('record.'));
    expect(dns.map((s) => s.id).sort()).toEqual(
      ['ap-southeast-1', 'eu-west-1', 'us-east-2'].flatMap((r) => [`${r}:record.create:api.example.com.:CNAME`, `${r}:record.delete:api.example.com.:CNAME`]).sort(),
    );
    for (const s of dns) expect(s.dependsOn).toEqual([]);
    expect(step(result, 'eu-west-1:record.create:api.example.com.:CNAME').payload).toMatchObject({ record: { weight: 100 } });
    expect(result.summary.route53ChangeBatches).toBe(1);
  });

  it('routing change with a region swap: the new region is healthy before the atomic swap, which no region slot can split', () => {
    const before = desiredState({ regions: ['eu-west-1'], rollout: { minHealthyRegions: 1 } });
    const after = desiredState({ records: [{ routing: 'failover' }], regions: [{ code: 'us-east-2', failover: 'PRIMARY' }], rollout: { minHealthyRegions: 1 } });
    const result = run(after, liveFor(before).build());
    const swap = ['eu-west-1:record.delete:api.example.com.:CNAME', 'us-east-2:record.create:api.example.com.:CNAME'];
    for (const id of swap) {
      expect(step(result, id).region).toBeUndefined();
      expect(step(result, id).dependsOn).toEqual(['us-east-2:health.wait:api.example.com.:CNAME']);
    }
    expectOrder(result, 'us-east-2:stack.create', 'us-east-2:health.wait:api.example.com.:CNAME', 'eu-west-1:record.delete:api.example.com.:CNAME', 'eu-west-1:drain.wait', 'eu-west-1:stack.delete');
    expect(result.summary.regions).toEqual({ 'eu-west-1': 'leaving', 'us-east-2': 'joining' });
  });

  it('template change: stack.update with the template hashes and the previewed resource changes', () => {
    const changed = desiredState({ stack: { templateBody: 'Resources: { Other: {} }\n' } });
    const preview = [{ action: 'Modify' as const, logicalId: 'Api', resourceType: 'AWS::ApiGateway::RestApi', replacement: 'False' as const }];
    const result = plan(changed, liveFor(latency).build(), { now: NOW, stackPreviews: { 'eu-west-1': preview } });
    expect(ids(result).sort()).toEqual(['ap-southeast-1:stack.update', 'eu-west-1:stack.update', 'us-east-2:stack.update']);
    expect(step(result, 'eu-west-1:stack.update')).toMatchObject({
      before: { templateHash: latency.stack.templateHash },
      after: { templateHash: changed.stack.templateHash, resourceChanges: preview },
    });
  });

  it('parameter change: stack.update showing the parameter before and after', () => {
    const result = run(withRegion(latency, 'us-east-2', { parameters: { Stage: 'canary' } }), liveFor(latency).build());
    expect(ids(result)).toEqual(['us-east-2:stack.update']);
    expect(step(result, 'us-east-2:stack.update')).toMatchObject({ before: { parameters: { Stage: 'prod' } }, after: { parameters: { Stage: 'canary' } } });
  });

  it('health check path change: updated in place', () => {
    const desired = desiredState({ records: [{ healthCheck: { ...DEFAULT_HEALTH_CHECK, path: '/ready' } }] });
    const result = run(desired, liveFor(latency).build());
    expect(result.steps.map((s) => s.action)).toEqual(['healthcheck.update', 'healthcheck.update', 'healthcheck.update']);
    expect(step(result, 'eu-west-1:healthcheck.update:api.example.com.')).toMatchObject({ before: { path: '/health' }, after: { path: '/ready' }, payload: { id: healthCheckId(API, 'eu-west-1') } });
  });

  it('health check interval change: new check, record moved to it, then the old check deleted', () => {
    const desired = desiredState({ records: [{ healthCheck: { ...DEFAULT_HEALTH_CHECK, interval: 10 } }] });
    const result = run(desired, liveFor(latency).build());
    expectOrder(result, 'eu-west-1:healthcheck.create:api.example.com.', 'eu-west-1:record.update:api.example.com.:CNAME', `eu-west-1:healthcheck.delete:api.example.com.:${healthCheckId(API, 'eu-west-1')}`);
    expect(step(result, 'eu-west-1:record.update:api.example.com.:CNAME').payload).toMatchObject({ record: { healthCheck: { callerReference: callerReference('global-api', API, 'eu-west-1', NOW) } } });
  });
});

describe('a health check on another stack output than the record (healthCheck.target)', () => {
  // A custom domain's regional name serves only the custom domain, so the check probes the API's own host.
  const checkedElsewhere = desiredState({ records: [{ healthCheck: { ...DEFAULT_HEALTH_CHECK, targetOutput: 'Other' } }] });

  it("a joining region's check probes the Other output while its record points at target", () => {
    const result = run(withRegion(checkedElsewhere, 'eu-central-1'), liveFor(checkedElsewhere).build());
    expect(step(result, 'eu-central-1:healthcheck.create:api.example.com.').payload).toMatchObject({
      config: { fqdn: { stackOutput: 'Other', region: 'eu-central-1' }, path: '/health' },
    });
    expect(step(result, 'eu-central-1:record.create:api.example.com.:CNAME').payload).toMatchObject({
      record: { values: [{ stackOutput: 'ApiDomainName', region: 'eu-central-1' }] },
    });
  });

  it('a RegionSet converged on both outputs plans nothing', () => {
    const live = liveFor(checkedElsewhere).build();
    expect(live.healthChecks.map((c) => c.config.fqdn)).toContain(outputValue('Other', 'eu-west-1'));
    expect(live.records.find((r) => r.setIdentifier === 'global-api:eu-west-1')?.values).toEqual([outputValue('ApiDomainName', 'eu-west-1')]);
    expect(ids(run(checkedElsewhere, live))).toEqual([]);
  });

  it("moving existing checks to another output of the deployed stacks updates them in place and leaves the records alone", () => {
    const builder = liveFor(latency);
    for (const r of latency.regions) builder.stack(r.code, { outputs: { ApiDomainName: outputValue('ApiDomainName', r.code), Other: outputValue('Other', r.code) } });
    const result = run(checkedElsewhere, builder.build());
    expect(result.steps.map((s) => s.action)).toEqual(['healthcheck.update', 'healthcheck.update', 'healthcheck.update']);
    expect(step(result, 'eu-west-1:healthcheck.update:api.example.com.')).toMatchObject({
      before: { fqdn: outputValue('ApiDomainName', 'eu-west-1') },
      after: { fqdn: outputValue('Other', 'eu-west-1') },
      payload: { id: healthCheckId(API, 'eu-west-1'), config: { fqdn: outputValue('Other', 'eu-west-1'), path: '/health' } },
    });
  });
});

describe('drift', () => {
  it('a weight raised by hand is set back with one UPSERT', () => {
    const result = run(weighted, liveFor(weighted).setWeight(API, 'eu-west-1', 180).build());
    expect(ids(result)).toEqual(['eu-west-1:record.update:api.example.com.:CNAME']);
    expect(step(result, 'eu-west-1:record.update:api.example.com.:CNAME')).toMatchObject({ before: { weight: 180 }, after: { weight: 100 } });
  });

  it('a weight lowered by hand goes back up under health holds', () => {
    const result = run(weighted, liveFor(weighted).setWeight(API, 'eu-west-1', 30).build());
    expectOrder(result, 'eu-west-1:health.wait:api.example.com.:CNAME@30', 'eu-west-1:record.update:api.example.com.:CNAME@50', 'eu-west-1:record.update:api.example.com.:CNAME@100');
  });

  it('a record deleted by hand is created again once healthy', () => {
    const result = run(latency, liveFor(latency).removeRecord(API, 'us-east-2').build());
    expect(ids(result)).toEqual(['us-east-2:health.wait:api.example.com.:CNAME', 'us-east-2:record.create:api.example.com.:CNAME']);
    expect(step(result, 'us-east-2:record.create:api.example.com.:CNAME').payload).toMatchObject({
      change: 'CREATE',
      record: { values: [{ literal: outputValue('ApiDomainName', 'us-east-2') }], healthCheck: { id: healthCheckId(API, 'us-east-2') } },
    });
  });

  it('values changed by hand are written back', () => {
    const result = run(latency, liveFor(latency).patchRecord(API, 'us-east-2', { values: ['elsewhere.example.org'] }).build());
    expect(ids(result)).toEqual(['us-east-2:record.update:api.example.com.:CNAME']);
    expect(step(result, 'us-east-2:record.update:api.example.com.:CNAME').before).toEqual({ values: ['elsewhere.example.org'] });
  });
});

describe('stacks in AWS failure and progress states', () => {
  it('ROLLBACK_COMPLETE: recreated, and the region DNS waits for it', () => {
    const live = liveFor(latency).stackStatus('eu-west-1', 'ROLLBACK_COMPLETE', 'Resource creation cancelled').removeRecord(API, 'eu-west-1').build();
    const result = run(latency, live);
    expectOrder(result, 'eu-west-1:stack.recreate', 'eu-west-1:record.create:api.example.com.:CNAME');
    expect(step(result, 'eu-west-1:stack.recreate').reason).toContain('Resource creation cancelled');
    expect(step(result, 'eu-west-1:record.create:api.example.com.:CNAME').payload).toMatchObject({ record: { values: [{ stackOutput: 'ApiDomainName', region: 'eu-west-1' }] } });
  });

  it('UPDATE_ROLLBACK_FAILED: continue the rollback, then update when the template still differs', () => {
    const changed = desiredState({ stack: { templateBody: 'v2' } });
    const result = run(changed, liveFor(latency).stackStatus('eu-west-1', 'UPDATE_ROLLBACK_FAILED').build());
    expectOrder(result, 'eu-west-1:stack.continue-rollback', 'eu-west-1:stack.update');
    const same = run(latency, liveFor(latency).stackStatus('eu-west-1', 'UPDATE_ROLLBACK_FAILED').build());
    expect(ids(same)).toEqual(['eu-west-1:stack.continue-rollback']);
  });

  it('IN_PROGRESS: wait, and a needed update waits for the wait', () => {
    const changed = withRegion(latency, 'eu-west-1', { parameters: { Stage: 'v2' } });
    const result = run(changed, liveFor(latency).stackStatus('eu-west-1', 'UPDATE_IN_PROGRESS').build());
    expectOrder(result, 'eu-west-1:stack.wait', 'eu-west-1:stack.update');
    const waitOnly = run(latency, liveFor(latency).stackStatus('us-east-2', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS').build());
    expect(ids(waitOnly)).toEqual(['us-east-2:stack.wait']);
  });

  it('UPDATE_ROLLBACK_COMPLETE runs the previous template: the update is planned again', () => {
    const changed = desiredState({ stack: { templateBody: 'v2' } });
    const live = liveFor(latency).stackStatus('eu-west-1', 'UPDATE_ROLLBACK_COMPLETE').build();
    const result = plan(changed, live, { now: NOW });
    expect(step(result, 'eu-west-1:stack.update').before).toMatchObject({ templateHash: latency.stack.templateHash });
  });

  it('REVIEW_IN_PROGRESS is created', () => {
    expect(ids(run(latency, liveFor(latency).stackStatus('eu-west-1', 'REVIEW_IN_PROGRESS').build()))).toContain('eu-west-1:stack.create');
  });
});

// Issue 12 item 9: AWS fails a plain DeleteStack of a DELETE_FAILED stack again (it needs
// RetainResources: cfn.delete-failed-retain) and refuses change sets in UPDATE_ROLLBACK_FAILED
// until ContinueUpdateRollback has finished (cfn.update-rollback-failed).
describe('stack recovery paths as AWS allows them', () => {
  const deleteFailed = (patch: Partial<LiveStack>) => liveFor(latency).stack('eu-west-1', { status: 'DELETE_FAILED', ...patch }).build();
  const reason = 'The following resource(s) failed to delete: [Queue, Bucket]. ';

  it.each([
    { name: 'wanted, resources listed by AWS', desired: latency, live: deleteFailed({ failedResources: ['Bucket', 'Queue'] }), action: 'stack.recreate' },
    { name: 'wanted, named only by the status reason', desired: latency, live: deleteFailed({ statusReason: reason }), action: 'stack.recreate' },
    { name: 'leaving, resources listed by AWS', desired: withoutRegion(latency, 'eu-west-1'), live: deleteFailed({ failedResources: ['Bucket', 'Queue'] }), action: 'stack.delete' },
    { name: 'leaving, named only by the status reason', desired: withoutRegion(latency, 'eu-west-1'), live: deleteFailed({ statusReason: reason }), action: 'stack.delete' },
  ])('DELETE_FAILED ($name): the delete retains the resources that failed, and a note says they stay in the account', ({ desired, live, action }) => {
    const result = run(desired, live);
    const stackSteps = result.steps.filter((s) => s.resource === 'stack:eu-west-1');
    expect(stackSteps.map((s) => s.action)).toEqual([action]);
    expect(stackSteps[0]!.payload).toMatchObject({ retainResources: ['Bucket', 'Queue'] });
    expect(stackSteps[0]!.before).toMatchObject({ status: 'DELETE_FAILED', retain: ['Bucket', 'Queue'] });
    expect(result.notes.find((note) => note.includes('DELETE_FAILED'))).toMatch(/retains Bucket, Queue .*stay in the account/);
    expect(result.refusals).toEqual([]);
  });

  it.each([
    ['wanted', latency],
    ['leaving', withoutRegion(latency, 'eu-west-1')],
  ])('DELETE_FAILED (%s) with no resource named: no plain retry is planned, the plan is refused with the commands to run', (_name, desired) => {
    const result = plan(desired, deleteFailed({ failedResources: [], statusReason: 'Internal failure.' }), { now: NOW });
    expect(result.steps.filter((s) => s.resource === 'stack:eu-west-1')).toEqual([]);
    expect(result.refusals).toEqual([expect.objectContaining({ rule: 'stack-failed', resource: 'stack:eu-west-1', message: expect.stringContaining('--retain-resources') })]);
  });

  it.each([
    { name: 'resources that could not roll back are skipped', failedResources: ['Function'], skip: ['Function'] },
    { name: 'nothing reported: a plain ContinueUpdateRollback', failedResources: [], skip: undefined },
  ])('UPDATE_ROLLBACK_FAILED ($name); the update\'s preview comes after the rollback', ({ failedResources, skip }) => {
    const changed = desiredState({ stack: { templateBody: 'v2' } });
    const live = liveFor(latency).stack('eu-west-1', { status: 'UPDATE_ROLLBACK_FAILED', failedResources }).build();
    // As diff plans it: previews were asked for (none could be made for this region).
    const result = plan(changed, live, { now: NOW, stackPreviews: {} });
    expectOrder(result, 'eu-west-1:stack.continue-rollback', 'eu-west-1:stack.update');
    const cont = step(result, 'eu-west-1:stack.continue-rollback');
    expect(cont.payload).toEqual({ kind: 'stack-ref', region: 'eu-west-1', stackName: latency.stack.name, ...(skip ? { resourcesToSkip: skip } : {}) });
    expect(step(result, 'eu-west-1:stack.update').after).toMatchObject({ resourcePreview: 'after-rollback' });
    expect(result.notes.some((note) => note.includes('skips Function'))).toBe(skip !== undefined);
    // apply's plan asks for no preview: nothing is marked.
    expect(step(run(changed, live), 'eu-west-1:stack.update').after).not.toHaveProperty('resourcePreview');
  });
});

describe('replicas', () => {
  it('a replica already CREATING is waited for, not requested again', () => {
    const live = liveFor(latency).replicaStatus('orders', 'us-east-2', 'CREATING').build();
    const result = run(latency, live);
    expect(step(result, 'us-east-2:replica.create:orders')).toMatchObject({ before: { status: 'CREATING' } });
  });

  it('a missing replica of a serving region is added', () => {
    const result = run(latency, liveFor(latency).removeReplica('orders', 'us-east-2').build());
    expect(ids(result)).toEqual(['us-east-2:replica.create:orders']);
  });
});

describe('ownership', () => {
  it('leaves records, health checks and stacks it does not own alone', () => {
    const live = liveFor(latency)
      .addRecord({ name: 'www.example.com.', type: 'CNAME', ttl: 300, values: ['elsewhere.example.org'] })
      .addRecord({ name: 'status.example.com.', type: 'TXT', ttl: 300, values: ['"hello"'] })
      .addRecord({ name: 'other.example.com.', type: 'CNAME', ttl: 60, setIdentifier: 'other-set:eu-west-1', region: 'eu-west-1', values: ['x.example.org'] })
      .addHealthCheck({ id: 'hc-foreign', callerReference: 'someone-else-1', config: { protocol: 'HTTP', fqdn: 'x.example.org', port: 80, path: '/', interval: 30, failureThreshold: 3, regions: [] } })
      .build();
    live.stacks['eu-north-1'] = { region: 'eu-north-1', name: 'global-api', id: 'x', status: 'CREATE_COMPLETE', tags: {}, parameters: {}, outputs: {}, terminationProtection: false };
    const result = run(latency, live);
    expect(result.steps).toEqual([]);
    expect(result.refusals).toEqual([]);
  });
});

describe('geolocation and failover', () => {
  const geo = desiredState({
    records: [{ routing: 'geolocation' }],
    regions: [
      { code: 'eu-west-1', geolocation: [{ kind: 'continent', code: 'EU' }, { kind: 'default' }] },
      { code: 'us-west-1', geolocation: [{ kind: 'subdivision', country: 'US', code: 'CA' }] },
    ],
  });

  it('one record per location, the default location as CountryCode *', () => {
    const result = run(geo, liveFor(desiredState({ ...geo, records: [{ routing: 'geolocation' }], regions: [] })).build());
    expect(step(result, 'eu-west-1:record.create:api.example.com.:CNAME:continent-EU').payload).toMatchObject({
      record: { setIdentifier: 'global-api:eu-west-1:continent-EU', geolocation: { continentCode: 'EU' } },
    });
    expect(step(result, 'eu-west-1:record.create:api.example.com.:CNAME:default').payload).toMatchObject({ record: { geolocation: { countryCode: '*' } } });
    expect(step(result, 'us-west-1:record.create:api.example.com.:CNAME:subdivision-US-CA').payload).toMatchObject({
      record: { geolocation: { countryCode: 'US', subdivisionCode: 'CA' } },
    });
  });

  it('a location taken off a region deletes only that location record', () => {
    const fewer = withRegion(geo, 'eu-west-1', { geolocation: [{ kind: 'default' }] });
    const result = run(fewer, liveFor(geo).build());
    expect(ids(result)).toEqual(['eu-west-1:record.delete:api.example.com.:CNAME:continent-EU']);
  });

  it('failover: PRIMARY and SECONDARY records; a standby SECONDARY keeps its record', () => {
    const failover = desiredState({
      records: [{ routing: 'failover' }],
      regions: [{ code: 'eu-west-1', failover: 'PRIMARY' }, { code: 'us-east-2', failover: 'SECONDARY', state: 'standby' }],
      rollout: { minHealthyRegions: 1 },
    });
    const result = run(failover, liveFor(withoutRegion(withoutRegion(failover, 'eu-west-1'), 'us-east-2')).build());
    expect(step(result, 'eu-west-1:record.create:api.example.com.:CNAME').payload).toMatchObject({ record: { failover: 'PRIMARY' } });
    expect(step(result, 'us-east-2:record.create:api.example.com.:CNAME').payload).toMatchObject({ record: { failover: 'SECONDARY' } });
    expect(result.steps.some((s) => s.id === 'us-east-2:health.wait:api.example.com.:CNAME')).toBe(false);
  });
});

describe('a failover role or geolocation location moves to another region', () => {
  const failover = (regions: Array<{ code: string; failover: 'PRIMARY' | 'SECONDARY'; state?: 'standby' }>) =>
    desiredState({ records: [{ routing: 'failover' }], regions, rollout: { minHealthyRegions: 1 } });
  const geolocation = (code: string) => desiredState({ records: [{ routing: 'geolocation' }], regions: [{ code, geolocation: [{ kind: 'default' }] }], rollout: { minHealthyRegions: 1 } });
  const R = 'record.create:api.example.com.:CNAME';
  const D = 'record.delete:api.example.com.:CNAME';

  const cases: Array<{ name: string; before: DesiredState; after: DesiredState; create: string; remove: string; gate?: string; leaving: string }> = [
    {
      name: 'failover PRIMARY moves from eu-west-1 to us-east-2',
      before: failover([{ code: 'eu-west-1', failover: 'PRIMARY' }]),
      after: failover([{ code: 'us-east-2', failover: 'PRIMARY' }]),
      create: `us-east-2:${R}`,
      remove: `eu-west-1:${D}`,
      gate: 'us-east-2:health.wait:api.example.com.:CNAME',
      leaving: 'eu-west-1',
    },
    {
      name: 'geolocation default moves from eu-west-1 to us-west-2',
      before: geolocation('eu-west-1'),
      after: geolocation('us-west-2'),
      create: `us-west-2:${R}:default`,
      remove: `eu-west-1:${D}:default`,
      gate: 'us-west-2:health.wait:api.example.com.:CNAME:default',
      leaving: 'eu-west-1',
    },
    {
      name: 'failover SECONDARY (standby) moves from us-east-2 to ap-southeast-1',
      before: failover([{ code: 'eu-west-1', failover: 'PRIMARY' }, { code: 'us-east-2', failover: 'SECONDARY', state: 'standby' }]),
      after: failover([{ code: 'eu-west-1', failover: 'PRIMARY' }, { code: 'ap-southeast-1', failover: 'SECONDARY', state: 'standby' }]),
      create: `ap-southeast-1:${R}`,
      remove: `us-east-2:${D}`,
      leaving: 'us-east-2',
    },
  ];

  describe.each(cases)('$name', ({ before, after, create, remove, gate, leaving }) => {
    const result = run(after, liveFor(before).build());
    const depths = dependencyDepths(result.steps);
    const changeOf = (s: Step) => {
      if (s.payload.kind !== 'record') throw new Error(`${s.id} is not a record step`);
      return { action: s.payload.change, record: { ...s.payload.record, values: ['x'], alias: undefined, healthCheck: undefined } };
    };

    it('deletes the old holder and creates the new set in one Route 53 batch', () => {
      const [created, removed] = [step(result, create), step(result, remove)];
      expect(created.payload).toMatchObject({ change: 'CREATE' });
      expect(removed.payload).toMatchObject({ change: 'DELETE' });
      // Ready together (same dependencies, same depth), and no region slot can hold one back.
      expect(created.dependsOn).toEqual(removed.dependsOn);
      expect(depths.get(created.id)).toBe(depths.get(removed.id));
      expect(created.region).toBeUndefined();
      expect(removed.region).toBeUndefined();
      const sameDepth = result.steps.filter((s) => s.payload.kind === 'record' && depths.get(s.id) === depths.get(created.id));
      const batches = batchRecordChanges(sameDepth.map(changeOf));
      expect(batches.filter((b) => b.some((c) => c.action === 'CREATE') && b.some((c) => c.action === 'DELETE'))).toHaveLength(1);
    });

    it('brings the new region up first, and takes the old one down only after the swap', () => {
      const newRegion = create.split(':')[0]!;
      expectOrder(result, `${newRegion}:stack.create`, ...(gate ? [gate] : []), create);
      expectOrder(result, `${newRegion}:replica.create:orders`, create);
      expectOrder(result, remove, `${leaving}:drain.wait`, `${leaving}:stack.delete`, 'inventory.update:remove');
      expectOrder(result, `${leaving}:drain.wait`, `${leaving}:healthcheck.delete:api.example.com.:${healthCheckId(API, leaving)}`);
      expect(result.summary.regions[leaving]).toBe('leaving');
      expect(result.refusals).toEqual([]);
    });
  });

  it('two locations changing hands go in the same batch, so no region is left without a location in between', () => {
    // eu-west-1 gives the default to us-west-2 and takes North America from ap-southeast-1, which leaves.
    const geo = (regions: Array<[string, GeoLocation]>) =>
      desiredState({ records: [{ routing: 'geolocation' }], regions: regions.map(([code, location]) => ({ code, geolocation: [location] })), rollout: { minHealthyRegions: 2 } });
    const before = geo([['eu-west-1', { kind: 'default' }], ['ap-southeast-1', { kind: 'continent', code: 'NA' }]]);
    const after = geo([['us-west-2', { kind: 'default' }], ['eu-west-1', { kind: 'continent', code: 'NA' }]]);
    const result = run(after, liveFor(before).build());
    const swap = [`us-west-2:${R}:default`, `eu-west-1:${D}:default`, `eu-west-1:${R}:continent-NA`, `ap-southeast-1:${D}:continent-NA`].map((id) => step(result, id));
    for (const s of swap) {
      expect(s.region).toBeUndefined();
      expect(s.dependsOn).toEqual(swap[0]!.dependsOn);
    }
    expectOrder(result, 'us-west-2:health.wait:api.example.com.:CNAME:default', `us-west-2:${R}:default`);
    expect(result.refusals).toEqual([]);
  });

  it('a takeover that takes a region out of the name waits for the other regions joining', () => {
    const geo = (regions: Array<[string, GeoLocation[]]>) =>
      desiredState({ records: [{ routing: 'geolocation' }], regions: regions.map(([code, geolocation]) => ({ code, geolocation })), rollout: { minHealthyRegions: 2 } });
    const before = geo([['eu-west-1', [{ kind: 'default' }]], ['ap-southeast-1', [{ kind: 'continent', code: 'NA' }]]]);
    const after = geo([['eu-west-1', [{ kind: 'default' }, { kind: 'continent', code: 'NA' }]], ['us-west-2', [{ kind: 'continent', code: 'SA' }]]]);
    const result = run(after, liveFor(before).build());
    expectOrder(result, `us-west-2:${R}:continent-SA`, `ap-southeast-1:${D}:continent-NA`);
    expect(step(result, `eu-west-1:${R}:continent-NA`).dependsOn).toEqual(step(result, `ap-southeast-1:${D}:continent-NA`).dependsOn);
  });

  it('two regions swapping failover roles update both records in one batch', () => {
    const before = failover([{ code: 'eu-west-1', failover: 'PRIMARY' }, { code: 'us-east-2', failover: 'SECONDARY' }]);
    const after = failover([{ code: 'eu-west-1', failover: 'SECONDARY' }, { code: 'us-east-2', failover: 'PRIMARY' }]);
    const result = run(after, liveFor(before).build());
    expect(ids(result)).toEqual(['eu-west-1:record.update:api.example.com.:CNAME', 'us-east-2:record.update:api.example.com.:CNAME']);
    // Region-less, like a routing switch: one region slot (maxParallelRegions 1) cannot split them.
    expect(result.steps.map((s) => [s.dependsOn, s.region])).toEqual([[[], undefined], [[], undefined]]);
    expect(result.summary.route53ChangeBatches).toBe(1);
  });
});

describe('inventory', () => {
  it('splits a long region list into TXT strings of at most 255 characters and reads it back', () => {
    const regions = Array.from({ length: 40 }, (_, i) => `xx-region-${String(i).padStart(2, '0')}`);
    const values = inventoryValues(regions);
    expect(values[0]).toBe('"regionctl-inventory=v1"');
    expect(values.length).toBeGreaterThan(2);
    for (const value of values) expect(value.length - 2).toBeLessThanOrEqual(255);
    expect(parseInventory({ name: 'x.', type: 'TXT', values: [...values].reverse() })).toEqual(regions);
  });
});

describe('determinism', () => {
  it('equal inputs give equal plans, whatever order AWS listed things in', () => {
    const desired = withRegion(withoutRegion(weighted, 'eu-west-1'), 'eu-central-1');
    const live = liveFor(weighted).build();
    const shuffled = liveFor(weighted).build();
    shuffled.records.reverse();
    shuffled.healthChecks.reverse();
    expect(plan(desired, shuffled, { now: NOW })).toEqual(plan(desired, live, { now: NOW }));
    expect(JSON.stringify(plan(desired, live, { now: NOW }))).toBe(JSON.stringify(plan(desired, live, { now: NOW })));
  });
});
