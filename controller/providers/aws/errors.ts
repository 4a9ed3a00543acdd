// SDK errors mapped to the typed errors of controller/errors.ts, by what the caller
// should do: back off and retry (throttling, 5xx, network), wait (resource busy), or
// report AWS's own message (the request is wrong; retrying will not help).

import { AwsRequestError, busyState, TransientError, WaitingError } from '../../errors.js';

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

const BUSY = new Set(['ResourceInUseException', 'LimitExceededException', 'OperationInProgressException']);

const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

/** Maps an SDK error; `what` names the call and resource for the message. */
export function mapAwsError(error: unknown, what: string, resource?: string): Error {
  if (error instanceof TransientError || error instanceof WaitingError) return error;
  if (error instanceof AwsRequestError) return busyState(error.message) !== undefined ? new WaitingError(error.message, error.resource ?? resource) : error;
  const code = errorCode(error);
  const message = (error as Error)?.message ?? String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (THROTTLING.has(code)) return new TransientError(`${what}: AWS throttled the request (${code}: ${message})`, code, { cause: error });
  if (BUSY.has(code) || busyState(message) !== undefined) return new WaitingError(`${what}: ${code}: ${message}`, resource);
  if ((status !== undefined && status >= 500) || NETWORK.has(code) || NETWORK.has((error as { code?: string })?.code ?? '')) {
    return new TransientError(`${what}: ${code}${status ? ` (HTTP ${status})` : ''}: ${message}`, code, { cause: error });
  }
  return new AwsRequestError(`${what}: ${code}: ${message}`, code, resource);
}

/** Runs one SDK call and maps its error. */
export async function awsCall<T>(what: string, call: () => Promise<T>, resource?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapAwsError(error, what, resource);
  }
}

/** The AWS error code of an SDK error (its name), or of a plain error's code. */
export function errorCode(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string };
  return e?.Code ?? e?.name ?? e?.code ?? 'Error';
}
