// The AWS stacks adapter (providers/aws/stacks.ts), unchanged, over the sandbox's API-level
// CloudFormation (cloud.api.cloudFormationApi): the code path regionctl runs against AWS.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { AwsStackProvider } from '../../controller/providers/aws/stacks.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { START, stackInput } from './helpers.js';

function world() {
  const clock = new FakeClock(START); // auto-advance: the adapter's change-set polls sleep on it
  const cloud = new SandboxCloud({ clock });
  const stacks = new AwsStackProvider({ clients: cloud.api, clock });
  return { clock, cloud, stacks };
}

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
