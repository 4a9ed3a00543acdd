// Record sets of the manifest's records in every region: created (health-gated, weighted
// ones ramped), updated, silenced (standby), or handed to the removals pass when no longer
// wanted. Routing switches and slot takeovers are planned in record-atomic.ts.

import type { DesiredRecord, DesiredRegion } from '../../manifest/types.js';
import type { DnsRecord } from '../../providers/types.js';
import { formatMs } from '../../manifest/duration.js';
import { compareStrings, geoLocationCode, regionOfSetIdentifier, setIdentifier } from '../identity.js';
import { recordDifferences, recordSuffix, templateDisplay, pick, recordDisplay, updateReason } from '../record-diff.js';
import { routingOf } from '../routing.js';
import type { HealthCheckRef, RecordTemplate } from '../types.js';
import { nameTypeKey, outputValue, type Pass } from '../context.js';
import { planRoutingSwitch, planSlotTakeovers } from './record-atomic.js';
import { recordBuild, recordResource, recordStep, touch, type RecordBuild } from './record-build.js';

export const recordsPass: Pass = (context, facts) => {
  const build = recordBuild(context, facts);
  for (const record of context.desired.dns.records) planRecord(build, record);
  planRecordsNoLongerWanted(build);
  return {
    steps: build.list.steps,
    notes: [...build.notes],
    facts: {
      unwanted: build.unwanted,
      touching: build.touching,
      atomicDeletes: build.atomicDeletes,
      joinFinals: build.joinFinals,
      reductions: build.reductions,
      reducingTakeovers: build.reducingTakeovers,
      takeoverCreates: build.takeoverCreates,
      joiningRegions: build.joiningRegions,
    },
  };
};

/** Weights a weighted record goes through when its region joins: ramp percentages of full, ascending, ending at full. */
export function rampWeights(full: number, ramp: number[]): number[] {
  if (full <= 0) return [0];
  const weights: number[] = [];
  for (const percent of ramp) {
    const weight = Math.min(full, Math.max(1, Math.round((full * percent) / 100)));
    if (weights.length === 0 || weight > weights[weights.length - 1]!) weights.push(weight);
  }
  if (weights[weights.length - 1] !== full) weights.push(full);
  return weights;
}

function templatesFor(build: RecordBuild, record: DesiredRecord, region: DesiredRegion): RecordTemplate[] {
  const base = (setId: string): RecordTemplate => {
    const template: RecordTemplate = { name: record.name, type: record.type, setIdentifier: setId, values: [] };
    if (record.alias) {
      template.alias = {
        hostedZoneId: outputValue(build.context, build.outputsKnown, region.code, record.alias.hostedZoneIdOutput),
        dnsName: outputValue(build.context, build.outputsKnown, region.code, record.targetOutput),
        evaluateTargetHealth: record.alias.evaluateTargetHealth,
      };
    } else {
      template.ttl = record.ttl;
      template.values = [outputValue(build.context, build.outputsKnown, region.code, record.targetOutput)];
    }
    const check = record.healthCheck ? build.healthChecks.get(`${record.name}|${region.code}`) : undefined;
    if (check) template.healthCheck = check.ref;
    return template;
  };
  const id = setIdentifier(build.rs, region.code);
  switch (record.routing) {
    case 'weighted':
      if (region.state === 'drained') return [];
      return [{ ...base(id), weight: region.state === 'active' ? region.weight : 0 }];
    case 'latency':
      return region.state === 'active' ? [{ ...base(id), region: region.code }] : [];
    case 'failover':
      if (region.state === 'drained') return [];
      if (!region.failover) {
        build.notes.add(`${record.name} (failover) has no record in ${region.code}: the region has no failover role`);
        return [];
      }
      return [{ ...base(id), failover: region.failover }];
    case 'geolocation':
      if (region.state !== 'active') return [];
      return region.geolocation.map((location) => ({ ...base(setIdentifier(build.rs, region.code, location)), geolocation: geoLocationCode(location) }));
  }
}

function planRecord(build: RecordBuild, record: DesiredRecord): void {
  const liveHere = [...(build.context.ownedByNameType.get(nameTypeKey(record.name, record.type)) ?? [])];
  const wanted = new Map<string, { region: DesiredRegion; template: RecordTemplate }>();
  for (const region of build.context.desired.regions) {
    if (region.state === 'standby' && (record.routing === 'latency' || record.routing === 'geolocation')) {
      build.notes.add(
        `${record.name} (${record.routing}) has no record in standby region ${region.code}: a ${record.routing} record always takes traffic; its health check is kept`,
      );
    }
    for (const template of templatesFor(build, record, region)) wanted.set(template.setIdentifier!, { region, template });
  }

  let afterSwitch: string[] = [];
  const switched = new Set<string>();
  if (liveHere.some((r) => routingOf(r) !== record.routing)) {
    afterSwitch = planRoutingSwitch(build, record, liveHere, wanted, switched);
  } else {
    planSlotTakeovers(build, record, liveHere, wanted, switched);
  }

  for (const [setId, { region, template }] of [...wanted.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    if (switched.has(setId)) continue;
    const current = afterSwitch.length > 0 ? undefined : liveHere.find((r) => r.setIdentifier === setId);
    planRecordSet(build, record, region, template, current, afterSwitch);
  }
  if (afterSwitch.length > 0) return;
  for (const current of liveHere) {
    if (!wanted.has(current.setIdentifier!) && !switched.has(current.setIdentifier!)) removeRecord(build, current);
  }
}

function planRecordSet(build: RecordBuild, record: DesiredRecord, region: DesiredRegion, template: RecordTemplate, current: DnsRecord | undefined, afterSwitch: string[]): void {
  const code = region.code;
  const check = build.healthChecks.get(`${record.name}|${code}`);
  const ready = [...(build.stackReady.get(code) ?? []), ...(check?.deps ?? []), ...afterSwitch];
  const suffix = recordSuffix(template, build.rs);
  const full = template.weight;

  if (!current) {
    if (region.state !== 'active' || (full !== undefined && full === 0)) {
      // Standby (weight 0 or failover SECONDARY) takes no traffic: no health gate needed.
      recordStep(build, 'record.create', `${code}:record.create:${suffix}`, code, 'CREATE', template, [...ready, ...(build.replicaReady.get(code) ?? [])], `${record.name} has no record in ${code} (${region.state})`, {
        after: templateDisplay(template),
      });
      return;
    }
    build.joiningRegions.add(code);
    build.joinFinals.push(planJoin(build, record, code, template, undefined, ready, check?.ref));
    return;
  }

  if (full !== undefined && region.state === 'active' && current.weight !== undefined && current.weight < full) {
    // A join that did not finish (crash mid-ramp, or a ramp rolled back to 0): go on from the live weight.
    build.joiningRegions.add(code);
    build.joinFinals.push(planJoin(build, record, code, template, current, ready, check?.ref));
    return;
  }

  const differences = recordDifferences(template, current);
  if (differences.length === 0) return;
  const display = {
    before: pick(recordDisplay(current), differences),
    after: pick(templateDisplay(template), differences),
  };
  const silencing = current.weight !== undefined && current.weight > 0 && template.weight === 0;
  const id = recordStep(build, 'record.update', `${code}:record.update:${suffix}`, code, 'UPSERT', template, ready, updateReason(differences, silencing, region), display);
  touch(build.touching, current, id);
  if (silencing) build.reductions.push(id);
}

/**
 * Health-gated join of one record set. Weighted records ramp: the first ramp weight after
 * the health check is healthy, then each further weight after health has held for
 * stepWait (the hold rolls the record back to weight 0 if health fails).
 */
function planJoin(build: RecordBuild, record: DesiredRecord, region: string, template: RecordTemplate, current: DnsRecord | undefined, ready: string[], check: HealthCheckRef | undefined): string {
  const suffix = recordSuffix(template, build.rs);
  const rollout = build.context.desired.rollout;
  const timeoutMs = build.context.healthTimeoutMs;
  const gateDeps = [...ready, ...(build.replicaReady.get(region) ?? [])];
  const from = current?.weight ?? 0;
  let after: string[] = gateDeps;
  const checkResource = `healthcheck:${record.name}:${region}`;

  if (from === 0 && check) {
    after = [
      build.list.add({
        id: `${region}:health.wait:${suffix}`,
        action: 'health.wait',
        region,
        resource: checkResource,
        dependsOn: gateDeps,
        reason: `${record.name} takes traffic in ${region} only once its health check is healthy`,
        payload: { kind: 'health', healthCheck: check, holdMs: 0, timeoutMs },
      }),
    ];
  }

  if (template.weight === undefined) {
    const id = recordStep(build, 'record.create', `${region}:record.create:${suffix}`, region, 'CREATE', template, after, `${record.name} joins in ${region}`, {
      after: templateDisplay(template),
    });
    return id;
  }

  const resource = recordResource(template);
  const weights = rampWeights(template.weight, rollout.ramp).filter((weight) => weight > from);
  const rampDisplay = [from, ...weights];
  let previous = from;
  let last = '';
  weights.forEach((weight, i) => {
    const first = i === 0;
    if (!first || from > 0) {
      // Hold at the current weight before going higher.
      const rollback: RecordTemplate = { ...template, weight: 0 };
      after = [
        check
          ? build.list.add({
              id: `${region}:health.wait:${suffix}@${previous}`,
              action: 'health.wait',
              region,
              resource: checkResource,
              dependsOn: after,
              reason: `health must hold for ${formatMs(rollout.stepWaitMs)} at weight ${previous} before weight ${weight}`,
              after: { weight: previous, holdMs: rollout.stepWaitMs },
              payload: { kind: 'health', healthCheck: check, holdMs: rollout.stepWaitMs, timeoutMs: Math.max(timeoutMs, rollout.stepWaitMs * 2), rollback },
            })
          : build.list.add({
              id: `${region}:ramp.wait:${suffix}@${previous}`,
              action: 'ramp.wait',
              region,
              resource,
              dependsOn: after,
              reason: `wait ${formatMs(rollout.stepWaitMs)} at weight ${previous} before weight ${weight} (no health check)`,
              after: { weight: previous },
              payload: { kind: 'wait', ms: rollout.stepWaitMs },
            }),
      ];
    }
    const step = { ...template, weight };
    const creating = first && !current;
    const ramp = { ramp: rampDisplay, stepWaitMs: rollout.stepWaitMs };
    last = creating
      ? recordStep(build, 'record.create', `${region}:record.create:${suffix}`, region, 'CREATE', step, after, `${record.name} joins in ${region} at weight ${weight} of ${template.weight}`, {
          after: { ...templateDisplay(step), ...ramp },
        }, resource)
      : recordStep(build, 
          'record.update',
          `${region}:record.update:${suffix}@${weight}`,
          region,
          'UPSERT',
          step,
          after,
          weight === template.weight ? `${record.name} in ${region} reaches its full weight ${weight}` : `${record.name} in ${region} ramps to weight ${weight} of ${template.weight}`,
          { before: { weight: previous }, after: { weight, ...(first ? ramp : {}) } },
          resource,
        );
    if (current) touch(build.touching, current, last);
    after = [last];
    previous = weight;
  });
  return last;
}

/** Owned records at names or types the manifest no longer lists. */
function planRecordsNoLongerWanted(build: RecordBuild): void {
  const wanted = new Set(build.context.desired.dns.records.map((record) => nameTypeKey(record.name, record.type)));
  for (const current of build.context.owned) {
    if (wanted.has(nameTypeKey(current.name, current.type))) continue;
    removeRecord(build, current);
  }
}

function removeRecord(build: RecordBuild, record: DnsRecord): void {
  const region = regionOfSetIdentifier(record.setIdentifier!, build.rs);
  if (region) build.unwanted.push({ region, record });
}
