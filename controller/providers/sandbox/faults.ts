// Fault injection by AWS operation ('CreateChangeSet', 'ChangeResourceRecordSets', 'UpdateTable'),
// by service ('cloudformation:*', 'route53:*') or everything ('*'); optionally for one region,
// for the next N calls or with a probability from the seeded RNG. Every service is served at
// the API level, so a fault hits the call the AWS adapter sends, under the name the call log
// (and CloudTrail) shows.
//
// Kinds: 'throttle' (Throttling "Rate exceeded"), 'unavailable' (ServiceUnavailable, HTTP 503),
// 'priorRequestNotComplete' (Route 53's concurrent-change refusal), 'requestLost' (a
// TimeoutError before the call takes effect), 'answerLost' (the call takes effect, then a
// TimeoutError: the answer is lost), and
// 'fail': the call is accepted but its asynchronous work fails. Outcome names:
//   StackCreate            → the next stack creation (an executed CREATE change set, or
//                            CreateStack) ends ROLLBACK_IN_PROGRESS → ROLLBACK_COMPLETE
//   StackUpdate            → the next update (an executed UPDATE change set, or UpdateStack)
//                            ends UPDATE_ROLLBACK_IN_PROGRESS → UPDATE_ROLLBACK_COMPLETE
//   StackUpdateRollback    → with StackUpdate: that update's rollback fails, UPDATE_ROLLBACK_FAILED
//   ContinueUpdateRollback → ends UPDATE_ROLLBACK_FAILED again
//   DeleteStack            → DELETE_FAILED; the resource keeps failing until RetainResources names it
//   UpdateTable            → the replica it creates ends CREATION_FAILED
//
// Before the CloudFormation adapter ran on the sandbox, its faults were keyed by provider
// method ('stacks.create', 'stacks.*'). Those keys are refused with the new name
// (LEGACY_STACK_FAULTS); a saved state file holding them is migrated on load (migrateFaults).

import type { FaultKind, FaultRecord, SandboxState } from './state.js';
import { nextRandom } from './util.js';

/** AWS operations a throttling/5xx/timeout fault can target. */
export const FAULT_OPERATIONS = [
  // CloudFormation (cloudformation-api.ts). CreateStack, UpdateStack and DescribeStackResources
  // are sent only by the conformance corpus; the adapter creates and updates by change set.
  'DescribeStacks',
  'CreateStack',
  'UpdateStack',
  'DeleteStack',
  'CreateChangeSet',
  'DescribeChangeSet',
  'ExecuteChangeSet',
  'DeleteChangeSet',
  'ListChangeSets',
  'ContinueUpdateRollback',
  'UpdateTerminationProtection',
  'DescribeStackResources',
  'ListStackResources',
  // DynamoDB, at the API level.
  'DescribeTable',
  'UpdateTable',
  'DescribeTableReplicaAutoScaling',
  // Route 53, at the API level: AWS operation names.
  'ListHostedZonesByName',
  'GetHostedZone',
  'ListResourceRecordSets',
  'ChangeResourceRecordSets',
  'GetChange',
  'ListHealthChecks',
  'CreateHealthCheck',
  'UpdateHealthCheck',
  'DeleteHealthCheck',
  'GetHealthCheckStatus',
  'ChangeTagsForResource',
] as const;

/** Service wildcards: every call to that service. */
export const FAULT_SERVICES = ['cloudformation:*', 'dynamodb:*', 'route53:*'] as const;

/** Operations whose asynchronous work a 'fail' fault can break. */
export const ASYNC_FAILURE_OPERATIONS = ['StackCreate', 'StackUpdate', 'StackUpdateRollback', 'ContinueUpdateRollback', 'DeleteStack', 'UpdateTable'] as const;

/**
 * The provider-method keys of before, with the AWS operation each now is: `fail` for the
 * outcome fault, `call` for the first call that method sends on AWS (throttling, 5xx, timeouts).
 */
export const LEGACY_STACK_FAULTS: Readonly<Record<string, { call: string; fail?: string }>> = {
  'stacks.describe': { call: 'DescribeStacks' },
  'stacks.listByTag': { call: 'DescribeStacks' },
  'stacks.create': { call: 'CreateChangeSet', fail: 'StackCreate' },
  'stacks.update': { call: 'CreateChangeSet', fail: 'StackUpdate' },
  'stacks.updateRollback': { call: 'CreateChangeSet', fail: 'StackUpdateRollback' },
  'stacks.previewChanges': { call: 'CreateChangeSet' },
  'stacks.delete': { call: 'DeleteStack', fail: 'DeleteStack' },
  'stacks.continueUpdateRollback': { call: 'ContinueUpdateRollback', fail: 'ContinueUpdateRollback' },
  'stacks.*': { call: 'cloudformation:*' },
  // The first API-level outcome names, before the adapter sent change sets.
  CreateStack: { call: 'CreateStack', fail: 'StackCreate' },
  UpdateStack: { call: 'UpdateStack', fail: 'StackUpdate' },
  'UpdateStack:rollback': { call: 'UpdateStack', fail: 'StackUpdateRollback' },
};

/** The key a fault of this kind has today, for one saved or typed with an older key (undefined: unchanged). */
export function renamedFault(operation: string, kind: FaultKind): string | undefined {
  const legacy = LEGACY_STACK_FAULTS[operation];
  if (!legacy) return undefined;
  const renamed = kind === 'fail' ? legacy.fail : legacy.call;
  return renamed === operation ? undefined : renamed;
}

/**
 * Faults of a state file saved before CloudFormation faults were keyed by AWS operation, under
 * their new keys. A key with no counterpart (throttling a stack's setTerminationProtection) is
 * left for checkOperationName to refuse when it is armed again.
 */
export function migrateFaults(faults: readonly FaultRecord[]): FaultRecord[] {
  return faults.map((fault) => {
    const renamed = renamedFault(fault.operation, fault.kind);
    return renamed ? { ...fault, operation: renamed } : fault;
  });
}

export interface FaultOptions {
  region?: string;
  /** Hit the next N matching calls (default 1 unless a probability is given). */
  times?: number;
  /** Hit each matching call with this probability (seeded RNG: reproducible). */
  probability?: number;
}

export class Faults {
  constructor(private readonly getState: () => SandboxState) {}

  inject(operation: string, kind: FaultKind, options: FaultOptions = {}): number {
    checkOperationName(operation, kind);
    const state = this.getState();
    const fault: FaultRecord = {
      id: state.nextFaultId++,
      operation,
      kind,
      ...(options.region !== undefined ? { region: options.region } : {}),
      ...(options.probability !== undefined ? { probability: options.probability } : {}),
      ...(options.times !== undefined || options.probability === undefined ? { remaining: options.times ?? 1 } : {}),
    };
    state.faults.push(fault);
    return fault.id;
  }

  throttle(operation: string, options?: FaultOptions): number {
    return this.inject(operation, 'throttle', options);
  }

  unavailable(operation: string, options?: FaultOptions): number {
    return this.inject(operation, 'unavailable', options);
  }

  /** The next matching call takes effect, then times out: its answer never arrives. */
  answerLost(operation: string, options?: FaultOptions): number {
    return this.inject(operation, 'answerLost', options);
  }

  /** The next matching call times out before it reaches AWS. */
  requestLost(operation: string, options?: FaultOptions): number {
    return this.inject(operation, 'requestLost', options);
  }

  /** The next matching call is accepted but its asynchronous work fails (see the list above). */
  fail(operation: string, options?: FaultOptions): number {
    return this.inject(operation, 'fail', options);
  }

  remove(id: number): void {
    const state = this.getState();
    state.faults = state.faults.filter((f) => f.id !== id);
  }

  clear(): void {
    this.getState().faults = [];
  }

  /** Faults still armed. */
  list(): readonly FaultRecord[] {
    return this.getState().faults;
  }

  /** Reseeds the RNG used by probabilistic faults. */
  seed(seed: number): void {
    this.getState().rngState = seed >>> 0;
  }

  /** Consumes the first armed fault of these kinds matching the call; undefined if none hits. */
  take(operation: string, region: string | undefined, kinds: readonly FaultKind[], service?: string): FaultKind | undefined {
    const state = this.getState();
    for (const fault of state.faults) {
      if (!kinds.includes(fault.kind) || !matches(fault, operation, region, service)) continue;
      if (fault.probability !== undefined) {
        const [value, next] = nextRandom(state.rngState);
        state.rngState = next;
        if (value >= fault.probability) continue;
      }
      if (fault.remaining !== undefined) {
        fault.remaining -= 1;
        if (fault.remaining <= 0) state.faults = state.faults.filter((f) => f !== fault);
      }
      return fault.kind;
    }
    return undefined;
  }
}

/** A misspelt operation would silently never fire: refuse it. */
function checkOperationName(operation: string, kind: FaultKind): void {
  const known: readonly string[] = kind === 'fail' ? ASYNC_FAILURE_OPERATIONS : FAULT_OPERATIONS;
  if (operation === '*' || known.includes(operation)) return;
  if (kind !== 'fail' && (FAULT_SERVICES as readonly string[]).includes(operation)) return;
  const renamed = renamedFault(operation, kind);
  if (renamed) throw new Error(`sandbox: fault key '${operation}' is now '${renamed}' (CloudFormation faults are keyed by AWS operation, as the call log names them)`);
  throw new Error(`sandbox: no ${kind === 'fail' ? 'asynchronous ' : ''}operation '${operation}' to fault (known: ${known.join(', ')})`);
}

function matches(fault: FaultRecord, operation: string, region: string | undefined, service: string | undefined): boolean {
  if (fault.region !== undefined && fault.region !== region) return false;
  if (fault.operation === '*' || fault.operation === operation) return true;
  return service !== undefined && fault.operation === `${service}:*`;
}
