// The least time AWS itself needs to take a RegionSet from one manifest to another, computed
// from the two manifests and the sandbox's service latencies only — never from regionctl's
// plan, so a needless serialisation in the plan shows as a ratio above 1 instead of
// lengthening the bound with it.
//
// The critical path follows what AWS and a safe rollout require, and nothing else:
//   joining region:  stack create ∥ replica create (one replica change per table at a time:
//                    DynamoDB refuses a second while one is in progress), the health check
//                    after the stack (it probes a stack output), healthy after its first
//                    request interval(s), then the first weight (needs the data and a healthy
//                    check) and the ramp: each weight a Route 53 change until INSYNC, a
//                    stepWait hold between weights.
//   leaving region:  weight 0 INSYNC → drainWait → record delete INSYNC → (removed) stack
//                    delete ∥ replica deletes (queued per table) when replicas are removed.
//   maxParallelRegions bounds how many stacks run at once (waves); regions are otherwise
//   independent, joining and leaving overlap.
// The scenario may change region membership only (anything else has no bound here and throws).

import type { DesiredRegion, DesiredState } from '../../controller/manifest/types.js';
import type { Latencies } from '../../controller/providers/sandbox/index.js';

export interface LowerBoundBreakdown {
  joining: string[];
  leaving: string[];
  /** Finish of the slowest joining region (0 when none joins). */
  joinMs: number;
  /** Finish of the slowest leaving region (0 when none leaves). */
  leaveMs: number;
  totalMs: number;
}

export function awsLowerBound(before: DesiredState, after: DesiredState, latencies: Latencies): LowerBoundBreakdown {
  assertMembershipChangeOnly(before, after);
  const serving = (region: DesiredRegion | undefined) => region !== undefined && region.state !== 'drained';
  const beforeByCode = new Map(before.regions.map((region) => [region.code, region]));
  const afterByCode = new Map(after.regions.map((region) => [region.code, region]));
  const joining = after.regions.filter((region) => serving(region) && !serving(beforeByCode.get(region.code))).map((region) => region.code);
  const leaving = before.regions.filter((region) => serving(region) && !serving(afterByCode.get(region.code))).map((region) => region.code);
  const removed = leaving.filter((code) => !afterByCode.has(code));

  const joinMs = joining.length === 0 ? 0 : joinFinishMs(joining.length, after, latencies);
  const leaveMs = leaving.length === 0 ? 0 : leaveFinishMs(removed.length, after, latencies);
  return { joining, leaving, joinMs, leaveMs, totalMs: Math.max(joinMs, leaveMs) };
}

function joinFinishMs(joiningCount: number, after: DesiredState, latencies: Latencies): number {
  const stackWaves = Math.ceil(joiningCount / after.rollout.maxParallelRegions);
  const lastStackDone = stackWaves * latencies.stackCreate;
  const healthyAfterStack = lastStackDone + firstHealthyMs(after, latencies);
  // Each table takes its new replicas one after another; tables run side by side.
  const lastReplicaDone = after.tables.length === 0 ? 0 : joiningCount * latencies.replicaCreate;
  return Math.max(healthyAfterStack, lastReplicaDone) + rampMs(after, latencies);
}

function leaveFinishMs(removedCount: number, after: DesiredState, latencies: Latencies): number {
  const drained = latencies.dnsChange + after.rollout.drainWaitMs + latencies.dnsChange;
  if (removedCount === 0) return drained;
  const replicaDeletes = after.tables.some((table) => table.removeReplicas) ? removedCount * latencies.replicaDelete : 0;
  const stackDeletes = Math.ceil(removedCount / after.rollout.maxParallelRegions) * latencies.stackDelete;
  return drained + Math.max(stackDeletes, replicaDeletes);
}

/** A new check reports healthy once its checkers have probed for `healthCheckIntervals` request intervals. */
function firstHealthyMs(desired: DesiredState, latencies: Latencies): number {
  const intervals = desired.dns.records.flatMap((record) => (record.healthCheck ? [record.healthCheck.interval * 1000] : []));
  return Math.max(0, ...intervals) * latencies.healthCheckIntervals;
}

/** Weighted records go through every ramp weight (a change each, holds between); others are one change. */
function rampMs(desired: DesiredState, latencies: Latencies): number {
  const weighted = desired.dns.records.some((record) => record.routing === 'weighted');
  const changes = weighted ? desired.rollout.ramp.length : 1;
  return changes * latencies.dnsChange + (changes - 1) * desired.rollout.stepWaitMs;
}

function assertMembershipChangeOnly(before: DesiredState, after: DesiredState): void {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed = [
    before.stack.templateHash !== after.stack.templateHash && 'the stack template',
    !same(before.tables, after.tables) && 'the tables',
    !same(before.dns, after.dns) && 'the DNS records',
  ].filter((what): what is string => typeof what === 'string');
  if (changed.length > 0) throw new Error(`aws lower bound: covers region membership changes only; this scenario also changes ${changed.join(', ')}`);
}
