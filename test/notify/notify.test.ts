// Notifications against local HTTP receivers on 127.0.0.1: the config file (positions of
// its mistakes), the payloads and signatures each provider sends (the HMAC checked here
// independently), retries and their limits, routing per RegionSet, the bounded queue.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNotifyConfig, type NotifyConfigContext } from '../../controller/notify/config.js';
import type { NotifyEvent } from '../../controller/notify/events.js';
import { Notifier } from '../../controller/notify/notifier.js';
import { repositoryFromGitUrl } from '../../controller/notify/providers.js';
import { ControllerMetrics } from '../../controller/runtime/metrics.js';
import { createLogger } from '../../controller/runtime/logger.js';
import { metricSum } from '../e2e/support.js';
import { captureLines } from '../runtime/helpers.js';
import { runCliSync } from '../support/cli.js';
import { startReceiver, type Answer, type ReceivedRequest, type Receiver } from '../support/receiver.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const SECRET = 'hmac-secret-for-the-ops-receiver';
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(respond?: (request: ReceivedRequest, index: number) => Answer): Promise<Receiver> {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

function event(type: NotifyEvent['type'], regionSet = 'global-api', extra: Partial<NotifyEvent> = {}): NotifyEvent {
  return {
    type,
    regionSet,
    revision: SHA,
    at: '2026-12-02T16:00:00.000Z',
    reconcileId: 'r1',
    file: 'manifests/global-api.yaml',
    summary: { steps: 3, stepsByAction: { 'stack.create': 1, 'record.create': 2 }, regions: { 'ap-southeast-1': 'joining', 'eu-west-1': 'unchanged' } },
    ...extra,
  };
}

/** A notifier from a config file's text; metrics and log lines kept for the assertions. */
async function notifierFrom(yaml: string, context: NotifyConfigContext) {
  const loaded = await parseNotifyConfig(yaml, 'notify.yaml', context);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
  const metrics = new ControllerMetrics({ processMetrics: false });
  const logs = captureLines();
  const logger = createLogger({ level: 'debug', secrets: loaded.value.secrets, destination: logs.stream });
  const notifier = new Notifier({ ...loaded.value, logger, record: (p, e, o) => metrics.recordNotification(p, e, o) });
  const count = async (labels: Record<string, string>) => metricSum(await metrics.text(), 'regionctl_notifications_total', labels);
  return { notifier, count, logs };
}

function verifySignature(request: ReceivedRequest, secret: string): boolean {
  const header = String(request.headers['x-regionctl-signature-256'] ?? '');
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), expected);
}

const webhookConfig = (extra = '') => `providers:
  ops:
    type: webhook
    urlFromEnv: OPS_URL
    secretFromEnv: OPS_SECRET
    backoff: 10ms
${extra}routes:
  - providers: [ops]
`;

describe('webhook provider', () => {
  it('posts the event as JSON signed with HMAC-SHA256 of the body and a delivery id', async () => {
    const ops = await receiver();
    const { notifier, count } = await notifierFrom(webhookConfig(), { env: { OPS_URL: `${ops.url}/hooks/regionctl`, OPS_SECRET: SECRET } });
    notifier.emit(event('apply-failed', 'global-api', { errors: [{ stepId: 'ap-southeast-1:stack.create', message: 'stack rolled back' }] }));
    await notifier.idle();

    expect(ops.requests).toHaveLength(1);
    const [request] = ops.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/hooks/regionctl');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(verifySignature(request!, SECRET)).toBe(true);
    expect(verifySignature(request!, 'another-secret')).toBe(false);
    const body = JSON.parse(request!.body);
    expect(body).toMatchObject({ type: 'apply-failed', regionSet: 'global-api', revision: SHA, errors: [{ stepId: 'ap-southeast-1:stack.create', message: 'stack rolled back' }] });
    expect(body.summary).toMatchObject({ steps: 3, regions: { 'ap-southeast-1': 'joining' } });
    expect(request!.headers['x-regionctl-delivery']).toBe(body.deliveryId);
    expect(request!.headers['x-regionctl-event']).toBe('apply-failed');
    expect(await count({ provider: 'ops', event: 'apply-failed', outcome: 'delivered' })).toBe(1);
  });

  it('retries 5xx with the same delivery id until it succeeds', async () => {
    const ops = await receiver((_r, i) => ({ status: i < 2 ? 503 : 200 }));
    const { notifier, count } = await notifierFrom(webhookConfig(), { env: { OPS_URL: ops.url, OPS_SECRET: SECRET } });
    notifier.emit(event('apply-succeeded'));
    await notifier.idle();
    expect(ops.requests).toHaveLength(3);
    expect(new Set(ops.requests.map((r) => r.headers['x-regionctl-delivery'])).size).toBe(1);
    expect(ops.requests.every((r) => verifySignature(r, SECRET))).toBe(true);
    expect(await count({ provider: 'ops', outcome: 'delivered' })).toBe(1);
    expect(await count({ provider: 'ops', outcome: 'failed' })).toBe(0);
  });

  it('does not retry a 4xx; retries 429; gives up after the retries and counts the failure without logging the URL', async () => {
    const refusing = await receiver(() => ({ status: 400 }));
    const limited = await receiver((_r, i) => ({ status: i === 0 ? 429 : 200, headers: { 'retry-after': '0' } }));
    const dead = await receiver(() => ({ status: 500 }));
    const yaml = `providers:
  refusing: { type: webhook, urlFromEnv: REFUSING_URL, backoff: 10ms }
  limited: { type: webhook, url: "${limited.url}", backoff: 10ms }
  dead: { type: webhook, urlFromEnv: DEAD_URL, retries: 2, backoff: 10ms }
routes:
  - providers: [refusing, limited, dead]
`;
    const deadUrl = `${dead.url}/T0KEN-in-the-path`;
    const { notifier, count, logs } = await notifierFrom(yaml, { env: { REFUSING_URL: refusing.url, DEAD_URL: deadUrl } });
    notifier.emit(event('plan-refused', 'global-api', { refusals: [{ rule: 'min-healthy-regions', resource: 'api.example.com', message: 'would leave 0 healthy regions' }] }));
    await notifier.idle();
    expect(refusing.requests).toHaveLength(1);
    expect(limited.requests).toHaveLength(2);
    expect(dead.requests).toHaveLength(3);
    expect(await count({ provider: 'refusing', outcome: 'failed' })).toBe(1);
    expect(await count({ provider: 'limited', outcome: 'delivered' })).toBe(1);
    expect(await count({ provider: 'dead', event: 'plan-refused', outcome: 'failed' })).toBe(1);
    const failure = logs.records().find((line) => line['provider'] === 'dead' && line['msg'] === 'notification failed; reconciling goes on');
    expect(failure).toMatchObject({ failure: 'HTTP 500', event: 'plan-refused' });
    expect(logs.text()).not.toContain('T0KEN-in-the-path');
  });

  it('retries a receiver that does not answer in time, and one that refuses connections', async () => {
    const slow = await receiver((_r, i) => (i === 0 ? { status: 200, hang: true } : { status: 200 }));
    const yaml = `providers:
  slow: { type: webhook, url: "${slow.url}", timeout: 200ms, backoff: 10ms }
  gone: { type: webhook, url: "http://127.0.0.1:9", retries: 1, backoff: 10ms }
routes:
  - providers: [slow, gone]
`;
    const { notifier, count } = await notifierFrom(yaml, { env: {} });
    notifier.emit(event('apply-started'));
    await notifier.idle();
    expect(slow.requests).toHaveLength(2);
    expect(await count({ provider: 'slow', outcome: 'delivered' })).toBe(1);
    expect(await count({ provider: 'gone', outcome: 'failed' })).toBe(1);
  });

  it('drops deliveries beyond the queue bound and counts them; emit never waits', async () => {
    const ops = await receiver(() => ({ status: 200 }));
    const loaded = await parseNotifyConfig(webhookConfig(), 'notify.yaml', { env: { OPS_URL: ops.url, OPS_SECRET: SECRET } });
    if (!loaded.ok) throw new Error('config');
    const outcomes: string[] = [];
    const notifier = new Notifier({ ...loaded.value, logger: createLogger({ level: 'silent' }), concurrency: 1, maxQueue: 2, record: (_p, _e, o) => outcomes.push(o) });
    for (let i = 0; i < 5; i++) notifier.emit(event('apply-started', 'global-api', { reconcileId: `r${i}` }));
    // One sending, two queued, two dropped — all decided before any request was answered.
    expect(outcomes).toEqual(['dropped', 'dropped']);
    await notifier.idle();
    expect(ops.requests).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'delivered')).toHaveLength(3);
  });

  it('sends the same drift or refusal once, and again after something else happened', async () => {
    const ops = await receiver();
    const { notifier } = await notifierFrom(webhookConfig(), { env: { OPS_URL: ops.url, OPS_SECRET: SECRET } });
    notifier.emit(event('drift-found'));
    notifier.emit(event('drift-found'));
    notifier.emit(event('apply-succeeded'));
    notifier.emit(event('drift-found'));
    await notifier.idle();
    expect(ops.requests.map((r) => JSON.parse(r.body).type)).toEqual(['drift-found', 'apply-succeeded', 'drift-found']);
  });

  it('sends the same drift again once the RegionSet converged in between; converged itself is never sent', async () => {
    const ops = await receiver();
    const { notifier } = await notifierFrom(webhookConfig(), { env: { OPS_URL: ops.url, OPS_SECRET: SECRET } });
    const converged = { type: 'converged', regionSet: 'global-api', revision: 'abc1234', at: new Date(0).toISOString() } as const;
    notifier.emit(event('drift-found'));
    notifier.emit(converged);
    notifier.emit(event('drift-found'));
    notifier.emit(event('drift-found'));
    notifier.emit({ ...converged, regionSet: 'other' });
    notifier.emit(event('drift-found'));
    await notifier.idle();
    expect(ops.requests.map((r) => JSON.parse(r.body).type)).toEqual(['drift-found', 'drift-found']);
  });
});

describe('Slack and GitHub providers', () => {
  it('sends Slack a text and blocks with the RegionSet, the commit and the refusals', async () => {
    const slack = await receiver();
    const { notifier } = await notifierFrom(`providers:\n  chat:\n    type: slack\n    urlFromEnv: SLACK_URL\nroutes:\n  - providers: [chat]\n`, { env: { SLACK_URL: `${slack.url}/services/T000/B000/XXXX` } });
    notifier.emit(event('plan-refused', 'global-api', { refusals: [{ rule: 'min-healthy-regions', resource: 'api.example.com', message: 'would leave 0 healthy regions' }] }));
    await notifier.idle();
    expect(slack.requests[0]!.path).toBe('/services/T000/B000/XXXX');
    const message = JSON.parse(slack.requests[0]!.body);
    expect(message.text).toBe(':no_entry: global-api: plan refused at 0123456: min-healthy-regions');
    expect(message.blocks.map((b: { type: string }) => b.type)).toEqual(['section', 'section', 'context']);
    expect(message.blocks[1].text).toEqual({ type: 'mrkdwn', text: '*Regions:* ap-southeast-1 joining\n• *min-healthy-regions* api.example.com: would leave 0 healthy regions' });
    expect(message.blocks[2].elements[0].text).toBe('RegionSet *global-api* · commit `0123456789ab` · manifests/global-api.yaml');
  });

  it('sets a commit status on GitHub Enterprise with the token, context and a description of at most 140 characters', async () => {
    const github = await receiver(() => ({ status: 201 }));
    const yaml = `providers:
  commits:
    type: github
    apiUrl: ${github.url}/api/v3
    targetUrl: https://regionctl.example.com/status
routes:
  - providers: [commits]
`;
    const { notifier } = await notifierFrom(yaml, { env: { REGIONCTL_GITHUB_TOKEN: 'ghp_statusToken1234' }, sourceUrl: 'git@github.example.com:platform/infra.git' });
    notifier.emit(event('apply-started'));
    const longName = `set-${'x'.repeat(150)}`;
    notifier.emit(event('apply-failed', longName, { summary: { steps: 3, stepsByAction: {}, regions: {}, completed: 1, failed: 1, skipped: 1 } }));
    notifier.emit(event('drift-found'));
    notifier.emit(event('suspended'));
    await notifier.idle();

    expect(github.requests).toHaveLength(2);
    const [started, failed] = github.requests;
    expect(started!.path).toBe(`/api/v3/repos/platform/infra/statuses/${SHA}`);
    expect(started!.headers['authorization']).toBe('Bearer ghp_statusToken1234');
    expect(started!.headers['accept']).toBe('application/vnd.github+json');
    expect(JSON.parse(started!.body)).toEqual({ state: 'pending', context: 'regionctl/global-api', description: 'global-api: applying 3 steps at 0123456', target_url: 'https://regionctl.example.com/status' });
    const failedBody = JSON.parse(failed!.body);
    expect(failedBody.state).toBe('failure');
    expect(failedBody.context).toBe(`regionctl/${longName}`);
    expect([...failedBody.description].length).toBe(140);
    expect(failedBody.description.endsWith('…')).toBe(true);
  });

  it('reads owner/repo from the git URL forms', () => {
    expect(repositoryFromGitUrl('https://github.com/example/infra.git')).toEqual({ owner: 'example', repo: 'infra' });
    expect(repositoryFromGitUrl('ssh://git@github.example.com/org/repo')).toEqual({ owner: 'org', repo: 'repo' });
    expect(repositoryFromGitUrl('git@github.com:example/infra.git')).toEqual({ owner: 'example', repo: 'infra' });
    expect(repositoryFromGitUrl('/srv/manifests')).toBeUndefined();
  });
});

describe('routing', () => {
  it("sends an event of RegionSet A to A's provider only, and filters by event", async () => {
    const a = await receiver();
    const b = await receiver();
    const yaml = `providers:
  team-a: { type: webhook, url: "${a.url}" }
  team-b: { type: webhook, url: "${b.url}" }
routes:
  - regionSets: [api-a]
    providers: [team-a]
  - regionSets: [api-b]
    events: [apply-failed]
    providers: [team-b]
`;
    const { notifier } = await notifierFrom(yaml, { env: {} });
    notifier.emit(event('apply-succeeded', 'api-a'));
    notifier.emit(event('apply-succeeded', 'api-b'));
    notifier.emit(event('apply-failed', 'api-b'));
    await notifier.idle();
    expect(a.requests.map((r) => JSON.parse(r.body).regionSet)).toEqual(['api-a']);
    expect(b.requests.map((r) => [JSON.parse(r.body).regionSet, JSON.parse(r.body).type])).toEqual([['api-b', 'apply-failed']]);
  });
});

describe('the config file', () => {
  const issues = async (yaml: string, context: NotifyConfigContext = { env: {} }) => {
    const result = await parseNotifyConfig(yaml, 'notify.yaml', context);
    expect(result.ok).toBe(false);
    return result.ok ? [] : result.errors.map((e) => `${e.line}:${e.column} ${e.rule}: ${e.message}`);
  };

  it('points at an unknown key, a wrong event and a route to an undeclared provider', async () => {
    expect(
      await issues(`providers:
  ops:
    type: webhook
    url: https://hooks.example.com/x
    secert: OPS_SECRET
routes:
  - events: [apply-failed, applied]
    providers: [ops]
`),
    ).toEqual([
      '5:5 unknown-key: unknown key "secert" in providers.ops; allowed keys are type, url, urlFromEnv, secretFromEnv, retries, backoff, maxBackoff, timeout',
      '7:28 invalid-value: routes[0].events[1] is "applied", which is not allowed; use one of plan-refused, apply-started, apply-succeeded, apply-failed, drift-found, suspended, resumed',
    ]);
    expect(await issues(`providers:\n  ops: { type: webhook, url: "https://hooks.example.com/x" }\nroutes:\n  - providers: [ops, chat]\n`)).toEqual([
      '4:22 unknown-provider: routes[0] sends to provider "chat", which is not under providers; add it or use one of ops',
    ]);
  });

  it('refuses a secret written inline and names an unset environment variable where it is written', async () => {
    expect(await issues(`providers:\n  chat:\n    type: slack\n    url: https://hooks.slack.com/services/T/B/X\nroutes:\n  - providers: [chat]\n`)).toEqual([
      '3:5 missing-key: providers.chat is missing the required key "urlFromEnv"; add it',
      '4:5 unknown-key: unknown key "url" in providers.chat; allowed keys are type, urlFromEnv, retries, backoff, maxBackoff, timeout',
    ]);
    expect(await issues(`providers:\n  chat:\n    type: slack\n    urlFromEnv: SLACK_URL\nroutes:\n  - providers: [chat]\n`)).toEqual([
      "4:17 missing-environment-variable: providers.chat.urlFromEnv names SLACK_URL, which is not set; set it in the controller's environment (from a Kubernetes Secret)",
    ]);
    expect(await issues(`providers:\n  commits:\n    type: github\n    repository: example/infra\nroutes:\n  - providers: [commits]\n`)).toEqual([
      "2:3 missing-environment-variable: provider commits reads its token from REGIONCTL_GITHUB_TOKEN, which is not set; set it in the controller's environment (from a Kubernetes Secret)",
    ]);
    expect(await issues(`providers:\n  commits:\n    type: github\nroutes:\n  - providers: [commits]\n`, { env: { REGIONCTL_GITHUB_TOKEN: 'tok-1234' }, sourceUrl: '/srv/manifests' })).toEqual([
      '2:3 github-repository: provider commits: the git source is not a GitHub URL, so write repository: OWNER/REPO',
    ]);
  });
});

describe('regionctl run with a broken REGIONCTL_NOTIFY_CONFIG', () => {
  it('refuses to start: exit 1, file:line:column and the rule, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regionctl-notify-config-'));
    try {
      const file = join(dir, 'notify.yaml');
      writeFileSync(file, 'providers:\n  ops: { type: webhook, urlFromEnv: OPS_URL }\nroutes:\n  - providers: [ops]\n');
      const run = runCliSync(['run'], { env: { REGIONCTL_GIT_URL: dir, REGIONCTL_NOTIFY_CONFIG: file, OPS_URL: undefined }, timeoutMs: 15_000 });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file}:2:37: missing-environment-variable: providers.ops.urlFromEnv names OPS_URL, which is not set`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
