// Errors typed by what the caller should do (see architecture.md).

/** A person must fix the manifest: stalled until a new revision. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(message: string, readonly issues: ReadonlyArray<{ file: string; line: number; column: number; rule: string; message: string }> = []) {
    super(message);
  }
}

/** The command line or the environment is wrong: fix the invocation (exit 1). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An AWS operation is in progress: come back later. */
export class WaitingError extends Error {
  override readonly name = 'WaitingError';
  constructor(message: string, readonly resource?: string) {
    super(message);
  }
}

/** Throttling, 5xx, network: back off and retry. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, readonly code?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** AWS refused the request as invalid (with AWS's own message): retrying will not help. */
export class AwsRequestError extends Error {
  override readonly name = 'AwsRequestError';
  constructor(message: string, readonly code: string, readonly resource?: string) {
    super(message);
  }
}

/** The plan was refused by a guardrail: report, do nothing. */
export class GuardrailRefusal extends Error {
  override readonly name = 'GuardrailRefusal';
  constructor(message: string, readonly refusals: ReadonlyArray<{ rule: string; resource: string; message: string }>) {
    super(message);
  }
}

/** A bug in regionctl. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

export function isRetryable(error: unknown): boolean {
  return error instanceof TransientError || error instanceof WaitingError;
}
