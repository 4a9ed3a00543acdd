// Issue #11, item 8: the HTTP surface of `regionctl run`. /status shows no filesystem path
// (the checkout, the git cache, the sandbox file, the temp dir), its leader flag is true on
// the replica that applies, and a webhook delivery replayed within the window is ignored
// (200, counted) after its signature was verified — a forged one never poisons the cache.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeliveryLog } from '../../handlers/deliveries.js';
import { redactPaths } from '../../controller/runtime/redact-paths.js';
import { handlePushWebhook } from '../../handlers/webhook.js';
import type { ManifestSource } from '../../controller/runtime/controller.js';
import type { Leases } from '../../controller/runtime/leases.js';
import type { RuntimeConfig, RuntimeDependencies } from '../../controller/runtime/main.js';
import { condition } from '../../controller/runtime/status.js';
import { captureLines, MANIFEST, runtimeHarness, sandboxWorld } from '../runtime/helpers.js';

const WEBHOOK_SECRET = 'github-webhook-secret-7f3a';
const GITLAB_SECRET = 'gitlab-webhook-token-93ab';
const GENERIC_SECRET = 'generic-webhook-secret-55e1';
const TRIGGER_TOKEN = 'trigger-token-2b9c41';

const harness = runtimeHarness();

/** A local-directory source; the test sets the revision or makes the next sync fail. */
function localSource(dir: string) {
  const state = { revision: 'rev-1', failWith: undefined as string | undefined, syncs: 0 };
  const source: ManifestSource = {
    async sync() {
      state.syncs++;
      if (state.failWith) throw new Error(state.failWith);
      return { revision: state.revision, dir };
    },
    nextRetryDelayMs: () => 3_600_000,
  };
  return { source, state };
}

function config(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return harness.config({ webhookSecrets: { github: WEBHOOK_SECRET, gitlab: GITLAB_SECRET, generic: GENERIC_SECRET }, triggerToken: TRIGGER_TOKEN, logLevel: 'debug', ...overrides });
}

async function start(overrides: Partial<RuntimeConfig> = {}, deps: Partial<RuntimeDependencies> = {}) {
  const world = sandboxWorld();
  const local = localSource(harness.repo.dir);
  const logs = captureLines();
  const started = await harness.start(config(overrides), { sandboxCloud: world.cloud, source: local.source, logDestination: logs.stream, ...deps });
  await started.runtime.controller.idle();
  return { world, local, logs, ...started };
}

/** Every string in a JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...strings(inner)]);
  return [];
}

/** Strings of /status that are or hold an absolute path: they map the controller's disk. */
function pathsIn(status: unknown, dirs: string[]): string[] {
  return strings(status).filter((text) => text.startsWith('/') || dirs.some((dir) => text.includes(dir)) || text.includes(tmpdir() + '/'));
}

describe('/status shows no filesystem path', () => {
  it('a local source, a missing template and a failed sync naming the checkout are shown relative to the source root or by their last segment', async () => {
    const { json, local, runtime } = await start();
    harness.repo.write('manifests/broken.yaml', readFileSync(join(harness.repo.dir, MANIFEST), 'utf8').replace('name: global-api\n', 'name: broken\n').replace('stacks/regional-api.yaml', 'stacks/missing.yaml'));
    local.state.revision = 'rev-2';
    runtime.controller.requestSync('test');
    await runtime.controller.idle();
    // What git says when the cache directory was wiped under the controller.
    local.state.failWith = `fatal: not a git repository: ${harness.repo.dir}/.git`;
    runtime.controller.requestSync('test');
    await runtime.controller.idle();

    const status = await json('/status');
    expect(pathsIn(status, [harness.repo.dir])).toEqual([]);
    // Still useful: the file, the rule's position and the missing template by their names in the repository.
    const broken = status.regionSets['broken'];
    expect(broken.lastError.location).toBe('manifests/broken.yaml:11:15');
    expect(broken.lastError.message).toContain('looked for manifests/stacks/missing.yaml');
    expect(status.source.lastError.message).toBe('fatal: not a git repository: .git');
    expect(status.source.url).toBe(`…/${basename(harness.repo.dir)}`);
    expect(status.regionSets['global-api'].file).toBe(MANIFEST);
  });

  it('a sandbox state file that cannot be opened is named by its file name, not its path', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'regionctl-state-'));
    try {
      // A careless REGIONCTL_SANDBOX: its "directory" is a file.
      writeFileSync(join(stateDir, 'not-a-dir'), '');
      const stateFile = join(stateDir, 'not-a-dir', 'sandbox.json');
      const local = localSource(harness.repo.dir);
      const { runtime, json } = await harness.start(config({ sandbox: stateFile }), { source: local.source, logDestination: captureLines().stream });
      await runtime.controller.idle();
      const status = await json('/status');
      expect(status.regionSets['global-api'].lastOutcome).toBe('error');
      expect(status.regionSets['global-api'].lastError.message).toContain('sandbox.json');
      expect(pathsIn(status, [harness.repo.dir, stateDir])).toEqual([]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('path redaction keeps what is not a local path', () => {
  it('an error naming /proc/self/environ or a file:// source shows the last segment; URLs, ARNs, step ids and ratios are untouched', () => {
    expect(redactPaths("EACCES: permission denied, open '/proc/self/environ'")).toBe("EACCES: permission denied, open '…/environ'");
    expect(redactPaths('file:///srv/git/regions.git')).toBe('…/regions.git');
    expect(redactPaths('looked for /work/checkout/manifests/stacks/x.yaml.', '/work/checkout')).toBe('looked for manifests/stacks/x.yaml.');
    const kept = 'sync of https://git.example.com/org/regions.git failed; stack/eu-west-1 arn:aws:cloudformation:eu-west-1:123456789012:stack/global-api/1a2b ssh git@github.com:org/regions.git 2/3 regions';
    expect(redactPaths(kept, '/work/checkout')).toBe(kept);
    // Redacting twice changes nothing (the status store redacts a source URL already redacted).
    expect(redactPaths(redactPaths('/tmp/regionctl-source-x1'))).toBe('…/regionctl-source-x1');
  });
});

/** Leases the test hands out and takes back; expiry is the test's to decide. */
class TestLeases implements Leases {
  held = new Set<string>();
  grant = true;
  async acquire(regionSet: string) {
    if (!this.grant && !this.held.has(regionSet)) return undefined;
    this.held.add(regionSet);
    return { fencingToken: 3 };
  }
  isHeld(regionSet: string) {
    return this.held.has(regionSet);
  }
  async renewAll() {}
  async releaseAll() {
    this.held.clear();
  }
}

describe('the leader flag is true on the replica that applies', () => {
  it('without a lease table the process leads every RegionSet, including one whose manifest is invalid', async () => {
    harness.repo.write('manifests/broken.yaml', 'apiVersion: regionctl/v1\nkind: RegionSet\nmetadata: { name: broken }\nspec: {}\n');
    const { json } = await start();
    const status = await json('/status');
    expect(status.regionSets['global-api'].leader).toBe(true);
    expect(status.regionSets['broken'].lastOutcome).toBe('stalled');
    expect(status.regionSets['broken'].leader).toBe(true);
  });

  it('with leases, the holder says true and a replica that lost its lease says false at once, before its next reconcile', async () => {
    const leases = new TestLeases();
    const { json, world, runtime } = await start({}, { leases });
    expect((await json('/status')).regionSets['global-api']).toMatchObject({ lastOutcome: 'applied', leader: true });

    // Another replica takes the lease over (this one's renewal failed): it applies from now on.
    leases.held.clear();
    leases.grant = false;
    world.cloud.calls.reset();
    expect((await json('/status')).regionSets['global-api'].leader).toBe(false);

    // A reconcile here is skipped, and still says false; no AWS call was made.
    runtime.controller.requestReconcile('global-api', 'webhook');
    await runtime.controller.idle();
    expect((await json('/status')).regionSets['global-api']).toMatchObject({ lastOutcome: 'not-leader', leader: false });
    expect(world.cloud.calls.count()).toBe(0);
  });

  it('a follower that never held the lease says false', async () => {
    const leases = new TestLeases();
    leases.grant = false;
    const { json, world, runtime } = await start({}, { leases });
    expect((await json('/status')).regionSets['global-api']).toMatchObject({ lastOutcome: 'not-leader', leader: false });
    expect(world.cloud.calls.count()).toBe(0);
  });
});

function githubPush(body: object, delivery: string, secret = WEBHOOK_SECRET): RequestInit {
  const raw = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
  return { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signature } };
}

const PUSH = { ref: 'refs/heads/main', after: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' };

async function duplicatesCounted(http: (path: string) => Promise<Response>, source: string): Promise<number> {
  const text = await (await http('/metrics')).text();
  const match = new RegExp(`^regionctl_webhook_duplicates_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

describe('a replayed webhook delivery is ignored and counted', () => {
  it('a GitHub redelivery with the same X-GitHub-Delivery within the window gets 200 "duplicate delivery ignored" and starts no sync', async () => {
    const { http, local, runtime, world } = await start();
    const delivery = randomUUID();
    const first = await http('/webhook', githubPush(PUSH, delivery));
    expect(first.status).toBe(200);
    await runtime.controller.idle();
    expect(local.state.syncs).toBe(2);
    world.cloud.calls.reset();

    for (let i = 0; i < 3; i++) {
      const replay = await http('/webhook', githubPush(PUSH, delivery));
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual({ ignored: 'duplicate delivery ignored', delivery });
    }
    await runtime.controller.idle();
    expect(local.state.syncs).toBe(2);
    expect(await duplicatesCounted(http, 'github')).toBe(3);
    expect(world.cloud.calls.count()).toBe(0);

    // Another delivery (a new push) is handled as always.
    expect((await http('/webhook', githubPush(PUSH, randomUUID()))).status).toBe(200);
    await runtime.controller.idle();
    expect(local.state.syncs).toBe(3);
  });

  it('an unsigned or wrongly signed replay of a handled delivery id still gets 401, not "duplicate"', async () => {
    const { http, runtime } = await start();
    const delivery = randomUUID();
    expect((await http('/webhook', githubPush(PUSH, delivery))).status).toBe(200);
    const unsigned = await http('/webhook', { method: 'POST', body: JSON.stringify(PUSH), headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery } });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ error: 'signature missing' });
    expect((await http('/webhook', githubPush(PUSH, delivery, 'not-the-secret'))).status).toBe(401);
    await runtime.controller.idle();
    expect(await duplicatesCounted(http, 'github')).toBe(0);
  });

  it('a forged request sent first with a delivery id does not poison the cache: the genuine delivery with that id is still handled', async () => {
    const { http, local, runtime } = await start();
    const delivery = randomUUID();
    expect((await http('/webhook', githubPush(PUSH, delivery, 'attacker-guess-0000'))).status).toBe(401);
    const genuine = await http('/webhook', githubPush(PUSH, delivery));
    expect(genuine.status).toBe(200);
    expect(await genuine.json()).toMatchObject({ accepted: true });
    await runtime.controller.idle();
    expect(local.state.syncs).toBe(2);
    expect(await duplicatesCounted(http, 'github')).toBe(0);
  });

  it('a GitLab retry with the same Idempotency-Key is ignored; a new key is handled', async () => {
    const { http, local, runtime } = await start();
    const gitlab = (key: string): RequestInit => ({
      method: 'POST',
      body: JSON.stringify({ object_kind: 'push', ...PUSH }),
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': GITLAB_SECRET, 'idempotency-key': key },
    });
    const key = randomUUID();
    expect((await http('/webhook', gitlab(key))).status).toBe(200);
    await runtime.controller.idle();
    const retry = await http('/webhook', gitlab(key));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ ignored: 'duplicate delivery ignored', delivery: key });
    await runtime.controller.idle();
    expect((await http('/webhook', gitlab(randomUUID()))).status).toBe(200);
    await runtime.controller.idle();
    expect(await duplicatesCounted(http, 'gitlab')).toBe(1);
    // Start-up, the first delivery and the new one: the retry synced nothing.
    expect(local.state.syncs).toBe(3);
  });

  it('a generic sender resending with the same Idempotency-Key is ignored; without the header every request is handled', async () => {
    const { http } = await start();
    const generic = (headers: Record<string, string> = {}): RequestInit => {
      const raw = JSON.stringify({ ref: 'refs/heads/main' });
      return { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-signature-256': `sha256=${createHmac('sha256', GENERIC_SECRET).update(raw).digest('hex')}`, ...headers } };
    };
    const key = randomUUID();
    expect(await (await http('/webhook', generic({ 'idempotency-key': key }))).json()).toMatchObject({ accepted: true });
    expect(await (await http('/webhook', generic({ 'idempotency-key': key }))).json()).toEqual({ ignored: 'duplicate delivery ignored', delivery: key });
    for (let i = 0; i < 2; i++) expect(await (await http('/webhook', generic())).json()).toMatchObject({ accepted: true });
    expect(await duplicatesCounted(http, 'generic')).toBe(1);
  });

  it('after the window the same delivery is handled again, and at most maxEntries ids are kept', () => {
    let now = Date.UTC(2026, 0, 1);
    const deliveries = new DeliveryLog({ windowMs: 10 * 60_000, maxEntries: 3, now: () => now });
    const config = { branch: 'main', secrets: { github: WEBHOOK_SECRET } };
    const send = (delivery: string) => {
      const init = githubPush(PUSH, delivery);
      return handlePushWebhook({ headers: init.headers as Record<string, string>, body: Buffer.from(init.body as string) }, config, deliveries);
    };
    expect(send('d-1').trigger).toBeDefined();
    now += 9 * 60_000;
    expect(send('d-1')).toMatchObject({ status: 200, duplicate: { source: 'github', id: 'd-1' } });
    now += 60_000 + 1;
    expect(send('d-1').trigger).toBeDefined();
    for (const id of ['d-2', 'd-3', 'd-4', 'd-5']) send(id);
    expect(deliveries.size).toBe(3);
    // The oldest went first: d-1 (re-remembered) and d-2 are forgotten, d-5 is kept.
    expect(send('d-5').duplicate).toBeDefined();
    expect(send('d-2').trigger).toBeDefined();
  });
});
