import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import type { Step } from '../../controller/plan/types.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState } from './desired.js';
import {
  drainWait,
  healthCheckDelete,
  joinRegion,
  makePlan,
  plainRecord,
  RECORD,
  recordStep,
  replicaCreate,
  stackCreate,
  weightedRecord,
  world,
} from './helpers.js';

describe('execute: failures, retries and waits', () => {
  it('retries throttled calls with backoff and succeeds', async () => {
    const w = world();
    w.cloud.faults.throttle('CreateChangeSet', { times: 2 });
    w.cloud.faults.throttle('ChangeResourceRecordSets', { times: 3 });
    w.cloud.faults.throttle('GetHealthCheckStatus', { times: 2 });

    const result = await execute(makePlan(joinRegion('eu-west-1', w.zoneId)), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    expect(w.cloud.calls.failures().map((call) => call.outcome)).toEqual(Array(7).fill('Throttling'));
    // The stack was created once: one change set made and executed (by the AWS adapter, as on AWS).
    expect(w.cloud.calls.entries.filter((call) => call.operation === 'CreateChangeSet' && call.outcome === 'ok')).toHaveLength(1);
    expect(w.cloud.calls.entries.filter((call) => call.operation === 'ExecuteChangeSet' && call.outcome === 'ok')).toHaveLength(1);
    expect(w.cloud.listStacks().map((stack) => stack.status)).toEqual(['CREATE_COMPLETE']);
  });

  it('never sends half of a swap: a delete fails with the create beside it whose value cannot be resolved', async () => {
    const w = world();
    const old = { ...plainRecord('us-east-1', 100), values: [{ literal: 'old.example.net' }] };
    const live = { name: RECORD, type: 'CNAME', setIdentifier: 'us-east-1', ttl: 60, weight: 100, values: ['old.example.net'] };
    await w.cloud.providers().dns.change(w.zoneId, [{ action: 'CREATE', record: live }], 'seed');
    // The new region's stack does not exist: its endpoint cannot be read.
    const plan = makePlan([recordStep('delete-old', 'record.delete', w.zoneId, old, [], undefined), recordStep('create-new', 'record.create', w.zoneId, plainRecord('eu-west-1', 100), [], undefined)]);
    w.cloud.calls.reset();

    const result = await execute(plan, w.cloud.providers(), w.options());

    expect(result.failed.map((f) => f.stepId).sort()).toEqual(['create-new', 'delete-old']);
    expect(result.failed.find((f) => f.stepId === 'delete-old')?.message).toBe('not sent: create-new at the same name could not be resolved, and a delete never goes out without the changes ready beside it');
    expect(w.cloud.calls.count('ChangeResourceRecordSets')).toBe(0);
    expect(w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD).map((r) => r.setIdentifier)).toEqual(['us-east-1']);
  });

  it('gives up after the configured attempts and names the call and AWS message', async () => {
    const w = world();
    w.cloud.faults.throttle('CreateChangeSet', { times: 10 });

    const result = await execute(makePlan([stackCreate('eu-west-1')]), w.cloud.providers(), w.options({ retry: { maxAttempts: 3, random: () => 0.5 } }));

    expect(result.failed).toEqual([
      {
        stepId: 'eu-west-1:stack.create',
        message: 'CreateStack global-api in eu-west-1: still failing after 3 attempts: CreateChangeSet global-api in eu-west-1: AWS throttled the request (Throttling: Rate exceeded)',
      },
    ]);
    expect(w.cloud.calls.count('CreateChangeSet')).toBe(3);
    expect(w.cloud.calls.count('ExecuteChangeSet')).toBe(0);
  });

  it('fails a stack that rolls back, skips its dependants and finishes independent regions', async () => {
    const w = world();
    w.cloud.faults.fail('StackCreate', { region: 'ap-southeast-1' });
    const plan = makePlan([...joinRegion('ap-southeast-1', w.zoneId), ...joinRegion('eu-west-1', w.zoneId)]);

    const result = await execute(plan, w.cloud.providers(), w.options());

    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.stepId).toBe('ap-southeast-1:stack.create');
    expect(result.failed[0]?.message).toMatch(/^stack global-api in ap-southeast-1 failed to create: ROLLBACK_COMPLETE: .+/);
    expect(result.skipped.map((s) => s.stepId).sort()).toEqual(
      [
        'ap-southeast-1:healthcheck.create',
        'ap-southeast-1:health.wait:ready',
        'ap-southeast-1:record.ramp:10',
        'ap-southeast-1:health.wait:10',
        'ap-southeast-1:record.ramp:50',
        'ap-southeast-1:health.wait:50',
        'ap-southeast-1:record.ramp:100',
      ].sort(),
    );
    expect(new Set(result.skipped.map((s) => s.causedBy))).toEqual(new Set(['ap-southeast-1:stack.create']));
    // The replica does not depend on the stack: it was added anyway.
    expect(result.completed).toContain('ap-southeast-1:replica.create:orders');
    expect(result.completed.filter((id) => id.startsWith('eu-west-1:'))).toHaveLength(plan.steps.length / 2);
    const records = w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD);
    expect(records.map((r) => `${r.setIdentifier} ${r.weight}`)).toEqual(['eu-west-1 100']);
  });

  it('rolls a region back to weight 0 when its health check fails during the ramp, and stops the ramp', async () => {
    const w = world();
    const plan = makePlan(joinRegion('ap-southeast-1', w.zoneId, { ramp: [20, 100] }));
    const fqdnFailsAfterFirstWeight = (event: { type: string; step?: Step }) => {
      if (event.type === 'step-done' && event.step?.id === 'ap-southeast-1:record.ramp:20') {
        w.cloud.setHealth(w.cloud.peekStack('ap-southeast-1', 'global-api')!.outputs['ApiDomainName']!, 'unhealthy');
      }
    };

    const result = await execute(plan, w.cloud.providers(), w.options({ onEvent: fqdnFailsAfterFirstWeight }));

    expect(result.failed).toEqual([
      {
        stepId: 'ap-southeast-1:health.wait:20',
        message: 'health check of api.example.com. in ap-southeast-1 failed at weight 20; rolled back to weight 0',
      },
    ]);
    expect(result.skipped).toEqual([{ stepId: 'ap-southeast-1:record.ramp:100', causedBy: 'ap-southeast-1:health.wait:20' }]);
    const record = w.cloud.recordsOf('example.com.').find((r) => r.name === RECORD);
    expect(record?.weight).toBe(0);
    // The rollback is INSYNC by the time the failure is reported.
    expect(w.cloud.listChanges().every((change) => change.status === 'INSYNC')).toBe(true);
  });

  it('rolls back a planned ramp (from the planner) when health fails at the first weight', async () => {
    const w = world();
    const before = await desiredState({ regions: { 'us-east-1': '{}' } });
    const after = await desiredState({ regions: { 'us-east-1': '{}', 'ap-southeast-1': '{}' } });
    for (const desired of [before, after]) {
      const { plan } = await planReconcile(desired, w.cloud.providers(), { now: w.clock.now() });
      const failAtFirstWeight = (event: { type: string; step?: Step }) => {
        if (event.type === 'step-done' && event.step?.id.startsWith('ap-southeast-1:record.create')) {
          w.cloud.setHealth(w.cloud.peekStack('ap-southeast-1', 'global-api')!.outputs['ApiDomainName']!, 'unhealthy');
        }
      };
      const result = await execute(plan, w.cloud.providers(), w.options({ onEvent: failAtFirstWeight }));
      if (desired === before) continue;

      expect(result.failed.map((f) => f.message)).toEqual([
        'health check of api.example.com. in ap-southeast-1 failed at weight 10; rolled back to weight 0',
      ]);
      expect(result.skipped.length).toBeGreaterThan(0);
    }
    const weights = w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD).map((r) => `${r.setIdentifier} ${r.weight}`);
    expect(weights).toEqual(['global-api:ap-southeast-1 0', 'global-api:us-east-1 100']);
  });

  it('removes a drained record no earlier than drainWait after weight 0 is in sync', async () => {
    const w = world({ dnsChange: 30_000 });
    const drainWaitMs = 5 * 60_000;
    // A serving region, set up by a first apply.
    await execute(makePlan(joinRegion('eu-west-1', w.zoneId, { ramp: [100] })), w.cloud.providers(), w.options());
    const healthCheckId = w.cloud.listHealthChecks()[0]!.id;
    const serving = w.cloud.recordsOf('example.com.').find((r) => r.name === RECORD)!;
    w.cloud.calls.reset();

    const live = (weight: number) => ({ ...weightedRecord('eu-west-1', weight, { id: healthCheckId }), values: [{ literal: serving.values[0]! }] });
    const drain: Step[] = [
      recordStep('eu-west-1:record.weight-0', 'record.update', w.zoneId, live(0), []),
      drainWait('eu-west-1', drainWaitMs, ['eu-west-1:record.weight-0']),
      recordStep('eu-west-1:record.delete', 'record.delete', w.zoneId, live(0), ['eu-west-1:drain.wait']),
      healthCheckDelete('eu-west-1', healthCheckId, ['eu-west-1:record.delete']),
    ];
    const result = await execute(makePlan(drain), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    const [weightZero, removal] = w.cloud.calls.entries.filter((call) => call.operation === 'ChangeResourceRecordSets');
    const weightZeroInSync = weightZero!.at + w.cloud.latencies.dnsChange;
    expect(removal!.at - weightZeroInSync).toBeGreaterThanOrEqual(drainWaitMs);
    expect(w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD)).toEqual([]);
    expect(w.cloud.listHealthChecks()).toEqual([]);
  });

  it('fails a record whose stack lacks the output, naming the output and the stack, and still sends the others', async () => {
    const w = world();
    const wrongOutput = { ...plainRecord('eu-west-1', 100), values: [{ stackOutput: 'ApiDomain', region: 'eu-west-1' }] };
    const plan = makePlan([
      stackCreate('eu-west-1'),
      stackCreate('us-west-2'),
      recordStep('eu-west-1:record.create', 'record.create', w.zoneId, wrongOutput, ['eu-west-1:stack.create']),
      recordStep('us-west-2:record.create', 'record.create', w.zoneId, plainRecord('us-west-2', 100), ['us-west-2:stack.create']),
    ]);

    const result = await execute(plan, w.cloud.providers(), w.options());

    expect(result.failed).toEqual([
      {
        stepId: 'eu-west-1:record.create',
        message: 'stack global-api in eu-west-1 has no output ApiDomain (outputs: ApiDomainName); add it to the template or fix the record\'s target',
      },
    ]);
    expect(w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD).map((r) => r.setIdentifier)).toEqual(['us-west-2']);
  });

  it('fails every step of a DNS batch Route 53 refuses, with Route 53\'s message', async () => {
    const w = world();
    const plan = makePlan([
      recordStep('a:record.create', 'record.create', w.zoneId, { ...plainRecord('eu-west-1', 100), values: [{ literal: 'a.example.net' }] }, [], 'eu-west-1'),
      recordStep('b:record.delete', 'record.delete', w.zoneId, { ...plainRecord('us-west-2', 100), values: [{ literal: 'b.example.net' }] }, [], 'us-west-2'),
    ]);

    const result = await execute(plan, w.cloud.providers(), w.options());

    expect(result.failed.map((f) => f.stepId).sort()).toEqual(['a:record.create', 'b:record.delete']);
    expect(result.failed[0]?.message).toContain("Tried to delete resource record set [name='api.example.com.', type='CNAME', set-identifier='us-west-2'] but it was not found");
    expect(w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD)).toEqual([]);
  });

  it('fails a replica that cannot be created with DynamoDB\'s description', async () => {
    const w = world();
    w.cloud.faults.fail('UpdateTable', { region: 'eu-west-1' });

    const result = await execute(makePlan([replicaCreate('orders', 'eu-west-1')]), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([
      {
        stepId: 'eu-west-1:replica.create:orders',
        message: 'replica of orders in eu-west-1 failed to create: Failed to create a replica in region eu-west-1: internal server error',
      },
    ]);
  });

  it('times out a wait, naming the resource and what it waited for', async () => {
    const w = world({ stackCreate: 90_000 });

    const result = await execute(makePlan([stackCreate('eu-west-1')]), w.cloud.providers(), w.options({ timeouts: { stackMs: 60_000 } }));

    expect(result.failed).toEqual([
      {
        stepId: 'eu-west-1:stack.create',
        message: 'timed out after 1m waiting for stack global-api in eu-west-1 to finish creating (last status CREATE_IN_PROGRESS)',
      },
    ]);
  });
});
