// AWS's lower bound for a membership change, by hand: stack waves of maxParallelRegions,
// one replica change per table at a time, replica deletes only when replicas are removed,
// joining and leaving side by side; anything but membership is refused.

import { describe, expect, it } from 'vitest';
import { desiredState } from '../apply/desired.js';
import { awsLowerBound } from './aws-lower-bound.js';
import { BENCH_LATENCIES } from './convergence.bench.js';

const L = BENCH_LATENCIES;
const THREE = { 'us-east-1': '{}', 'eu-west-1': '{}', 'ap-southeast-1': '{}' };
const RAMP = 3 * L.dnsChange + 2 * 120_000;
const LEAVE = L.dnsChange + 300_000 + L.dnsChange;

describe('awsLowerBound', () => {
  it('runs stacks in waves of maxParallelRegions when the stacks are the longer path', async () => {
    const fastReplicas = { ...L, replicaCreate: 10_000 };
    const before = await desiredState({ regions: THREE });
    const after = await desiredState({ regions: { ...THREE, 'us-west-2': '{}', 'us-west-1': '{}', 'eu-central-1': '{}' }, maxParallelRegions: 2 });
    const bound = awsLowerBound(before, after, fastReplicas);
    expect(bound.joining).toEqual(['eu-central-1', 'us-west-1', 'us-west-2']);
    // Two waves of stacks, then the last region's check turns healthy, then the ramp.
    expect(bound.totalMs).toBe(2 * L.stackCreate + 30_000 + RAMP);
  });

  it('deletes removed replicas one at a time per table, beside the stack deletes', async () => {
    const before = await desiredState({ regions: THREE, removeReplicas: true });
    const after = await desiredState({ regions: { 'us-east-1': '{}' }, removeReplicas: true });
    const bound = awsLowerBound(before, after, L);
    expect(bound.leaving).toEqual(['ap-southeast-1', 'eu-west-1']);
    expect(bound.totalMs).toBe(LEAVE + Math.max(L.stackDelete, 2 * L.replicaDelete));
  });

  it('lets a region join while another drains: the longer of the two', async () => {
    const before = await desiredState({ regions: THREE });
    const after = await desiredState({ regions: { ...THREE, 'ap-southeast-1': '{ state: drained }', 'us-west-2': '{}' } });
    const bound = awsLowerBound(before, after, L);
    expect(bound.leaveMs).toBe(LEAVE);
    expect(bound.joinMs).toBe(Math.max(L.stackCreate + 30_000, L.replicaCreate) + RAMP);
    expect(bound.totalMs).toBe(bound.joinMs);
  });

  it('refuses a scenario that changes more than region membership', async () => {
    const before = await desiredState({ regions: THREE });
    const after = { ...(await desiredState({ regions: THREE })), tables: [] };
    expect(() => awsLowerBound(before, after, L)).toThrow(/covers region membership changes only; this scenario also changes the tables/);
  });
});
