import { describe, expect, it } from 'vitest';
import { checkGuardrails } from '../../controller/plan/guardrails.js';
import { plan } from '../../controller/plan/plan.js';
import type { Plan, Step } from '../../controller/plan/types.js';
import { desiredState, liveFor, withoutRegion, withRegion } from '../support/builders.js';
import { NOW } from './helpers.js';

const latency = desiredState();
const messages = (p: Plan) => p.refusals.map((r) => r.message);

describe('min-healthy-regions', () => {
  it('refuses a drain that leaves too few healthy serving regions, naming them', () => {
    const desired = withRegion(latency, 'eu-west-1', { state: 'drained' });
    const live = liveFor(latency).unhealthy('ap-southeast-1').build();
    const result = plan(desired, live, { now: NOW });
    expect(messages(result)).toEqual([
      'min-healthy-regions: draining eu-west-1 would leave 1 healthy serving region (us-east-2); minHealthyRegions is 2 (ap-southeast-1 is unhealthy). Restore a region or lower minHealthyRegions.',
    ]);
    expect(result.refusals[0]).toMatchObject({ rule: 'min-healthy-regions', resource: 'regions:eu-west-1' });
    // The steps stay for display.
    expect(result.steps.length).toBeGreaterThan(0);
  });

  it('counts removal and standby as reductions too', () => {
    const desired = withRegion(withoutRegion(latency, 'eu-west-1'), 'us-east-2', { state: 'standby' });
    const result = plan(desired, liveFor(latency).build(), { now: NOW });
    expect(messages(result)).toEqual([
      'min-healthy-regions: removing eu-west-1 and moving us-east-2 to standby would leave 1 healthy serving region (ap-southeast-1); minHealthyRegions is 2. Restore a region or lower minHealthyRegions.',
    ]);
  });

  it('counts a joining region (it is health-gated) and unknown health as healthy', () => {
    const desired = withRegion(withRegion(latency, 'eu-west-1', { state: 'drained' }), 'eu-central-1');
    const live = liveFor(latency).unhealthy('ap-southeast-1').build();
    expect(plan(desired, live, { now: NOW }).refusals).toEqual([]);
  });

  it('counts a joining region whose new check is still warming up, as the removal waits for its health gate', () => {
    // A run stopped after the new region's check was created: the check is not healthy yet.
    const desired = withRegion(withRegion(latency, 'eu-west-1', { state: 'drained' }), 'eu-central-1');
    const live = liveFor(withRegion(latency, 'eu-central-1')).removeRecord('api.example.com.', 'eu-central-1').unhealthy('eu-central-1').unhealthy('ap-southeast-1').build();
    expect(plan(desired, live, { now: NOW }).refusals).toEqual([]);
    // The same region already serving while unhealthy is no help.
    const serving = liveFor(withRegion(latency, 'eu-central-1')).unhealthy('eu-central-1').unhealthy('ap-southeast-1').build();
    expect(plan(desired, serving, { now: NOW }).refusals.map((r) => r.rule)).toEqual(['min-healthy-regions']);
  });

  it('does not refuse a plan that removes no serving capacity', () => {
    const live = liveFor(latency).unhealthy('ap-southeast-1').unhealthy('us-east-2').build();
    const desired = withRegion(latency, 'us-east-2', { parameters: { Stage: 'fix' } });
    expect(plan(desired, live, { now: NOW }).refusals).toEqual([]);
  });
});

describe('replica rules', () => {
  const removable = desiredState({ tables: [{ name: 'orders', removeReplicas: true }], rollout: { minHealthyRegions: 0 } });

  it('last-replica: never deletes the last replica of a table (checked on a hand-made plan too)', () => {
    const live = liveFor(removable).build();
    const deletes: Step[] = ['ap-southeast-1', 'eu-west-1', 'us-east-2'].map((region) => ({
      id: `${region}:replica.delete:orders`,
      action: 'replica.delete',
      region,
      resource: `replica:orders:${region}`,
      dependsOn: [],
      reason: 'by hand',
      payload: { kind: 'replica', table: 'orders', region },
    }));
    const refusals = checkGuardrails({ ...plan(removable, live, { now: NOW }), steps: deletes }, removable, live);
    expect(refusals.map((r) => r.message)).toEqual([
      "last-replica: the plan deletes every replica of table orders (ap-southeast-1, eu-west-1, us-east-2), which would delete the table's data. Keep at least one region with a replica.",
    ]);
  });

  it('replica-removal-not-allowed: a hand-made replica.delete for a table without removeReplicas', () => {
    const live = liveFor(latency).build();
    const handMade: Step = {
      id: 'eu-west-1:replica.delete:orders',
      action: 'replica.delete',
      region: 'eu-west-1',
      resource: 'replica:orders:eu-west-1',
      dependsOn: [],
      reason: 'by hand',
      payload: { kind: 'replica', table: 'orders', region: 'eu-west-1' },
    };
    const converged = plan(latency, live, { now: NOW });
    const refusals = checkGuardrails({ ...converged, steps: [handMade] }, latency, live);
    expect(refusals.map((r) => r.message)).toEqual([
      "replica-removal-not-allowed: the plan deletes the replica of table orders in eu-west-1, but removeReplicas is not true for orders. Deleting a replica deletes that region's copy of every item; set removeReplicas: true on the table to allow it.",
    ]);
  });
});

describe('unowned-resource', () => {
  it('refuses a simple record at a managed name', () => {
    const live = liveFor(latency).removeRecord('api.example.com.', 'eu-west-1').build();
    live.records = live.records.filter((r) => r.name !== 'api.example.com.');
    live.records.push({ name: 'api.example.com.', type: 'CNAME', ttl: 300, values: ['legacy.example.org'] });
    const result = plan(latency, live, { now: NOW });
    expect(messages(result)).toEqual([
      "unowned-resource: record api.example.com. CNAME (simple routing, no set identifier) is not owned by RegionSet global-api: Route 53 cannot hold a simple record beside this RegionSet's latency records. regionctl never changes records it does not own: delete or move that record, or use another name for api.example.com. in spec.dns.records.",
    ]);
    expect(result.steps.some((s) => s.payload.kind === 'record' && s.payload.record.setIdentifier === undefined && s.action !== 'inventory.update')).toBe(false);
  });

  it("refuses another owner's latency record in a Region this RegionSet serves", () => {
    const live = liveFor(latency).addRecord({ name: 'api.example.com.', type: 'CNAME', ttl: 60, setIdentifier: 'blue', region: 'eu-west-1', values: ['blue.example.org'] }).build();
    const result = plan(latency, live, { now: NOW });
    expect(result.refusals).toEqual([
      {
        rule: 'unowned-resource',
        resource: 'record:api.example.com.:CNAME:blue',
        message:
          'unowned-resource: record api.example.com. CNAME with set identifier "blue" is not owned by RegionSet global-api: Route 53 allows one latency record per Region, and this RegionSet serves eu-west-1. regionctl never changes records it does not own: delete or move that record, or use another name for api.example.com. in spec.dns.records.',
      },
    ]);
    expect(result.steps).toEqual([]);
  });

  it('refuses a stack of the same name that another owner made, and plans nothing for it', () => {
    const desired = withRegion(latency, 'eu-central-1');
    const live = liveFor(latency).build();
    live.stacks['eu-central-1'] = { region: 'eu-central-1', name: 'global-api', id: 'x', status: 'CREATE_COMPLETE', tags: { 'regionctl:regionset': 'team-b' }, parameters: {}, outputs: {}, terminationProtection: false };
    const result = plan(desired, live, { now: NOW });
    expect(messages(result)).toEqual([
      'unowned-resource: stack global-api in eu-central-1 exists but is not owned by RegionSet global-api (its regionctl:regionset tag is "team-b"). regionctl changes only stacks it created: rename spec.stack.name, delete that stack, or tag it regionctl:regionset=global-api to adopt it.',
    ]);
    expect(result.steps.some((s) => s.action.startsWith('stack.'))).toBe(false);
  });
});

describe('termination-protection', () => {
  it('refuses to delete a protected stack and says how to disable protection', () => {
    const live = liveFor(latency).stack('eu-west-1', { terminationProtection: true }).build();
    const result = plan(withoutRegion(latency, 'eu-west-1'), live, { now: NOW });
    expect(messages(result)).toEqual([
      'termination-protection: stack global-api in eu-west-1 must be deleted (the region left the manifest) but has termination protection enabled. Disable it first (aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name global-api --region eu-west-1), or put the region back in the manifest.',
    ]);
  });
});

describe('table-not-ready', () => {
  it('a missing table', () => {
    const result = plan(latency, liveFor(latency).removeTable('orders').build(), { now: NOW });
    expect(messages(result)).toEqual([
      'table-not-ready: table orders not found in ap-southeast-1, eu-west-1, us-east-2: create it (with NEW_AND_OLD_IMAGES streams) first',
    ]);
  });

  it('a replica that failed to create is reported with AWS status description, never deleted and re-created', () => {
    const live = liveFor(latency).replicaStatus('orders', 'us-east-2', 'CREATION_FAILED', 'KMS key not accessible').build();
    const result = plan(latency, live, { now: NOW });
    expect(messages(result)).toEqual([
      'table-not-ready: replica of table orders in us-east-2 is CREATION_FAILED (AWS: KMS key not accessible); regionctl does not delete and re-create a replica by itself, as deleting a replica deletes its items: fix the cause, delete the failed replica, then reconcile again.',
    ]);
    expect(result.steps.some((s) => s.action.startsWith('replica.'))).toBe(false);
  });

  it('streams and billing mode that AWS requires before a replica can be added', () => {
    const desired = withRegion(latency, 'eu-central-1');
    const live = liveFor(latency).table('orders', { streamViewType: 'KEYS_ONLY', billingMode: 'PROVISIONED' }).build();
    const result = plan(desired, live, { now: NOW });
    expect(messages(result)).toEqual([
      'table-not-ready: table orders cannot get a replica in eu-central-1: global tables need DynamoDB Streams with NEW_AND_OLD_IMAGES (the table\'s stream is KEYS_ONLY). Enable the stream with StreamViewType NEW_AND_OLD_IMAGES first.',
      'table-not-ready: table orders cannot get a replica in eu-central-1: it uses PROVISIONED capacity without write auto scaling, and AWS requires "Table write capacity should either be Pay-Per-Request or AutoScaled." Switch it to PAY_PER_REQUEST (on-demand) or turn on write auto scaling first.',
    ]);
  });
});

describe('provisioned tables with write auto scaling', () => {
  it('get replicas: AWS accepts them and the replicas carry the auto-scaling settings (ddb.provisioned-without-autoscaling)', () => {
    const desired = withRegion(latency, 'eu-central-1');
    const live = liveFor(latency).table('orders', { billingMode: 'PROVISIONED', writeAutoScaled: true }).build();
    const result = plan(desired, live, { now: NOW });
    expect(result.refusals).toEqual([]);
    expect(result.steps.filter((s) => s.action === 'replica.create').map((s) => s.region)).toEqual(['eu-central-1']);
  });
});

describe('scheduling is not a guardrail', () => {
  it('many regions joining at once with maxParallelRegions 1 is not refused', () => {
    const base = desiredState({ regions: ['eu-west-1'], rollout: { maxParallelRegions: 1, minHealthyRegions: 1 } });
    const many = ['us-east-1', 'us-west-2', 'ap-northeast-1'].reduce((d, code) => withRegion(d, code), base);
    expect(plan(many, liveFor(base).build(), { now: NOW }).refusals).toEqual([]);
  });
});
