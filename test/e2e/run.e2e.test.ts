// `regionctl run` end to end, as a separate process on 127.0.0.1: a bare repository served
// by `git daemon`, the sandbox cloud in a state file, GitHub push webhooks signed with the
// shared secret. A commit plus a webhook converges; a forged webhook or a broken commit
// changes nothing; a controller killed mid-apply converges after a restart without
// duplicates. Every wait has a deadline; every process is killed in afterAll.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GitServer } from '../support/git-server.js';
import { conditionOf, controllerEnv, e2eFixtures, expectAccepted, metricSum, readyAt as readyAtOf, regionSetManifest, sandboxCensus, sendGithubPush, STACK_TEMPLATE, waitFor, type ControllerProcess, type ControllerSettings, type ControllerStatusView } from './support.js';

const SECRET = 'e2e-webhook-secret';
const SET = 'global-api';
const fixtures = e2eFixtures();

async function setUp(regions: string[], sandboxSpeed: number): Promise<{ git: GitServer; settings: ControllerSettings; first: string }> {
  const { git, settings } = await fixtures.workspace({ prefix: 'regionctl-e2e-', secret: SECRET, sandboxSpeed });
  const first = await git.commit({ 'regions.yaml': regionSetManifest(regions), 'stacks/regional-api.yaml': STACK_TEMPLATE }, `${regions.length} regions`);
  return { git, settings, first };
}

async function start(name: string, settings: ControllerSettings): Promise<ControllerProcess> {
  return fixtures.start(name, controllerEnv(settings));
}

function condition(status: ControllerStatusView, type: string): string | undefined {
  return conditionOf(status, SET, type);
}

/** Waits until the RegionSet is Ready at `revision`; returns the status then. */
async function readyAt(controller: ControllerProcess, revision: string, timeoutMs = 30_000) {
  return readyAtOf(controller, SET, revision, timeoutMs);
}

function reconciles(metrics: string): number {
  return metricSum(metrics, 'regionctl_reconcile_total', { regionset: SET });
}

describe('a push and a signed webhook', () => {
  let git: GitServer;
  let controller: ControllerProcess;
  let settings: ControllerSettings;
  let revision: string;

  beforeAll(async () => {
    ({ git, settings, first: revision } = await setUp(['eu-west-1', 'us-east-2'], 1000));
    controller = await start('controller', settings);
    await readyAt(controller, revision);
  }, 60_000);

  it('converges a region added in a commit and shows the new revision in /status', async () => {
    expect(sandboxCensus(settings.sandboxFile).stacks).toEqual(['eu-west-1/global-api', 'us-east-2/global-api']);
    const pushedAt = Date.now();
    revision = await git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']) }, 'add ap-southeast-1');
    await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: revision }));
    const status = await readyAt(controller, revision);
    console.log(`push-to-apply latency: ${Date.now() - pushedAt} ms (commit + push + webhook + fetch + plan + apply at sandbox speed ${settings.sandboxSpeed}x)`);

    expect(status.source.observedRevision).toBe(revision);
    expect(Object.keys(status.regionSets[SET]!.regions).sort()).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);
    const cloud = sandboxCensus(settings.sandboxFile);
    expect(cloud.stacks).toEqual(['ap-southeast-1/global-api', 'eu-west-1/global-api', 'us-east-2/global-api']);
    expect(cloud.healthChecks).toBe(3);
    expect(cloud.records.filter((r) => r.startsWith('api.example.com.'))).toHaveLength(3);
  }, 60_000);

  it('answers a webhook with a wrong signature 401 and reconciles nothing', async () => {
    const before = await controller.status();
    const countBefore = reconciles(await controller.metrics());
    expect(countBefore).toBeGreaterThan(0);
    const head = await git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2']) }, 'remove ap-southeast-1 (never announced)');
    const forged = await sendGithubPush(controller, { secret: 'not-the-secret', branch: git.branch, after: head });
    expect(forged.status).toBe(401);
    const unsigned = await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: head, signature: '' });
    expect(unsigned.status).toBe(401);
    // Give a wrongly accepted webhook time to show; nothing may change meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await controller.status();
    expect(after.regionSets[SET]!.lastReconcileId).toBe(before.regionSets[SET]!.lastReconcileId);
    expect(after.source.observedRevision).toBe(before.source.observedRevision);
    expect(reconciles(await controller.metrics())).toBe(countBefore);
    expect(sandboxCensus(settings.sandboxFile).stacks).toHaveLength(3);
    // Put the branch back to what is applied, for the next test.
    revision = await git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']) }, 'back to three regions');
    await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: revision }));
    await readyAt(controller, revision);
  }, 60_000);

  it('writes nothing for an invalid manifest, reports it with line:col, keeps the last state, and applies the next good commit', async () => {
    const cloudBefore = sandboxCensus(settings.sandboxFile);
    const awsCallsBefore = metricSum(await controller.metrics(), 'regionctl_aws_calls_total');
    const stateBefore = JSON.stringify((cloudBefore.raw as { stacks: unknown; zones: unknown; healthChecks: unknown }));
    const broken = regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']).replace('maxParallelRegions: 2', 'maxParallelRegions: two');
    const bad = await git.commit({ 'regions.yaml': broken }, 'typo in rollout');
    await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: bad }));

    const status = await waitFor('the invalid revision to be reported', 20_000, async () => {
      const s = await controller.status();
      return s.regionSets[SET]?.lastAttemptedRevision === bad && condition(s, 'Reconciling') !== 'True' ? s : undefined;
    });
    const set = status.regionSets[SET]!;
    expect(condition(status, 'Stalled')).toBe('True');
    expect(set.lastError?.location).toMatch(/^regions\.yaml:\d+:\d+$/);
    const line = Number(set.lastError!.location!.split(':')[1]);
    expect(broken.split('\n')[line - 1]).toContain('maxParallelRegions: two');
    expect(set.lastAppliedRevision).toBe(revision);
    const stateAfter = sandboxCensus(settings.sandboxFile).raw as { stacks: unknown; zones: unknown; healthChecks: unknown };
    expect(JSON.stringify(stateAfter)).toBe(stateBefore);
    // Not even a read: an invalid manifest stops before any call to the cloud.
    expect(metricSum(await controller.metrics(), 'regionctl_aws_calls_total')).toBe(awsCallsBefore);

    // The fix: a good commit (dropping a region) applies as usual.
    const fixed = await git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']).replace('ap-southeast-1: {}', 'ap-southeast-1: { state: drained }') }, 'fix typo, drain ap-southeast-1 (state: drained)');
    await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: fixed }));
    const recovered = await readyAt(controller, fixed);
    expect(condition(recovered, 'Stalled')).toBe('False');
    expect(recovered.regionSets[SET]!.regions['ap-southeast-1']?.desiredState).toBe('drained');
  }, 90_000);
});

describe('a controller killed with SIGKILL in the middle of an apply', () => {
  it('converges after a restart with no duplicate or orphaned resources', async () => {
    // Slow sandbox time (a stack create takes ~3 s of real time) so the kill lands mid-apply.
    const { settings, first } = await setUp(['eu-west-1', 'us-east-2', 'ap-southeast-1'], 30);
    const victim = await start('victim', settings);
    // Kill once the cloud shows a partial apply: some stacks exist, not every record does.
    await waitFor('a partial apply in the sandbox file', 60_000, () => {
      if (!existsSync(settings.sandboxFile)) return undefined;
      const cloud = sandboxCensus(settings.sandboxFile);
      return cloud.stacks.length > 0 && cloud.records.filter((r) => r.startsWith('api.example.com.')).length < 3;
    });
    const partial = sandboxCensus(settings.sandboxFile);
    await victim.kill('SIGKILL');

    const survivor = await start('restarted', settings);
    await readyAt(survivor, first, 90_000);
    const cloud = sandboxCensus(settings.sandboxFile);
    console.log(`killed mid-apply with ${partial.stacks.length} stack(s), ${partial.healthChecks} health check(s) in place; after restart: ${cloud.stacks.length} stacks, ${cloud.healthChecks} health checks`);
    expect(cloud.stacks).toEqual(['ap-southeast-1/global-api', 'eu-west-1/global-api', 'us-east-2/global-api']);
    expect(cloud.healthChecks).toBe(3);
    expect(new Set(cloud.healthCheckReferences).size).toBe(3);
    const records = cloud.records.filter((r) => r.startsWith('api.example.com.'));
    expect(records).toHaveLength(3);
    expect(new Set(records).size).toBe(3);
    // Every record's health check exists, and no health check is left without a record.
    const raw = cloud.raw as { healthChecks: Array<{ id: string; deleted: boolean }>; zones: Array<{ records: Array<{ healthCheckId?: string }> }> };
    const live = new Set(raw.healthChecks.filter((h) => !h.deleted).map((h) => h.id));
    const referenced = new Set(raw.zones.flatMap((z) => z.records).flatMap((r) => (r.healthCheckId ? [r.healthCheckId] : [])));
    expect([...referenced].sort()).toEqual([...live].sort());
  }, 180_000);
});
