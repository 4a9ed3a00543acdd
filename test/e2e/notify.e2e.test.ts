// `regionctl run --sandbox` as a process with REGIONCTL_NOTIFY_CONFIG: a commit that adds a
// region, announced by a signed push webhook, reaches a signed generic webhook receiver as
// apply-started then apply-succeeded with the commit, and a fake GitHub API as commit
// statuses pending then success on that commit.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startGitDaemon, type GitServer } from '../support/git-server.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { controllerEnv, expectAccepted, regionSetManifest, sendGithubPush, STACK_TEMPLATE, startController, waitFor, type ControllerProcess } from './support.js';

const SECRET = 'e2e-webhook-secret';
const NOTIFY_SECRET = 'e2e-notify-hmac-secret';
const GITHUB_TOKEN = 'ghp_e2eStatusToken';
const cleanup: Array<() => Promise<unknown> | void> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

it('a merged change is announced as apply-started then apply-succeeded with its commit', async () => {
  const git: GitServer = await startGitDaemon();
  cleanup.push(() => git.dispose());
  const ops: Receiver = await startReceiver();
  const github: Receiver = await startReceiver(() => ({ status: 201 }));
  cleanup.push(() => ops.close(), () => github.close());
  const dir = mkdtempSync(join(tmpdir(), 'regionctl-notify-e2e-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'notify.yaml');
  writeFileSync(
    configFile,
    `providers:
  ops: { type: webhook, urlFromEnv: OPS_URL, secretFromEnv: OPS_SECRET, backoff: 100ms }
  commits: { type: github, apiUrl: "${github.url}", repository: example/regions }
routes:
  - regionSets: [global-api]
    providers: [ops, commits]
`,
  );
  const first = await git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2']), 'stacks/regional-api.yaml': STACK_TEMPLATE }, 'two regions');
  const settings = { gitUrl: git.url, branch: git.branch, workDir: join(dir, 'work'), sandboxFile: join(dir, 'sandbox.json'), sandboxSpeed: 1000, webhookSecret: SECRET };
  const controller: ControllerProcess = await startController('notify', {
    ...controllerEnv(settings),
    REGIONCTL_NOTIFY_CONFIG: configFile,
    OPS_URL: `${ops.url}/regionctl`,
    OPS_SECRET: NOTIFY_SECRET,
    REGIONCTL_GITHUB_TOKEN: GITHUB_TOKEN,
  });
  cleanup.push(() => controller.kill('SIGKILL'));

  const events = () => ops.requests.map((r) => JSON.parse(r.body) as { type: string; revision: string; regionSet: string; summary: { regions: Record<string, string> } });
  await waitFor('the first apply to be announced', 30_000, () => events().some((e) => e.type === 'apply-succeeded' && e.revision === first));

  const next = await git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']) }, 'add ap-southeast-1');
  await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: next }));
  await waitFor('apply-succeeded of the new commit', 30_000, () => events().some((e) => e.type === 'apply-succeeded' && e.revision === next));

  const forNext = events().filter((e) => e.revision === next);
  expect(forNext.map((e) => e.type)).toEqual(['apply-started', 'apply-succeeded']);
  expect(forNext[0]!.summary.regions['ap-southeast-1']).toBe('joining');
  for (const request of ops.requests) {
    expect(request.headers['x-regionctl-signature-256']).toBe(`sha256=${createHmac('sha256', NOTIFY_SECRET).update(request.body).digest('hex')}`);
  }

  await waitFor('the success status of the new commit', 10_000, () => github.requests.some((r) => r.path.endsWith(next) && JSON.parse(r.body).state === 'success'));
  const statuses = github.requests.filter((r) => r.path === `/repos/example/regions/statuses/${next}`);
  expect(statuses.map((r) => JSON.parse(r.body).state)).toEqual(['pending', 'success']);
  expect(statuses.every((r) => r.headers['authorization'] === `Bearer ${GITHUB_TOKEN}`)).toBe(true);
  expect(JSON.parse(statuses[1]!.body).context).toBe('regionctl/global-api');
  // Secrets stay out of the logs.
  expect(controller.output()).not.toContain(NOTIFY_SECRET);
  expect(controller.output()).not.toContain(GITHUB_TOKEN);
}, 90_000);
