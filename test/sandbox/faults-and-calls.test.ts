import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { TransientError } from '../../controller/errors.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { makeCloud, stackInput } from './helpers.js';

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (e: unknown) => e);
}

describe('sandbox fault injection', () => {
  it('throttles the next N calls of an operation with Throttling / Rate exceeded', async () => {
    const { cloud, stacks } = makeCloud('instant');
    cloud.faults.throttle('DescribeStacks', { times: 2 });
    for (let i = 0; i < 2; i++) {
      const error = await errorOf(stacks.describe('us-east-1', 'orders'));
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'Throttling', message: 'DescribeStacks orders in us-east-1: AWS throttled the request (Throttling: Rate exceeded)' });
    }
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
    expect(cloud.faults.list()).toEqual([]);
  });

  it('injects 5xx for one region only, and a throttled write changes nothing', async () => {
    const { cloud, stacks } = makeCloud('instant');
    cloud.faults.unavailable('CreateChangeSet', { region: 'eu-west-1' });
    const error = await errorOf(stacks.create(stackInput({ region: 'eu-west-1' })));
    expect(error).toMatchObject({ name: 'TransientError', code: 'ServiceUnavailable' });
    expect(await stacks.describe('eu-west-1', 'orders')).toBeUndefined();
    await stacks.create(stackInput({ region: 'us-east-1' }));
    await stacks.create(stackInput({ region: 'eu-west-1' }));
    expect(cloud.listStacks().map((s) => s.region)).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('matches wildcards and draws probabilistic faults from a seeded RNG (reproducible)', async () => {
    const outcomes = async () => {
      const cloud = new SandboxCloud({ clock: new FakeClock(0, false), latencies: 'instant', seed: 42 });
      cloud.faults.throttle('route53:*', { probability: 0.5 });
      const { dns } = cloud.providers();
      const results: string[] = [];
      for (let i = 0; i < 20; i++) results.push(await dns.findZone('example.com').then(() => 'ok', () => 'throttled'));
      return results;
    };
    const first = await outcomes();
    expect(first).toContain('ok');
    expect(first).toContain('throttled');
    expect(await outcomes()).toEqual(first);
  });

  it('refuses to arm a fault on an operation that does not exist (a typo would never fire)', () => {
    const { cloud } = makeCloud('instant');
    expect(() => cloud.faults.throttle('stacks.describeStacks')).toThrow(/no operation 'stacks.describeStacks'/);
    expect(() => cloud.faults.fail('ChangeResourceRecordSets')).toThrow(/no asynchronous operation 'ChangeResourceRecordSets'/);
    expect(() => cloud.faults.throttle('ChangeResourceRecordSet')).toThrow(/no operation 'ChangeResourceRecordSet'/);
    expect(() => cloud.faults.throttle('dns.change')).toThrow(/no operation 'dns.change'/);
    cloud.faults.throttle('route53:*');
    cloud.faults.fail('StackUpdateRollback');
    expect(cloud.faults.list()).toHaveLength(2);
  });

  it('refuses the provider-method keys of before, naming the AWS operation to use instead', () => {
    const { cloud } = makeCloud('instant');
    expect(() => cloud.faults.throttle('stacks.describe')).toThrow("sandbox: fault key 'stacks.describe' is now 'DescribeStacks'");
    expect(() => cloud.faults.unavailable('stacks.*')).toThrow("fault key 'stacks.*' is now 'cloudformation:*'");
    expect(() => cloud.faults.fail('stacks.create')).toThrow("fault key 'stacks.create' is now 'StackCreate'");
    expect(() => cloud.faults.fail('UpdateStack:rollback')).toThrow("fault key 'UpdateStack:rollback' is now 'StackUpdateRollback'");
    expect(cloud.faults.list()).toEqual([]);
  });

  it('lets Route 53 refuse with PriorRequestNotComplete', async () => {
    const { cloud, dns } = makeCloud('instant');
    const zone = cloud.seedZone('example.com');
    cloud.faults.inject('ChangeResourceRecordSets', 'priorRequestNotComplete');
    const error = await errorOf(dns.change(zone.id, [{ action: 'CREATE', record: { name: 'x.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] } }], ''));
    expect(error).toMatchObject({ name: 'TransientError', code: 'PriorRequestNotComplete' });
    expect(cloud.recordsOf('example.com')).toHaveLength(2);
  });
});

describe('sandbox call log', () => {
  it('records each AWS call the adapters send, with region, write flag and outcome', async () => {
    const { cloud, stacks, tables, dns, healthChecks } = makeCloud('instant');
    const zone = cloud.seedZone('example.com');
    cloud.seedTable('orders', 'us-east-1');
    cloud.faults.throttle('ListHealthChecks');
    await stacks.describe('us-east-1', 'orders');
    await stacks.create(stackInput());
    await tables.describe('orders', ['eu-west-1', 'us-east-1']);
    await tables.addReplica('orders', 'us-east-1', 'eu-west-1');
    const change = await dns.change(zone.id, [{ action: 'CREATE', record: { name: 'x.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] } }], '');
    await dns.changeStatus(change.id);
    await dns.listRecords(zone.id);
    await healthChecks.list().catch(() => undefined);
    await healthChecks.create('ref', { protocol: 'HTTPS', fqdn: 'x.example.com', port: 443, path: '/', interval: 30, failureThreshold: 3, regions: [] }, { a: 'b' });
    expect(cloud.calls.entries.map(({ service, operation, region, write, outcome }) => ({ service, operation, region, write, outcome }))).toEqual([
      // AWS answers DescribeStacks of a missing stack with ValidationError "Stack with id orders does not exist".
      { service: 'cloudformation', operation: 'DescribeStacks', region: 'us-east-1', write: false, outcome: 'ValidationError' },
      // A stack is created by change set, as on AWS: created, read back (instant: no CREATE_PENDING), executed.
      { service: 'cloudformation', operation: 'CreateChangeSet', region: 'us-east-1', write: true, outcome: 'ok' },
      { service: 'cloudformation', operation: 'DescribeChangeSet', region: 'us-east-1', write: false, outcome: 'ok' },
      { service: 'cloudformation', operation: 'ExecuteChangeSet', region: 'us-east-1', write: true, outcome: 'ok' },
      { service: 'dynamodb', operation: 'DescribeTable', region: 'eu-west-1', write: false, outcome: 'ResourceNotFoundException' },
      { service: 'dynamodb', operation: 'DescribeTable', region: 'us-east-1', write: false, outcome: 'ok' },
      // The adapter reads the table in the via region first (streams, capacity), as on AWS.
      { service: 'dynamodb', operation: 'DescribeTable', region: 'us-east-1', write: false, outcome: 'ok' },
      { service: 'dynamodb', operation: 'UpdateTable', region: 'us-east-1', write: true, outcome: 'ok' },
      { service: 'route53', operation: 'ChangeResourceRecordSets', region: undefined, write: true, outcome: 'ok' },
      { service: 'route53', operation: 'GetChange', region: undefined, write: false, outcome: 'ok' },
      { service: 'route53', operation: 'ListResourceRecordSets', region: undefined, write: false, outcome: 'ok' },
      { service: 'route53', operation: 'ListHealthChecks', region: undefined, write: false, outcome: 'Throttling' },
      { service: 'route53', operation: 'CreateHealthCheck', region: undefined, write: true, outcome: 'ok' },
      { service: 'route53', operation: 'ChangeTagsForResource', region: undefined, write: true, outcome: 'ok' },
    ]);
    expect(cloud.calls.count('DescribeTable')).toBe(3);
    expect(cloud.calls.countByOperation()).toMatchObject({ DescribeStacks: 1, CreateChangeSet: 1, ExecuteChangeSet: 1, UpdateTable: 1 });
    expect(cloud.calls.writes()).toHaveLength(6);
    expect(cloud.calls.failures().map((c) => c.outcome)).toEqual(['ValidationError', 'ResourceNotFoundException', 'Throttling']);
    cloud.calls.reset();
    expect(cloud.calls.count()).toBe(0);
  });

  it('logs refused calls with the AWS error code', async () => {
    const { cloud, stacks } = makeCloud('instant');
    await stacks.create(stackInput());
    cloud.calls.reset();
    await stacks.create(stackInput()).catch(() => undefined);
    // Refused for the name; the adapter then looks for a change set of its own under that name (none).
    expect(cloud.calls.entries.map(({ operation, outcome }) => ({ operation, outcome }))).toEqual([
      { operation: 'CreateChangeSet', outcome: 'ValidationError' },
      { operation: 'DescribeChangeSet', outcome: 'ChangeSetNotFound' },
    ]);
  });

  it('counts one ListResourceRecordSets call per page of 300 records', async () => {
    const { cloud, dns } = makeCloud('instant');
    const zone = cloud.seedZone('example.com');
    const changes = Array.from({ length: 650 }, (_, i) => ({ action: 'CREATE' as const, record: { name: `r${i}.example.com`, type: 'A', ttl: 60, values: ['192.0.2.1'] } }));
    await dns.change(zone.id, changes, 'bulk');
    cloud.calls.reset();
    expect(await dns.listRecords(zone.id)).toHaveLength(652);
    expect(cloud.calls.count('ListResourceRecordSets')).toBe(3);
  });

  it('inspection helpers make no calls', async () => {
    const { cloud, stacks } = makeCloud('instant');
    await stacks.create(stackInput());
    cloud.calls.reset();
    cloud.listStacks();
    cloud.peekStack('us-east-1', 'orders');
    cloud.listHealthChecks();
    expect(cloud.calls.count()).toBe(0);
  });

  it('afterCall runs once the call took effect; throwing there loses only the answer', async () => {
    const { cloud, stacks } = makeCloud('instant');
    cloud.afterCall = (call) => {
      if (call.operation === 'ExecuteChangeSet') throw new Error('killed after the request reached AWS');
    };
    await expect(stacks.create(stackInput())).rejects.toThrow('killed after');
    cloud.afterCall = undefined;
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_COMPLETE');
  });

  it('calls onCall before each call takes effect; throwing there aborts the call (a simulated kill)', async () => {
    const { cloud, stacks } = makeCloud('instant');
    const seen: string[] = [];
    cloud.onCall = (call) => {
      seen.push(call.operation);
      if (call.operation === 'CreateChangeSet') throw new Error('killed');
    };
    await stacks.describe('us-east-1', 'orders');
    await expect(stacks.create(stackInput())).rejects.toThrow('killed');
    expect(seen).toEqual(['DescribeStacks', 'CreateChangeSet']);
    cloud.onCall = undefined;
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
  });
});
