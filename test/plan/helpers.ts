// Assertions over plans: steps by id, and "A happens before B" through dependsOn (transitively).

import { expect } from 'vitest';
import type { Plan, Step } from '../../controller/plan/types.js';

export const NOW = Date.UTC(2026, 0, 1);

export function step(plan: Plan, id: string): Step {
  const found = plan.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in plan; steps:\n  ${plan.steps.map((s) => s.id).join('\n  ')}`);
  return found;
}

export function ids(plan: Plan): string[] {
  return plan.steps.map((s) => s.id);
}

/** Whether `later` waits (directly or transitively) for `earlier`. */
export function happensBefore(plan: Plan, earlier: string, later: string): boolean {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [...(byId.get(later)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === earlier) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return false;
}

/** Asserts each step of the chain waits for the one before it. */
export function expectOrder(plan: Plan, ...chain: string[]): void {
  for (const id of chain) step(plan, id);
  for (let i = 1; i < chain.length; i++) {
    expect(happensBefore(plan, chain[i - 1]!, chain[i]!), `${chain[i - 1]} should happen before ${chain[i]}`).toBe(true);
  }
}

export function expectIndependent(plan: Plan, a: string, b: string): void {
  expect(happensBefore(plan, a, b) || happensBefore(plan, b, a), `${a} and ${b} should not wait for each other`).toBe(false);
}

/** The plan's graph is well formed: unique ids, known dependencies, no cycle. */
export function expectWellFormed(plan: Plan): void {
  const all = ids(plan);
  expect(new Set(all).size).toBe(all.length);
  for (const s of plan.steps) for (const dep of s.dependsOn) expect(all, `${s.id} depends on unknown ${dep}`).toContain(dep);
  for (const s of plan.steps) expect(happensBefore(plan, s.id, s.id), `cycle through ${s.id}`).toBe(false);
}
