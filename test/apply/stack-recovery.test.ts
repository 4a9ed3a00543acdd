// Issue 12 item 9 in the executor, on the API-level sandbox through the AWS stacks adapter
// (the code path regionctl runs against AWS): a DELETE_FAILED stack fails again on a plain
// delete and goes with RetainResources naming what failed (cfn.delete-failed-retain); an
// UPDATE_ROLLBACK_FAILED stack is recovered with ContinueUpdateRollback, skipping what could
// not roll back (cfn.update-rollback-failed-skip), and then updated.
import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import type { Step } from '../../controller/plan/types.js';
import { AwsStackProvider } from '../../controller/providers/aws/stacks.js';
import type { Providers } from '../../controller/providers/types.js';
import { makePlan, STACK, stackCreate, stackDelete, START, world, type World } from './helpers.js';

const REGION = 'eu-west-1';

/** The sandbox's providers with stacks served by the AWS adapter over the API-level CloudFormation. */
function apiProviders(w: World): Providers {
  return { ...w.cloud.providers(), stacks: new AwsStackProvider({ clients: w.cloud.api, clock: w.clock }) };
}

async function withStack(): Promise<{ w: World; providers: Providers }> {
  const w = world();
  const providers = apiProviders(w);
  expect((await execute(makePlan([stackCreate(REGION)]), providers, w.options())).failed).toEqual([]);
  return { w, providers };
}

function withPayload(base: Step, patch: Record<string, unknown>, id = base.id): Step {
  return { ...base, id, payload: { ...base.payload, ...patch } } as Step;
}

function continueRollback(resourcesToSkip?: string[]): Step {
  const ref = { kind: 'stack-ref', region: REGION, stackName: STACK, ...(resourcesToSkip ? { resourcesToSkip } : {}) };
  return { id: `${REGION}:stack.continue-rollback`, action: 'stack.continue-rollback', region: REGION, resource: `stack:${REGION}`, dependsOn: [], reason: 'test', payload: ref } as Step;
}

function update(dependsOn: string[] = []): Step {
  const create = stackCreate(REGION);
  if (create.payload.kind !== 'stack') throw new Error('unreachable');
  const input = { ...create.payload.input, parameters: {}, templateBody: `${create.payload.input.templateBody}\n# v2\n`, tags: { ...create.payload.input.tags, version: '2' } };
  return { ...create, id: `${REGION}:stack.update`, action: 'stack.update', dependsOn, payload: { kind: 'stack', input } } as Step;
}

describe('execute on the API-level sandbox: DELETE_FAILED', () => {
  it('a plain delete fails again; the delete retaining the failed resources (as the adapter reads them) removes the stack', async () => {
    const { w, providers } = await withStack();
    w.cloud.faults.fail('DeleteStack');
    const first = await execute(makePlan([stackDelete(REGION)]), providers, w.options());
    expect(first.failed.map((f) => f.message).join('\n')).toMatch(/failed to delete: DELETE_FAILED: The following resource\(s\) failed to delete: \[\w+\]/);

    const live = await providers.stacks.describe(REGION, STACK);
    expect(live).toMatchObject({ status: 'DELETE_FAILED' });
    const retain = live!.failedResources!;
    expect(retain).toHaveLength(1);

    const retry = await execute(makePlan([withPayload(stackDelete(REGION), {}, `${REGION}:stack.delete#retry`)]), providers, w.options());
    expect(retry.failed).toHaveLength(1);
    expect((await providers.stacks.describe(REGION, STACK))?.status).toBe('DELETE_FAILED');

    const escalated = await execute(makePlan([withPayload(stackDelete(REGION), { retainResources: retain }, `${REGION}:stack.delete#retain`)]), providers, w.options());
    expect(escalated.failed).toEqual([]);
    expect(await providers.stacks.describe(REGION, STACK)).toBeUndefined();
    const deletes = w.cloud.calls.entries.filter((call) => call.operation === 'DeleteStack');
    expect(deletes.length).toBe(3);
  });
});

describe('execute on the API-level sandbox: UPDATE_ROLLBACK_FAILED', () => {
  async function rollbackFailed() {
    const { w, providers } = await withStack();
    w.cloud.faults.fail('StackUpdate');
    w.cloud.faults.fail('StackUpdateRollback');
    const failed = await execute(makePlan([update()]), providers, w.options());
    expect(failed.failed).toHaveLength(1);
    const live = await providers.stacks.describe(REGION, STACK);
    expect(live).toMatchObject({ status: 'UPDATE_ROLLBACK_FAILED' });
    expect(live?.failedResources).toHaveLength(1);
    return { w, providers, skip: live!.failedResources! };
  }

  it('continues the rollback skipping what could not roll back, then updates the stack', async () => {
    const { w, providers, skip } = await rollbackFailed();
    // The cause is still there: a rollback of that resource would fail again, unless it is skipped.
    w.cloud.faults.fail('ContinueUpdateRollback');
    const cont = continueRollback(skip);
    // The next reconcile's plan (planned later: its client tokens are new).
    const result = await execute(makePlan([cont, update([cont.id])], START + 60_000), providers, w.options());
    expect(result.failed).toEqual([]);
    expect(await providers.stacks.describe(REGION, STACK)).toMatchObject({ status: 'UPDATE_COMPLETE', tags: { version: '2' } });
    const sent = w.cloud.calls.entries.filter((call) => call.operation === 'ContinueUpdateRollback');
    expect(sent).toHaveLength(1);
  });

  it('without skipping, a rollback whose cause is still there ends UPDATE_ROLLBACK_FAILED again and is reported', async () => {
    const { w, providers } = await rollbackFailed();
    w.cloud.faults.fail('ContinueUpdateRollback');
    const result = await execute(makePlan([continueRollback()]), providers, w.options());
    expect(result.failed.map((f) => f.message).join('\n')).toMatch(/failed to continue the rollback of: UPDATE_ROLLBACK_FAILED/);
  });
});
