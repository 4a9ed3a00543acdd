// What one reconcile saw of each region's traffic, from the reads it makes anyway (no extra
// AWS call): the weight of the region's weighted record (read at the start, then as the
// apply's record steps set it) and its health (the statuses read for the guardrails when
// the plan has steps, then the apply's health waits). Pure: /status and the status page
// show it (status.ts); a region this reconcile learnt nothing about has no `health`, and
// the status store keeps the previous observation with its time.

import type { DesiredState } from '../manifest/types.js';
import { sameDnsName } from '../dns-name.js';
import { ownedHealthCheckFor, regionOfSetIdentifier } from '../plan/identity.js';
import type { Plan } from '../plan/types.js';
import type { HealthStatus, HistoryStep, LiveState } from '../providers/types.js';

export interface RegionObservation {
  /** Weighted routing only: the manifest's weight (0 for a standby or drained region) and the live record's (absent: no record). */
  weight?: { desired: number; live?: number };
  health?: HealthStatus;
}

/**
 * Per region of the manifest or the plan. `outcomes` (step id → outcome) are the apply's:
 * without them the live weight is the one read before planning.
 */
export function observeRegions(
  desired: DesiredState,
  live: Pick<LiveState, 'records' | 'healthChecks' | 'health'>,
  plan: Pick<Plan, 'steps' | 'summary'>,
  outcomes?: ReadonlyMap<string, HistoryStep['outcome']>,
): Record<string, RegionObservation> {
  const weighted = desired.dns.records.find((record) => record.routing === 'weighted');
  const codes = new Set([...desired.regions.map((region) => region.code), ...Object.keys(plan.summary.regions)]);
  const result: Record<string, RegionObservation> = {};
  for (const code of [...codes].sort()) {
    const observation: RegionObservation = {};
    if (weighted) {
      const region = desired.regions.find((r) => r.code === code);
      const record = live.records.find((r) => r.setIdentifier !== undefined && regionOfSetIdentifier(r.setIdentifier, desired.name) === code && r.type === weighted.type && sameDnsName(r.name, weighted.name));
      observation.weight = { desired: region?.state === 'active' ? region.weight : 0, ...(record?.weight !== undefined ? { live: record.weight } : {}) };
    }
    const check = ownedHealthCheckFor(live.healthChecks, desired, code);
    const read = check ? live.health[check.id] : undefined;
    if (read) observation.health = read;
    result[code] = observation;
  }
  if (!outcomes) return result;

  // The apply, in plan order: what its record steps wrote and what its health waits saw.
  for (const step of plan.steps) {
    const outcome = outcomes.get(step.id);
    if (step.payload.kind === 'record' && step.action !== 'inventory.update' && outcome === 'done' && weighted) {
      const record = step.payload.record;
      const code = step.region ?? (record.setIdentifier ? regionOfSetIdentifier(record.setIdentifier, desired.name) : undefined);
      const weight = code ? result[code]?.weight : undefined;
      if (!weight || record.type !== weighted.type || !sameDnsName(record.name, weighted.name)) continue;
      if (step.payload.change === 'DELETE') delete weight.live;
      else if (record.weight !== undefined) weight.live = record.weight;
    }
    if (step.action === 'health.wait' && step.region && result[step.region] && (outcome === 'done' || outcome === 'failed')) {
      const observation = result[step.region]!;
      observation.health = outcome === 'done' ? 'healthy' : 'unhealthy';
      // A failed hold sends its rollback weight before it fails (apply/health.ts runHealthWait).
      const rollback = step.payload.rollback;
      if (outcome === 'failed' && rollback?.weight !== undefined && observation.weight && weighted && sameDnsName(rollback.name, weighted.name)) observation.weight.live = rollback.weight;
    }
  }
  return result;
}
