// What every sandbox service shares: state, clock, latencies, faults, the call log, and
// `invoke`, the single door every provider call goes through (hook, faults, logging).

import type { Clock } from '../../clock.js';
import { TransientError } from '../../errors.js';
import type { AwsService, CallLog, CallRecord } from './calls.js';
import type { Faults } from './faults.js';
import type { SandboxState } from './state.js';
import { sha256Hex } from './util.js';

export interface CallInfo {
  service: AwsService;
  /** AWS API operation, e.g. UpdateStack. */
  operation: string;
  /** Provider method, e.g. stacks.update (the name faults match). */
  method: string;
  region?: string;
  write: boolean;
}

/** Called before every provider call takes effect; throwing aborts the call (e.g. a simulated kill). */
export type CallHook = (call: CallInfo & { seq: number; at: number }) => void;

export interface SandboxContext {
  readonly state: SandboxState;
  readonly clock: Clock;
  readonly faults: Faults;
  readonly calls: CallLog;
  onCall?: CallHook | undefined;
  /** Called after every provider call with its outcome. */
  afterCall?: ((call: CallRecord) => void) | undefined;
}

/**
 * Runs one provider call: the onCall hook, then throttling/5xx faults, then the call itself;
 * logs it with its outcome. `fn` may set `entry.outcome` itself (e.g. a read that found
 * nothing, which AWS reports as an error code the provider turns into undefined).
 * afterCall runs last; throwing there loses the answer of a call that took effect.
 */
export async function invoke<T>(ctx: SandboxContext, info: CallInfo, fn: (entry: CallRecord) => T | Promise<T>): Promise<T> {
  const entry = ctx.calls.record({ ...info, at: ctx.clock.now(), outcome: 'pending' });
  try {
    ctx.onCall?.({ ...info, seq: entry.seq, at: entry.at });
    const fault = ctx.faults.take(info.method, info.region, ['throttle', 'unavailable', 'priorRequestNotComplete']);
    if (fault === 'throttle') throw new TransientError('Rate exceeded', 'Throttling');
    if (fault === 'unavailable') throw new TransientError('Service Unavailable', 'ServiceUnavailable');
    if (fault === 'priorRequestNotComplete') {
      throw new TransientError('The request was rejected because Route 53 was still processing a prior request.', 'PriorRequestNotComplete');
    }
    const result = await fn(entry);
    if (entry.outcome === 'pending') entry.outcome = 'ok';
    return result;
  } catch (error) {
    entry.outcome = errorCode(error);
    throw error;
  } finally {
    ctx.afterCall?.(entry);
  }
}

/** Logs an extra AWS call made inside one provider method (a further page, a second region). */
export function logExtraCall(ctx: SandboxContext, info: CallInfo, outcome = 'ok'): void {
  const entry = ctx.calls.record({ ...info, at: ctx.clock.now(), outcome });
  ctx.afterCall?.(entry);
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return (error as { name?: string }).name ?? 'Error';
}

/** A deterministic unique suffix: sandbox ids never depend on wall-clock or Math.random. */
export function nextId(ctx: SandboxContext, kind: string, length: number, alphabet: 'hex' | 'upper' = 'hex'): string {
  const n = ++ctx.state.sequence;
  const hex = sha256Hex(ctx.state.accountId, kind, String(n));
  if (alphabet === 'hex') return hex.slice(0, length);
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += chars[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % chars.length];
  return out;
}
