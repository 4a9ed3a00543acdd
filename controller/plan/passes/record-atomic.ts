// Record changes Route 53 accepts only together, planned as one atomic batch: a routing
// policy switch, and slot takeovers (a failover role, geolocation location or latency
// Region passing to another set). The steps belong to no region and share dependencies.

import type { DesiredRecord, DesiredRegion } from '../../manifest/types.js';
import type { DnsRecord } from '../../providers/types.js';
import { compareStrings, regionOfSetIdentifier } from '../identity.js';
import { literalTemplate, pick, recordDifferences, recordDisplay, recordSuffix, templateDisplay } from '../record-diff.js';
import { routingOf, slotText, uniqueSlot } from '../routing.js';
import type { RecordTemplate } from '../types.js';
import { recordStep, touch, type RecordBuild } from './record-build.js';

export type WantedSets = Map<string, { region: DesiredRegion; template: RecordTemplate }>;

/**
 * Route 53 lets one set of a name and type hold each failover role, geolocation location
 * and latency Region. Sets that need a slot another live set holds (a PRIMARY or the
 * default location moving to another region, two regions swapping roles) take them over
 * in one atomic batch: the holders' deletes (or moves) and the newcomers' creates share
 * their dependencies, including the newcomers' healthy checks, and belong to no region,
 * exactly like a routing switch. All takeovers of a name go in the same batch: done one
 * by one, a region could lose its last location before another gains one. The holders'
 * regions then drain and leave as usual. Adds every set identifier it handles to `handled`.
 */
export function planSlotTakeovers(
  build: RecordBuild,
  record: DesiredRecord,
  liveHere: DnsRecord[],
  wanted: WantedSets,
  handled: Set<string>,
): void {
  const holders = new Map<string, DnsRecord>();
  for (const current of liveHere) {
    const slot = uniqueSlot(current);
    if (slot) holders.set(slot, current);
  }
  if (holders.size === 0) return;
  const members = new Set<string>();
  for (const [setId, { template }] of wanted) {
    const slot = uniqueSlot(template);
    const holder = slot ? holders.get(slot) : undefined;
    if (!holder || holder.setIdentifier === setId) continue;
    members.add(setId);
    members.add(holder.setIdentifier!);
  }
  if (members.size === 0) return;
  for (const setId of members) handled.add(setId);
  planTakeover(build, record, [...members].sort(compareStrings), liveHere, wanted);
}

function planTakeover(
  build: RecordBuild,
  record: DesiredRecord,
  members: string[],
  liveHere: DnsRecord[],
  wanted: WantedSets,
): void {
  const timeoutMs = build.context.healthTimeoutMs;
  const deps = new Set<string>();
  const changes: Array<{ setId: string; current?: DnsRecord; wanted?: { region: DesiredRegion; template: RecordTemplate } }> = [];
  for (const setId of members) {
    const current = liveHere.find((r) => r.setIdentifier === setId);
    const want = wanted.get(setId);
    changes.push({ setId, ...(current ? { current } : {}), ...(want ? { wanted: want } : {}) });
    if (!want) continue;
    // A set that starts serving does so only once its region is healthy (a standby SECONDARY takes no traffic).
    gateOnRegion(build, record, want.region, want.template, !current && want.region.state === 'active', timeoutMs, deps);
  }
  const servingAtEnd = new Set([...wanted.values()].map(({ region }) => region.code));
  const takesRegionOut = changes.some(({ current, wanted: want }) => !want && !servingAtEnd.has(regionOfSetIdentifier(current!.setIdentifier!, build.rs)!));
  const group: string[] = [];
  const slots = [...new Set(changes.map(({ current, wanted: want }) => slotText((want?.template ?? current)!)))].sort();
  const why = `${slots.join(' and ')} of ${record.name} moves to another set (one atomic batch: Route 53 allows one set per slot)`;
  for (const { current, wanted: want } of changes) {
    if (!want) {
      const region = regionOfSetIdentifier(current!.setIdentifier!, build.rs)!;
      const id = recordStep(build, 'record.delete', `${region}:record.delete:${recordSuffix(current!, build.rs)}`, undefined, 'DELETE', literalTemplate(current!), deps, why, {
        before: recordDisplay(current!),
      });
      touch(build.touching, current!, id);
      build.atomicDeletes.set(region, [...(build.atomicDeletes.get(region) ?? []), id]);
      group.push(id);
      continue;
    }
    const { region, template } = want;
    const suffix = recordSuffix(template, build.rs);
    if (!current) {
      const id = recordStep(build, 'record.create', `${region.code}:record.create:${suffix}`, undefined, 'CREATE', template, deps, why, { after: templateDisplay(template) });
      if (region.state === 'active') build.joinFinals.push(id);
      build.takeoverCreates.add(id);
      group.push(id);
      continue;
    }
    const differences = recordDifferences(template, current);
    if (differences.length === 0) continue;
    const id = recordStep(build, 'record.update', `${region.code}:record.update:${suffix}`, undefined, 'UPSERT', template, deps, why, {
      before: pick(recordDisplay(current), differences),
      after: pick(templateDisplay(template), differences),
    });
    touch(build.touching, current, id);
    group.push(id);
  }
  if (takesRegionOut) build.reducingTakeovers.push(group);
}

/**
 * Adds to `deps` what a record change in a region waits for: its stack, its replicas and
 * its health check; when the region starts serving, also a health gate (healthy once).
 */
function gateOnRegion(
  build: RecordBuild,
  record: DesiredRecord,
  region: DesiredRegion,
  template: RecordTemplate,
  startsServing: boolean,
  timeoutMs: number,
  deps: Set<string>,
): void {
  const code = region.code;
  const check = build.healthChecks.get(`${record.name}|${code}`);
  const ready = [...(build.stackReady.get(code) ?? []), ...(build.replicaReady.get(code) ?? []), ...(check?.deps ?? [])];
  const gateId = `${code}:health.wait:${recordSuffix(template, build.rs)}`;
  if (!startsServing || !check || build.list.has(gateId)) {
    for (const id of ready) deps.add(id);
    return;
  }
  build.joiningRegions.add(code);
  deps.add(
    build.list.add({
      id: gateId,
      action: 'health.wait',
      region: code,
      resource: `healthcheck:${record.name}:${code}`,
      dependsOn: ready,
      reason: `${record.name} takes traffic in ${code} only once its health check is healthy`,
      payload: { kind: 'health', healthCheck: check.ref, holdMs: 0, timeoutMs },
    }),
  );
}

/**
 * A routing-policy change is an identity change: the old sets are deleted and the new ones
 * created in one atomic batch (Route 53 refuses two policies at one name and type). The
 * steps share their dependencies, so they become ready together; those include everything
 * a new region needs to serve (stack, replicas, a healthy check), so the swap never leaves
 * the name without capacity. New sets go in at their full weight: the swap is the cut-over.
 * The steps belong to no region, so that region slots (maxParallelRegions) never split
 * the batch.
 */
export function planRoutingSwitch(
  build: RecordBuild,
  record: DesiredRecord,
  liveHere: DnsRecord[],
  wanted: WantedSets,
  switched: Set<string>,
): string[] {
  const oldRegions = new Set(liveHere.map((r) => regionOfSetIdentifier(r.setIdentifier!, build.rs)));
  const deps = new Set<string>();
  const creates: Array<{ region: string; template: RecordTemplate }> = [];
  const timeoutMs = build.context.healthTimeoutMs;
  for (const [setId, { region, template }] of [...wanted.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    const code = region.code;
    switched.add(setId);
    creates.push({ region: code, template });
    gateOnRegion(build, record, region, template, !oldRegions.has(code) && region.state === 'active', timeoutMs, deps);
  }
  const ids: string[] = [];
  const from = [...new Set(liveHere.map(routingOf))].sort().join('/');
  const why = `routing changes from ${from} to ${record.routing} (one atomic batch)`;
  for (const current of [...liveHere].sort((a, b) => compareStrings(a.setIdentifier!, b.setIdentifier!))) {
    const region = regionOfSetIdentifier(current.setIdentifier!, build.rs)!;
    const id = recordStep(build, 'record.delete', `${region}:record.delete:${recordSuffix(current, build.rs)}`, undefined, 'DELETE', literalTemplate(current), deps, why, {
      before: recordDisplay(current),
    });
    touch(build.touching, current, id);
    build.atomicDeletes.set(region, [...(build.atomicDeletes.get(region) ?? []), id]);
    ids.push(id);
  }
  for (const { region, template } of creates) {
    const id = recordStep(build, 'record.create', `${region}:record.create:${recordSuffix(template, build.rs)}`, undefined, 'CREATE', template, deps, why, {
      after: templateDisplay(template),
    });
    if (!oldRegions.has(region)) build.joinFinals.push(id);
    ids.push(id);
  }
  return ids;
}
