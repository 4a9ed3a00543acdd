// Durable, shared suspension and history (runtime/control.ts): two controllers (in-process,
// one sandbox cloud) on one control store — the model of two replicas on one lease table.
// A suspend through one holds on the other and across a restart; a resume applies what
// waited; every reconcile that planned changes is in GET /history with steps and timings.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ENTRY_BYTES, MAX_RING_BYTES } from '../../controller/providers/history-ring.js';
import { SandboxControlStore, SandboxFileControlStore } from '../../controller/providers/sandbox/control.js';
import type { ControlStore, HistoryEntry } from '../../controller/providers/types.js';
import type { RuntimeEvent } from '../../controller/notify/events.js';
import { startRuntime, type Runtime, type RuntimeConfig } from '../../controller/runtime/main.js';
import type { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { captureLines, manifestRepo, runtimeConfig, sandboxWorld } from './helpers.js';

const TOKEN = 'control-test-token-5d1e0a';

let repo: ReturnType<typeof manifestRepo>;
const runtimes: Runtime[] = [];
beforeEach(() => {
  repo = manifestRepo();
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
  repo.remove();
});

function config(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return runtimeConfig(repo.dir, { triggerToken: TOKEN, logLevel: 'info', ...overrides });
}

/** One replica: its own HTTP server and controller, the shared cloud and control store; revision set by the test. */
async function replica(cloud: SandboxCloud, control: ControlStore, state: { revision: string }, overrides: Partial<RuntimeConfig> = {}, events: RuntimeEvent[] = []) {
  const runtime = await startRuntime(config(overrides), {
    sandboxCloud: cloud,
    control,
    source: { sync: async () => ({ revision: state.revision, dir: repo.dir }) },
    logDestination: captureLines().stream,
    onEvent: (event) => events.push(event),
  });
  runtimes.push(runtime);
  await runtime.controller.idle();
  const http = (path: string, init: RequestInit = {}) => fetch(`${runtime.server.url}${path}`, init);
  const post = (path: string, body?: object, actor?: string) =>
    http(path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...(actor ? { 'x-regionctl-actor': actor } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const json = async (path: string) => (await http(path)).json() as Promise<any>;
  return { runtime, http, post, json, events };
}

describe('suspend and resume shared by replicas (one control store)', () => {
  it('suspend through one replica: the other skips, a restarted one stays suspended; resume applies what waited; all of it in history', async () => {
    const { cloud } = sandboxWorld();
    const store = new SandboxControlStore();
    const state = { revision: 'rev-1' };
    const a = await replica(cloud, store, state);
    const b = await replica(cloud, store, state);
    expect((await a.json('/status')).regionSets['global-api'].lastOutcome).toBe('applied');

    const suspended = await a.post('/suspend?regionSet=global-api', { reason: 'INC-7 failover drill' }, 'alice');
    expect(suspended.status).toBe(200);

    // A new commit reaches replica b: it reads the shared state and applies nothing.
    repo.edit('    us-east-2: {}\n', '    us-east-2: {}\n    sa-east-1: {}\n');
    state.revision = 'rev-2';
    cloud.calls.reset();
    expect((await b.post('/trigger')).status).toBe(202);
    await b.runtime.controller.idle();
    const onB = (await b.json('/status')).regionSets['global-api'];
    expect(onB).toMatchObject({ suspended: true, lastOutcome: 'suspended', suspension: { reason: 'INC-7 failover drill', by: 'alice' } });
    expect(cloud.peekStack('sa-east-1', 'global-api')).toBeUndefined();
    expect(await (await b.http('/metrics')).text()).toContain('regionctl_suspended{regionset="global-api"} 1');

    // Both stop; a new replica on the same store is still suspended.
    await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
    const c = await replica(cloud, store, state);
    expect((await c.json('/status')).regionSets['global-api']).toMatchObject({ suspended: true, lastOutcome: 'suspended' });
    expect(cloud.peekStack('sa-east-1', 'global-api')).toBeUndefined();

    const resumed = await c.post('/resume?regionSet=global-api', { reason: 'drill over', by: 'bob' });
    expect(await resumed.json()).toMatchObject({ suspended: false, reason: 'drill over', by: 'bob' });
    await c.runtime.controller.idle();
    expect((await c.json('/status')).regionSets['global-api']).toMatchObject({ suspended: false, lastOutcome: 'applied', lastAppliedRevision: 'rev-2' });
    expect(cloud.peekStack('sa-east-1', 'global-api')?.status).toBe('CREATE_COMPLETE');
    expect(a.events.map((event) => event.type)).toEqual(['apply-started', 'apply-succeeded', 'suspended']);
    expect(c.events.map((event) => event.type)).toEqual(['resumed', 'apply-started', 'apply-succeeded']);

    const history: HistoryEntry[] = (await c.json('/history?regionSet=global-api')).regionSets['global-api'];
    expect(history.map((entry) => [entry.kind, entry.outcome ?? entry.by, entry.revision])).toEqual([
      ['reconcile', 'applied', 'rev-1'],
      ['suspend', 'alice', undefined],
      ['resume', 'bob', undefined],
      ['reconcile', 'applied', 'rev-2'],
    ]);
    const last = history[3]!;
    expect(last.trigger).toBe('resume by bob');
    expect(last.plan?.regions['sa-east-1']).toBe('joining');
    expect(last.steps?.length).toBe(last.plan?.steps);
    for (const step of last.steps ?? []) {
      expect(step.outcome).toBe('done');
      expect(step.endedMs).toBeGreaterThanOrEqual(step.startedMs ?? Infinity);
    }
    expect(last.steps?.some((step) => step.region === 'sa-east-1' && step.action === 'stack.create')).toBe(true);
    expect((await c.json('/history')).regionSets).toHaveProperty('global-api');
  });

  it('a suspend needs the token and a reason; a RegionSet the revision does not declare is 404', async () => {
    const { cloud } = sandboxWorld();
    const a = await replica(cloud, new SandboxControlStore(), { revision: 'rev-1' });
    expect((await a.http('/suspend?regionSet=global-api', { method: 'POST', body: '{"reason":"x"}' })).status).toBe(401);
    const noReason = await a.post('/suspend?regionSet=global-api', {});
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as { error: string }).error).toMatch(/--reason/);
    expect((await a.http('/suspend?regionSet=global-api', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'not json' })).status).toBe(400);
    expect((await a.post('/suspend?regionSet=nope', { reason: 'x' })).status).toBe(404);
    expect((await a.json('/status')).regionSets['global-api'].suspended).toBe(false);
  });

  it('REGIONCTL_HISTORY_LIMIT keeps the newest entries only', async () => {
    const { cloud } = sandboxWorld();
    const a = await replica(cloud, new SandboxControlStore(), { revision: 'rev-1' }, { historyLimit: 3 });
    for (const reason of ['one', 'two', 'three']) {
      await a.post('/suspend?regionSet=global-api', { reason });
      await a.post('/resume?regionSet=global-api', { reason: `${reason} done` });
      await a.runtime.controller.idle();
    }
    const history: HistoryEntry[] = (await a.json('/history?regionSet=global-api')).regionSets['global-api'];
    expect(history.map((entry) => `${entry.kind} ${entry.reason}`)).toEqual(['resume two done', 'suspend three', 'resume three done']);
  });
});

describe('the history ring stays under the DynamoDB item size limit', () => {
  it('an entry with thousands of steps is cut to its first steps; a full ring drops its oldest entries by size', async () => {
    const store = new SandboxControlStore();
    const steps = Array.from({ length: 5_000 }, (_, i) => ({ id: `step-${i}`, action: 'update-stack', region: 'eu-west-1', outcome: 'done' as const, startedMs: i, endedMs: i + 1 }));
    for (let i = 0; i < 80; i++) await store.appendHistory('big', { kind: 'reconcile', at: i, trigger: 'resync', outcome: 'applied', steps }, 500);
    const ring = store.items['history#big'] as string[];
    expect(ring.every((text) => Buffer.byteLength(text) <= MAX_ENTRY_BYTES)).toBe(true);
    expect(ring.reduce((sum, text) => sum + Buffer.byteLength(text), 0)).toBeLessThanOrEqual(MAX_RING_BYTES);
    const history = await store.history('big');
    expect(history.at(-1)?.at).toBe(79);
    expect(history.length).toBeLessThan(80);
    expect(history[0]!.steps?.[0]?.id).toBe('step-0');
    expect(history[0]!.stepsTruncated).toBe(5_000 - history[0]!.steps!.length);
  });
});

describe('the file-backed control store (sandbox without a lease table)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regionctl-control-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('two stores on one file see each other’s suspension; concurrent appends all land', async () => {
    const path = join(dir, 'sandbox.json.control.json');
    const a = new SandboxFileControlStore(path);
    const b = new SandboxFileControlStore(path);
    await a.putControl('shop', { suspended: true, reason: 'freeze', by: 'alice', at: 1 });
    expect(await b.getControl('shop')).toEqual({ suspended: true, reason: 'freeze', by: 'alice', at: 1 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).appendHistory('shop', { kind: 'reconcile', at: i, trigger: 'resync' }, 50)));
    expect((await a.history('shop')).map((entry) => entry.at).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(JSON.parse(readFileSync(path, 'utf8')).control['control#shop'].reason).toBe('freeze');
  });
});
