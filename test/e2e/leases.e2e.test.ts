// Two `regionctl run` processes sharing one lease table (DynamoDB on moto) and one sandbox
// cloud: only the lease holder ever applies, the other serves status saying it does not
// lead; SIGKILL the leader and the other takes over once the lease expires and converges
// the next commit.
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureLeaseTable } from '../../controller/providers/aws/leases.js';
import type { Moto } from '../support/moto.js';
import { controllerEnv, e2eFixtures, expectAccepted, metricSum, regionSetManifest, sandboxCensus, sendGithubPush, STACK_TEMPLATE, waitFor, type ControllerProcess, type ControllerSettings, type E2eWorkspace } from './support.js';

const SECRET = 'e2e-webhook-secret';
const SET = 'global-api';
const TABLE = 'regionctl-leases';
const LEASE_SECONDS = 3;

const fixtures = e2eFixtures();
let moto: Moto;
let workspace: E2eWorkspace;

beforeAll(async () => {
  moto = await fixtures.startMoto();
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    await ensureLeaseTable(client, TABLE);
  } finally {
    client.destroy();
  }
  workspace = await fixtures.workspace({ prefix: 'regionctl-e2e-leases-', secret: SECRET });
}, 180_000);

function settingsFor(instanceId: string): ControllerSettings {
  return {
    ...workspace.settings,
    workDir: join(workspace.dir, `work-${instanceId}`),
    lease: { table: TABLE, seconds: LEASE_SECONDS, instanceId, awsEnv: moto.env },
  };
}

function applied(metrics: string): number {
  return metricSum(metrics, 'regionctl_reconcile_total', { regionset: SET, outcome: 'applied' });
}

describe('two controllers on one lease table', () => {
  it('lets only the lease holder apply, and hands over to the other within the lease time when the holder is killed', async () => {
    const first = await workspace.git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2']), 'stacks/regional-api.yaml': STACK_TEMPLATE }, 'two regions');
    const a = await fixtures.start('replica-a', controllerEnv(settingsFor('replica-a')));
    const b = await fixtures.start('replica-b', controllerEnv(settingsFor('replica-b')));

    // Both have looked at the RegionSet: one leads and applied it, the other says it does not lead.
    const roles = await waitFor('one leader Ready at the first commit and one follower', 30_000, async () => {
      const [sa, sb] = [await a.status(), await b.status()];
      const la = sa.regionSets[SET]?.leader;
      const lb = sb.regionSets[SET]?.leader;
      if (la === undefined || lb === undefined || la === lb) return undefined;
      const [leader, follower, leaderStatus] = la ? [a, b, sa] : [b, a, sb];
      const ready = leaderStatus.regionSets[SET]!.lastAppliedRevision === first && leaderStatus.regionSets[SET]!.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
      return ready ? { leader, follower } : undefined;
    });
    const { leader, follower } = roles;
    expect(sandboxCensus(settingsFor('x').sandboxFile).stacks).toEqual(['eu-west-1/global-api', 'us-east-2/global-api']);

    // Webhooks reach both replicas (a load balancer may send them to either): still one writer.
    const second = await workspace.git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']) }, 'add ap-southeast-1');
    for (const replica of [follower, leader]) await expectAccepted(await sendGithubPush(replica, { secret: SECRET, branch: workspace.git.branch, after: second }));
    await waitFor(`${leader.name} to apply the second commit`, 30_000, async () => (await leader.status()).regionSets[SET]?.lastAppliedRevision === second);
    await waitFor(`${follower.name} to see the second commit and still not lead`, 30_000, async () => {
      const status = await follower.status();
      return status.source.observedRevision === second && status.regionSets[SET]?.leader === false;
    });
    // Counted per process: the follower never applied, nor made a single call to the cloud.
    const [followerMetrics, leaderMetrics] = [await follower.metrics(), await leader.metrics()];
    expect(applied(followerMetrics)).toBe(0);
    expect(metricSum(followerMetrics, 'regionctl_aws_calls_total')).toBe(0);
    expect(metricSum(followerMetrics, 'regionctl_reconcile_total', { regionset: SET, outcome: 'not-leader' })).toBeGreaterThanOrEqual(2);
    expect(applied(leaderMetrics)).toBeGreaterThanOrEqual(2);
    expect(metricSum(leaderMetrics, 'regionctl_aws_calls_total')).toBeGreaterThan(0);
    expect(sandboxCensus(settingsFor('x').sandboxFile).stacks).toHaveLength(3);

    // The leader dies without releasing its lease: the follower takes over once it expires.
    await leader.kill('SIGKILL');
    const killedAt = Date.now();
    const third = await workspace.git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']).replace('ap-southeast-1: {}', 'ap-southeast-1: { state: drained }') }, 'drain ap-southeast-1');
    await expectAccepted(await sendGithubPush(follower, { secret: SECRET, branch: workspace.git.branch, after: third }));
    await waitFor(`${follower.name} to take the lease over`, LEASE_SECONDS * 1000 + 20_000, async () => (await follower.status()).regionSets[SET]?.leader === true);
    const takeoverMs = Date.now() - killedAt;
    const converged = await waitFor(`${follower.name} to converge the third commit`, 30_000, async () => {
      const status = await follower.status();
      const set = status.regionSets[SET];
      return set?.lastAppliedRevision === third && set.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? status : undefined;
    });
    console.log(`lease takeover after SIGKILL of the leader: ${takeoverMs} ms (lease ${LEASE_SECONDS} s); third commit converged ${Date.now() - killedAt} ms after the kill`);
    expect(converged.regionSets[SET]!.regions['ap-southeast-1']?.desiredState).toBe('drained');
    expect(applied(await follower.metrics())).toBeGreaterThanOrEqual(1);
  }, 150_000);

  it('a suspend through one replica holds on the leader and after both restart; the resume applies the waiting commit', async () => {
    await fixtures.killAll();
    const token = 'e2e-leases-control-token-41b7';
    const env = (id: string) => ({ ...controllerEnv(settingsFor(id)), REGIONCTL_TRIGGER_TOKEN: token });
    const startBoth = async () => {
      return [await fixtures.start('replica-c', env('replica-c')), await fixtures.start('replica-d', env('replica-d'))];
    };
    const post = (replica: ControllerProcess, path: string, body?: object) =>
      fetch(`${replica.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-regionctl-actor': 'e2e' }, ...(body ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(5000) });
    const suspendedEverywhere = (replicas: ControllerProcess[]) =>
      waitFor('every replica to report the RegionSet suspended', LEASE_SECONDS * 1000 + 20_000, async () => {
        const sets = await Promise.all(replicas.map(async (replica) => (await replica.status()).regionSets[SET] as { suspended?: boolean; lastOutcome?: string; leader?: boolean } | undefined));
        return sets.every((set) => set?.suspended === true) && sets.some((set) => set?.lastOutcome === 'suspended') ? true : undefined;
      });

    let [c, d] = await startBoth();
    await waitFor('both replicas to have looked at the RegionSet', 30_000, async () => (await c!.status()).regionSets[SET]?.leader !== undefined && (await d!.status()).regionSets[SET]?.leader !== undefined);
    expect((await post(d!, `/suspend?regionSet=${SET}`, { reason: 'e2e hold' })).status).toBe(200);
    const stacksBefore = sandboxCensus(settingsFor('x').sandboxFile).stacks;
    await workspace.git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2', 'sa-east-1']) }, 'add sa-east-1 while suspended');
    for (const replica of [c!, d!]) expect((await post(replica, '/trigger')).status).toBe(202);
    await suspendedEverywhere([c!, d!]);

    // Both restart (SIGTERM releases the leases): still suspended, nothing applied.
    await Promise.all([c!.kill('SIGTERM'), d!.kill('SIGTERM')]);
    [c, d] = await startBoth();
    await suspendedEverywhere([c!, d!]);
    expect(sandboxCensus(settingsFor('x').sandboxFile).stacks).toEqual(stacksBefore);

    expect((await post(c!, `/resume?regionSet=${SET}`, { reason: 'e2e done' })).status).toBe(200);
    for (const replica of [c!, d!]) expect((await post(replica, '/trigger')).status).toBe(202);
    await waitFor('the commit made while suspended to be applied', 30_000, async () => sandboxCensus(settingsFor('x').sandboxFile).stacks.includes('sa-east-1/global-api'));
    expect(((await c!.status()).regionSets[SET] as { suspended?: boolean }).suspended).toBe(false);
  }, 120_000);
});
