import { describe, expect, it } from 'vitest';
import { execute, type ExecEvent } from '../../controller/apply/execute.js';
import { GuardrailRefusal } from '../../controller/errors.js';
import type { Plan, Step } from '../../controller/plan/types.js';
import {
  joinRegion,
  makePlan,
  RECORD,
  recordStep,
  replicaCreate,
  stackCreate,
  START,
  plainRecord,
  world,
} from './helpers.js';

describe('execute: order and concurrency', () => {
  it('joins a region in the documented order and leaves it serving at full weight', async () => {
    const w = world();
    const plan = makePlan(joinRegion('eu-west-1', w.zoneId));

    const result = await execute(plan, w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    expect(result.completed).toHaveLength(plan.steps.length);
    const writes = w.cloud.calls.writes().map((call) => call.operation);
    // stack and replica first (in parallel), then the health check, then the record.
    // The stack is created by executing its change set (the AWS adapter, as on AWS).
    expect(writes).toContain('ExecuteChangeSet');
    expect(writes.indexOf('ExecuteChangeSet')).toBeLessThan(writes.indexOf('CreateHealthCheck'));
    expect(writes.indexOf('UpdateTable')).toBeLessThan(writes.indexOf('ChangeResourceRecordSets'));
    expect(writes.indexOf('CreateHealthCheck')).toBeLessThan(writes.indexOf('ChangeResourceRecordSets'));
    expect(writes.filter((op) => op === 'ChangeResourceRecordSets')).toHaveLength(3);

    const record = w.cloud.recordsOf('example.com.').find((r) => r.name === RECORD && r.setIdentifier === 'eu-west-1');
    expect(record?.weight).toBe(100);
    expect(record?.values).toEqual([w.cloud.peekStack('eu-west-1', 'global-api')?.outputs['ApiDomainName']]);
    expect(record?.healthCheckId).toBe(w.cloud.listHealthChecks()[0]?.id);
    expect(w.cloud.replicasOf('orders').map((r) => `${r.region} ${r.status}`).sort()).toEqual(['eu-west-1 ACTIVE', 'us-east-1 ACTIVE']);
  });

  it('holds each ramp weight for stepWait before raising it', async () => {
    const w = world();
    const stepWaitMs = 120_000;
    await execute(makePlan(joinRegion('eu-west-1', w.zoneId, { stepWaitMs })), w.cloud.providers(), w.options());

    const rampChanges = w.cloud.calls.entries.filter((call) => call.operation === 'ChangeResourceRecordSets').map((call) => call.at);
    expect(rampChanges).toHaveLength(3);
    expect(rampChanges[1]! - rampChanges[0]!).toBeGreaterThanOrEqual(stepWaitMs);
    expect(rampChanges[2]! - rampChanges[1]!).toBeGreaterThanOrEqual(stepWaitMs);
  });

  it('never has more than maxParallelRegions regions in flight, and does use them all', async () => {
    const w = world();
    const regions = ['ap-northeast-1', 'ap-southeast-1', 'eu-central-1', 'eu-west-1', 'us-west-2'];
    const steps = regions.flatMap((region) => [stackCreate(region), recordStep(`${region}:record.create`, 'record.create', w.zoneId, plainRecord(region, 100), [`${region}:stack.create`])]);
    let mostStacksInProgress = 0;
    w.cloud.afterCall = () => {
      const creating = w.cloud.listStacks().filter((stack) => stack.status === 'CREATE_IN_PROGRESS').length;
      mostStacksInProgress = Math.max(mostStacksInProgress, creating);
    };

    const plan = makePlan(steps);
    const result = await execute(plan, w.cloud.providers(), w.options({ maxParallelRegions: 2 }));

    expect(result.failed).toEqual([]);
    expect(mostStacksInProgress).toBe(2);
    expect(mostRegionsInFlight(w.events, plan)).toBe(2);
  });

  it('a region waiting on another region does not take a slot it would sit on', async () => {
    const w = world();
    // eu-west-1's record waits for us-west-2's stack: with one slot, eu-west-1 must not start first and block us-west-2.
    const euRecord = plainRecord('eu-west-1', 100);
    const steps: Step[] = [
      stackCreate('eu-west-1'),
      recordStep('eu-west-1:record.create', 'record.create', w.zoneId, euRecord, ['eu-west-1:stack.create', 'us-west-2:stack.create']),
      stackCreate('us-west-2'),
    ];

    const plan = makePlan(steps);
    const result = await execute(plan, w.cloud.providers(), w.options({ maxParallelRegions: 1 }));

    expect(result.failed).toEqual([]);
    expect(result.completed).toHaveLength(3);
    expect(mostRegionsInFlight(w.events, plan)).toBe(1);
  });

  it('changes the replicas of one table one at a time, and different tables in parallel', async () => {
    const w = world();
    w.cloud.seedTable('sessions', 'us-east-1');
    const regions = ['eu-west-1', 'ap-southeast-1', 'us-west-2'];
    const steps = regions.flatMap((region) => [replicaCreate('orders', region), replicaCreate('sessions', region)]);
    const busyAtOnce = { orders: 0, sessions: 0 };
    let tablesBusyTogether = false;
    w.cloud.afterCall = () => {
      const busy = (table: 'orders' | 'sessions') => w.cloud.replicasOf(table).filter((r) => r.status !== 'ACTIVE').length;
      busyAtOnce.orders = Math.max(busyAtOnce.orders, busy('orders'));
      busyAtOnce.sessions = Math.max(busyAtOnce.sessions, busy('sessions'));
      if (busy('orders') > 0 && busy('sessions') > 0) tablesBusyTogether = true;
    };

    const result = await execute(makePlan(steps), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    expect(busyAtOnce).toEqual({ orders: 1, sessions: 1 });
    expect(tablesBusyTogether).toBe(true);
    // Never refused for being busy: the executor waited for ACTIVE instead of trying.
    expect(w.cloud.calls.failures().filter((call) => call.operation === 'UpdateTable')).toEqual([]);
    const updates = w.cloud.calls.entries.filter((call) => call.operation === 'UpdateTable');
    expect(updates).toHaveLength(6);
    // Sent through an ACTIVE replica other than the new one: the first in sort order.
    expect(updates[0]?.region).toBe('us-east-1');
    expect(w.cloud.replicasOf('orders').map((r) => r.region).sort()).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-1', 'us-west-2']);
  });

  it('sends DNS changes that become ready together in one call per zone', async () => {
    const w = world({ stackCreate: 90_000 });
    const otherZone = w.cloud.seedZone('example.org.').id;
    const regions = ['ap-southeast-1', 'eu-west-1', 'us-west-2'];
    const steps: Step[] = regions.flatMap((region) => {
      const record = plainRecord(region, 100);
      const orgRecord = plainRecord(region, 100, 'api.example.org.');
      return [
        stackCreate(region),
        // All three stacks finish at the same virtual moment: their records must share a batch.
        recordStep(`${region}:record.create`, 'record.create', w.zoneId, record, [`${region}:stack.create`]),
        recordStep(`${region}:record.create.org`, 'record.create', otherZone, orgRecord, [`${region}:stack.create`]),
      ];
    });

    const result = await execute(makePlan(steps), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    const changes = w.cloud.calls.entries.filter((call) => call.operation === 'ChangeResourceRecordSets');
    expect(changes).toHaveLength(2);
    const batches = w.events.filter((event) => event.type === 'batch-sent');
    expect(batches.map((event) => [event.zoneId, event.stepIds?.length])).toEqual(
      expect.arrayContaining([
        [w.zoneId, 3],
        [otherZone, 3],
      ]),
    );
    expect(w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD)).toHaveLength(3);
  });

  it('runs nothing and throws the refusals when the plan was refused', async () => {
    const w = world();
    const plan = {
      ...makePlan(joinRegion('eu-west-1', w.zoneId)),
      refusals: [{ rule: 'min-healthy-regions' as const, resource: 'regionset:global-api', message: 'only 1 healthy region would serve; minHealthyRegions is 2' }],
    };

    const outcome = execute(plan, w.cloud.providers(), w.options());

    await expect(outcome).rejects.toBeInstanceOf(GuardrailRefusal);
    await expect(outcome).rejects.toMatchObject({ refusals: plan.refusals });
    expect(w.cloud.calls.count()).toBe(0);
    expect(w.events).toEqual([]);
  });

  it('refuses a plan whose dependencies form a cycle before calling anything', async () => {
    const w = world();
    const steps = [stackCreate('eu-west-1', ['eu-west-1:replica.create:orders']), replicaCreate('orders', 'eu-west-1', ['eu-west-1:stack.create'])];

    await expect(execute(makePlan(steps), w.cloud.providers(), w.options())).rejects.toThrow(
      'plan has a dependency cycle: eu-west-1:stack.create -> eu-west-1:replica.create:orders -> eu-west-1:stack.create',
    );
    expect(w.cloud.calls.count()).toBe(0);
  });

  it('reports steps it did not start when aborted, and starts nothing after the abort', async () => {
    const w = world();
    const plan = makePlan(joinRegion('eu-west-1', w.zoneId));
    const controller = new AbortController();

    const result = await execute(
      plan,
      w.cloud.providers(),
      w.options({ signal: controller.signal, onEvent: (event) => event.type === 'step-done' && event.step?.action === 'healthcheck.create' && controller.abort() }),
    );

    expect(result.aborted).toBe(true);
    expect(result.completed).toEqual(expect.arrayContaining(['eu-west-1:stack.create', 'eu-west-1:healthcheck.create']));
    expect(result.notStarted).toEqual(expect.arrayContaining(['eu-west-1:health.wait:ready', 'eu-west-1:record.ramp:10']));
    expect(w.cloud.calls.count('ChangeResourceRecordSets')).toBe(0);
    expect(result.elapsedMs).toBeGreaterThan(0);
    expect(START).toBeLessThan(w.clock.now());
  });
});

/** Most regions at once between their first step's start and their last step's end, from the progress events. */
function mostRegionsInFlight(events: ExecEvent[], plan: Plan): number {
  const left = new Map<string, number>();
  for (const step of plan.steps) if (step.region) left.set(step.region, (left.get(step.region) ?? 0) + 1);
  const inFlight = new Set<string>();
  let most = 0;
  for (const { type, region } of events) {
    if (!region) continue;
    if (type === 'step-start') inFlight.add(region);
    most = Math.max(most, inFlight.size);
    if (type === 'step-done' || type === 'step-failed' || type === 'step-skipped') {
      left.set(region, left.get(region)! - 1);
      if (left.get(region) === 0) inFlight.delete(region);
    }
  }
  return most;
}
