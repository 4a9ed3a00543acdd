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
  override readonly name: string = 'AwsRequestError';
  constructor(message: string, readonly code: string, readonly resource?: string) {
    super(message);
  }
}

/**
 * AWS credentials could not be found, or AWS rejected them: a person fixes the profile or
 * the environment (CLI: one line, exit 1; controller: Stalled, retried, since IRSA and
 * instance roles refresh on their own). An AwsRequestError, so that callers that tell a
 * disabled opt-in region by its code (InvalidClientTokenId) still can.
 */
export class CredentialsError extends AwsRequestError {
  override readonly name = 'CredentialsError';
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
  // An SDK credentials failure that reached here unwrapped (a client other than the providers').
  if (!(error instanceof CredentialsError) && credentialsFailureCode(error) !== undefined) return classifyError(toCredentialsError(error, {}));
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
  if (error instanceof CredentialsError) return { kind: 'stalled', message, exitCode: 1, condition: { stalled: true, reason: 'CredentialsError' }, retry: true };
  // AWS refused the request as invalid: retrying alone will not help, but a person may fix it outside the manifest.
  if (error instanceof StalledError || error instanceof AwsRequestError) {
    return { kind: 'stalled', message, exitCode: 1, condition: { stalled: true, reason: name }, retry: true };
  }
  return { kind: 'internal', message: `internal error: ${name}: ${message}`, exitCode: 1, condition: { stalled: true, reason: 'InternalError' }, retry: true };
}

/** AWS error codes of credentials AWS does not accept (any service). */
const REJECTED_CREDENTIALS = new Set(['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'InvalidSignatureException', 'AuthFailure']);

/**
 * 'missing' when the SDK found no usable credentials (its CredentialsProviderError, "Could
 * not load credentials from any providers", a profile that does not exist), 'rejected' when
 * AWS refused the ones sent; undefined for any other error.
 */
export function credentialsFailureCode(error: unknown): { kind: 'missing' | 'rejected'; code: string } | undefined {
  const e = error as { name?: string; Code?: string; code?: string; message?: string } | undefined;
  const code = e?.Code ?? e?.name ?? e?.code ?? '';
  if (REJECTED_CREDENTIALS.has(code)) return { kind: 'rejected', code };
  if (code === 'CredentialsProviderError' || code === 'TokenProviderError' || /Could not load credentials from any providers|could not resolve credentials using profile|profile \S+ could not be found/i.test(e?.message ?? '')) {
    return { kind: 'missing', code: code || 'CredentialsProviderError' };
  }
  return undefined;
}

export interface CredentialsContext {
  /** The profile asked for (--profile); else AWS_PROFILE of the environment. */
  profile?: string;
  /** The region of the call, for a rejection (an opt-in region may not be enabled). */
  region?: string;
  env?: NodeJS.ProcessEnv;
}

/** An SDK credentials failure as one message a person can act on: what was tried, what to do. */
export function toCredentialsError(error: unknown, context: CredentialsContext): CredentialsError {
  const failure = credentialsFailureCode(error) ?? { kind: 'missing' as const, code: 'CredentialsProviderError' };
  const env = context.env ?? process.env;
  const detail = scrubSecrets(((error as Error)?.message ?? String(error)).split('\n')[0]!.trim(), env);
  const message = failure.kind === 'missing' ? missingCredentialsMessage(detail, context, env) : rejectedCredentialsMessage(failure.code, detail, context, env);
  return new CredentialsError(message, failure.code);
}

function missingCredentialsMessage(detail: string, context: CredentialsContext, env: NodeJS.ProcessEnv): string {
  const profile = context.profile ?? nonEmpty(env['AWS_PROFILE']);
  const from = context.profile !== undefined ? '--profile' : 'AWS_PROFILE';
  const files = `${nonEmpty(env['AWS_CONFIG_FILE']) ?? '~/.aws/config'} (AWS_CONFIG_FILE) and ${nonEmpty(env['AWS_SHARED_CREDENTIALS_FILE']) ?? '~/.aws/credentials'} (AWS_SHARED_CREDENTIALS_FILE)`;
  const rest = `AWS_WEB_IDENTITY_TOKEN_FILE (${isSet(env, 'AWS_WEB_IDENTITY_TOKEN_FILE')}), container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI ${isSet(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI') === 'set' || isSet(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI') === 'set' ? 'set' : 'not set'}), instance metadata (${env['AWS_EC2_METADATA_DISABLED'] === 'true' ? 'disabled by AWS_EC2_METADATA_DISABLED' : 'not reachable'})`;
  if (profile !== undefined) {
    return (
      `no AWS credentials for profile "${profile}" (${from}): ${detail}. Tried: profile "${profile}" in ${files}, then ${rest}. ` +
      `Next: \`aws sso login --profile ${profile}\` for an SSO profile, \`aws configure --profile ${profile}\` for keys, or name a profile that exists in those files with --profile or AWS_PROFILE`
    );
  }
  return (
    `no AWS credentials found (${detail}). Tried: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${isSet(env, 'AWS_ACCESS_KEY_ID')}), AWS_PROFILE (not set: the default profile in ${files}), ${rest}. ` +
    'Next: pass --profile NAME or set AWS_PROFILE to a configured profile (`aws configure --profile NAME`, or `aws sso login --profile NAME`), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an IAM role is available'
  );
}

function rejectedCredentialsMessage(code: string, detail: string, context: CredentialsContext, env: NodeJS.ProcessEnv): string {
  const profile = context.profile ?? nonEmpty(env['AWS_PROFILE']);
  const source =
    profile !== undefined
      ? `profile "${profile}" (${context.profile !== undefined ? '--profile' : 'AWS_PROFILE'})`
      : isSet(env, 'AWS_ACCESS_KEY_ID') === 'set'
        ? 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
        : 'the default credential chain';
  const where = context.region ? ` in ${context.region}` : '';
  const next =
    code.startsWith('Expired')
      ? profile !== undefined
        ? `the session expired: \`aws sso login --profile ${profile}\` (SSO) or fresh keys with \`aws configure --profile ${profile}\``
        : 'the session expired: get new credentials (a new AWS_SESSION_TOKEN with its keys, or `aws sso login --profile NAME` and --profile NAME)'
      : `check the keys of ${source} (\`aws configure${profile !== undefined ? ` --profile ${profile}` : ''}\`)${context.region ? `, or enable ${context.region} for the account if it is an opt-in region` : ''}`;
  return `AWS rejected the credentials of ${source}${where} (${code}: ${detail}). Next: ${next}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function isSet(env: NodeJS.ProcessEnv, name: string): 'set' | 'not set' {
  return nonEmpty(env[name]) === undefined ? 'not set' : 'set';
}

/** Never print a credential: the values of the key, secret and token variables are masked. */
function scrubSecrets(text: string, env: NodeJS.ProcessEnv): string {
  let out = text;
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) {
    const value = nonEmpty(env[name]);
    if (value !== undefined && value.length >= 4) out = out.split(value).join(`<${name}>`);
  }
  return out;
}
