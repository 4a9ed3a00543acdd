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

/**
 * No progress without a person, but not a manifest mistake: a missing hosted zone, an
 * unusable sandbox file, a failed step. Subclasses set their own name.
 */
export class StalledError extends Error {}

/** A bug in regionctl. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

/**
 * What the caller should do about an error, decided in one place for the executor, the
 * controller's conditions and the CLI:
 * - user: fix the manifest or the command line (CLI: one line; controller: Stalled, no retry);
 * - waiting: AWS is busy with it, look again later; transient: throttling, 5xx, network;
 * - stalled: a person must act outside the manifest (controller: Stalled True, still retried);
 * - internal: a bug (CLI: stack trace; controller: Stalled True).
 */
export type ErrorKind = 'user' | 'waiting' | 'transient' | 'stalled' | 'internal';

export interface ErrorClass {
  kind: ErrorKind;
  /** The text for a person: the error's own message; for a bug, prefixed with its class. */
  message: string;
  /** 1 an error; 3 a plan refused by a guardrail (the CLI contract: 0 none, 2 changes with --detailed-exitcode). */
  exitCode: 1 | 3;
  /** How the controller reports it: Stalled True/False and the condition's reason. */
  condition: { stalled: boolean; reason: string };
  /** Whether the controller retries on its own (with backoff). */
  retry: boolean;
}

/**
 * The *_IN_PROGRESS state named by one of AWS's "busy" answers, undefined for any other text.
 * CloudFormation says it two ways (ValidationError, or InvalidChangeSetStatus from ExecuteChangeSet):
 *   "Stack:ARN is in UPDATE_IN_PROGRESS state and can not be updated."   (UpdateStack, CreateChangeSet)
 *   "Stack [ARN] cannot be deleted while in status UPDATE_IN_PROGRESS"    (DeleteStack)
 * (conformance cases cfn.busy-stack, cfn.delete-busy-stack). REVIEW_IN_PROGRESS is not busy: such
 * a stack waits for a change set to be executed and never moves on by itself.
 */
export function busyState(message: string): string | undefined {
  const match = /\bis in ([A-Z_]+_IN_PROGRESS) state\b|\bcannot be deleted while in status ([A-Z_]+_IN_PROGRESS)\b/.exec(message);
  const state = match?.[1] ?? match?.[2];
  return state === 'REVIEW_IN_PROGRESS' ? undefined : state;
}

export function classifyError(error: unknown): ErrorClass {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : 'Error';
  if (error instanceof GuardrailRefusal) {
    return { kind: 'user', message, exitCode: 3, condition: { stalled: true, reason: 'ManifestInvalid' }, retry: false };
  }
  if (error instanceof ManifestError || error instanceof UsageError) {
    return { kind: 'user', message, exitCode: 1, condition: { stalled: true, reason: 'ManifestInvalid' }, retry: false };
  }
  // An AWS refusal in AWS's own "busy" wording is a wait, whichever layer let it through unmapped.
  if (error instanceof WaitingError || (error instanceof AwsRequestError && busyState(message) !== undefined)) return { kind: 'waiting', message, exitCode: 1, condition: { stalled: false, reason: 'Retrying' }, retry: true };
  if (error instanceof TransientError) return { kind: 'transient', message, exitCode: 1, condition: { stalled: false, reason: 'Retrying' }, retry: true };
  // AWS refused the request as invalid: retrying alone will not help, but a person may fix it outside the manifest.
  if (error instanceof StalledError || error instanceof AwsRequestError) {
    return { kind: 'stalled', message, exitCode: 1, condition: { stalled: true, reason: name }, retry: true };
  }
  return { kind: 'internal', message: `internal error: ${name}: ${message}`, exitCode: 1, condition: { stalled: true, reason: 'InternalError' }, retry: true };
}
