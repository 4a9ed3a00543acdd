// What every step handler shares during one execute(): providers, the clock, resolved
// options, idempotency tokens, provider calls with retries, and polling with timeouts.

import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AwsRequestError, StalledError, TransientError, WaitingError } from '../errors.js';
import { formatDuration } from '../manifest/duration.js';
import type { Plan, Step } from '../plan/types.js';
import type { LiveStack, Providers } from '../providers/types.js';
import type { ExecEvent, PollIntervals, RetryPolicy, Timeouts } from './types.js';

/** A step failed for a reason the user can read as is. */
export class StepFailure extends StalledError {
  override readonly name = 'StepFailure';
}

export interface ExecutionContext {
  plan: Plan;
  providers: Providers;
  clock: Clock;
  regionSet: string;
  stackName?: string;
  poll: PollIntervals;
  timeouts: Timeouts;
  retry: RetryPolicy;
  emit(event: Omit<ExecEvent, 'elapsedMs'>): void;
  /** Last known description of each region's stack (outputs for ValueRefs); filled lazily. */
  stacks: Map<string, LiveStack | undefined>;
  /** Health check ids created by this run, by caller reference. */
  healthCheckIds: Map<string, string>;
}

/** `rc-` + 32 hex of sha256(regionSet | step id | plannedAt): the same in a retry of the same run. */
export function clientToken(regionSet: string, stepId: string, plannedAt: number): string {
  return `rc-${createHash('sha256').update(`${regionSet}|${stepId}|${plannedAt}`).digest('hex').slice(0, 32)}`;
}

/** Full jitter: a uniform wait below min(cap, base * 2^attempt). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.floor(policy.random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt));
}

export interface CallOptions {
  /** WaitingError is retried like throttling unless the caller handles it itself. */
  retryWaiting?: boolean;
}

/**
 * One provider call. Throttling and 5xx (TransientError) are retried with backoff on the
 * clock; AWS refusals become step failures carrying AWS's message; anything else is thrown.
 */
export async function call<T>(ctx: ExecutionContext, what: string, fn: () => Promise<T>, options: CallOptions = {}): Promise<T> {
  const retryWaiting = options.retryWaiting ?? true;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const retryable = error instanceof TransientError || (retryWaiting && error instanceof WaitingError);
      if (!retryable) {
        if (error instanceof AwsRequestError) throw new AwsStepFailure(`${what}: ${error.message}`, error.code);
        throw error;
      }
      if (attempt >= ctx.retry.maxAttempts) {
        throw new StepFailure(`${what}: still failing after ${attempt} attempts: ${(error as Error).message}`);
      }
      await ctx.clock.sleep(backoffMs(ctx.retry, attempt - 1));
    }
  }
}

/** An AWS refusal, keeping AWS's error code so a handler can recognise the harmless ones. */
export class AwsStepFailure extends StepFailure {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

export type PollOutcome<T> = { done: T } | { waiting: string };

/**
 * Checks until done, sleeping intervalMs between checks; fails after timeoutMs naming what
 * it waited for and the last thing it saw. With delayFirst the first check comes after one
 * interval (the operation was just started and cannot be finished yet).
 */
export async function pollUntil<T>(
  ctx: ExecutionContext,
  waitingFor: string,
  intervalMs: number,
  timeoutMs: number,
  check: () => Promise<PollOutcome<T>>,
  delayFirst = false,
): Promise<T> {
  const deadline = ctx.clock.now() + timeoutMs;
  if (delayFirst) await ctx.clock.sleep(Math.min(intervalMs, timeoutMs));
  for (;;) {
    const outcome = await check();
    if ('done' in outcome) return outcome.done;
    const now = ctx.clock.now();
    if (now >= deadline) {
      throw new StepFailure(`timed out after ${formatDuration(timeoutMs)} waiting for ${waitingFor} (${outcome.waiting})`);
    }
    await ctx.clock.sleep(Math.min(intervalMs, deadline - now));
  }
}

export function stepToken(ctx: ExecutionContext, step: Step, phase?: string): string {
  return clientToken(ctx.regionSet, phase ? `${step.id}#${phase}` : step.id, ctx.plan.plannedAt);
}
