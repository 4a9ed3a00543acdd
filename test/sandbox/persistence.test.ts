import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { loadSandbox, saveSandbox, SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { makeCloud, stackInput, START } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regionctl-sandbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sandbox persistence', () => {
  it('resumes a stack saved in CREATE_IN_PROGRESS: loaded later, it completes', async () => {
    const { clock, cloud, stacks } = makeCloud();
    await stacks.create(stackInput());
    // The adapter polled its change set (CREATE_PENDING for 5 s) before executing it.
    const executedAt = clock.now();
    expect(executedAt).toBeGreaterThan(START);
    await clock.advance(30_000);
    const path = join(dir, 'sandbox.json');
    await saveSandbox(cloud, path);

    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.savedNow).toBe(executedAt + 30_000);

    const laterClock = new FakeClock(saved.savedNow, false);
    const loaded = await loadSandbox(path, { clock: laterClock });
    const { stacks: loadedStacks } = loaded.providers();
    expect((await loadedStacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_IN_PROGRESS');
    await laterClock.advance(60_000);
    const done = await loadedStacks.describe('us-east-1', 'orders');
    expect(done?.status).toBe('CREATE_COMPLETE');
    expect(done?.outputs.ApiDomain).toMatch(/execute-api\.us-east-1\.amazonaws\.com$/);
  });

  it('loads faults saved under the provider-method keys of before with their AWS operation names', async () => {
    const { cloud, clock } = makeCloud('instant');
    const state = cloud.toJSON();
    state.faults = [
      { id: 1, operation: 'stacks.create', kind: 'fail', remaining: 1 },
      { id: 2, operation: 'stacks.describe', kind: 'throttle', remaining: 2, region: 'eu-west-1' },
      { id: 3, operation: 'stacks.*', kind: 'unavailable', probability: 0.2 },
      { id: 4, operation: 'UpdateStack:rollback', kind: 'fail', remaining: 1 },
      { id: 5, operation: 'ChangeResourceRecordSets', kind: 'throttle', remaining: 1 },
    ];
    const loaded = SandboxCloud.fromJSON(JSON.parse(JSON.stringify(state)), { clock });
    expect(loaded.faults.list().map((f) => [f.operation, f.kind])).toEqual([
      ['StackCreate', 'fail'],
      ['DescribeStacks', 'throttle'],
      ['cloudformation:*', 'unavailable'],
      ['StackUpdateRollback', 'fail'],
      ['ChangeResourceRecordSets', 'throttle'],
    ]);
    // And they fire: the migrated create failure rolls the next stack back.
    const { stacks } = loaded.providers();
    loaded.faults.remove(3);
    await stacks.create(stackInput());
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('ROLLBACK_COMPLETE');
  });

  it('round-trips every service through toJSON / fromJSON', async () => {
    const { clock, cloud, stacks, tables, dns, healthChecks } = makeCloud();
    const zone = cloud.seedZone('example.com');
    cloud.seedTable('orders', 'us-east-1');
    await stacks.create(stackInput({ terminationProtection: true }));
    await tables.addReplica('orders', 'us-east-1', 'eu-west-1');
    const change = await dns.change(zone.id, [{ action: 'CREATE', record: { name: 'x.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] } }], 'c');
    const id = await healthChecks.create('ref', { protocol: 'HTTPS', fqdn: 'x.example.com', port: 443, path: '/', interval: 30, failureThreshold: 3, regions: [] }, {});
    cloud.faults.fail('StackUpdate');

    const copy = SandboxCloud.fromJSON(JSON.parse(JSON.stringify(cloud.toJSON())), { clock });
    const p = copy.providers();
    expect(await p.stacks.describe('us-east-1', 'orders')).toEqual(await stacks.describe('us-east-1', 'orders'));
    expect(await p.tables.describe('orders', ['us-east-1'])).toEqual(await tables.describe('orders', ['us-east-1']));
    expect(await p.dns.listRecords(zone.id)).toEqual(await dns.listRecords(zone.id));
    expect(await p.dns.changeStatus(change.id)).toBe('PENDING');
    expect(await p.healthChecks.list()).toEqual([expect.objectContaining({ id })]);
    expect(copy.faults.list()).toHaveLength(1);

    await clock.advance(5 * 60_000);
    expect((await p.tables.describe('orders', ['eu-west-1']))?.replicas.map((r) => r.status)).toEqual(['ACTIVE', 'ACTIVE']);
    expect(await p.dns.changeStatus(change.id)).toBe('INSYNC');
    // Ids keep counting from the saved sequence: no collisions after a load.
    const second = await p.healthChecks.create('ref-2', { protocol: 'HTTPS', fqdn: 'y.example.com', port: 443, path: '/', interval: 30, failureThreshold: 3, regions: [] }, {});
    expect(second).not.toBe(id);
  });

  it('starts a fresh empty cloud when the file is missing', async () => {
    const cloud = await loadSandbox(join(dir, 'nothing-here.json'), { clock: new FakeClock(START, false) });
    expect(cloud.listStacks()).toEqual([]);
    expect(cloud.zones()).toEqual([]);
  });

  it('writes pretty JSON atomically, leaving no temp file behind', async () => {
    const { cloud } = makeCloud();
    cloud.seedZone('example.com');
    const path = join(dir, 'nested', 'state.json');
    await saveSandbox(cloud, path);
    expect(await readdir(join(dir, 'nested'))).toEqual(['state.json']);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('\n  "version": 1,');
  });

  it('refuses a file that is not a sandbox state', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '{"hello": "world"}');
    await expect(loadSandbox(path, { clock: new FakeClock(START, false) })).rejects.toThrow(/not a sandbox state/);
  });

  it('resumes the saved virtual time with the default ScaledClock', async () => {
    const { cloud } = makeCloud();
    const path = join(dir, 'state.json');
    await saveSandbox(cloud, path);
    const loaded = await loadSandbox(path, { speed: 1 });
    expect(loaded.clock.now()).toBeGreaterThanOrEqual(START);
    expect(loaded.clock.now()).toBeLessThan(START + 60_000);
  });
});

describe('sandbox with instant latencies', () => {
  it('completes every asynchronous operation on the tick it starts', async () => {
    const { cloud, stacks, tables, dns, healthChecks } = makeCloud('instant');
    const zone = cloud.seedZone('example.com');
    cloud.seedTable('orders', 'us-east-1');
    await stacks.create(stackInput());
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_COMPLETE');
    await stacks.update(stackInput({ parameters: { Version: '2' } }));
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('UPDATE_COMPLETE');
    await tables.addReplica('orders', 'us-east-1', 'eu-west-1');
    await tables.addReplica('orders', 'us-east-1', 'ap-southeast-2');
    expect(cloud.replicasOf('orders').map((r) => r.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    const change = await dns.change(zone.id, [{ action: 'CREATE', record: { name: 'x.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] } }], '');
    expect(change.status).toBe('INSYNC');
    const fqdn = (await stacks.describe('us-east-1', 'orders'))!.outputs.ApiDomain!;
    const id = await healthChecks.create('ref', { protocol: 'HTTPS', fqdn, port: 443, path: '/', interval: 30, failureThreshold: 3, regions: [] }, {});
    expect(await healthChecks.status(id)).toBe('healthy');
    await stacks.delete('us-east-1', 'orders', 'd');
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
  });

  it('still takes the failure path: an injected create failure ends ROLLBACK_COMPLETE', async () => {
    const { cloud, stacks } = makeCloud({ stackCreate: 0, stackRollback: 0 });
    cloud.faults.fail('StackCreate');
    await stacks.create(stackInput());
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('ROLLBACK_COMPLETE');
  });
});
