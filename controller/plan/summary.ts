// The plan's summary: steps, resources created, updated and deleted, what happens to each
// region, and the most Route 53 change batches the executor will send. Every count a person
// sees before an apply (the plan line, the confirmation prompt, the progress header) is
// worded by describePlannedWork from this summary, so they cannot disagree.

import { dnsNameKey } from '../dns-name.js';
import { packChanges, valuesCost, type PackedChange } from './batch.js';
import { compareStrings, regionOfSetIdentifier } from './identity.js';
import { takesTraffic } from './routing.js';
import type { PlanSummary, RecordPayload, RegionTransition, Step, StepAction, ValueRef } from './types.js';
import type { PlanContext, PlanFacts } from './context.js';

const CREATED = 1;
const UPDATED = 2;
const DELETED = 4;

/** What each action does to its resource (every action listed: a new one must say). */
const CHANGE_OF: Readonly<Record<StepAction, number>> = {
  'stack.create': CREATED,
  'replica.create': CREATED,
  'healthcheck.create': CREATED,
  'record.create': CREATED,
  'stack.update': UPDATED,
  'stack.continue-rollback': UPDATED,
  'healthcheck.update': UPDATED,
  'record.update': UPDATED,
  'inventory.update': UPDATED,
  'stack.delete': DELETED,
  'replica.delete': DELETED,
  'healthcheck.delete': DELETED,
  'record.delete': DELETED,
  'stack.recreate': CREATED | DELETED,
  'stack.wait': 0,
  'health.wait': 0,
  'drain.wait': 0,
  'ramp.wait': 0,
};

/** What happens to each region of the manifest and each leaving one. */
export function regionTransitions(context: PlanContext, steps: readonly Step[], facts: Readonly<PlanFacts>): Map<string, RegionTransition> {
  const { rs, owned } = context;
  const withSteps = new Set<string>();
  const reducing = new Set<string>();
  const reductions = new Set(facts.reductions ?? []);
  for (const step of steps) {
    if (step.region) {
      withSteps.add(step.region);
      if (reductions.size > 0 && reductions.has(step.id)) reducing.add(step.region);
      continue;
    }
    // Routing-switch steps belong to no region: their set identifiers say which.
    if (step.payload.kind !== 'record' || !step.payload.record.setIdentifier) continue;
    const region = regionOfSetIdentifier(step.payload.record.setIdentifier, rs);
    if (region) withSteps.add(region);
  }
  const hasRecords = new Set<string>();
  const serving = new Set<string>();
  for (const record of owned) {
    const region = regionOfSetIdentifier(record.setIdentifier!, rs);
    if (!region) continue;
    hasRecords.add(region);
    if (takesTraffic(record)) serving.add(region);
  }
  const joining = facts.joiningRegions ?? new Set<string>();
  const result = new Map<string, RegionTransition>();
  for (const region of context.leaving) result.set(region, 'leaving');
  for (const region of context.desired.regions) {
    const code = region.code;
    const isNew = !context.inventory.includes(code) && !context.live.stacks[code];
    let transition: RegionTransition;
    if (!withSteps.has(code)) transition = 'unchanged';
    else if (isNew || (region.state === 'active' && joining.has(code) && !serving.has(code))) transition = 'joining';
    else if (region.state === 'standby' && serving.has(code) && reducing.has(code)) transition = 'standby';
    else if (region.state === 'drained' && hasRecords.has(code)) transition = 'draining';
    else transition = 'staying';
    result.set(code, transition);
  }
  return result;
}

/**
 * Counts resources, not steps: a ramp (create, then updates) is one creation; a stack
 * recreate is one deletion and one creation; several updates of one resource are one.
 */
export function summarise(steps: readonly Step[], transitions: ReadonlyMap<string, RegionTransition>): PlanSummary {
  // One entry per resource (planning speed: one map, not a set per kind of change).
  const changes = new Map<string, number>();
  for (const step of steps) {
    const key = step.action === 'healthcheck.delete' && step.payload.kind === 'healthcheck-delete' ? `${step.resource}#${step.payload.id}` : step.resource;
    const change = CHANGE_OF[step.action];
    if (change !== 0) changes.set(key, (changes.get(key) ?? 0) | change);
  }
  let create = 0;
  let update = 0;
  let remove = 0;
  for (const change of changes.values()) {
    if (change & CREATED) create++;
    if (change & DELETED) remove++;
    if (change === UPDATED) update++;
  }
  const regions: Record<string, RegionTransition> = {};
  for (const [region, transition] of [...transitions.entries()].sort(([a], [b]) => compareStrings(a, b))) regions[region] = transition;
  return { steps: steps.length, create, update, delete: remove, regions, route53ChangeBatches: maxChangeBatches(steps) };
}

/** "15 steps (at most 4 Route 53 change batches)": what the plan line, the prompt and the progress say. */
export function describePlannedWork(summary: Pick<PlanSummary, 'steps' | 'route53ChangeBatches'>): string {
  const batches = summary.route53ChangeBatches;
  return `${plural(summary.steps, 'step')} (at most ${plural(batches, 'Route 53 change batch', 'Route 53 change batches')})`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

type RecordStep = Step & { payload: RecordPayload };

/** Placeholder length of a value known only after apply (a typical regional endpoint name). */
const UNKNOWN_VALUE_LENGTH = 64;

/**
/**
 * The most ChangeResourceRecordSets calls the executor sends when every step succeeds (a
 * failed health wait adds its rollback). It batches the DNS steps of a zone that become
 * ready together (controller/apply/dns.ts); steps of one region, or RegionSet-wide steps,
 * with the same dependencies always do (their last dependency frees them all in one turn),
 * so each such group is batched within the limits. Groups that happen to become ready
 * together share batches, so the executor may send fewer: never more.
 */
function maxChangeBatches(steps: readonly Step[]): number {
  const nameKeys = new Map<string, string>();
  const describe = (step: RecordStep): PackedChange => {
    const { change, record } = step.payload;
    let name = nameKeys.get(record.name);
    if (name === undefined) nameKeys.set(record.name, (name = dnsNameKey(record.name)));
    return { name, action: change, cost: valuesCost(change, record.alias ? [valueLength(record.alias.dnsName)] : record.values.map(valueLength)) };
  };
  const groups = new Map<string, RecordStep[]>();
  for (const step of steps) {
    if (step.payload.kind !== 'record') continue;
    // dependsOn is sorted and without duplicates already (context.ts dependencyList).
    const key = `${step.payload.zoneId}\u0000${step.region ?? ''}\u0000${step.dependsOn.join('\u0000')}`;
    const group = groups.get(key);
    if (group) group.push(step as RecordStep);
    else groups.set(key, [step as RecordStep]);
  }
  let batches = 0;
  for (const group of groups.values()) batches += packChanges(group, describe).length;
  return batches;
}

function valueLength(ref: ValueRef): number {
  return 'literal' in ref ? ref.literal.length : UNKNOWN_VALUE_LENGTH;
}
