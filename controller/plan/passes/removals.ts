// Taking record sets and health checks away, in the leaving order: weight 0 (weighted) or
// delete (other policies), then one drain wait per region, then the drained weighted
// records and the health checks no wanted record set keeps. A health check is deleted only
// after every step that changes or deletes a live record still using it.

import type { DnsRecord, LiveHealthCheck } from '../../providers/types.js';
import { decodeDnsEscapes } from '../../dns-name.js';
import { compareStrings, healthCheckKey, healthCheckKeyOf, isOwnedHealthCheck } from '../identity.js';
import { literalTemplate, liveKey, recordDisplay, recordSuffix } from '../record-diff.js';
import { routingOf, takesTraffic } from '../routing.js';
import { need, StepList, type Pass, type PlanContext } from '../context.js';
import { recordStep, touch } from './record-build.js';

type Orphans = Map<string, Array<{ check: LiveHealthCheck; recordName?: string }>>;

export const removalsPass: Pass = (context, facts) => {
  const known = need(facts, 'removals', 'unwanted', 'touching', 'atomicDeletes', 'reductions', 'keptChecks');
  const list = new StepList();
  const build = { list, context };
  const touching = new Map([...known.touching].map(([key, ids]) => [key, [...ids]]));
  const reductions = [...known.reductions];
  const { rs, regions: wanted } = context;

  const byRegion = new Map<string, DnsRecord[]>();
  for (const { region, record } of known.unwanted) byRegion.set(region, [...(byRegion.get(region) ?? []), record]);
  const orphans = orphanHealthChecks(context, known.keptChecks);
  const regions = [...new Set([...byRegion.keys(), ...known.atomicDeletes.keys(), ...orphans.keys()])].sort();
  const removalSteps = new Map<string, string[]>();
  const notes: string[] = [];

  for (const region of regions) {
    const removals = (byRegion.get(region) ?? []).sort((a, b) => compareStrings(liveKey(a), liveKey(b)));
    const firstPhase: string[] = [...(known.atomicDeletes.get(region) ?? [])];
    const later: Array<{ record: DnsRecord; after?: string }> = [];
    const reason = wanted.has(region) ? `not wanted in ${region} (${wanted.get(region)!.state})` : `${region} left the manifest`;
    for (const record of removals) {
      const suffix = recordSuffix(record, rs);
      if (record.weight !== undefined && record.weight > 0) {
        const zeroed = { ...record, weight: 0 };
        const id = recordStep(build, 'record.update', `${region}:record.update:${suffix}`, region, 'UPSERT', literalTemplate(zeroed), [], `${reason}: weight 0 first, so traffic drains`, {
          before: { weight: record.weight },
          after: { weight: 0 },
        });
        touch(touching, record, id);
        firstPhase.push(id);
        reductions.push(id);
        later.push({ record: zeroed, after: id });
      } else if (record.weight !== undefined) {
        later.push({ record });
      } else {
        const id = recordStep(build, 'record.delete', `${region}:record.delete:${suffix}`, region, 'DELETE', literalTemplate(record), [], `${reason}: out of the ${routingOf(record)} set`, {
          before: recordDisplay(record),
        });
        touch(touching, record, id);
        firstPhase.push(id);
        if (takesTraffic(record)) reductions.push(id);
      }
    }
    const checks = orphans.get(region) ?? [];
    const steps = [...firstPhase];
    const needsDrain = firstPhase.length > 0 && (later.length > 0 || checks.length > 0 || !wanted.has(region));
    const drain = needsDrain
      ? list.add({
          id: `${region}:drain.wait`,
          action: 'drain.wait',
          region,
          resource: `region:${region}`,
          dependsOn: firstPhase,
          reason: `clients move off ${region} before its records and health checks go (drainWait, at least the record TTL)`,
          payload: { kind: 'wait', ms: context.desired.rollout.drainWaitMs },
        })
      : undefined;
    if (drain) steps.push(drain);
    for (const { record, after } of later) {
      const id = recordStep(build, 'record.delete', `${region}:record.delete:${recordSuffix(record, rs)}`, region, 'DELETE', literalTemplate(record), drain ? [drain] : after ? [after] : [], `${reason}: remove the drained record`, {
        before: recordDisplay(record),
      });
      touch(touching, record, id);
      steps.push(id);
    }
    for (const { check, recordName } of checks) {
      const id = deleteHealthCheck(context, list, touching, check, recordName, region, drain, notes);
      if (id) steps.push(id);
    }
    removalSteps.set(region, steps);
  }
  for (const { check } of orphans.get('') ?? []) deleteHealthCheck(context, list, touching, check, undefined, undefined, undefined, notes);
  return { steps: list.steps, notes, facts: { removalSteps, reductions, touching } };
};

/** Owned health checks no wanted (record, region) keeps, by region ('' when the region cannot be told). */
function orphanHealthChecks(context: PlanContext, keptChecks: ReadonlySet<string>): Orphans {
  const { rs } = context;
  const orphans: Orphans = new Map();
  const sorted = context.live.healthChecks.filter((check) => isOwnedHealthCheck(check, rs) && !keptChecks.has(check.id)).sort((a, b) => compareStrings(a.id, b.id));
  // Planning speed: the (record, region) keys are hashed only when some owned check is not kept.
  if (sorted.length === 0) return orphans;
  const regionOfKey = new Map<string, { record: string; region: string }>();
  // Live names may be escaped (\052): the manifest's spelling is the one shown.
  const names = new Set([...context.desired.dns.records.map((r) => r.name), ...context.owned.map((r) => decodeDnsEscapes(r.name))]);
  const regions = new Set([...context.regions.keys(), ...context.leaving]);
  for (const name of names) for (const region of regions) regionOfKey.set(healthCheckKey(name, region), { record: name, region });
  for (const check of sorted) {
    const owner = regionOfKey.get(healthCheckKeyOf(check, rs) ?? '');
    const region = owner?.region ?? '';
    orphans.set(region, [...(orphans.get(region) ?? []), { check, ...(owner ? { recordName: owner.record } : {}) }]);
  }
  return orphans;
}

function deleteHealthCheck(
  context: PlanContext,
  list: StepList,
  touching: ReadonlyMap<string, readonly string[]>,
  check: LiveHealthCheck,
  recordName: string | undefined,
  region: string | undefined,
  drain: string | undefined,
  notes: string[],
): string | undefined {
  const users = context.live.records.filter((record) => record.healthCheckId === check.id);
  // Route 53 deletes a check that a record still references, and that record's routing then
  // becomes unpredictable (r53.delete-healthcheck-in-use). So a check goes only after every
  // record of the zone using it (ours or anyone's) is changed or deleted by this plan.
  const untouched = users.filter((record) => (touching.get(liveKey(record)) ?? []).length === 0);
  if (untouched.length > 0) {
    const names = untouched.map((r) => `${decodeDnsEscapes(r.name)} ${r.type}${r.setIdentifier !== undefined ? ` (${r.setIdentifier})` : ''}`).join(', ');
    notes.push(
      `health check ${check.id} (${check.config.fqdn}) is no longer wanted but is kept: record ${names} still uses it, and deleting it would make that record's routing unpredictable; remove the health check from the record, then run apply again`,
    );
    return undefined;
  }
  const deps = [...(drain ? [drain] : []), ...users.flatMap((record) => touching.get(liveKey(record)) ?? [])];
  const wanted = region ? context.regions.get(region) : undefined;
  return list.add({
    id: `${region ? `${region}:` : ''}healthcheck.delete:${recordName ? `${recordName}:` : ''}${check.id}`,
    action: 'healthcheck.delete',
    ...(region ? { region } : {}),
    resource: `healthcheck:${recordName ?? check.id}:${region ?? ''}`,
    dependsOn: deps,
    reason: wanted && wanted.state !== 'drained' ? 'replaced or no longer wanted' : 'no record uses it any more',
    before: { id: check.id, fqdn: check.config.fqdn, path: check.config.path },
    payload: { kind: 'healthcheck-delete', id: check.id },
  });
}
