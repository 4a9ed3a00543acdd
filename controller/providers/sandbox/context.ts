// What every sandbox service shares: state, clock, latencies, faults, the call log, and
// `invokeApi`, the single door every AWS API call goes through (hook, faults, logging).

import type { Clock } from '../../clock.js';
import type { AwsService, CallLog, CallRecord } from './calls.js';
import type { Faults } from './faults.js';
import { awsError } from './aws-error.js';
import type { SandboxState } from './state.js';
import { sha256Hex } from './util.js';

export interface CallInfo {
  service: AwsService;
  /** AWS API operation, e.g. CreateChangeSet: the name the call log shows and faults match. */
  operation: string;
  region?: string;
  write: boolean;
}

/** Called before every API call takes effect; throwing aborts the call (e.g. a simulated kill). */
export type CallHook = (call: CallInfo & { seq: number; at: number }) => void;

export interface SandboxContext {
  readonly state: SandboxState;
  readonly clock: Clock;
  readonly faults: Faults;
  readonly calls: CallLog;
  onCall?: CallHook | undefined;
  /** Called after every API call with its outcome. */
  afterCall?: ((call: CallRecord) => void) | undefined;
}

/**
 * Runs one AWS API call: the onCall hook, then throttling/5xx/timeout faults, then the call
 * itself; logs it with its outcome. Faults are thrown as the SDK would throw them, for the
 * adapter to map. afterCall runs last; throwing there loses the answer of a call that took effect.
 */
export async function invokeApi<T>(ctx: SandboxContext, info: CallInfo, fn: (entry: CallRecord) => T | Promise<T>): Promise<T> {
  const entry = ctx.calls.record({ ...info, at: ctx.clock.now(), outcome: 'pending' });
  try {
    ctx.onCall?.({ ...info, seq: entry.seq, at: entry.at });
    const fault = ctx.faults.take(info.operation, info.region, ['throttle', 'unavailable', 'priorRequestNotComplete', 'requestLost', 'answerLost'], info.service);
    if (fault === 'requestLost') throw requestTimeout();
    if (fault !== undefined && fault !== 'fail' && fault !== 'answerLost') {
      // cfn.throttling, r53.rate-limit-errors
      const [code, message] = FAULT_ERRORS[fault];
      throw awsError(code, message, code === 'ServiceUnavailable' ? 503 : 400);
    }
    const result = await fn(entry);
    // The call took effect; only its answer is lost.
    if (fault === 'answerLost') throw requestTimeout();
    if (entry.outcome === 'pending') entry.outcome = 'ok';
    return result;
  } catch (error) {
    entry.outcome = errorCode(error);
    throw error;
  } finally {
    ctx.afterCall?.(entry);
  }
}

/** AWS's refusals over a rate limit, as cfn.throttling and r53.rate-limit-errors assert them. */
const FAULT_ERRORS = {
  throttle: ['Throttling', 'Rate exceeded'],
  unavailable: ['ServiceUnavailable', 'Service Unavailable'],
  priorRequestNotComplete: ['PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.'],
} as const;

/** What the SDK's HTTP handler throws when requestTimeout passes (throwOnRequestTimeout). */
function requestTimeout(): Error {
  const error = new Error('Request did not complete within the request timeout');
  error.name = 'TimeoutError';
  return error;
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
