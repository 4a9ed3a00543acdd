// The composed runtime (startRuntime) on 127.0.0.1:0 with real HTTP requests: the sandbox
// on virtual time as the cloud, a local manifest directory behind a source the test gates.
import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import type { ManifestSource } from '../../controller/runtime/controller.js';
import type { Leases } from '../../controller/runtime/leases.js';
import type { RuntimeConfig, RuntimeDependencies } from '../../controller/runtime/main.js';
import { condition } from '../../controller/runtime/status.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { captureLines, runtimeHarness, sandboxWorld } from './helpers.js';

const GIT_TOKEN = 'ghp_GitTokenThatMustNeverBeLogged';
const WEBHOOK_SECRET = 'github-webhook-secret-7f3a';
const TRIGGER_TOKEN = 'trigger-token-2b9c41';

const harness = runtimeHarness();

/** A local-directory source whose syncs wait until the test opens the gate; revisions are set by the test. */
function gatedSource(dir: string) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const state = { revision: 'rev-1', failWith: undefined as string | undefined, syncs: 0 };
  const source: ManifestSource = {
    async sync() {
      await gate;
      state.syncs++;
      if (state.failWith) throw new Error(state.failWith);
      return { revision: state.revision, dir };
    },
    nextRetryDelayMs: () => 3_600_000,
  };
  return { source, open, state };
}

function config(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return harness.config({ gitToken: GIT_TOKEN, webhookSecrets: { github: WEBHOOK_SECRET }, triggerToken: TRIGGER_TOKEN, logLevel: 'debug', ...overrides });
}

async function start(overrides: Partial<RuntimeConfig> = {}, deps: Partial<RuntimeDependencies> = {}) {
  const world = deps.sandboxCloud ? { cloud: deps.sandboxCloud } : sandboxWorld();
  const gated = gatedSource(harness.repo.dir);
  const logs = captureLines();
  const started = await harness.start(config(overrides), { sandboxCloud: world.cloud, source: gated.source, logDestination: logs.stream, ...deps });
  return { world, gated, logs, ...started };
}

function signedPush(body: object, secret = WEBHOOK_SECRET): RequestInit {
  const raw = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
  return { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature } };
}

const bearer = (token = TRIGGER_TOKEN): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${token}` } });

describe('regionctl run: HTTP endpoints', () => {
  it('healthz answers at once; readyz only after the first sync; status and metrics after the reconcile', async () => {
    const { gated, http, json, runtime } = await start();
    expect((await http('/healthz')).status).toBe(200);
    expect((await http('/readyz')).status).toBe(503);

    gated.open();
    await runtime.controller.idle();
    expect((await http('/readyz')).status).toBe(200);

    const status = await json('/status');
    expect(status.source.observedRevision).toBe('rev-1');
    const set = status.regionSets['global-api'];
    expect(set.lastOutcome).toBe('applied');
    expect(set.lastAppliedRevision).toBe('rev-1');
    expect(condition(set, 'Ready')?.status).toBe('True');
    expect(Object.keys(set.regions).sort()).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);

    const metrics = await http('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('regionctl_reconcile_total{regionset="global-api",outcome="applied"} 1');
    // Fed from the sandbox's afterCall hook.
    // Three stacks, each created by executing its change set.
    expect(text).toMatch(/regionctl_aws_calls_total\{service="cloudformation",operation="ExecuteChangeSet",outcome="ok"\} 3/);
    expect(text).toContain('regionctl_last_successful_reconcile_timestamp_seconds{regionset="global-api"}');

    expect((await http('/nope')).status).toBe(404);
    expect((await http('/status', { method: 'POST' })).status).toBe(405);
  });

  it('a webhook with a bad signature gets 401 and reconciles nothing; a signed push syncs and reconciles', async () => {
    const { gated, http, json, runtime } = await start();
    gated.open();
    await runtime.controller.idle();
    const before = await json('/status');

    const forged = await http('/webhook', signedPush({ ref: 'refs/heads/main', after: 'f00' }, 'not-the-secret'));
    expect(forged.status).toBe(401);
    const unsigned = await http('/webhook', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-github-event': 'push' } });
    expect(unsigned.status).toBe(401);
    await runtime.controller.idle();
    expect(gated.state.syncs).toBe(1);
    expect((await json('/status')).regionSets['global-api'].lastReconcileId).toBe(before.regionSets['global-api'].lastReconcileId);

    const otherBranch = await http('/webhook', signedPush({ ref: 'refs/heads/feature', after: 'f00' }));
    expect(otherBranch.status).toBe(202);
    await runtime.controller.idle();
    expect(gated.state.syncs).toBe(1);

    gated.state.revision = 'rev-2';
    const push = await http('/webhook', signedPush({ ref: 'refs/heads/main', after: 'rev-2' }));
    expect(push.status).toBeLessThan(300);
    await runtime.controller.idle();
    const after = (await json('/status')).regionSets['global-api'];
    expect(gated.state.syncs).toBe(2);
    expect(after.lastReconcileId).not.toBe(before.regionSets['global-api'].lastReconcileId);
    expect(after.lastAttemptedRevision).toBe('rev-2');
    expect(after.lastOutcome).toBe('converged');
  });

  it('an invalid manifest pushed: Stalled with line:col in /status, no AWS call, the previous plan kept; the next valid commit applies', async () => {
    const { world, gated, http, json, runtime } = await start();
    gated.open();
    await runtime.controller.idle();
    world.cloud.calls.reset();

    harness.repo.edit('    us-east-2: {}\n', '    us-east-2: { weight: 900 }\n');
    gated.state.revision = 'rev-bad';
    await http('/webhook', signedPush({ ref: 'refs/heads/main', after: 'rev-bad' }));
    await runtime.controller.idle();
    const set = (await json('/status')).regionSets['global-api'];
    expect(condition(set, 'Stalled')).toMatchObject({ status: 'True', reason: 'ManifestInvalid' });
    expect(set.lastError.location).toMatch(/^manifests\/global-api\.yaml:\d+:\d+$/);
    expect(set.lastAppliedRevision).toBe('rev-1');
    expect(set.lastPlan.revision).toBe('rev-1');
    expect(world.cloud.calls.count()).toBe(0);

    harness.repo.edit('    us-east-2: { weight: 900 }\n', '    us-east-2: {}\n    sa-east-1: {}\n');
    gated.state.revision = 'rev-good';
    await http('/webhook', signedPush({ ref: 'refs/heads/main', after: 'rev-good' }));
    await runtime.controller.idle();
    const fixed = (await json('/status')).regionSets['global-api'];
    expect(fixed.lastOutcome).toBe('applied');
    expect(condition(fixed, 'Stalled')?.status).toBe('False');
    expect(fixed.regions['sa-east-1'].lastTransition).toBe('joining');
    expect(world.cloud.peekStack('sa-east-1', 'global-api')?.status).toBe('CREATE_COMPLETE');
  });

  it('trigger, suspend and resume need the bearer token; a suspended RegionSet makes no call', async () => {
    const { world, gated, http, json, runtime } = await start();
    gated.open();
    await runtime.controller.idle();

    expect((await http('/trigger', { method: 'POST' })).status).toBe(401);
    expect((await http('/trigger', bearer('wrong-token-000'))).status).toBe(401);
    expect((await http('/suspend?regionSet=global-api', bearer('wrong-token-000'))).status).toBe(401);
    await runtime.controller.idle();
    expect(gated.state.syncs).toBe(1);

    expect((await http('/trigger', bearer())).status).toBe(202);
    await runtime.controller.idle();
    expect(gated.state.syncs).toBe(2);
    expect((await http('/trigger?regionSet=nope', bearer())).status).toBe(404);

    expect((await http('/suspend?regionSet=global-api', bearer())).status).toBe(400);
    const suspended = await http('/suspend?regionSet=global-api', { ...bearer(), headers: { authorization: `Bearer ${TRIGGER_TOKEN}`, 'x-regionctl-actor': 'alice' }, body: JSON.stringify({ reason: 'INC-42 investigating' }) });
    expect(suspended.status).toBe(200);
    /** global-api in /status once the controller is idle. */
    const globalApi = async () => {
      await runtime.controller.idle();
      return (await json('/status')).regionSets['global-api'];
    };
    expect(await suspended.json()).toMatchObject({ regionSet: 'global-api', suspended: true, reason: 'INC-42 investigating', by: 'alice' });
    world.cloud.calls.reset();
    expect((await http('/trigger?regionSet=global-api', bearer())).status).toBe(202);
    await runtime.controller.idle();
    const set = (await json('/status')).regionSets['global-api'];
    expect(set.suspended).toBe(true);
    expect(set.suspension).toMatchObject({ reason: 'INC-42 investigating', by: 'alice' });
    expect(set.lastOutcome).toBe('suspended');
    expect(await (await http('/metrics')).text()).toContain('regionctl_suspended{regionset="global-api"} 1');
    expect(world.cloud.calls.count()).toBe(0);

    expect((await http('/resume?regionSet=global-api', bearer())).status).toBe(200);
    expect(await globalApi()).toMatchObject({ suspended: false, lastOutcome: 'converged' });
    expect(world.cloud.calls.count()).toBeGreaterThan(0);
    expect((await http('/suspend', bearer())).status).toBe(400);
  });

  it('REGIONCTL_SUSPEND suspends from the start; plan-only reports drift and writes nothing', async () => {
    const { world, gated, json, runtime } = await start({ suspended: ['global-api'] });
    gated.open();
    await runtime.controller.idle();
    expect((await json('/status')).regionSets['global-api']).toMatchObject({ suspended: true, lastOutcome: 'suspended' });
    expect(world.cloud.calls.count()).toBe(0);
    await runtime.stop();

    const planOnly = await start({ mode: 'plan-only' });
    planOnly.gated.open();
    await planOnly.runtime.controller.idle();
    const set = (await planOnly.json('/status')).regionSets['global-api'];
    expect(condition(set, 'DriftDetected')?.status).toBe('True');
    expect(planOnly.world.cloud.calls.writes()).toEqual([]);
    expect(await (await planOnly.http('/metrics')).text()).toContain('regionctl_drift_detected{regionset="global-api"} 1');
  });

  it('a failed sync keeps the last good revision, counts the failure, and never logs or shows the git token', async () => {
    const { gated, http, json, logs, runtime } = await start();
    gated.open();
    await runtime.controller.idle();

    gated.state.failWith = `fetch of https://x-access-token:${GIT_TOKEN}@github.com/org/repo.git failed: 403`;
    expect((await http('/trigger', bearer())).status).toBe(202);
    await runtime.controller.idle();
    const status = await json('/status');
    expect(status.source.observedRevision).toBe('rev-1');
    expect(status.source.consecutiveFailures).toBe(1);
    expect((await http('/readyz')).status).toBe(200);
    expect(await (await http('/metrics')).text()).toContain('regionctl_source_fetch_failures_total 1');

    // Requests carrying the secrets, accepted or refused, leave no trace of them either.
    await http('/trigger', bearer('wrong-token-000'));
    await http('/webhook', signedPush({ ref: 'refs/heads/main' }, 'wrong-secret'));
    await runtime.controller.idle();
    const everything = logs.text() + JSON.stringify(status);
    expect(logs.records().some((r) => r['msg'] === 'source sync failed; keeping the last good revision')).toBe(true);
    for (const secret of [GIT_TOKEN, WEBHOOK_SECRET, TRIGGER_TOKEN]) expect(everything).not.toContain(secret);
  });
});

describe('regionctl run: graceful stop (what SIGTERM calls)', () => {
  it('stops taking events, lets running steps finish while starting no new one, releases the leases', async () => {
    // Virtual time that moves only when the test says: the apply waits mid-step.
    const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
    const cloud = new SandboxCloud({ clock });
    cloud.seedZone('example.com.');
    cloud.seedTable('orders', 'eu-west-1');
    const released: string[] = [];
    const leases: Leases = { acquire: async () => ({ fencingToken: 7 }), isHeld: () => true, renewAll: async () => {}, releaseAll: async () => void released.push('all') };
    const { gated, http, url, runtime } = await start({}, { sandboxCloud: cloud, leases });
    gated.open();
    // A second of virtual time at a go, until the first stacks are being created.
    await vi.waitFor(async () => {
      await clock.advance(1_000);
      expect(cloud.calls.writes().some((c) => c.operation === 'ExecuteChangeSet')).toBe(true);
    });

    let stopped = false;
    const stopping = runtime.stop().finally(() => (stopped = true));
    // New events are refused while the running steps finish.
    await expect(http('/healthz')).rejects.toThrow();
    while (!stopped) await clock.advance(60_000);
    expect(await stopping).toEqual({ drained: true, stillRunning: [] });

    const set = runtime.controller.status.snapshot().regionSets['global-api']!;
    expect(set.lastOutcome).toBe('interrupted');
    expect(set.lastPlan?.apply?.notStarted).toBeGreaterThan(0);
    // The stack creates that were running finished.
    expect(cloud.listStacks().length).toBeGreaterThan(0);
    expect(cloud.listStacks().map((s) => s.status)).toEqual(cloud.listStacks().map(() => 'CREATE_COMPLETE'));
    // Health checks wait for the stacks: none was started after the stop.
    expect(cloud.calls.writes().some((c) => c.operation === 'CreateHealthCheck')).toBe(false);
    expect(released).toEqual(['all']);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
