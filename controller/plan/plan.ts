// The planner: plan(desired, live, options) → Plan. Pure and deterministic: no I/O, no
// clock, no logging; equal inputs give equal plans (steps sorted, ids stable).
//
// A composition of passes (docs/architecture.md, "The planner as passes"): each resource
// kind is one pass that reads the inputs and the facts of the passes before it and returns
// its steps; then ordering ties the kinds together, the inventory closes the plan, and
// guardrails and summary read the result. A new resource kind is a pass module and one line
// in PASSES.
//
// Shape of the graph, per region:
//   joining: inventory.update → stack + replicas → healthcheck.create → health.wait →
//            record.create (weighted: at the first ramp weight, then health-held steps)
//   leaving: weight 0 / out of the set → drain.wait → record + health-check deletes →
//            stack.delete → replica.delete (only with removeReplicas) → inventory.update

import type { DesiredState } from '../manifest/types.js';
import type { LiveState } from '../providers/types.js';
import { planContext, type Pass, type PlanFacts } from './context.js';
import { foreignRecords } from './foreign.js';
import { checkGuardrails } from './guardrails.js';
import { indexSteps, orderSteps, sortSteps, stepDepths } from './order.js';
import { healthChecksPass } from './passes/health-checks.js';
import { inventoryClosingPass, inventoryPass } from './passes/inventory.js';
import { recordsPass } from './passes/records.js';
import { removalsPass } from './passes/removals.js';
import { replicasPass } from './passes/replicas.js';
import { stacksPass } from './passes/stacks.js';
import { regionTransitions, summarise } from './summary.js';
import type { Plan, PlanOptions, Step } from './types.js';

/** In dependency order: a pass reads the facts of the passes above it. */
const PASSES: readonly Pass[] = [
  inventoryPass,
  stacksPass,
  replicasPass,
  healthChecksPass,
  recordsPass,
  removalsPass,
];

export function plan(desired: DesiredState, live: LiveState, options: PlanOptions): Plan {
  const context = planContext(desired, live, options);
  let facts: Readonly<PlanFacts> = {};
  const steps: Step[] = [];
  const notes = new Set<string>();
  for (const pass of PASSES) {
    const result = pass(context, facts);
    steps.push(...result.steps);
    for (const note of result.notes ?? []) notes.add(note);
    if (result.facts) facts = { ...facts, ...result.facts };
  }
  const index = indexSteps(steps);
  const ordered = orderSteps(context, steps, facts, index);
  const closing = inventoryClosingPass(context, ordered, facts.inventoryAdd);
  indexSteps(closing, index, ordered.length);
  const all = ordered.concat(closing);
  const { steps: sorted } = sortSteps(all, stepDepths(all, index));
  const draft: Plan = {
    regionSet: desired.name,
    plannedAt: options.now,
    steps: sorted,
    refusals: [],
    summary: summarise(sorted, regionTransitions(context, sorted, facts)),
    notes: [...notes].sort(),
  };
  draft.refusals = checkGuardrails(draft, desired, live);
  const foreign = foreignRecords(desired, live);
  if (foreign.records.length > 0) {
    draft.foreign = foreign.records;
    draft.trafficShares = foreign.shares;
  }
  return draft;
}

