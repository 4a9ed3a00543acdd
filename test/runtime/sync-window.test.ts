// Change freezes in the running controller, on a fake clock: a merge inside a deny window is
// planned and reported (status, metrics, history) but not applied, and applied when the window
// ends without waiting for a resync; an emergency override lifts the window, is recorded in
// history (through regionctl sync-window override) and lapses by itself.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { headline, type RuntimeEvent } from '../../controller/notify/events.js';
import type { HistoryEntry } from '../../controller/providers/types.js';
import { metricSum } from '../e2e/support.js';
import { runCli } from '../support/cli.js';
import { MAX_DELAY_MS, Timers } from '../../controller/runtime/timers.js';
import { captureLines, runtimeHarness, sandboxWorld } from './helpers.js';

const TOKEN = 'sync-window-test-token-7c2f9e';
// 09:00–10:00 in Berlin: 08:00–09:00 UTC in January.
const WINDOW = '  syncWindows:\n    - { kind: deny, schedule: "0 9 * * *", duration: 1h, timeZone: Europe/Berlin, description: morning batch }\n  regions:\n';
const ADD_REGION: [string, string] = ['    us-east-2: {}\n', '    us-east-2: {}\n    sa-east-1: {}\n'];

const harness = runtimeHarness();

async function start(clockAt: string) {
  harness.repo.edit('  regions:\n', WINDOW);
  const events: RuntimeEvent[] = [];
  const { cloud } = sandboxWorld();
  const clock = new FakeClock(Date.parse(clockAt), false);
  const state = { revision: 'rev-1' };
  const started = await harness.start(harness.config({ triggerToken: TOKEN, logLevel: 'info' }), {
    sandboxCloud: cloud,
    clock,
    source: { sync: async () => ({ revision: state.revision, dir: harness.repo.dir }) },
    logDestination: captureLines().stream,
    onEvent: (event) => events.push(event),
  });
  await started.runtime.controller.idle();
  const merge = async (revision: string) => {
    harness.repo.edit(...ADD_REGION);
    state.revision = revision;
    started.runtime.controller.requestSync('webhook');
    await started.runtime.controller.idle();
  };
  const post = (path: string, body: object) =>
    started.http(path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const history = async (): Promise<HistoryEntry[]> => (await started.json('/history?regionSet=global-api')).regionSets['global-api'];
  return { ...started, cloud, clock, merge, post, history, events };
}

describe('sync windows in the running controller', () => {
  it('a merge inside a deny window is planned, not applied, and applied when the window ends', async () => {
    const { cloud, clock, merge, json, http, history, runtime, events } = await start('2026-01-01T07:30:00Z');
    let status = (await json('/status')).regionSets['global-api'];
    expect(status).toMatchObject({ lastOutcome: 'applied', syncWindowOpen: true });
    expect(status.syncWindows).toEqual([
      { kind: 'deny', schedule: '0 9 * * *', duration: '1h', timeZone: 'Europe/Berlin', description: 'morning batch', active: false, nextChange: '2026-01-01T08:00:00.000Z' },
    ]);

    await clock.advance(45 * 60_000); // 08:15 UTC, 09:15 in Berlin
    await merge('rev-2');
    status = (await json('/status')).regionSets['global-api'];
    expect(status.lastOutcome).toBe('drift');
    expect(status.syncWindowOpen).toBe(false);
    expect(status.syncWindows[0]).toMatchObject({ active: true, nextChange: '2026-01-01T09:00:00.000Z' });
    const steps = status.lastPlan.steps;
    expect(steps).toBeGreaterThan(0);
    expect(status.conditions.find((c: { type: string }) => c.type === 'Reconciling')).toMatchObject({
      status: 'False',
      reason: 'SyncWindowClosed',
      message: `deny window 'morning batch' until 2026-01-01T09:00:00.000Z: ${steps} step(s) wait`,
    });
    expect(status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'SyncWindowClosed' });
    expect(cloud.peekStack('sa-east-1', 'global-api')).toBeUndefined();
    const metrics = await (await http('/metrics')).text();
    expect(metricSum(metrics, 'regionctl_sync_window_open', { regionset: 'global-api' })).toBe(0);
    expect(metricSum(metrics, 'regionctl_sync_window_next_open_timestamp_seconds', { regionset: 'global-api' })).toBe(Date.parse('2026-01-01T09:00:00Z') / 1000);
    expect((await history()).at(-1)).toMatchObject({ outcome: 'drift', revision: 'rev-2', reason: "not applied: deny window 'morning batch' until 2026-01-01T09:00:00.000Z" });
    const drift = events.at(-1)!;
    expect(drift).toMatchObject({ type: 'drift-found', revision: 'rev-2', syncWindow: "deny window 'morning batch' until 2026-01-01T09:00:00.000Z" });
    expect(drift.type !== 'converged' && headline(drift)).toBe(`global-api: drift at rev-2: ${steps} steps would change the live state, held back by the deny window 'morning batch' until 2026-01-01T09:00:00.000Z`);

    // The controller sleeps until the window ends, not until a resync.
    expect(clock.nextWakeAt).toBe(Date.parse('2026-01-01T09:00:00Z'));
    await clock.advance(45 * 60_000);
    await runtime.controller.idle();
    status = (await json('/status')).regionSets['global-api'];
    expect(status).toMatchObject({ lastOutcome: 'applied', lastAppliedRevision: 'rev-2', syncWindowOpen: true });
    expect(cloud.peekStack('sa-east-1', 'global-api')?.status).toBe('CREATE_COMPLETE');
    expect((await history()).at(-1)).toMatchObject({ outcome: 'applied', revision: 'rev-2', trigger: 'sync window opened' });
    expect(events.slice(-2).map((e) => e.type)).toEqual(['apply-started', 'apply-succeeded']);
  });

  it('an override lifts the window at once, is recorded in history and lapses by itself', async () => {
    const { cloud, clock, merge, json, post, history, runtime, url } = await start('2026-01-01T08:10:00Z');
    expect((await json('/status')).regionSets['global-api'].lastOutcome).toBe('drift');
    expect(cloud.peekStack('eu-west-1', 'global-api')).toBeUndefined();

    expect((await post('/sync-window-override?regionSet=global-api', { for: '1h' })).status).toBe(400);
    expect((await post('/sync-window-override?regionSet=global-api', { reason: 'x', for: '2d' })).status).toBe(400);
    const cli = (...args: string[]) => runCli(['sync-window', ...args, '--controller', url], { env: { REGIONCTL_TRIGGER_TOKEN: TOKEN }, timeoutMs: 20_000 });
    const noReason = await cli('override', 'global-api');
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('--reason TEXT is required');
    const overridden = await cli('override', 'global-api', '--reason', 'INC-42 hotfix', '--for', '10m', '--by', 'alice');
    expect(overridden.stderr).toBe('');
    expect(overridden.code).toBe(0);
    expect(overridden.stdout).toBe('global-api: sync windows overridden by alice until 2026-01-01T08:20:00.000Z: INC-42 hotfix; the controller applies now (recorded in history)\n');
    await runtime.controller.idle();
    let status = (await json('/status')).regionSets['global-api'];
    expect(status).toMatchObject({ lastOutcome: 'applied', syncWindowOpen: true, syncWindowOverride: { by: 'alice', until: '2026-01-01T08:20:00.000Z' } });
    expect(status.suspension).toBeUndefined();
    expect(cloud.peekStack('eu-west-1', 'global-api')?.status).toBe('CREATE_COMPLETE');
    const entries = await history();
    expect(entries.map((e) => [e.kind, e.outcome ?? e.by])).toEqual([
      ['reconcile', 'drift'],
      ['sync-window-override', 'alice'],
      ['reconcile', 'applied'],
    ]);
    expect(entries[1]!.reason).toBe('INC-42 hotfix (sync windows lifted until 2026-01-01T08:20:00.000Z)');
    expect(entries[2]!.reason).toBe("applied inside a closed sync window (deny window 'morning batch' until 2026-01-01T09:00:00.000Z): override by alice, INC-42 hotfix");

    // Ten minutes later the override is over; the window still runs until 09:00.
    await clock.advance(11 * 60_000);
    await merge('rev-2');
    status = (await json('/status')).regionSets['global-api'];
    expect(status).toMatchObject({ lastOutcome: 'drift', syncWindowOpen: false });
    expect(status.syncWindowOverride).toBeUndefined();
    expect(cloud.peekStack('sa-east-1', 'global-api')).toBeUndefined();
  });

  it('a window that opens in months wakes the controller no later than a timer can wait, never at once', () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'), false);
    new Timers(clock).later(200 * 24 * 3_600_000, () => {});
    expect(clock.nextWakeAt).toBe(Date.parse('2026-01-01T00:00:00Z') + MAX_DELAY_MS);
  });
});
