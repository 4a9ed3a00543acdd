// The one place the conformance corpus meets the sandbox. The API-level sandbox (issue 12,
// part 0) exposes `cloud.api.cloudFormation(region)`, `cloud.api.dynamodb(region)` and
// `cloud.api.route53()`, each with `send(operationName, input)` returning SDK-shaped outputs
// and throwing SDK-shaped errors. When it is merged, wire it here (a few lines) and rename
// sandbox.conformance.ts.txt to sandbox.conformance.test.ts: every case then runs on it.
import type { ConformanceTarget } from './runner.js';

/** What the sandbox must offer beyond the API: the AWS-side happenings of ControlCall. */
export interface SandboxControls {
  /** Moves the sandbox clock (service latencies, 24-hour rules, INSYNC) forward. */
  advanceTime(milliseconds: number): Promise<void>;
  /** Runs one control operation of cases/types.ts (setCheckerReports, failResourceDeletion, …). */
  control(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * A fresh, empty sandbox account as a conformance target. `pause` between polls advances the
 * sandbox clock instead of waiting in real time, so cases with AWS's latencies stay fast.
 */
export function sandboxTarget(): ConformanceTarget {
  throw new Error(
    'the API-level sandbox is not merged yet: make sandboxTarget() return { cloudFormation, dynamodb, route53 } from cloud.api, ' +
      'control from the sandbox clock and fault injection, and pause that advances the clock',
  );
}
