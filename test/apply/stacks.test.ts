import { describe, expect, it } from 'vitest';
import { clientToken, execute } from '../../controller/apply/execute.js';
import { TransientError } from '../../controller/errors.js';
import type { Step } from '../../controller/plan/types.js';
import type { Providers, StackInput } from '../../controller/providers/types.js';
import { makePlan, REGION_SET, STACK, stackCreate, stackDelete, START, TEMPLATE, world, type World } from './helpers.js';

const TEMPLATE_V2 = `${TEMPLATE.replace('Outputs:', `  Extra:
    Type: AWS::SSM::Parameter
    Properties:
      Value: v2
Outputs:`)}`;

function stackStep(action: 'stack.update' | 'stack.recreate', region: string, templateBody = TEMPLATE_V2): Step {
  const create = stackCreate(region);
  if (create.payload.kind !== 'stack') throw new Error('unreachable');
  return { ...create, id: `${region}:${action}`, action, payload: { kind: 'stack', input: { ...create.payload.input, templateBody } } } as Step;
}

async function withStack(region = 'eu-west-1'): Promise<World> {
  const w = world();
  const result = await execute(makePlan([stackCreate(region)]), w.cloud.providers(), w.options());
  expect(result.failed).toEqual([]);
  w.events.length = 0;
  w.cloud.calls.reset();
  return w;
}

describe('execute: stacks', () => {
  it('sends a deterministic client token, and reuses it when a create is retried after a lost answer', async () => {
    const w = world();
    const sandbox = w.cloud.providers();
    const tokens: string[] = [];
    let answerLost = false;
    const providers: Providers = {
      ...sandbox,
      stacks: {
        ...sandbox.stacks,
        describe: (region, name) => sandbox.stacks.describe(region, name),
        create: async (input: StackInput) => {
          tokens.push(input.clientToken);
          await sandbox.stacks.create(input);
          // The stack is being created, but the answer never reaches us.
          if (!answerLost) {
            answerLost = true;
            throw new TransientError('socket hang up', 'NetworkingError');
          }
        },
      },
    };

    const result = await execute(makePlan([stackCreate('eu-west-1')]), providers, w.options());

    expect(result.failed).toEqual([]);
    expect(tokens).toEqual([clientToken(REGION_SET, 'eu-west-1:stack.create', START), clientToken(REGION_SET, 'eu-west-1:stack.create', START)]);
    expect(tokens[0]).toMatch(/^rc-[0-9a-f]{32}$/);
    expect(w.cloud.listStacks()).toHaveLength(1);
  });

  it('treats "no updates are to be performed" as done', async () => {
    const w = await withStack();

    const result = await execute(makePlan([stackStep('stack.update', 'eu-west-1', TEMPLATE)]), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    expect(w.events.find((event) => event.type === 'step-done')?.message).toBe('no changes to perform');
  });

  it('updates a stack and waits for UPDATE_COMPLETE', async () => {
    const w = await withStack();

    const result = await execute(makePlan([stackStep('stack.update', 'eu-west-1')]), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    expect(w.cloud.peekStack('eu-west-1', STACK)?.status).toBe('UPDATE_COMPLETE');
  });

  it('reports an update that rolled back, with the reason CloudFormation gave', async () => {
    const w = await withStack();
    w.cloud.faults.fail('StackUpdate');

    const result = await execute(makePlan([stackStep('stack.update', 'eu-west-1')]), w.cloud.providers(), w.options());

    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.message).toMatch(/^stack global-api in eu-west-1: update rolled back: The following resource\(s\) failed to update: /);
  });

  it('recreates a stack that cannot be updated (delete, wait until gone, create)', async () => {
    const w = world();
    w.cloud.faults.fail('StackCreate');
    await execute(makePlan([stackCreate('eu-west-1')]), w.cloud.providers(), w.options());
    expect(w.cloud.peekStack('eu-west-1', STACK)?.status).toBe('ROLLBACK_COMPLETE');
    w.cloud.calls.reset();

    const result = await execute(makePlan([stackStep('stack.recreate', 'eu-west-1')]), w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    expect(w.cloud.calls.writes().map((call) => call.operation)).toEqual(['DeleteStack', 'CreateChangeSet', 'ExecuteChangeSet']);
    expect(w.cloud.peekStack('eu-west-1', STACK)?.status).toBe('CREATE_COMPLETE');
  });

  it('deletes a stack and waits until it is gone; DELETE_FAILED fails the step', async () => {
    const w = await withStack('eu-west-1');
    await execute(makePlan([stackCreate('us-west-2')]), w.cloud.providers(), w.options());
    w.cloud.faults.fail('DeleteStack', { region: 'us-west-2' });

    const result = await execute(makePlan([stackDelete('eu-west-1'), stackDelete('us-west-2')]), w.cloud.providers(), w.options());

    expect(result.completed).toEqual(['eu-west-1:stack.delete']);
    expect(result.failed).toEqual([
      { stepId: 'us-west-2:stack.delete', message: 'stack global-api in us-west-2 failed to delete: DELETE_FAILED: The following resource(s) failed to delete: [Api].' },
    ]);
    expect(w.cloud.peekStack('eu-west-1', STACK)).toBeUndefined();
  });
});
