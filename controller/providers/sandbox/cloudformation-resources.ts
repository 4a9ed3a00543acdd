// The resources of a sandbox stack as CloudFormation lists them (DescribeStackResources,
// ListStackResources): one per template resource, with the status that names the ones holding
// the stack in a failed state — DELETE_FAILED (cfn.delete-failed-retain) and, after a rollback
// that failed, UPDATE_FAILED (cfn.update-rollback-failed-skip).

import type { StackResource, StackResourceSummary } from '../aws/api.js';
import { observedPhase } from './stacks.js';
import type { StackRecord } from './state.js';
import { parseTemplate } from './template.js';

/** ListStackResources pages hold at most this many summaries. */
const PAGE = 100;

interface ResourceRow {
  logicalId: string;
  type: string;
  status: StackResourceSummary['ResourceStatus'];
}

function rows(stack: StackRecord, now: number): ResourceRow[] {
  const { status } = observedPhase(stack, now);
  const deleteFailed = status === 'DELETE_FAILED' ? new Set(stack.failDeletion ?? []) : new Set<string>();
  const rollbackFailed = status === 'UPDATE_ROLLBACK_FAILED' ? new Set(stack.failRollback ?? []) : new Set<string>();
  let resources: Record<string, unknown> = {};
  try {
    resources = parseTemplate(stack.current.templateBody).resources;
  } catch {
    resources = {}; // a stack in REVIEW_IN_PROGRESS has no template yet
  }
  return Object.entries(resources).map(([logicalId, resource]) => ({
    logicalId,
    type: String((resource as { Type?: unknown }).Type ?? ''),
    status: deleteFailed.has(logicalId) ? 'DELETE_FAILED' : rollbackFailed.has(logicalId) ? 'UPDATE_FAILED' : status === 'DELETE_FAILED' ? 'DELETE_COMPLETE' : 'CREATE_COMPLETE',
  }));
}

export function describeStackResources(stack: StackRecord, now: number): StackResource[] {
  return rows(stack, now).map((row) => ({
    StackName: stack.name,
    StackId: stack.id,
    LogicalResourceId: row.logicalId,
    PhysicalResourceId: `${stack.name}-${row.logicalId}`,
    ResourceType: row.type,
    Timestamp: new Date(now),
    ResourceStatus: row.status,
  }));
}

/** One page of ListStackResources; NextToken is the index of the next summary. */
export function listStackResources(stack: StackRecord, now: number, nextToken: string | undefined): { StackResourceSummaries: StackResourceSummary[]; NextToken?: string } {
  const all = rows(stack, now);
  const start = nextToken === undefined ? 0 : Number(nextToken);
  const page = all.slice(start, start + PAGE).map((row) => ({
    LogicalResourceId: row.logicalId,
    PhysicalResourceId: `${stack.name}-${row.logicalId}`,
    ResourceType: row.type,
    LastUpdatedTimestamp: new Date(now),
    ResourceStatus: row.status,
  }));
  return { StackResourceSummaries: page, ...(start + PAGE < all.length ? { NextToken: String(start + PAGE) } : {}) };
}
