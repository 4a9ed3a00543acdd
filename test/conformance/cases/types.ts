// The shape of a conformance case: AWS's recorded behaviour as data. A case is a sequence of
// API calls in the SDK's own shapes (operation name + input) with the outcome AWS gave for
// each, and the source that recorded it. The runner (../runner.ts) replays a case against any
// target that speaks the API: the sandbox, moto, or AWS itself.

export type Service = 'cloudformation' | 'dynamodb' | 'route53';

/** Where the expected outcome comes from. Every case names at least one. */
export type Source =
  /** A response recorded against real AWS in localstack/localstack (tests/aws/services/…). */
  | { kind: 'snapshot'; file: string; test: string; key: string }
  /** An AWS API reference or developer-guide page; `quote` is the sentence relied on. */
  | { kind: 'reference'; url: string; quote: string }
  /** An AWS error text quoted verbatim in a public issue thread. */
  | { kind: 'issue'; url: string; quote: string }
  /** Only the project's own notes (/work/shared/reference/aws.md) state it: no public recording found yet. */
  | { kind: 'project'; path: string; quote: string };

/** A field check: the value at a dot path (`Stacks.0.StackStatus`) must … */
export type FieldCheck =
  | { path: string; equals: unknown }
  | { path: string; matches: RegExp }
  | { path: string; present: true }
  | { path: string; absent: true }
  | { path: string; length: number }
  /** … be an array containing an element whose fields equal these. */
  | { path: string; contains: Record<string, unknown> }
  /** … be an array with no element whose fields equal these. */
  | { path: string; lacks: Record<string, unknown> };

export type Outcome =
  | { ok: FieldCheck[] }
  /** `code` is the SDK error's `name` (AWS's error code); `message` exact, or a RegExp where AWS puts ids in it. */
  | { error: { code: string; message?: string | RegExp; httpStatus?: number } };

/**
 * One API call. Strings in `input` may hold `${name}` placeholders filled from values saved by
 * earlier calls (`save: { name: 'dot.path' }`) or from the case's unique `${run}` suffix.
 */
export interface ApiCall {
  service: Service;
  /** AWS region of the endpoint; Route 53 is global and ignores it. Default: the case's region. */
  region?: string;
  operation: string;
  input: Record<string, unknown>;
  /**
   * Asynchronous AWS work: repeat the same call until the check holds (AWS's waiters do the
   * same), then assert `expect`. Targets that finish at once pass on the first poll.
   */
  until?: FieldCheck;
  expect: Outcome;
  save?: Record<string, string>;
  /** Why this step is here, in a few words (printed when it fails). */
  note?: string;
}

/**
 * Something AWS does on its own that no public API triggers: time passing, a checker
 * observing an endpoint, a resource refusing deletion. Only the sandbox has these; a case with
 * a control step can never run on moto or AWS, so it is `moto: false` by construction.
 * Operations (the lead wires them to the sandbox's clock and fault injection):
 *   advanceTime          { Milliseconds }
 *   setCheckerReports    { HealthCheckId, Healthy, Unhealthy }    observations per checker
 *   failResourceDeletion { Region, StackName, LogicalResourceId }  next delete of it fails
 *   failResourceUpdate   { Region, StackName, LogicalResourceId, AndRollback: boolean }
 *   failStackCreation    { Region }   the next stack creation there fails and rolls back (ROLLBACK_COMPLETE)
 *   healthCheckStatus    { HealthCheckId } → { Status: 'Healthy' | 'Unhealthy' }  (CloudWatch HealthCheckStatus)
 *   overRateLimit        { Operation, Code: 'Throttling' | 'PriorRequestNotComplete' }  the next such call
 *                        is refused as AWS refuses a call over its rate limit (or during a prior change)
 */
export interface ControlCall {
  service: 'control';
  operation: 'advanceTime' | 'setCheckerReports' | 'failResourceDeletion' | 'failResourceUpdate' | 'failStackCreation' | 'healthCheckStatus' | 'overRateLimit';
  input: Record<string, unknown>;
  expect?: Outcome;
  save?: Record<string, string>;
  note?: string;
}

export type Step = ApiCall | ControlCall;

export interface ConformanceCase {
  /** Stable id, `<service>.<topic>`, used by README's rule map and by sandbox rules that cite it. */
  id: string;
  title: string;
  service: Service;
  /** Default region of the calls. */
  region: string;
  sources: Source[];
  /** Whether moto 5.2.5 reproduces AWS's outcome; when not, why (AWS wins; the case is not weakened). */
  moto: true | { false: string };
  steps: Step[];
}
