// Attacks on the controller's HTTP surface and its source that held up when issue #11 was
// filed; kept here as regression cases so they keep holding. Each runs the composed runtime
// (startRuntime) on 127.0.0.1:0 with real requests, the sandbox on virtual time as the
// cloud, and asserts what an attacker would see (the status code) and what they must not
// get: a sync, a reconcile, an AWS write, or a secret in a log line or /status.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ManifestSource } from '../../controller/runtime/controller.js';
import type { RuntimeConfig } from '../../controller/runtime/main.js';
import { GitSource, SourceError } from '../../controller/source/git.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../../handlers/webhook.js';
import { captureLines, runtimeHarness, sandboxWorld } from '../runtime/helpers.js';

const SECRETS = {
  gitToken: 'ghp_HeldUpGitTokenNeverLogged01',
  github: 'github-secret-held-up-5c1e',
  gitlab: 'gitlab-token-held-up-9a7d',
  generic: 'generic-secret-held-up-3f02',
  trigger: 'trigger-token-held-up-77b1',
};

const harness = runtimeHarness();

function config(): RuntimeConfig {
  return harness.config({
    gitToken: SECRETS.gitToken,
    webhookSecrets: { github: SECRETS.github, gitlab: SECRETS.gitlab, generic: SECRETS.generic },
    triggerToken: SECRETS.trigger,
    logLevel: 'debug',
  });
}

/** A running controller that has converged the example once; counters reset after that. */
async function converged() {
  const world = sandboxWorld();
  const syncs = { count: 0 };
  const source: ManifestSource = {
    async sync() {
      syncs.count++;
      return { revision: 'rev-1', dir: harness.repo.dir };
    },
  };
  const logs = captureLines();
  const { runtime, http, json } = await harness.start(config(), { sandboxCloud: world.cloud, source, logDestination: logs.stream });
  await runtime.controller.idle();
  const status = () => json('/status');
  const reconcileId = (await status()).regionSets['global-api'].lastReconcileId as string;
  world.cloud.calls.reset();
  syncs.count = 0;
  const controller = runtime.controller;
  /** Nothing happened since converged(): no sync, no reconcile, no AWS call. */
  async function expectUntouched(): Promise<void> {
    await controller.idle();
    expect(syncs.count).toBe(0);
    expect(world.cloud.calls.count()).toBe(0);
    expect((await status()).regionSets['global-api'].lastReconcileId).toBe(reconcileId);
  }
  return { http, status, logs, expectUntouched, idle: () => controller.idle() };
}

const PUSH = JSON.stringify({ ref: 'refs/heads/main', before: '0'.repeat(40), after: 'b'.repeat(40) });
const hmac = (body: string, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const post = (headers: Record<string, string>, body: string = PUSH): RequestInit => ({ method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('held up: webhook authentication', () => {
  it('a GitHub push without a signature is 401 and syncs nothing', async () => {
    const c = await converged();
    expect((await c.http('/webhook', post({ 'x-github-event': 'push' }))).status).toBe(401);
    await c.expectUntouched();
  });

  it('a GitHub push signed with a guessed secret is 401 and syncs nothing', async () => {
    const c = await converged();
    const response = await c.http('/webhook', post({ 'x-github-event': 'push', 'x-hub-signature-256': hmac(PUSH, 'guessed') }));
    expect(response.status).toBe(401);
    await c.expectUntouched();
  });

  it('a captured GitHub signature replayed over an altered body is 401', async () => {
    const c = await converged();
    const captured = hmac(PUSH, SECRETS.github);
    const altered = PUSH.replace('b'.repeat(40), 'c'.repeat(40));
    expect((await c.http('/webhook', post({ 'x-github-event': 'push', 'x-hub-signature-256': captured }, altered))).status).toBe(401);
    await c.expectUntouched();
  });

  it('a SHA-1 GitHub signature (downgrade) is not accepted', async () => {
    const c = await converged();
    const sha1 = `sha1=${createHmac('sha1', SECRETS.github).update(PUSH).digest('hex')}`;
    expect((await c.http('/webhook', post({ 'x-github-event': 'push', 'x-hub-signature': sha1 }))).status).toBe(401);
    await c.expectUntouched();
  });

  it('a GitLab push with a wrong token is 401', async () => {
    const c = await converged();
    expect((await c.http('/webhook', post({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'gitlab-token-guess' }))).status).toBe(401);
    await c.expectUntouched();
  });

  it('a generic push signed with another secret is 401', async () => {
    const c = await converged();
    expect((await c.http('/webhook', post({ 'x-signature-256': hmac(PUSH, SECRETS.github) }))).status).toBe(401);
    await c.expectUntouched();
  });

  it('a body over the webhook limit is refused with 413 before any signature work or sync', async () => {
    const c = await converged();
    const big = 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1);
    const response = await c.http('/webhook', post({ 'x-github-event': 'push', 'x-hub-signature-256': hmac(big, SECRETS.github) }, big));
    expect(response.status).toBe(413);
    await c.expectUntouched();
  });

  it('the webhook answers only POST', async () => {
    const c = await converged();
    expect((await c.http('/webhook')).status).toBe(405);
    await c.expectUntouched();
  });
});

describe('held up: state-changing endpoints need the bearer token', () => {
  for (const path of ['/trigger', '/trigger?regionSet=global-api', '/suspend?regionSet=global-api', '/resume?regionSet=global-api']) {
    it(`POST ${path} without a token, with a wrong one, or with the token in the query string is 401`, async () => {
      const c = await converged();
      const separator = path.includes('?') ? '&' : '?';
      const attempts: Array<[string, RequestInit]> = [
        [path, { method: 'POST' }],
        [path, { method: 'POST', headers: { authorization: 'Bearer trigger-token-held-up-77b0' } }],
        [path, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`x:${SECRETS.trigger}`).toString('base64')}` } }],
        [`${path}${separator}token=${SECRETS.trigger}`, { method: 'POST' }],
      ];
      for (const [target, init] of attempts) expect((await c.http(target, init)).status).toBe(401);
      await c.expectUntouched();
      expect((await c.status()).regionSets['global-api'].suspended).toBe(false);
    });
  }
});

describe('held up: secrets never reach logs or /status', () => {
  it('after forged webhooks, bad tokens and a reconcile, no configured secret appears in any log line or in /status', async () => {
    const c = await converged();
    await c.http('/webhook', post({ 'x-github-event': 'push', 'x-hub-signature-256': hmac(PUSH, SECRETS.github).replace(/.$/, '0') }));
    await c.http('/webhook', post({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRETS.gitlab.slice(0, -1) }));
    await c.http('/trigger', { method: 'POST', headers: { authorization: `Bearer ${SECRETS.trigger}x` } });
    await c.http('/trigger', { method: 'POST', headers: { authorization: `Bearer ${SECRETS.trigger}` } });
    await c.idle();
    const everything = c.logs.text() + JSON.stringify(await c.status()) + (await (await c.http('/metrics')).text());
    expect(c.logs.records().length).toBeGreaterThan(3);
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
  });
});

describe('held up: git option injection', () => {
  for (const url of ['--upload-pack=touch /tmp/pwned', '-oProxyCommand=sh', '--config=core.sshCommand=sh']) {
    it(`a repository URL that git would read as an option (${url.slice(0, 16)}…) is refused before git runs`, () => {
      expect(() => new GitSource({ url, branch: 'main', dir: harness.repo.dir })).toThrow(SourceError);
      expect(() => new GitSource({ url, branch: 'main', dir: harness.repo.dir })).toThrow(/is not a repository URL or directory/);
    });
  }

  for (const branch of ['--orphan', 'main..evil', '../../etc', 'a b']) {
    it(`a branch name that is not a plain ref (${branch}) is refused`, () => {
      expect(() => new GitSource({ url: 'https://git.example.com/acme/regions.git', branch, dir: harness.repo.dir })).toThrow(SourceError);
    });
  }
});

describe('held up: a replica without the lease never writes', () => {
  it('a signed push to a follower syncs but makes no AWS call, and /status says another replica leads', async () => {
    const world = sandboxWorld();
    const follower = { acquire: async () => undefined, isHeld: () => false, renewAll: async () => {}, releaseAll: async () => {} };
    const { runtime, http, json } = await harness.start(config(), { sandboxCloud: world.cloud, leases: follower, logDestination: captureLines().stream, source: { sync: async () => ({ revision: 'rev-1', dir: harness.repo.dir }) } });
    await runtime.controller.idle();
    const signed = post({ 'x-github-event': 'push', 'x-hub-signature-256': hmac(PUSH, SECRETS.github) });
    expect((await http('/webhook', signed)).status).toBeLessThan(300);
    await runtime.controller.idle();
    expect(world.cloud.calls.count()).toBe(0);
    const set = (await json('/status')).regionSets['global-api'];
    expect(set.lastOutcome).toBe('not-leader');
  });
});
