// CloudFormation steps: send the operation with an idempotency token, then poll
// DescribeStacks until the stack is stable and judge the final status.

import type { Step } from '../plan/types.js';
import type { LiveStack, StackInput, StackStatus } from '../providers/types.js';
import { call, pollUntil, StepFailure, stepToken, type ExecutionContext } from './context.js';

interface Settled {
  /** undefined: the stack is gone. */
  stack: LiveStack | undefined;
  /** The most telling reason seen on the way (AWS clears it once a rollback completes). */
  reason: string | undefined;
}

export async function runStackStep(ctx: ExecutionContext, step: Step): Promise<string | undefined> {
  const payload = step.payload;
  switch (step.action) {
    case 'stack.create': {
      const input = stackInput(ctx, step);
      await create(ctx, input);
      return undefined;
    }
    case 'stack.update': {
      const input = stackInput(ctx, step);
      const answer = await call(ctx, `UpdateStack ${describeStack(input.region, input.name)}`, () => ctx.providers.stacks.update(input));
      ctx.stacks.delete(input.region);
      if (answer === 'no-changes') return 'no changes to perform';
      const { stack, reason } = await waitUntilStable(ctx, input.region, input.name, 'to finish updating');
      if (stack?.status === 'UPDATE_COMPLETE') return remember(ctx, stack);
      if (stack?.status === 'UPDATE_ROLLBACK_COMPLETE') {
        ctx.stacks.set(input.region, stack);
        throw new StepFailure(`stack ${describeStack(input.region, input.name)}: update rolled back: ${reason ?? 'no reason given'}`);
      }
      throw unexpected(input.region, input.name, 'update', stack, reason);
    }
    case 'stack.recreate': {
      // ROLLBACK_COMPLETE cannot be updated: AWS's way out is delete, then create again. A
      // DELETE_FAILED stack is deleted retaining the resources that failed (cfn.delete-failed-retain).
      const input = stackInput(ctx, step);
      const retain = step.payload.kind === 'stack' ? step.payload.retainResources : undefined;
      await remove(ctx, input.region, input.name, stepToken(ctx, step, 'delete'), retain);
      await create(ctx, input);
      return undefined;
    }
    case 'stack.continue-rollback': {
      const { region, stackName, resourcesToSkip } = stackRef(step);
      await call(ctx, `ContinueUpdateRollback ${describeStack(region, stackName)}`, () =>
        ctx.providers.stacks.continueUpdateRollback(region, stackName, stepToken(ctx, step), resourcesToSkip),
      );
      const { stack, reason } = await waitUntilStable(ctx, region, stackName, 'to finish rolling back');
      if (stack?.status === 'UPDATE_ROLLBACK_COMPLETE') return remember(ctx, stack);
      throw unexpected(region, stackName, 'continue the rollback of', stack, reason);
    }
    case 'stack.delete': {
      const { region, stackName, retainResources } = stackRef(step);
      await remove(ctx, region, stackName, stepToken(ctx, step), retainResources);
      return undefined;
    }
    case 'stack.wait': {
      const { region, stackName } = stackRef(step);
      const { stack } = await waitUntilStable(ctx, region, stackName, 'to finish its current operation');
      if (!stack) {
        ctx.stacks.set(region, undefined);
        return 'stack is gone';
      }
      remember(ctx, stack);
      return `settled at ${stack.status}`;
    }
    default:
      throw new StepFailure(`step ${step.id}: ${step.action} is not a stack action (payload ${payload.kind})`);
  }
}

async function create(ctx: ExecutionContext, input: StackInput): Promise<void> {
  await call(ctx, `CreateStack ${describeStack(input.region, input.name)}`, () => ctx.providers.stacks.create(input));
  ctx.stacks.delete(input.region);
  // Just after a CREATE change set is executed, AWS may still show REVIEW_IN_PROGRESS.
  const { stack, reason } = await waitUntilStable(ctx, input.region, input.name, 'to finish creating', true);
  if (stack?.status === 'CREATE_COMPLETE') {
    // Termination protection only once the first create completed: a failed create stays deletable.
    if (input.terminationProtection && !stack.terminationProtection) {
      await call(ctx, `UpdateTerminationProtection ${describeStack(input.region, input.name)}`, () =>
        ctx.providers.stacks.setTerminationProtection(input.region, input.name, true),
      );
      remember(ctx, { ...stack, terminationProtection: true });
      return;
    }
    remember(ctx, stack);
    return;
  }
  if (stack) ctx.stacks.set(input.region, stack);
  throw unexpected(input.region, input.name, 'create', stack, reason);
}

async function remove(ctx: ExecutionContext, region: string, name: string, token: string, retain?: string[]): Promise<void> {
  const what = `DeleteStack ${describeStack(region, name)}${retain?.length ? ` retaining ${retain.join(', ')}` : ''}`;
  await call(ctx, what, () => ctx.providers.stacks.delete(region, name, token, retain));
  ctx.stacks.delete(region);
  const { stack, reason } = await waitUntilStable(ctx, region, name, 'to be deleted');
  if (stack) {
    ctx.stacks.set(region, stack);
    throw unexpected(region, name, 'delete', stack, reason);
  }
  ctx.stacks.set(region, undefined);
}

/**
 * REVIEW_IN_PROGRESS is a stack waiting for a change set to be executed: it never moves on
 * by itself, except right after this run executed one (`creating`), and then within
 * seconds: past REVIEW_GRACE_MS the create is reported instead of waited on for an hour.
 */
function isInProgress(status: StackStatus, creating: boolean): boolean {
  return status.endsWith('_IN_PROGRESS') && (creating || status !== 'REVIEW_IN_PROGRESS');
}

export const REVIEW_GRACE_MS = 2 * 60_000;

async function waitUntilStable(ctx: ExecutionContext, region: string, name: string, what: string, creating = false): Promise<Settled> {
  let reason: string | undefined;
  const started = ctx.clock.now();
  const stack = await pollUntil<LiveStack | undefined>(
    ctx,
    `stack ${describeStack(region, name)} ${what}`,
    ctx.poll.stackMs,
    ctx.timeouts.stackMs,
    async () => {
      const stack = await call(ctx, `DescribeStacks ${describeStack(region, name)}`, () => ctx.providers.stacks.describe(region, name));
      if (!stack) return { done: undefined };
      if (stack.statusReason && /FAILED|ROLLBACK/.test(stack.status)) reason = stack.statusReason;
      if (creating && stack.status === 'REVIEW_IN_PROGRESS' && ctx.clock.now() - started >= REVIEW_GRACE_MS) {
        reason = 'its change set was executed but the stack stayed in REVIEW_IN_PROGRESS; check the change set in the CloudFormation console';
        return { done: stack };
      }
      if (isInProgress(stack.status, creating)) return { waiting: `last status ${stack.status}` };
      return { done: stack };
    },
    true,
  );
  return { stack, reason: stack?.statusReason ?? reason };
}

function remember(ctx: ExecutionContext, stack: LiveStack): undefined {
  ctx.stacks.set(stack.region, stack);
  return undefined;
}

function unexpected(region: string, name: string, verb: string, stack: LiveStack | undefined, reason: string | undefined): StepFailure {
  if (!stack) return new StepFailure(`stack ${describeStack(region, name)} disappeared while waiting for it to ${verb}`);
  return new StepFailure(`stack ${describeStack(region, name)} failed to ${verb}: ${stack.status}${reason ? `: ${reason.trim()}` : ''}`);
}

function stackInput(ctx: ExecutionContext, step: Step): StackInput {
  if (step.payload.kind !== 'stack') throw new StepFailure(`step ${step.id}: ${step.action} needs a stack payload, got ${step.payload.kind}`);
  return { ...step.payload.input, clientToken: stepToken(ctx, step) };
}

function stackRef(step: Step): { region: string; stackName: string; retainResources?: string[]; resourcesToSkip?: string[] } {
  if (step.payload.kind === 'stack-ref') return step.payload;
  if (step.payload.kind === 'stack') return { region: step.payload.input.region, stackName: step.payload.input.name };
  throw new StepFailure(`step ${step.id}: ${step.action} needs a stack payload, got ${step.payload.kind}`);
}

export function describeStack(region: string, name: string): string {
  return `${name} in ${region}`;
}
