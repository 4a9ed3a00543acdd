// Guardrails: rules that refuse a plan as a whole. They read the plan, the manifest and the
// live state only, so they also check plans made by hand (defence in depth). A refused plan
// keeps its steps for display; the executor will not run it.

import type { DesiredRecord, DesiredRegion, DesiredState } from '../manifest/types.js';
import type { LiveState } from '../providers/types.js';
import {
  compareStrings,
  healthCheckKeyOf,
  healthCheckKey,
  isOwnedHealthCheck,
  isOwnedRecord,
  isOwnedStack,
  regionOfSetIdentifier,
  TAG_REGIONSET,
} from './identity.js';
import { takesTraffic } from './routing.js';
import { atManagedName, clashReason } from './foreign.js';
import { route53Quotas } from './quotas.js';
import { failedToDelete } from './stack-recovery.js';
import type { Plan, Refusal, Step } from './types.js';

export function checkGuardrails(plan: Plan, desired: DesiredState, live: LiveState): Refusal[] {
  const refusals = [
    ...minHealthyRegions(plan, desired, live),
    ...replicaRules(plan, desired, live),
    ...unownedResources(desired, live),
    ...terminationProtection(plan, live),
    ...tablesNotReady(plan, desired, live),
    ...failedStacks(desired, live),
    ...route53Quotas(plan, live),
  ];
  const seen = new Set<string>();
  return refusals
    .filter((refusal) => {
      const key = `${refusal.rule}|${refusal.resource}|${refusal.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => compareStrings(a.rule, b.rule) || compareStrings(a.resource, b.resource) || compareStrings(a.message, b.message));
}

// ---- min-healthy-regions -------------------------------------------------------------------

/** Regions taking traffic now: an owned record with traffic (weighted above 0, or another policy). */
function servingRegionsNow(desired: DesiredState, live: LiveState): Set<string> {
  const serving = new Set<string>();
  for (const record of live.records) {
    if (!isOwnedRecord(record, desired.name) || !takesTraffic(record)) continue;
    const region = regionOfSetIdentifier(record.setIdentifier!, desired.name);
    if (region) serving.add(region);
  }
  return serving;
}

function servesAtEnd(region: DesiredRegion, records: DesiredRecord[]): boolean {
  if (region.state !== 'active') return false;
  if (records.length === 0) return true;
  return records.some((record) => {
    switch (record.routing) {
      case 'weighted':
        return region.weight > 0;
      case 'latency':
        return true;
      case 'failover':
        return region.failover !== undefined;
      case 'geolocation':
        return region.geolocation.length > 0;
    }
  });
}

/** Regions with an owned health check reported unhealthy. Unknown or unread health counts as healthy. */
function unhealthyRegions(desired: DesiredState, live: LiveState): Set<string> {
  const keys = new Map<string, string>();
  for (const record of desired.dns.records) for (const region of desired.regions) keys.set(healthCheckKey(record.name, region.code), region.code);
  const unhealthy = new Set<string>();
  for (const check of live.healthChecks) {
    if (!isOwnedHealthCheck(check, desired.name) || live.health[check.id] !== 'unhealthy') continue;
    const region = keys.get(healthCheckKeyOf(check, desired.name) ?? '');
    if (region) unhealthy.add(region);
  }
  return unhealthy;
}

function minHealthyRegions(plan: Plan, desired: DesiredState, live: LiveState): Refusal[] {
  const now = servingRegionsNow(desired, live);
  const atEnd = desired.regions.filter((region) => servesAtEnd(region, desired.dns.records)).map((region) => region.code);
  const notAtEnd = [...now].filter((region) => !atEnd.includes(region));
  // Planning speed: the plan's steps are read only when some serving region stops serving.
  if (notAtEnd.length === 0) return [];
  const withSteps = new Set(plan.steps.map((step) => stepRegion(step, desired.name)));
  const reducing = notAtEnd.filter((region) => withSteps.has(region)).sort();
  if (reducing.length === 0) return [];
  const unhealthy = unhealthyRegions(desired, live);
  // A joining region whose check is not healthy yet (a new check warms up) still counts when
  // every reduction waits for its health gate: if the gate fails, nothing is reduced.
  const gated = healthGatedJoins(plan, desired.name, reducing, now);
  const healthy = atEnd.filter((region) => !unhealthy.has(region) || gated.has(region)).sort();
  const minimum = desired.rollout.minHealthyRegions;
  if (healthy.length >= minimum) return [];

  const byCode = new Map(desired.regions.map((region) => [region.code, region]));
  const verbs = reducing.map((code) => {
    const region = byCode.get(code);
    if (!region) return `removing ${code}`;
    if (region.state === 'drained') return `draining ${code}`;
    if (region.state === 'standby') return `moving ${code} to standby`;
    return `taking ${code} out of service`;
  });
  const sick = atEnd.filter((region) => unhealthy.has(region)).sort();
  const left = `${healthy.length} healthy serving region${healthy.length === 1 ? '' : 's'}${healthy.length > 0 ? ` (${healthy.join(', ')})` : ''}`;
  const sickText = sick.length > 0 ? ` (${listText(sick)} ${sick.length === 1 ? 'is' : 'are'} unhealthy)` : '';
  return [
    {
      rule: 'min-healthy-regions',
      resource: `regions:${reducing.join(',')}`,
      message:
        `min-healthy-regions: ${listText(verbs)} would leave ${left}; minHealthyRegions is ${minimum}${sickText}. ` +
        'Restore a region or lower minHealthyRegions.',
    },
  ];
}

/** The region a step acts in; region-less DNS steps (atomic swaps) name it in their set identifier. */
function stepRegion(step: Step, regionSet: string): string | undefined {
  if (step.region) return step.region;
  if (step.payload.kind !== 'record' || !step.payload.record.setIdentifier) return undefined;
  return regionOfSetIdentifier(step.payload.record.setIdentifier, regionSet);
}

/** Regions not serving now whose health.wait every DNS change of the reducing regions waits for. */
function healthGatedJoins(plan: Plan, regionSet: string, reducing: string[], servingNow: Set<string>): Set<string> {
  const byId = new Map(plan.steps.map((step) => [step.id, step]));
  const reductions = plan.steps.filter((step) => step.payload.kind === 'record' && reducing.includes(stepRegion(step, regionSet) ?? ''));
  if (reductions.length === 0) return new Set();
  const ancestors = (step: Step): Set<string> => {
    const seen = new Set<string>();
    const stack = [...step.dependsOn];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(byId.get(id)?.dependsOn ?? []));
    }
    return seen;
  };
  const before = reductions.map(ancestors);
  const gated = new Set<string>();
  for (const step of plan.steps) {
    if (step.action !== 'health.wait' || !step.region || servingNow.has(step.region)) continue;
    if (before.every((ids) => ids.has(step.id))) gated.add(step.region);
  }
  return gated;
}

function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

// ---- replicas --------------------------------------------------------------------------------

function replicaRules(plan: Plan, desired: DesiredState, live: LiveState): Refusal[] {
  const refusals: Refusal[] = [];
  const deletes = new Map<string, string[]>();
  const creates = new Map<string, string[]>();
  for (const step of plan.steps) {
    if (step.payload.kind !== 'replica') continue;
    const { table, region } = step.payload;
    if (step.action === 'replica.delete') {
      addTo(deletes, table, region);
      const allowed = desired.tables.find((t) => t.name === table)?.removeReplicas === true;
      if (!allowed) {
        refusals.push({
          rule: 'replica-removal-not-allowed',
          resource: `replica:${table}:${region}`,
          message:
            `replica-removal-not-allowed: the plan deletes the replica of table ${table} in ${region}, but removeReplicas is not true for ${table}. ` +
            `Deleting a replica deletes that region's copy of every item; set removeReplicas: true on the table to allow it.`,
        });
      }
    } else if (step.action === 'replica.create') {
      addTo(creates, table, region);
    }
  }
  for (const [table, regions] of [...deletes.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    const existing = (live.tables[table]?.replicas ?? []).map((replica) => replica.region);
    const remaining = new Set([...existing.filter((region) => !regions.includes(region)), ...(creates.get(table) ?? [])]);
    if (remaining.size > 0) continue;
    const deleted = [...new Set(regions)].sort();
    refusals.push({
      rule: 'last-replica',
      resource: `table:${table}`,
      message:
        `last-replica: the plan deletes every replica of table ${table} (${deleted.join(', ')}), which would delete the table's data. ` +
        'Keep at least one region with a replica.',
    });
  }
  return refusals;
}

function addTo(lists: Map<string, string[]>, key: string, value: string): void {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}

// ---- ownership ---------------------------------------------------------------------------------

function unownedResources(desired: DesiredState, live: LiveState): Refusal[] {
  const refusals: Refusal[] = [];
  for (const region of desired.regions) {
    const stack = live.stacks[region.code];
    if (!stack || isOwnedStack(stack, desired.name)) continue;
    const tag = stack.tags[TAG_REGIONSET];
    const owner = tag === undefined ? `it has no ${TAG_REGIONSET} tag` : `its ${TAG_REGIONSET} tag is "${tag}"`;
    refusals.push({
      rule: 'unowned-resource',
      resource: `stack:${region.code}`,
      message:
        `unowned-resource: stack ${stack.name} in ${region.code} exists but is not owned by RegionSet ${desired.name} (${owner}). ` +
        `regionctl changes only stacks it created: rename spec.stack.name, delete that stack, or tag it ${TAG_REGIONSET}=${desired.name} to adopt it.`,
    });
  }
  for (const record of desired.dns.records) {
    for (const other of live.records) {
      if (!atManagedName(other, record) || isOwnedRecord(other, desired.name)) continue;
      // Records Route 53 lets stand beside ours are left alone (shown as foreign in the diff).
      const why = clashReason(other, record, desired);
      if (why === undefined) continue;
      const id = other.setIdentifier;
      const what = id === undefined ? `${other.name} ${other.type} (simple routing, no set identifier)` : `${other.name} ${other.type} with set identifier "${id}"`;
      refusals.push({
        rule: 'unowned-resource',
        resource: `record:${other.name}:${other.type}:${id ?? ''}`,
        message:
          `unowned-resource: record ${what} is not owned by RegionSet ${desired.name}: ${why}. ` +
          `regionctl never changes records it does not own: delete or move that record, or use another name for ${record.name} in spec.dns.records.`,
      });
    }
  }
  return refusals;
}

// ---- stacks ---------------------------------------------------------------------------------------

function terminationProtection(plan: Plan, live: LiveState): Refusal[] {
  const refusals: Refusal[] = [];
  for (const step of plan.steps) {
    if (step.action !== 'stack.delete' && step.action !== 'stack.recreate') continue;
    const region = step.payload.kind === 'stack' ? step.payload.input.region : step.payload.kind === 'stack-ref' ? step.payload.region : step.region;
    if (!region) continue;
    const stack = live.stacks[region];
    if (!stack?.terminationProtection) continue;
    const why = step.action === 'stack.delete' ? 'the region left the manifest' : `it is ${stack.status} and must be deleted and created again`;
    refusals.push({
      rule: 'termination-protection',
      resource: `stack:${region}`,
      message:
        `termination-protection: stack ${stack.name} in ${region} must be deleted (${why}) but has termination protection enabled. ` +
        `Disable it first (aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${stack.name} --region ${region})` +
        (step.action === 'stack.delete' ? ', or put the region back in the manifest.' : '.'),
    });
  }
  return refusals;
}

function failedStacks(desired: DesiredState, live: LiveState): Refusal[] {
  const refusals: Refusal[] = [];
  for (const [region, stack] of Object.entries(live.stacks).sort(([a], [b]) => compareStrings(a, b))) {
    if (!stack || !isOwnedStack(stack, desired.name)) continue;
    if (stack.status === 'DELETE_FAILED' && !failedToDelete(stack)) {
      // A plain DeleteStack fails again: it needs RetainResources, and nothing names the resources to retain.
      refusals.push({
        rule: 'stack-failed',
        resource: `stack:${region}`,
        message:
          `stack-failed: stack ${stack.name} in ${region} is DELETE_FAILED${stack.statusReason ? ` (${stack.statusReason.trim()})` : ''} and AWS names no resource that failed to delete, ` +
          `so regionctl cannot say what to retain. Find them (aws cloudformation list-stack-resources --stack-name ${stack.name} --region ${region}, status DELETE_FAILED), ` +
          `delete the stack retaining them (aws cloudformation delete-stack --stack-name ${stack.name} --region ${region} --retain-resources ID ...), then reconcile again.`,
      });
      continue;
    }
    if (stack.status !== 'IMPORT_ROLLBACK_FAILED') continue;
    refusals.push({
      rule: 'stack-failed',
      resource: `stack:${region}`,
      message:
        `stack-failed: stack ${stack.name} in ${region} is IMPORT_ROLLBACK_FAILED${stack.statusReason ? ` (${stack.statusReason})` : ''}. ` +
        'regionctl cannot repair a failed import: fix it in the CloudFormation console, then reconcile again.',
    });
  }
  return refusals;
}

// ---- tables -------------------------------------------------------------------------------------

const SERVING_REPLICA = new Set(['ACTIVE', 'UPDATING', 'CREATING', 'DELETING']);

function tablesNotReady(plan: Plan, desired: DesiredState, live: LiveState): Refusal[] {
  const refusals: Refusal[] = [];
  const regions = desired.regions.map((region) => region.code);
  // Replica creations by table, in plan order (one walk over the steps for all tables).
  const creates = new Map<string, string[]>();
  for (const step of plan.steps) {
    if (step.action !== 'replica.create' || step.payload.kind !== 'replica') continue;
    addTo(creates, step.payload.table, step.payload.region);
  }
  for (const table of desired.tables) {
    const liveTable = live.tables[table.name];
    if (!liveTable) {
      refusals.push({
        rule: 'table-not-ready',
        resource: `table:${table.name}`,
        message: `table-not-ready: table ${table.name} not found in ${regions.join(', ')}: create it (with NEW_AND_OLD_IMAGES streams) first`,
      });
      continue;
    }
    for (const replica of liveTable.replicas) {
      if (!regions.includes(replica.region) || SERVING_REPLICA.has(replica.status)) continue;
      const aws = replica.statusDescription ? ` (AWS: ${replica.statusDescription})` : '';
      const advice =
        replica.status === 'CREATION_FAILED'
          ? 'regionctl does not delete and re-create a replica by itself, as deleting a replica deletes its items: fix the cause, delete the failed replica, then reconcile again.'
          : 'fix the replica in DynamoDB, then reconcile again.';
      refusals.push({
        rule: 'table-not-ready',
        resource: `replica:${table.name}:${replica.region}`,
        message: `table-not-ready: replica of table ${table.name} in ${replica.region} is ${replica.status}${aws}; ${advice}`,
      });
    }
    const adding = (creates.get(table.name) ?? [])
      .filter((region) => !liveTable.replicas.some((replica) => replica.region === region))
      .sort();
    if (adding.length === 0) continue;
    // ddb.streams-enabled-by-replica: a table without a stream gets one from AWS with its first replica.
    if (liveTable.streamViewType !== undefined && liveTable.streamViewType !== 'NEW_AND_OLD_IMAGES') {
      refusals.push({
        rule: 'table-not-ready',
        resource: `table:${table.name}`,
        message:
          `table-not-ready: table ${table.name} cannot get a replica in ${adding.join(', ')}: global tables need DynamoDB Streams with NEW_AND_OLD_IMAGES ` +
          `(the table's stream is ${liveTable.streamViewType}). Enable the stream with StreamViewType NEW_AND_OLD_IMAGES first.`,
      });
    }
    // ddb.cmk-replica-key: a CMK table's new replica needs a key in its own region.
    const keyless = liveTable.customerKmsKeyArn ? adding.filter((region) => !table.kmsKeys[region]) : [];
    if (keyless.length > 0) {
      refusals.push({
        rule: 'table-not-ready',
        resource: `table:${table.name}`,
        message:
          `table-not-ready: table ${table.name} is encrypted with a customer-managed KMS key (${liveTable.customerKmsKeyArn}), and DynamoDB needs a key ` +
          `in each new replica's own region; none is given for ${keyless.join(', ')}. Add ${keyless.map((region) => `kmsKeys: { ${region}: <key ARN or alias/name in ${region}> }`).join(' and ')} ` +
          `to table ${table.name} in the manifest, then run regionctl diff again.`,
      });
    }
    // ddb.provisioned-without-autoscaling: AWS refuses only provisioned write capacity without
    // auto scaling; an auto-scaled table's replicas carry its auto-scaling settings.
    if (liveTable.billingMode === 'PROVISIONED' && liveTable.writeAutoScaled !== true) {
      refusals.push({
        rule: 'table-not-ready',
        resource: `table:${table.name}`,
        message:
          `table-not-ready: table ${table.name} cannot get a replica in ${adding.join(', ')}: it uses PROVISIONED capacity without write auto scaling, and AWS requires ` +
          `"Table write capacity should either be Pay-Per-Request or AutoScaled." Switch it to PAY_PER_REQUEST (on-demand) or turn on write auto scaling first.`,
      });
    }
  }
  return refusals;
}
