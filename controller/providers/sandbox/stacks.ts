// CloudFormation's stack status model, shared by the sandbox's API-level CloudFormation
// (cloudformation-api.ts) and the health checkers (a stack serves while it is stable):
// an operation is a start time plus phases, and every status is derived from the clock.

import type { StackStatus } from '../types.js';
import type { SandboxContext } from './context.js';
import type { Latencies, StackOperation, StackPhase, StackRecord } from './state.js';
import type { ParsedTemplate } from './template.js';

export function isInProgress(status: StackStatus): boolean {
  return status.endsWith('_IN_PROGRESS');
}

/** Status observed at `now`: the running phase of an operation, else the settled status. */
export function observedPhase(stack: StackRecord, now: number): { status: StackStatus; reason?: string } {
  const op = stack.operation;
  if (op) {
    let elapsed = now - op.startedAt;
    for (const phase of op.phases) {
      if (elapsed < phase.ms) return { status: phase.status, ...(phase.reason ? { reason: phase.reason } : {}) };
      elapsed -= phase.ms;
    }
  }
  return { status: stack.status, ...(stack.statusReason ? { reason: stack.statusReason } : {}) };
}

/** Applies every finished operation to the stored state (pure function of the clock). */
export function settleStacks(ctx: SandboxContext): void {
  const now = ctx.clock.now();
  const gone = new Set<StackRecord>();
  for (const stack of ctx.state.stacks) {
    const op = stack.operation;
    if (!op) continue;
    const total = op.phases.reduce((sum, p) => sum + p.ms, 0);
    if (now < op.startedAt + total) continue;
    if (op.finalStatus === 'GONE') {
      gone.add(stack);
      // Still described by ARN as DELETE_COMPLETE (cfn.deleted-stack-by-id).
      (ctx.state.deletedStacks ??= []).push({ region: stack.region, name: stack.name, id: stack.id, createdAt: stack.createdAt ?? op.startedAt, deletedAt: op.startedAt + total });
      continue;
    }
    stack.status = op.finalStatus;
    if (op.finalReason) stack.statusReason = op.finalReason;
    else delete stack.statusReason;
    if (op.live === 'requested' && stack.requested) stack.current = stack.requested;
    delete stack.requested;
    delete stack.operation;
  }
  if (gone.size > 0) ctx.state.stacks = ctx.state.stacks.filter((s) => !gone.has(s));
}

function failureReason(kind: 'create' | 'update', template: ParsedTemplate): string {
  const first = Object.keys(template.resources)[0] ?? 'Resource';
  return `The following resource(s) failed to ${kind}: [${first}]`;
}

/** The phases of a create or update as the API-level sandbox runs it (cloudformation-api.ts). */
export function stackPhases(
  latencies: Latencies,
  kind: 'create' | 'update',
  fails: boolean,
  rollbackFails: boolean,
  now: number,
  template: ParsedTemplate,
): StackOperation {
  const failed = failureReason(kind, template);
  if (kind === 'create') {
    return fails
      ? {
          kind,
          startedAt: now,
          phases: [
            { status: 'CREATE_IN_PROGRESS', ms: latencies.stackCreate, reason: 'User Initiated' },
            { status: 'ROLLBACK_IN_PROGRESS', ms: latencies.stackRollback, reason: `${failed}. Rollback requested by user.` },
          ],
          finalStatus: 'ROLLBACK_COMPLETE',
          finalReason: `${failed}. Rollback requested by user.`,
          live: 'previous',
        }
      : { kind, startedAt: now, phases: [{ status: 'CREATE_IN_PROGRESS', ms: latencies.stackCreate, reason: 'User Initiated' }], finalStatus: 'CREATE_COMPLETE', live: 'requested' };
  }
  const phases: StackPhase[] = [{ status: 'UPDATE_IN_PROGRESS', ms: latencies.stackUpdate, reason: 'User Initiated' }];
  if (!fails) {
    phases.push({ status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', ms: latencies.stackCleanup });
    return { kind, startedAt: now, phases, finalStatus: 'UPDATE_COMPLETE', live: 'requested' };
  }
  phases.push({ status: 'UPDATE_ROLLBACK_IN_PROGRESS', ms: latencies.stackRollback, reason: `${failed}.` });
  if (!rollbackFails) {
    phases.push({ status: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', ms: latencies.stackCleanup });
    return { kind, startedAt: now, phases, finalStatus: 'UPDATE_ROLLBACK_COMPLETE', live: 'previous' };
  }
  return {
    kind,
    startedAt: now,
    phases,
    finalStatus: 'UPDATE_ROLLBACK_FAILED',
    finalReason: `${failed.replace('failed to update', 'failed to update during rollback')}.`,
    live: 'previous',
  };
}
