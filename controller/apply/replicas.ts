// DynamoDB replica changes: one at a time per table, across regions (AWS accepts one
// ReplicaUpdates change per UpdateTable and only while the table and all its replicas
// are ACTIVE). Each change first checks the live table, so a change already made (or
// under way) by an interrupted earlier run is not sent twice.

import { AwsRequestError, TransientError, WaitingError } from '../errors.js';
import type { Step } from '../plan/types.js';
import type { LiveTable } from '../providers/types.js';
import { AwsStepFailure, call, pollUntil, StepFailure, type ExecutionContext } from './context.js';

/** A FIFO lock per table name. */
export class TableQueues {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(table: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(table) ?? Promise.resolve();
    const result = previous.then(work, work);
    this.tails.set(
      table,
      result.catch(() => undefined),
    );
    return result;
  }
}

export async function runReplicaStep(ctx: ExecutionContext, queues: TableQueues, step: Step): Promise<string | undefined> {
  if (step.payload.kind !== 'replica') throw new StepFailure(`step ${step.id}: ${step.action} needs a replica payload, got ${step.payload.kind}`);
  const { table, region } = step.payload;
  const adding = step.action === 'replica.create';
  if (!adding && step.action !== 'replica.delete') throw new StepFailure(`step ${step.id}: ${step.action} is not a replica action`);
  return queues.run(table, async () => {
    const outcome = await sendWhenTableIsReady(ctx, table, region, adding, candidateRegions(ctx, region), step.payload.kmsKeyId);
    if (outcome === 'already-done') return adding ? `replica in ${region} already ACTIVE` : `no replica in ${region}`;
    await waitForReplica(ctx, table, region, adding, candidateRegions(ctx, region));
    return undefined;
  });
}

/**
 * Regions to read the table in: every region the plan knows about, those likely to hold a
 * replica first (each region tried without the table costs a DescribeTable call), the
 * changing region last (while it is being added or removed, its view is the least useful).
 */
function candidateRegions(ctx: ExecutionContext, changing: string): string[] {
  const transitions = ctx.plan.summary?.regions ?? {};
  const regions = new Set<string>(Object.keys(transitions));
  for (const step of ctx.plan.steps) if (step.region) regions.add(step.region);
  regions.delete(changing);
  const joining = (region: string) => (transitions[region] === 'joining' ? 1 : 0);
  const ordered = [...regions].sort((a, b) => joining(a) - joining(b) || (a < b ? -1 : a > b ? 1 : 0));
  return [...ordered, changing];
}

async function describeTable(ctx: ExecutionContext, table: string, candidates: string[]): Promise<LiveTable | undefined> {
  return call(ctx, `DescribeTable ${table}`, () => ctx.providers.tables.describe(table, candidates));
}

async function sendWhenTableIsReady(
  ctx: ExecutionContext,
  table: string,
  region: string,
  adding: boolean,
  candidates: string[],
  kmsKeyId?: string,
): Promise<'sent' | 'already-done' | 'under-way'> {
  const change = adding ? `add replica ${region}` : `remove replica ${region}`;
  return pollUntil<'sent' | 'already-done' | 'under-way'>(ctx, `table ${table} and all its replicas to be ACTIVE (to ${change})`, ctx.poll.tableMs, ctx.timeouts.replicaMs, async () => {
    const live = await describeTable(ctx, table, candidates);
    if (!live) {
      if (!adding) return { done: 'already-done' as const };
      throw new StepFailure(`table ${table} was not found in any of ${candidates.join(', ')}`);
    }
    const target = live.replicas.find((replica) => replica.region === region);
    if (adding && target?.status === 'ACTIVE') return { done: 'already-done' as const };
    if (adding && target?.status === 'CREATING') return { done: 'under-way' as const };
    if (adding && target?.status === 'CREATION_FAILED') {
      throw new StepFailure(`replica of ${table} in ${region} is CREATION_FAILED: ${target.statusDescription ?? 'no description'}`);
    }
    if (!adding && !target) return { done: 'already-done' as const };
    if (!adding && target?.status === 'DELETING') return { done: 'under-way' as const };

    const busy = [
      ...(live.status === 'ACTIVE' ? [] : [`table ${live.status}`]),
      ...live.replicas.filter((replica) => replica.status !== 'ACTIVE').map((replica) => `${replica.region} ${replica.status}`),
    ];
    if (busy.length > 0) return { waiting: busy.join(', ') };
    const via = viaRegion(ctx, live, region);
    if (!via) throw new StepFailure(`table ${table} has no ACTIVE replica other than ${region} to send "${change}" through`);
    const what = `UpdateTable ${table} via ${via} (${change})`;
    try {
      // Sent once per check: UpdateTable carries no idempotency token, so after a timeout or
      // 5xx (the change may have been accepted, its answer lost) the next check re-reads the
      // table and sends again only if the change is not there (issue 12 item 8).
      if (adding) await ctx.providers.tables.addReplica(table, via, region, kmsKeyId);
      else await ctx.providers.tables.removeReplica(table, via, region);
      return { done: 'sent' as const };
    } catch (error) {
      if (isTableBusy(error)) return { waiting: `UpdateTable answered: ${(error as Error).message}` };
      if (error instanceof TransientError) {
        return { waiting: `${what} got no answer (${error.message}): reading the table before sending it again` };
      }
      if (!adding && isSourceHold(error)) {
        throw new AwsStepFailure(
          `${what}: AWS keeps a replica for 24 hours after it was the source of a new replica (${error.message}); ` +
            `run \`regionctl apply\` again once 24 hours have passed since the last replica was added to ${table}`,
          error.code,
        );
      }
      if (error instanceof AwsRequestError) throw new AwsStepFailure(`${what}: ${error.message}`, error.code);
      throw error;
    }
  });
}

/**
 * The region to send a replica change through: an ACTIVE replica other than the changing
 * one. AWS refuses for 24 hours to remove a replica that was the source of a replica creation
 * (ddb.source-replica-24h), so, in order of preference: a region that stays and held its
 * replica before this plan; a region that stays (not leaving, draining or losing its replica
 * in this plan); any. Deterministic: first in sort order within a rank.
 */
function viaRegion(ctx: ExecutionContext, live: LiveTable, changing: string): string | undefined {
  const transitions = ctx.plan.summary?.regions ?? {};
  const regionsOf = (action: string) => new Set(ctx.plan.steps.filter((step) => step.action === action && step.region).map((step) => step.region!));
  const removed = regionsOf('replica.delete');
  const created = regionsOf('replica.create');
  const rank = (region: string) =>
    removed.has(region) || transitions[region] === 'leaving' || transitions[region] === 'draining' ? 2 : created.has(region) ? 1 : 0;
  const active = live.replicas
    .filter((replica) => replica.region !== changing && replica.status === 'ACTIVE')
    .map((replica) => replica.region)
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return active[0];
}

/** AWS's refusal to remove a replica that sourced a replica creation less than 24 hours ago (ddb.source-replica-24h). */
function isSourceHold(error: unknown): error is AwsRequestError {
  return error instanceof AwsRequestError && /acted as a source region/.test(error.message);
}

/** AWS's "not now": another table operation is running (here or account-wide). */
function isTableBusy(error: unknown): boolean {
  if (error instanceof WaitingError) return true;
  const code = error instanceof AwsStepFailure || error instanceof AwsRequestError ? error.code : undefined;
  return code !== undefined && /ResourceInUse|LimitExceeded/.test(code);
}

async function waitForReplica(ctx: ExecutionContext, table: string, region: string, adding: boolean, candidates: string[]): Promise<void> {
  const goal = adding ? `replica of ${table} in ${region} to be ACTIVE` : `replica of ${table} in ${region} to be deleted`;
  await pollUntil(
    ctx,
    goal,
    ctx.poll.tableMs,
    ctx.timeouts.replicaMs,
    async () => {
      const live = await describeTable(ctx, table, candidates);
      const target = live?.replicas.find((replica) => replica.region === region);
      if (!adding) return target ? { waiting: `replica ${target.status}` } : { done: undefined };
      if (!live) throw new StepFailure(`table ${table} disappeared while adding a replica in ${region}`);
      if (!target) return { waiting: 'replica not listed yet' };
      if (target.status === 'ACTIVE') return { done: undefined };
      if (target.status === 'CREATION_FAILED') {
        throw new StepFailure(`replica of ${table} in ${region} failed to create: ${target.statusDescription ?? 'no description'}`);
      }
      if (target.status !== 'CREATING' && target.status !== 'UPDATING') {
        throw new StepFailure(`replica of ${table} in ${region} went to ${target.status} while being created${target.statusDescription ? `: ${target.statusDescription}` : ''}`);
      }
      return { waiting: `replica ${target.status}` };
    },
    true,
  );
}
