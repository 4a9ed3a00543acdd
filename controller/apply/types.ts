// Public shapes of the executor: its options, its progress events and its result.

import type { Clock } from '../clock.js';
import type { Step } from '../plan/types.js';

export interface PollIntervals {
  /** DescribeStacks while a stack operation runs. */
  stackMs: number;
  /** DescribeTable while a table or replica is busy. */
  tableMs: number;
  /** GetChange until a Route 53 change is INSYNC. */
  dnsChangeMs: number;
  /** GetHealthCheckStatus during health waits. */
  healthMs: number;
}

/** How long each kind of wait may last before its step fails. Health waits use the step's own timeoutMs. */
export interface Timeouts {
  stackMs: number;
  /** Waiting for the table to be ACTIVE, then for the replica to be created or deleted. */
  replicaMs: number;
  dnsChangeMs: number;
}

export interface RetryPolicy {
  /** First backoff ceiling; doubles per attempt up to capMs (full jitter below the ceiling). */
  baseMs: number;
  capMs: number;
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Uniform in [0, 1); inject a seeded one for reproducible tests. */
  random: () => number;
}

export type ExecEventType = 'step-start' | 'step-done' | 'step-failed' | 'step-skipped' | 'batch-sent';

export interface ExecEvent {
  type: ExecEventType;
  /** The step concerned; absent for batch-sent (see stepIds). */
  step?: Step;
  region?: string;
  /** Virtual (clock) time since execute() started. */
  elapsedMs: number;
  message?: string;
  /** batch-sent: the steps whose changes went in that ChangeResourceRecordSets call. */
  stepIds?: string[];
  /** batch-sent: the hosted zone. */
  zoneId?: string;
}

export interface ExecuteOptions {
  clock: Clock;
  /** Regions with work in flight at once (a region holds a slot from its first step's start to its last step's end). */
  maxParallelRegions: number;
  /** Owner id seeding idempotency tokens; defaults to plan.regionSet. */
  regionSet?: string;
  /** Stack name used to read outputs of a region that has no stack step in the plan. */
  stackName?: string;
  pollIntervals?: Partial<PollIntervals>;
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryPolicy>;
  /** Once aborted, no new step starts; running steps finish; the rest is reported as not started. */
  signal?: AbortSignal;
  onEvent?: (event: ExecEvent) => void;
}

export interface StepFailureReport {
  stepId: string;
  message: string;
}

export interface SkippedStep {
  stepId: string;
  /** Id of the failed step that made this one impossible. */
  causedBy: string;
}

export interface ApplyResult {
  completed: string[];
  failed: StepFailureReport[];
  skipped: SkippedStep[];
  /** Steps never started because the run was aborted. */
  notStarted: string[];
  aborted: boolean;
  /** Virtual (clock) time the run took. */
  elapsedMs: number;
}

// AWS SDK waiters poll every 30 s; these are as often as the operations usually change.
export const DEFAULT_POLL_INTERVALS: PollIntervals = { stackMs: 5_000, tableMs: 10_000, dnsChangeMs: 5_000, healthMs: 10_000 };

export const DEFAULT_TIMEOUTS: Timeouts = {
  stackMs: 60 * 60_000,
  // Replica creation copies the table: minutes for small tables, longer for large ones.
  replicaMs: 2 * 60 * 60_000,
  // Route 53 documents INSYNC "usually within 60 seconds".
  dnsChangeMs: 10 * 60_000,
};

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 500, capMs: 20_000, maxAttempts: 6, random: Math.random };
