// The AWS stacks adapter (providers/aws/stacks.ts), unchanged, over the sandbox's API-level
// CloudFormation (cloud.api.cloudFormationApi): the code path regionctl runs against AWS.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { AwsStackProvider } from '../../controller/providers/aws/stacks.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import type { StackProvider } from '../../controller/providers/types.js';
import { joinRegion, makePlan, world as applyWorld } from '../apply/helpers.js';
import { START, stackInput } from './helpers.js';

function world() {
  const clock = new FakeClock(START); // auto-advance: the adapter's change-set polls sleep on it
  const cloud = new SandboxCloud({ clock });
  const stacks = new AwsStackProvider({ clients: cloud.api, clock });
  return { clock, cloud, stacks };
}

afterEach(() => {
  vi.restoreAllMocks();
});

const STACK_METHODS = ['describe', 'listByTag', 'create', 'update', 'delete', 'continueUpdateRollback', 'previewChanges', 'setTerminationProtection'] as const;

describe('sandbox mode runs the AWS stacks adapter', () => {
  it('every stack call of an apply goes through the adapter, and CloudFormation sees change sets as on AWS', async () => {
    const w = applyWorld();
    const stacks: StackProvider = w.cloud.providers().stacks;
    expect(stacks).toBeInstanceOf(AwsStackProvider);
    const spies = Object.fromEntries(STACK_METHODS.map((method) => [method, vi.spyOn(AwsStackProvider.prototype, method)]));

    const result = await execute(makePlan(joinRegion('eu-west-1', w.zoneId)), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    expect(spies['create']).toHaveBeenCalledTimes(1);
    expect(spies['create']).toHaveBeenCalledWith(expect.objectContaining({ region: 'eu-west-1', name: 'global-api' }));
    // The executor waited for CREATE_COMPLETE, then protected nothing (the manifest asks for no protection).
    expect(spies['describe']).toHaveBeenCalledWith('eu-west-1', 'global-api');
    const cfn = w.cloud.calls.entries.filter((call) => call.service === 'cloudformation').map((call) => call.operation);
    expect(cfn).toEqual(expect.arrayContaining(['CreateChangeSet', 'DescribeChangeSet', 'ExecuteChangeSet', 'DescribeStacks']));
    // Only the conformance corpus sends CreateStack and UpdateStack: the adapter never does.
    expect(cfn.filter((operation) => operation === 'CreateStack' || operation === 'UpdateStack')).toEqual([]);
    expect(w.cloud.peekStack('eu-west-1', 'global-api')?.status).toBe('CREATE_COMPLETE');
  });

  it('waits no longer than AWS makes it: instant latencies never sleep, and a pending change set is executed within one poll of being ready', async () => {
    const manual = new FakeClock(START, false);
    const instant = new SandboxCloud({ clock: manual, latencies: 'instant' });
    // Nothing would advance this clock: a sleep would hang the create.
    await instant.providers().stacks.create(stackInput());
    expect(manual.now()).toBe(START);
    expect(instant.peekStack('us-east-1', 'orders')?.status).toBe('CREATE_COMPLETE');

    const { clock, cloud, stacks } = world();
    await stacks.create(stackInput());
    const executed = cloud.calls.entries.find((call) => call.operation === 'ExecuteChangeSet');
    const ready = START + cloud.latencies.changeSetCreate!;
    expect(executed?.at).toBeGreaterThanOrEqual(ready);
    expect(executed!.at - ready).toBeLessThanOrEqual(2_000); // the adapter's poll interval
    expect(clock.now()).toBe(executed!.at);
  });
});

describe('AWS stacks adapter on the API-level sandbox', () => {
  it('creates a stack through a CREATE change set (pending first), then updates and deletes it', async () => {
    const { clock, cloud, stacks } = world();
    await stacks.create(stackInput());
    expect(cloud.calls.entries.map((c) => c.operation)).toEqual(
      expect.arrayContaining(['CreateChangeSet', 'DescribeChangeSet', 'ExecuteChangeSet']),
    );
    // The change set was CREATE_PENDING on the first poll (cfn.changeset-lifecycle): polled more than once.
    expect(cloud.calls.entries.filter((c) => c.operation === 'DescribeChangeSet').length).toBeGreaterThan(1);
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_IN_PROGRESS');
    await clock.advance(90_000);
    const created = await stacks.describe('us-east-1', 'orders');
    expect(created).toMatchObject({ status: 'CREATE_COMPLETE', tags: { app: 'orders' }, parameters: { Version: '1' } });
    expect(created?.outputs.HealthPath).toBe('/healthz');

    expect(await stacks.update(stackInput({ parameters: { Version: '2' }, clientToken: 'update-1' }))).toBe('started');
    await clock.advance(70_000);
    expect(await stacks.describe('us-east-1', 'orders')).toMatchObject({ status: 'UPDATE_COMPLETE', parameters: { Version: '2' } });
    // The same configuration again: the change set FAILED with "didn't contain changes" (cfn.changeset-no-changes).
    expect(await stacks.update(stackInput({ parameters: { Version: '2' }, clientToken: 'update-2' }))).toBe('no-changes');

    await stacks.delete('us-east-1', 'orders', 'delete-1');
    await clock.advance(60_000);
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
  });

  it('a retry after a crash right after CreateChangeSet (CREATE) picks up its own change set and creates the stack', async () => {
    const { clock, cloud, stacks } = world();
    cloud.onCall = (call) => {
      if (call.operation === 'ExecuteChangeSet') throw new Error('killed');
    };
    await expect(stacks.create(stackInput())).rejects.toThrow('killed');
    // Left behind: a stack AWS shows untagged in REVIEW_IN_PROGRESS (cfn.create-changeset-review-in-progress) …
    const raw = await cloud.api.cloudFormationApi('us-east-1').send('DescribeStacks', { StackName: 'orders' });
    expect(raw.Stacks?.[0]).toMatchObject({ StackStatus: 'REVIEW_IN_PROGRESS', Tags: [] });
    // … which the adapter recognises as ours by its pending change set's tags (not "unowned").
    expect(await stacks.describe('us-east-1', 'orders')).toMatchObject({ status: 'REVIEW_IN_PROGRESS', tags: { app: 'orders' } });
    cloud.onCall = undefined;
    await stacks.create(stackInput());
    await clock.advance(90_000);
    expect(await stacks.describe('us-east-1', 'orders')).toMatchObject({ status: 'CREATE_COMPLETE', tags: { app: 'orders' } });
  });

  it('previews a new stack as Adds and leaves neither a review stack nor a change set behind', async () => {
    const { cloud, stacks } = world();
    const changes = await stacks.previewChanges(stackInput());
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.action === 'Add')).toBe(true);
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
    expect(cloud.toJSON().changeSets ?? []).toEqual([]);
  });

  it('reports a stack stuck in UPDATE_ROLLBACK_FAILED, and ContinueUpdateRollback recovers it', async () => {
    const { clock, cloud, stacks } = world();
    await stacks.create(stackInput());
    await clock.advance(90_000);
    cloud.faults.fail('StackUpdate');
    cloud.faults.fail('StackUpdateRollback');
    await stacks.update(stackInput({ parameters: { Version: '2' }, clientToken: 'update-1' }));
    await clock.advance(200_000);
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('UPDATE_ROLLBACK_FAILED');
    await stacks.continueUpdateRollback('us-east-1', 'orders', 'continue-1');
    await clock.advance(60_000);
    expect(await stacks.describe('us-east-1', 'orders')).toMatchObject({ status: 'UPDATE_ROLLBACK_COMPLETE', parameters: { Version: '1' } });
  });

  it('a first create that fails is never protected: it stays deletable (item 6)', async () => {
    const { clock, cloud, stacks } = world();
    cloud.faults.fail('StackCreate');
    await stacks.create(stackInput({ terminationProtection: true }));
    await clock.advance(200_000);
    expect(await stacks.describe('us-east-1', 'orders')).toMatchObject({ status: 'ROLLBACK_COMPLETE', terminationProtection: false });
    await stacks.delete('us-east-1', 'orders', 'delete-1');
    await clock.advance(60_000);
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
  });
});
