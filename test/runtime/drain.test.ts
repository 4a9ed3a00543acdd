// Break-glass drain through the running controller (issue 15 item 7, runtime/drains.ts): POST
// /drain moves the region's traffic within one reconcile, the next resyncs and a restart keep
// it, merging the one-line change ends the override, an expired override gives the traffic
// back; guardrails refuse a drain that would leave too few serving regions. The example
// global-api (latency routing, three regions, minHealthyRegions 2) on the sandbox; the
// controller on a fake clock the test moves.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import type { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { SandboxControlStore } from '../../controller/providers/sandbox/control.js';
import type { ControlStore, HistoryEntry } from '../../controller/providers/types.js';
import { latencyRegions, runtimeHarness, sandboxWorld, type StartedRuntime } from './helpers.js';

const TOKEN = 'drain-test-token-3b9f41c7';
const SET = 'global-api';
const harness = runtimeHarness();

/** The latency regions of api.example.com (the records that take traffic). */

async function controller(cloud: SandboxCloud, store: ControlStore, clock: FakeClock, state: { revision: string }) {
  const started = await harness.start(harness.config({ triggerToken: TOKEN }), {
    sandboxCloud: cloud,
    control: store,
    clock,
    source: { sync: async () => ({ revision: state.revision, dir: harness.repo.dir }) },
  });
  await started.runtime.controller.idle();
  return helpers(started);
}

function helpers(started: StartedRuntime) {
  const post = (path: string, body?: object, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    started.http(path, { method: 'POST', headers: { ...headers, 'x-regionctl-actor': 'alice' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const settle = () => started.runtime.controller.idle();
  const status = async () => (await started.json('/status')).regionSets[SET];
  const history = async (): Promise<HistoryEntry[]> => (await started.json(`/history?regionSet=${SET}`)).regionSets[SET];
  const metrics = async () => (await started.http('/metrics')).text();
  return { ...started, post, settle, status, history, metrics };
}

describe('regionctl drain --now through the running controller', () => {
  it('drains within one reconcile; resyncs and a restart keep it; merging the one-line change ends the override', async () => {
    const { cloud } = sandboxWorld();
    const store = new SandboxControlStore();
    const clock = new FakeClock(Date.UTC(2026, 5, 1), false);
    const state = { revision: 'rev-1' };
    let c = await controller(cloud, store, clock, state);
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);

    const answer = await c.post(`/drain?regionSet=${SET}`, { region: 'eu-west-1', reason: 'INC-9: 5xx from eu-west-1', for: '2h' });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ region: 'eu-west-1', by: 'alice', until: '2026-06-01T02:00:00.000Z', file: 'manifests/global-api.yaml', revision: 'rev-1' });
    await c.settle();
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'us-east-2']);
    // One reconcile, triggered by the drain, did it: the latency record out, nothing else.
    const afterDrain = await c.history();
    expect(afterDrain.slice(-2).map((entry) => [entry.kind, entry.outcome, entry.trigger])).toEqual([
      ['drain', undefined, 'manual (drain --now)'],
      ['reconcile', 'applied', 'drain --now of eu-west-1 by alice'],
    ]);
    expect(afterDrain.at(-2)).toMatchObject({ region: 'eu-west-1', by: 'alice', reason: 'INC-9: 5xx from eu-west-1', until: Date.UTC(2026, 5, 1, 2) });
    expect(afterDrain.at(-1)?.steps?.map((step) => `${step.region} ${step.action} ${step.outcome}`)).toEqual(['eu-west-1 record.delete done']);
    expect(await c.status()).toMatchObject({
      lastOutcome: 'applied',
      overrides: { drains: { 'eu-west-1': { by: 'alice', reason: 'INC-9: 5xx from eu-west-1', until: '2026-06-01T02:00:00.000Z' } } },
      regions: { 'eu-west-1': { desiredState: 'standby' }, 'us-east-2': { desiredState: 'active' } },
    });
    expect(await c.metrics()).toContain('regionctl_drain_override{regionset="global-api",region="eu-west-1"} 1');

    // Resyncs (the manifest still says active) leave the emergency change alone.
    for (let i = 0; i < 2; i++) {
      expect((await c.post('/trigger')).status).toBe(202);
      await c.settle();
    }
    expect((await c.status()).lastOutcome).toBe('converged');
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'us-east-2']);

    // A restart on the same control store keeps it.
    await c.runtime.stop();
    c = await controller(cloud, store, clock, state);
    expect(await c.status()).toMatchObject({ lastOutcome: 'converged', overrides: { drains: { 'eu-west-1': { by: 'alice' } } } });
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'us-east-2']);

    // The one-line change merges: the override is cleared, the manifest's drain goes on (the record is already out, so its health check goes without a drain wait).
    harness.repo.edit('    eu-west-1: {}\n', '    eu-west-1: { state: drained }\n');
    state.revision = 'rev-2';
    expect((await c.post('/trigger')).status).toBe(202);
    await c.settle();
    const merged = await c.history();
    expect(merged.slice(-2).map((entry) => [entry.kind, entry.region ?? entry.outcome])).toEqual([
      ['drain-ended', 'eu-west-1'],
      ['reconcile', 'applied'],
    ]);
    expect(merged.at(-2)?.reason).toContain('the manifest caught up');
    expect(merged.at(-1)?.plan?.stepsByAction).toEqual({ 'healthcheck.delete': 1 });
    expect(await c.status()).toMatchObject({ overrides: { drains: {}, lastEnded: { region: 'eu-west-1', why: 'merged' } }, regions: { 'eu-west-1': { desiredState: 'drained' } } });
    expect((await store.getControl(SET))?.drains).toBeUndefined();
    const text = await c.metrics();
    expect(text).toContain('regionctl_drain_override{regionset="global-api",region="eu-west-1"} 0');
    expect(text).toContain('regionctl_drain_overrides_ended_total{regionset="global-api",why="merged"} 1');
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'us-east-2']);
  });

  it('an override that expires unmerged gives the traffic back through the health-gated join, and says so', async () => {
    const { cloud } = sandboxWorld();
    const clock = new FakeClock(Date.UTC(2026, 5, 1), false);
    const c = await controller(cloud, new SandboxControlStore(), clock, { revision: 'rev-1' });
    expect((await c.post(`/drain?regionSet=${SET}`, { region: 'us-east-2', reason: 'INC-10', for: '30m' })).status).toBe(202);
    await c.settle();
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'eu-west-1']);

    await clock.advance(30 * 60_000 + 1);
    await c.settle();
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);
    const history = await c.history();
    expect(history.slice(-2).map((entry) => [entry.kind, entry.trigger])).toEqual([
      ['drain-ended', 'expiry'],
      ['reconcile', 'drain override of us-east-2 expired'],
    ]);
    expect(history.at(-2)?.reason).toContain('traffic follows the manifest again');
    expect(history.at(-1)?.steps?.map((step) => step.action)).toEqual(['health.wait', 'record.create']);
    expect(await c.status()).toMatchObject({ overrides: { drains: {}, lastEnded: { region: 'us-east-2', why: 'expired' } }, regions: { 'us-east-2': { desiredState: 'active' } } });
  });

  it('refuses without the token, a drain the guardrails refuse (409, nothing written), and a region that takes no traffic', async () => {
    const { cloud } = sandboxWorld();
    const store = new SandboxControlStore();
    const c = await controller(cloud, store, new FakeClock(Date.UTC(2026, 5, 1), false), { revision: 'rev-1' });
    const body = { region: 'eu-west-1', reason: 'INC-11' };
    expect((await c.post(`/drain?regionSet=${SET}`, body, {})).status).toBe(401);
    expect((await c.post(`/drain?regionSet=${SET}`, body, { authorization: 'Bearer wrong-token-000000' })).status).toBe(401);
    expect((await c.post(`/drain?regionSet=${SET}`, { region: 'eu-west-1' })).status).toBe(400);
    expect((await c.post(`/drain?regionSet=${SET}`, { ...body, for: '3d' })).status).toBe(400);
    const absent = await c.post(`/drain?regionSet=${SET}`, { ...body, region: 'sa-east-1' });
    expect(absent.status).toBe(404);
    expect(((await absent.json()) as { error: string }).error).toContain('sa-east-1 is not in spec.regions of manifests/global-api.yaml');

    expect((await c.post(`/drain?regionSet=${SET}`, body)).status).toBe(202);
    await c.settle();
    const second = await c.post(`/drain?regionSet=${SET}`, { region: 'us-east-2', reason: 'INC-11 too' });
    expect(second.status).toBe(409);
    const refusal = (await second.json()) as { error: string; refusals: Array<{ rule: string }> };
    expect(refusal.error).toMatch(/^drain of us-east-2 refused, nothing changed: min-healthy-regions: .*would leave 1 healthy serving region \(ap-southeast-1\); minHealthyRegions is 2/);
    expect(refusal.refusals.map((r) => r.rule)).toEqual(['min-healthy-regions']);
    expect(Object.keys((await store.getControl(SET))?.drains ?? {})).toEqual(['eu-west-1']);
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'us-east-2']);
    expect((await c.history()).filter((entry) => entry.kind === 'drain').map((entry) => entry.region)).toEqual(['eu-west-1']);
  });
});
