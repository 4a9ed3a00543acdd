// CloudFormation creates through a change set: right after ExecuteChangeSet, AWS can still
// show the stack in REVIEW_IN_PROGRESS. A create must keep waiting, not report a failure.
import { expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import type { Providers } from '../../controller/providers/types.js';
import { makePlan, stackCreate, world } from './helpers.js';
import { REVIEW_GRACE_MS } from '../../controller/apply/stacks.js';

it('keeps waiting while a just-executed create still shows REVIEW_IN_PROGRESS', async () => {
  const w = world();
  const sandbox = w.cloud.providers();
  let reviewAnswers = 2;
  const providers: Providers = {
    ...sandbox,
    // The sandbox's stack provider, with only describe overridden (its methods live on the prototype).
    stacks: Object.assign(Object.create(sandbox.stacks) as Providers['stacks'], {
      describe: async (region: string, name: string) => {
        const stack = await sandbox.stacks.describe(region, name);
        if (stack && reviewAnswers > 0) {
          reviewAnswers--;
          return { ...stack, status: 'REVIEW_IN_PROGRESS' };
        }
        return stack;
      },
    }),
  };
  const result = await execute(makePlan([stackCreate('eu-west-1')]), providers, w.options());
  expect(result.failed).toEqual([]);
  expect(result.completed).toEqual(['eu-west-1:stack.create']);
  expect(reviewAnswers).toBe(0);
});

it('reports a create whose stack stays in REVIEW_IN_PROGRESS instead of waiting an hour', async () => {
  const w = world();
  const sandbox = w.cloud.providers();
  const providers: Providers = {
    ...sandbox,
    stacks: Object.assign(Object.create(sandbox.stacks) as Providers['stacks'], {
      // The change set was executed, but the stack never leaves review (seen on moto).
      describe: async (region: string, name: string) => {
        const stack = await sandbox.stacks.describe(region, name);
        return stack && { ...stack, status: 'REVIEW_IN_PROGRESS' as const };
      },
    }),
  };
  const result = await execute(makePlan([stackCreate('eu-west-1')]), providers, w.options());
  expect(result.failed).toEqual([
    {
      stepId: 'eu-west-1:stack.create',
      message: expect.stringMatching(/failed to create: REVIEW_IN_PROGRESS: its change set was executed but the stack stayed in REVIEW_IN_PROGRESS/),
    },
  ]);
  // Given up after the grace period, not the hour-long stack timeout.
  expect(result.elapsedMs).toBeLessThan(REVIEW_GRACE_MS + 60_000);
});
