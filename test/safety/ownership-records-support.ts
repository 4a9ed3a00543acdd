// A sandbox world for the ownership safety tests (issue #11, item 7): converge a manifest
// with the real planner and executor, add records of other owners through the Route 53 API
// (the sandbox refuses what Route 53 refuses), and plan or apply with the call log watched.

import { expect } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import type { Plan } from '../../controller/plan/types.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import type { DnsRecord } from '../../controller/providers/types.js';
import { planReconcile } from '../../controller/reconcile.js';
import { apiTemplate, sandboxDesired } from '../support/builders.js';

export const TEMPLATE = apiTemplate({ stage: true });

export const NAME = 'api.example.com.';

export const manifest = sandboxDesired;

export interface World {
  clock: FakeClock;
  cloud: SandboxCloud;
  zoneId: string;
}

export function emptyWorld(): World {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const cloud = new SandboxCloud({ clock });
  const zoneId = cloud.seedZone('example.com.').id;
  cloud.seedTable('orders', 'us-east-1');
  return { clock, cloud, zoneId };
}

/** Plans and applies until the plan is empty (at most 3 rounds); every plan must be allowed. */
export async function converge(world: World, desired: DesiredState): Promise<number[]> {
  const counts: number[] = [];
  for (let round = 0; round < 3; round++) {
    const { plan } = await planReconcile(desired, world.cloud.providers(), { now: world.clock.now() });
    expect(plan.refusals).toEqual([]);
    counts.push(plan.steps.length);
    if (plan.steps.length === 0) break;
    const result = await execute(plan, world.cloud.providers(), { clock: world.clock, maxParallelRegions: 4, regionSet: desired.name });
    expect(result.failed).toEqual([]);
  }
  return counts;
}

export async function worldAt(desired: DesiredState): Promise<World> {
  const world = emptyWorld();
  await converge(world, desired);
  return world;
}

/** Another tool writes records into the zone (the sandbox refuses what Route 53 would). */
export async function addForeign(world: World, ...records: DnsRecord[]): Promise<void> {
  await world.cloud.providers().dns.change(world.zoneId, records.map((record) => ({ action: 'CREATE' as const, record })), 'another tool');
  world.cloud.calls.reset();
}

export function foreignWeighted(setIdentifier: string, weight: number, overrides: Partial<DnsRecord> = {}): DnsRecord {
  return { name: NAME, type: 'CNAME', setIdentifier, ttl: 60, weight, values: [`${setIdentifier.replace(/[^a-z0-9]/g, '-')}.other.example.org`], ...overrides };
}

export async function planOf(world: World, desired: DesiredState): Promise<Plan> {
  return (await planReconcile(desired, world.cloud.providers(), { now: world.clock.now() })).plan;
}

/** The zone's records with this set identifier. */
export function recordsAt(world: World, setIdentifier: string): DnsRecord[] {
  return world.cloud.recordsOf('example.com.').filter((record) => record.setIdentifier === setIdentifier);
}

/** A refused plan: the executor refuses it as a whole and AWS sees no write. */
export async function expectRefusedWithoutWrites(world: World, plan: Plan, desired: DesiredState): Promise<void> {
  const before = JSON.stringify(world.cloud.toJSON().zones);
  const stacksBefore = world.cloud.listStacks().length;
  await expect(execute(plan, world.cloud.providers(), { clock: world.clock, maxParallelRegions: 4, regionSet: desired.name })).rejects.toThrow(/refused; nothing was changed/);
  expect(world.cloud.calls.writes()).toEqual([]);
  expect(JSON.stringify(world.cloud.toJSON().zones)).toBe(before);
  expect(world.cloud.listStacks()).toHaveLength(stacksBefore);
}
