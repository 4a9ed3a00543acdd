// Ordering: the dependency edges between steps of different passes (by kind: stack ∥ data
// → health → traffic → drain → removal), then depths and the execution-like sort. Adds
// edges to copies of the steps; the passes' own steps are not changed.

import { compareStrings } from './identity.js';
import type { Step } from './types.js';
import { dependencyList, need, type PlanContext, type PlanFacts } from './context.js';

/** The passes' steps with the edges that tie kinds together (`index`: the steps' indexSteps). */
export function orderSteps(context: PlanContext, steps: readonly Step[], facts: Readonly<PlanFacts>, index: ReadonlyMap<string, number> = indexSteps(steps)): Step[] {
  const { removalSteps, joinFinals, reductions, reducingTakeovers, takeoverCreates } = need(
    facts,
    'order',
    'removalSteps',
    'joinFinals',
    'reductions',
    'reducingTakeovers',
    'takeoverCreates',
  );
  const extra = new Map<string, string[]>();
  const dependOn = (id: string, more: Iterable<string>) => {
    if (!index.has(id)) return;
    const list = extra.get(id);
    if (list) list.push(...more);
    else extra.set(id, [...more]);
  };

  // Leaving regions: after their DNS is gone, the stack; after the stack, the replicas (when allowed).
  for (const region of context.leaving) {
    const dns = removalSteps.get(region) ?? [];
    const stackSteps = [`${region}:stack.wait`, `${region}:stack.delete`].filter((id) => index.has(id));
    if (stackSteps[0]) dependOn(stackSteps[0], dns);
    const lastStack = stackSteps[stackSteps.length - 1];
    for (const table of context.desired.tables) {
      // The new copies first: a replica change goes through another ACTIVE replica, and
      // the data must never be down to fewer copies than the plan ends with.
      const creates = context.desired.regions.map((r) => `${r.code}:replica.create:${table.name}`).filter((id) => index.has(id));
      dependOn(`${region}:replica.delete:${table.name}`, [...(lastStack ? [lastStack] : dns), ...creates]);
    }
  }

  // Never shrink before the new capacity serves: reductions wait for every join's last step.
  if (joinFinals.length > 0) {
    for (const id of reductions) dependOn(id, joinFinals);
    const otherJoins = joinFinals.filter((id) => !takeoverCreates.has(id));
    for (const group of reducingTakeovers) for (const id of group) dependOn(id, otherJoins);
  }

  const inventoryAdd = facts.inventoryAdd;
  return steps.map((step) => {
    const more = extra.get(step.id);
    let dependsOn = more ? dependencyList(step.id, [...step.dependsOn, ...more]) : step.dependsOn;
    // Steps of regions not yet in the inventory that wait on nothing wait on the inventory update.
    if (inventoryAdd && step.id !== inventoryAdd && step.region && dependsOn.length === 0 && !context.inventory.includes(step.region)) dependsOn = [inventoryAdd];
    return dependsOn === step.dependsOn ? step : { ...step, dependsOn };
  });
}

/**
 * Each step's position by id; a second step with one id is a planner bug. With `index`,
 * adds the steps to it from position `offset` on (steps appended to those it indexes).
 */
export function indexSteps(steps: readonly Step[], index = new Map<string, number>(), offset = 0): Map<string, number> {
  for (let i = 0; i < steps.length; i++) {
    const id = steps[i]!.id;
    const size = index.size;
    index.set(id, offset + i);
    if (index.size === size) throw new Error(`internal error: planner made two steps with id ${id}`);
  }
  return index;
}

/** Longest chain of dependencies before each step (roots are 0). */
export function dependencyDepths(steps: readonly Step[]): Map<string, number> {
  const index = new Map<string, number>();
  steps.forEach((step, i) => index.set(step.id, i));
  const byPosition = stepDepths(steps, index);
  const depth = new Map<string, number>();
  for (const [id, i] of index) depth.set(id, byPosition[i]!);
  return depth;
}

const UNKNOWN = -1;
const VISITING = -2;

/** dependencyDepths by position (planning speed: no map per step), with the index of indexSteps. */
export function stepDepths(steps: readonly Step[], index: ReadonlyMap<string, number>): Int32Array {
  const depth = new Int32Array(steps.length).fill(UNKNOWN);
  const visit = (i: number): number => {
    const known = depth[i]!;
    if (known >= 0) return known;
    if (known === VISITING) throw new Error(`internal error: dependency cycle through ${steps[i]!.id}`);
    depth[i] = VISITING;
    let d = 0;
    for (const dep of steps[i]!.dependsOn) {
      const j = index.get(dep);
      if (j !== undefined) d = Math.max(d, visit(j) + 1);
    }
    depth[i] = d;
    return d;
  };
  for (let i = 0; i < steps.length; i++) visit(i);
  return depth;
}

/**
 * Execution-like order: by dependency depth, then region (RegionSet-wide first), then id.
 * Returns the sorted steps and their depths, in the same order.
 */
export function sortSteps(steps: readonly Step[], depth: Int32Array): { steps: Step[]; depths: number[] } {
  // Buckets by depth, then by region, each sorted on its own: far fewer comparisons than one sort.
  const buckets: Array<Map<string, Step[]>> = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const region = step.region ?? '';
    const bucket = (buckets[depth[i]!] ??= new Map());
    const group = bucket.get(region);
    if (group) group.push(step);
    else bucket.set(region, [step]);
  }
  const sorted: Step[] = [];
  const depths: number[] = [];
  buckets.forEach((bucket, d) => {
    for (const region of [...bucket.keys()].sort(compareStrings)) {
      for (const step of bucket.get(region)!.sort(byId)) {
        sorted.push(step);
        depths.push(d);
      }
    }
  });
  return { steps: sorted, depths };
}

function byId(a: Step, b: Step): number {
  return compareStrings(a.id, b.id);
}
