// Fault injection by AWS operation for the services the sandbox serves at the API level
// ('ChangeResourceRecordSets'), by provider method for the others ('stacks.create',
// 'stacks.*'), by service ('route53:*') or everything ('*'); optionally for one region, for
// the next N calls or with a probability from the seeded RNG.
//
// Kinds: 'throttle' (TransientError Throttling "Rate exceeded"), 'unavailable' (TransientError
// ServiceUnavailable), 'priorRequestNotComplete' (Route 53's concurrent-change refusal),
// 'requestLost' (a TimeoutError before the call takes effect), 'answerLost' (the call takes
// effect, then a TimeoutError: the answer is lost), and
// 'fail': the call is accepted but its asynchronous work fails. Async failure names:
//   stacks.create                 → ROLLBACK_IN_PROGRESS → ROLLBACK_COMPLETE
//   stacks.update                 → UPDATE_ROLLBACK_IN_PROGRESS → UPDATE_ROLLBACK_COMPLETE
//   stacks.updateRollback         → the rollback of a failed update ends UPDATE_ROLLBACK_FAILED
//   stacks.continueUpdateRollback → ends UPDATE_ROLLBACK_FAILED again
//   stacks.delete                 → DELETE_FAILED
//   UpdateTable                   → the replica it creates ends CREATION_FAILED

import type { FaultKind, FaultRecord, SandboxState } from './state.js';
import { nextRandom } from './util.js';

/** Provider methods a throttling/5xx fault can target (logged AWS operation in comments). */
export const FAULT_OPERATIONS = [
  'stacks.describe', // DescribeStacks
  'stacks.listByTag', // DescribeStacks (no name, all pages)
  'stacks.create', // CreateStack
  'stacks.update', // UpdateStack
  'stacks.delete', // DeleteStack
  'stacks.continueUpdateRollback', // ContinueUpdateRollback
  'stacks.previewChanges', // CreateChangeSet
  // CloudFormation, at the API level (cloudformation-api.ts): AWS operation names.
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
export const ASYNC_FAILURE_OPERATIONS = [
  'stacks.create',
  'stacks.update',
  'stacks.updateRollback',
  'stacks.continueUpdateRollback',
  'stacks.delete',
  // At the API level: a create (CreateStack or a CREATE change set executed), an update
  // (UpdateStack or an UPDATE change set executed), that update's rollback too, ContinueUpdateRollback,
  // and DeleteStack (its first resource then keeps failing to delete until retained).
  'CreateStack',
  'UpdateStack',
  'UpdateStack:rollback',
  'ContinueUpdateRollback',
  'DeleteStack',
  'UpdateTable',
] as const;

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
  if (operation.endsWith('.*') && known.some((k) => k.startsWith(operation.slice(0, -1)))) return;
  throw new Error(`sandbox: no ${kind === 'fail' ? 'asynchronous ' : ''}operation '${operation}' to fault (known: ${known.join(', ')})`);
}

function matches(fault: FaultRecord, operation: string, region: string | undefined, service: string | undefined): boolean {
  if (fault.region !== undefined && fault.region !== region) return false;
  if (fault.operation === '*' || fault.operation === operation) return true;
  if (service !== undefined && fault.operation === `${service}:*`) return true;
  return fault.operation.endsWith('.*') && operation.startsWith(fault.operation.slice(0, -1));
}
