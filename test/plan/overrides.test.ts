// The break-glass drain overlay (plan/overrides.ts): the planner plans the manifest with the
// override applied. Checked through plan(): the traffic steps a user would see, no removal
// of stacks or health checks, guardrails on the overlaid manifest; and when an override ends.
import { describe, expect, it } from 'vitest';
import { overlayDrains, type DrainOverride } from '../../controller/plan/overrides.js';
import { plan } from '../../controller/plan/plan.js';
import { desiredState, liveFor, withoutRegion, withRegion } from '../support/builders.js';
import { NOW } from './helpers.js';

const drain = (until = NOW + 3_600_000): DrainOverride => ({ until, reason: 'INC-9 5xx in eu-west-1', by: 'alice', at: NOW - 1 });
const actions = (p: ReturnType<typeof plan>) => p.steps.map((step) => `${step.region ?? ''} ${step.action}`).sort();

describe('overlayDrains: a drained-now region takes no traffic', () => {
  it('latency: the region leaves the latency set at once (no drain wait, health check and stack kept)', () => {
    const desired = desiredState();
    const overlay = overlayDrains(desired, { 'eu-west-1': drain() }, NOW);
    expect(overlay).toMatchObject({ applied: ['eu-west-1'], ended: [] });
    const result = plan(overlay.desired, liveFor(desired).build(), { now: NOW });
    expect(result.refusals).toEqual([]);
    expect(actions(result)).toEqual(['eu-west-1 record.delete']);
    // The manifest object itself is not changed.
    expect(desired.regions.find((r) => r.code === 'eu-west-1')?.state).toBe('active');
  });

  it('weighted: weight 0 in one step, the record stays for the way back', () => {
    const desired = desiredState({ records: [{ routing: 'weighted' }] });
    const result = plan(overlayDrains(desired, { 'us-east-2': drain() }, NOW).desired, liveFor(desired).build(), { now: NOW });
    expect(result.steps.map((step) => [step.region, step.action, step.after])).toEqual([['us-east-2', 'record.update', { weight: 0 }]]);
  });

  it('failover: the PRIMARY record goes, so Route 53 answers with the SECONDARY', () => {
    const desired = withRegion(
      withRegion(withoutRegion(desiredState({ records: [{ routing: 'failover' }], rollout: { minHealthyRegions: 1 } }), 'ap-southeast-1'), 'eu-west-1', { failover: 'PRIMARY' }),
      'us-east-2',
      { failover: 'SECONDARY' },
    );
    const result = plan(overlayDrains(desired, { 'eu-west-1': drain() }, NOW).desired, liveFor(desired).build(), { now: NOW });
    expect(result.refusals).toEqual([]);
    expect(actions(result)).toEqual(['eu-west-1 record.delete']);
  });

  it('guardrails judge the overlaid manifest: a second drain below minHealthyRegions is refused', () => {
    const desired = desiredState();
    const overlay = overlayDrains(desired, { 'eu-west-1': drain(), 'us-east-2': drain() }, NOW);
    const result = plan(overlay.desired, liveFor(desired).build(), { now: NOW });
    expect(result.refusals.map((refusal) => refusal.message)).toEqual([
      'min-healthy-regions: moving eu-west-1 to standby and moving us-east-2 to standby would leave 1 healthy serving region (ap-southeast-1); minHealthyRegions is 2. Restore a region or lower minHealthyRegions.',
    ]);
  });

  it('next reconciles with the override in force plan nothing: they leave the emergency change alone', () => {
    const desired = desiredState();
    const overlaid = overlayDrains(desired, { 'eu-west-1': drain() }, NOW).desired;
    const drainedLive = liveFor(overlaid).build();
    expect(plan(overlayDrains(desired, { 'eu-west-1': drain() }, NOW + 600_000).desired, drainedLive, { now: NOW + 600_000 }).steps).toEqual([]);
    // Without the overlay the same live state is drift the planner would undo.
    expect(actions(plan(desired, drainedLive, { now: NOW }))).toContain('eu-west-1 record.create');
  });
});

describe('overlayDrains: when an override ends', () => {
  it('expired: the manifest applies again and traffic returns through the health-gated join', () => {
    const desired = desiredState();
    const overlaid = overlayDrains(desired, { 'eu-west-1': drain(NOW + 1000) }, NOW).desired;
    const overlay = overlayDrains(desired, { 'eu-west-1': drain(NOW + 1000) }, NOW + 1000);
    expect(overlay).toMatchObject({ applied: [], ended: [{ region: 'eu-west-1', why: 'expired' }] });
    expect(overlay.desired).toBe(desired);
    const back = plan(overlay.desired, liveFor(overlaid).build(), { now: NOW + 1000 });
    expect(actions(back)).toEqual(['eu-west-1 health.wait', 'eu-west-1 record.create']);
  });

  it('merged: the manifest says drained, standby or no longer lists the region; other overrides still apply', () => {
    const drains = { 'eu-west-1': drain(), 'us-east-2': drain(), 'ap-southeast-1': drain() };
    const drained = withRegion(desiredState(), 'eu-west-1', { state: 'drained' });
    expect(overlayDrains(drained, drains, NOW)).toMatchObject({
      applied: ['ap-southeast-1', 'us-east-2'],
      ended: [{ region: 'eu-west-1', why: 'merged', override: drains['eu-west-1'] }],
    });
    const gone = withRegion(withoutRegion(desiredState(), 'eu-west-1'), 'us-east-2', { state: 'standby' });
    expect(overlayDrains(gone, drains, NOW).ended.map((end) => `${end.region} ${end.why}`)).toEqual(['eu-west-1 merged', 'us-east-2 merged']);
  });

  it('no overrides: the manifest as it is', () => {
    const desired = desiredState();
    expect(overlayDrains(desired, undefined, NOW)).toEqual({ desired, applied: [], ended: [] });
  });
});
