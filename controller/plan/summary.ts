// The plan's summary: resources created, updated and deleted, what happens to each region,
// and the Route 53 calls the plan will make (its API budget).

import type { DnsRecord, RecordChange } from '../providers/types.js';
import { batchRecordChanges } from './batch.js';
import { compareStrings, regionOfSetIdentifier } from './identity.js';
import { takesTraffic } from './routing.js';
import type { PlanSummary, RecordTemplate, RegionTransition, Step, ValueRef } from './types.js';
import type { PlanContext, PlanFacts } from './context.js';

const CREATE_ACTIONS = new Set(['stack.create', 'replica.create', 'healthcheck.create', 'record.create']);
const UPDATE_ACTIONS = new Set(['stack.update', 'stack.continue-rollback', 'healthcheck.update', 'record.update', 'inventory.update']);
const DELETE_ACTIONS = new Set(['stack.delete', 'replica.delete', 'healthcheck.delete', 'record.delete']);

/** What happens to each region of the manifest and each leaving one. */
export function regionTransitions(context: PlanContext, steps: readonly Step[], facts: Readonly<PlanFacts>): Map<string, RegionTransition> {
  const { rs, owned } = context;
  const withSteps = new Set<string>();
  const reducing = new Set<string>();
  const reductions = new Set(facts.reductions ?? []);
  for (const step of steps) {
    if (step.region) {
      withSteps.add(step.region);
      if (reductions.has(step.id)) reducing.add(step.region);
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
export function summarise(steps: readonly Step[], transitions: ReadonlyMap<string, RegionTransition>, depths: ReadonlyMap<string, number>): PlanSummary {
  const created = new Set<string>();
  const updated = new Set<string>();
  const deleted = new Set<string>();
  for (const step of steps) {
    const key = step.action === 'healthcheck.delete' && step.payload.kind === 'healthcheck-delete' ? `${step.resource}#${step.payload.id}` : step.resource;
    if (step.action === 'stack.recreate') {
      created.add(key);
      deleted.add(key);
    } else if (CREATE_ACTIONS.has(step.action)) created.add(key);
    else if (DELETE_ACTIONS.has(step.action)) deleted.add(key);
    else if (UPDATE_ACTIONS.has(step.action)) updated.add(key);
  }
  for (const key of created) updated.delete(key);
  for (const key of deleted) updated.delete(key);
  const regions: Record<string, RegionTransition> = {};
  for (const [region, transition] of [...transitions.entries()].sort(([a], [b]) => compareStrings(a, b))) regions[region] = transition;
  return { create: created.size, update: updated.size, delete: deleted.size, regions, route53ChangeBatches: estimateChangeBatches(steps, depths) };
}

/** Placeholder length of a value known only after apply (a typical regional endpoint name). */
const UNKNOWN_VALUE_LENGTH = 64;

/** Route 53 calls: DNS steps grouped by zone and dependency depth, each group batched within the limits. */
function estimateChangeBatches(steps: readonly Step[], depths: ReadonlyMap<string, number>): number {
  const groups = new Map<string, RecordChange[]>();
  for (const step of steps) {
    if (step.payload.kind !== 'record') continue;
    const key = `${step.payload.zoneId}|${depths.get(step.id)}`;
    const change: RecordChange = { action: step.payload.change, record: placeholderRecord(step.payload.record) };
    const group = groups.get(key);
    if (group) group.push(change);
    else groups.set(key, [change]);
  }
  let batches = 0;
  for (const changes of groups.values()) batches += batchRecordChanges(changes).length;
  return batches;
}

function placeholderRecord(template: RecordTemplate): DnsRecord {
  const value = (ref: ValueRef) => ('literal' in ref ? ref.literal : 'x'.repeat(UNKNOWN_VALUE_LENGTH));
  const { values, alias, healthCheck, ...rest } = template;
  void healthCheck;
  const record: DnsRecord = { ...rest, values: values.map(value) };
  if (alias) record.alias = { hostedZoneId: value(alias.hostedZoneId), dnsName: value(alias.dnsName), evaluateTargetHealth: alias.evaluateTargetHealth };
  return record;
}
