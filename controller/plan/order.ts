// Ordering: the dependency edges between steps of different passes (by kind: stack ∥ data
// → health → traffic → drain → removal), then depths and the execution-like sort. Adds
// edges to copies of the steps; the passes' own steps are not changed.

import { compareStrings } from './identity.js';
import type { Step } from './types.js';
import { dependencyList, need, type PlanContext, type PlanFacts } from './context.js';

/** The passes' steps with the edges that tie kinds together. */
export function orderSteps(context: PlanContext, steps: readonly Step[], facts: Readonly<PlanFacts>): Step[] {
  const { removalSteps, joinFinals, reductions, reducingTakeovers, takeoverCreates } = need(
    facts,
    'order',
    'removalSteps',
    'joinFinals',
    'reductions',
    'reducingTakeovers',
    'takeoverCreates',
  );
  const ids = new Set(steps.map((step) => step.id));
  const extra = new Map<string, string[]>();
  const dependOn = (id: string, more: Iterable<string>) => {
    if (!ids.has(id)) return;
    const list = extra.get(id);
    if (list) list.push(...more);
    else extra.set(id, [...more]);
  };

  // Leaving regions: after their DNS is gone, the stack; after the stack, the replicas (when allowed).
  for (const region of context.leaving) {
    const dns = removalSteps.get(region) ?? [];
    const stackSteps = [`${region}:stack.wait`, `${region}:stack.delete`].filter((id) => ids.has(id));
    if (stackSteps[0]) dependOn(stackSteps[0], dns);
    const lastStack = stackSteps[stackSteps.length - 1];
    for (const table of context.desired.tables) {
      // The new copies first: a replica change goes through another ACTIVE replica, and
      // the data must never be down to fewer copies than the plan ends with.
      const creates = context.desired.regions.map((r) => `${r.code}:replica.create:${table.name}`).filter((id) => ids.has(id));
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

/** Longest chain of dependencies before each step (roots are 0). */
export function dependencyDepths(steps: readonly Step[]): Map<string, number> {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const depth = new Map<string, number>();
  const trail = new Set<string>();
  const visit = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (trail.has(id)) throw new Error(`internal error: dependency cycle through ${id}`);
    trail.add(id);
    let d = 0;
    for (const dep of byId.get(id)?.dependsOn ?? []) if (byId.has(dep)) d = Math.max(d, visit(dep) + 1);
    trail.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const step of steps) visit(step.id);
  return depth;
}

/** Execution-like order: by dependency depth, then region (RegionSet-wide first), then id. */
export function sortSteps(steps: Step[], depth: ReadonlyMap<string, number>): Step[] {
  const keyed = steps.map((step) => ({ step, depth: depth.get(step.id)!, region: step.region ?? '' }));
  keyed.sort((a, b) => a.depth - b.depth || compareStrings(a.region, b.region) || compareStrings(a.step.id, b.step.id));
  return keyed.map((entry) => entry.step);
}
