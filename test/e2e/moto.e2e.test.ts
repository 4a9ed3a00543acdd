// `regionctl run` end to end against AWS on moto, as a separate process on 127.0.0.1:
// a bare repository served by `git daemon` holds the three-region example (without its
// table: moto ignores global-table replicas) and the moto stand-in stack template; the
// controller reconciles on start-up, on signed GitHub webhooks and on manual triggers
// only (no resync), and what it did is read back from moto with the SDK.
// moto 5.2.5 never computes Outputs for stacks created through change sets: the first
// apply creates the stacks and fails honestly at the records that need ApiDomainName;
// fillMotoStackOutputs (a no-op UpdateStack) makes moto compute them, and the next
// triggered reconcile converges the DNS part.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateHostedZoneCommand, ListHealthChecksCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillMotoStackOutputs, MOTO_STAND_IN_TEMPLATE, threeRegionManifest } from '../aws/budget.js';
import type { GitServer } from '../support/git-server.js';
import type { Moto } from '../support/moto.js';
import { conditionOf, e2eFixtures, expectAccepted, metricSum, postTrigger, readyAt as readyAtOf, sendGithubPush, waitFor, type ControllerProcess, type ControllerStatusView } from './support.js';

const SECRET = 'e2e-moto-webhook-secret';
const TRIGGER_TOKEN = 'e2e-moto-trigger-token';
const SET = 'global-api';
const STACK = 'global-api';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const THREE_REGIONS = ['ap-southeast-1', 'eu-west-1', 'us-east-2'];
const FOUR_REGIONS = [...THREE_REGIONS, 'sa-east-1'].sort();
const MISSING_OUTPUT = /has no output ApiDomainName/;

const fixtures = e2eFixtures();
let moto: Moto;
let git: GitServer;
let dir: string;
let zoneId: string;
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  moto = await fixtures.startMoto();
  const route53 = route53Client();
  try {
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'example.com.', CallerReference: 'e2e-moto' }));
    zoneId = zone.HostedZone!.Id!;
  } finally {
    route53.destroy();
  }
  ({ git, dir } = await fixtures.workspace({ prefix: 'regionctl-e2e-moto-', secret: SECRET }));
}, 180_000);

function route53Client(): Route53Client {
  return new Route53Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
}

/** The stack's status in `region`, or "absent". */
async function stackStatus(region: string): Promise<string> {
  const cfn = new CloudFormationClient({ region, endpoint: moto.endpoint, credentials: CREDENTIALS });
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK }));
    return Stacks?.[0]?.StackStatus ?? 'absent';
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) return 'absent';
    throw error;
  } finally {
    cfn.destroy();
  }
}

/** The latency records of api.example.com. in moto, as "region target", and the records themselves. */
async function apiRecords(): Promise<{ summary: string[]; records: ResourceRecordSet[] }> {
  const route53 = route53Client();
  try {
    const { ResourceRecordSets } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const records = (ResourceRecordSets ?? []).filter((record) => record.Name === 'api.example.com.');
    return { records, summary: records.map((record) => `${record.Region} ${record.ResourceRecords?.[0]?.Value}`).sort() };
  } finally {
    route53.destroy();
  }
}

async function healthCheckIds(): Promise<string[]> {
  const route53 = route53Client();
  try {
    const { HealthChecks } = await route53.send(new ListHealthChecksCommand({}));
    return (HealthChecks ?? []).map((check) => check.Id!).sort();
  } finally {
    route53.destroy();
  }
}

function expectedRecords(regions: string[]): string[] {
  return regions.map((region) => `${region} api-${region}.example.net`).sort();
}

function manifestWith(regions: string[]): string {
  const manifest = threeRegionManifest({ tables: false });
  const extra = regions.filter((region) => !THREE_REGIONS.includes(region));
  return manifest.replace(/\n {4}ap-southeast-1: \{\}\n/, `\n    ap-southeast-1: {}\n${extra.map((region) => `    ${region}: {}\n`).join('')}`);
}

function condition(status: ControllerStatusView, type: string): string | undefined {
  return conditionOf(status, SET, type);
}

/** Waits until a reconcile of `revision` has finished (whatever its outcome); returns the status then. */
async function attempted(revision: string, timeoutMs = 30_000): Promise<ControllerStatusView> {
  return waitFor(`${SET}: a finished reconcile of ${revision.slice(0, 8)}`, timeoutMs, async () => {
    const status = await controller!.status();
    const set = status.regionSets[SET];
    if (set?.lastAttemptedRevision === revision && condition(status, 'Reconciling') !== 'True') return status;
    throw new Error(`last attempted ${set?.lastAttemptedRevision?.slice(0, 8)}, outcome ${set?.lastOutcome}, reconciling ${condition(status, 'Reconciling')}`);
  });
}

/** Waits until the RegionSet is Ready at `revision`; returns the status then. */
async function readyAt(revision: string, timeoutMs = 30_000): Promise<ControllerStatusView> {
  return readyAtOf(controller!, SET, revision, timeoutMs);
}

describe('regionctl run against AWS (moto)', () => {
  let first: string;
  let second: string;

  it('creates the three stacks on start-up, reports the missing output, and converges the DNS part on a manual trigger', async () => {
    first = await git.commit({ 'manifests/global-api.yaml': threeRegionManifest({ tables: false }), 'manifests/stacks/regional-api.yaml': MOTO_STAND_IN_TEMPLATE }, 'three regions');
    controller = await fixtures.start('controller-on-moto', {
      ...moto.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // moto finishes every operation at once.
      REGIONCTL_POLL_INTERVAL_MS: '50',
      REGIONCTL_GIT_URL: git.url,
      REGIONCTL_GIT_BRANCH: git.branch,
      REGIONCTL_GIT_DIR: join(dir, 'work'),
      REGIONCTL_MANIFESTS: 'manifests/*.yaml',
      REGIONCTL_WEBHOOK_SECRET_GITHUB: SECRET,
      REGIONCTL_TRIGGER_TOKEN: TRIGGER_TOKEN,
      // Only start-up, webhooks and manual triggers reconcile here.
      REGIONCTL_RESYNC: 'off',
      REGIONCTL_LOG_LEVEL: 'info',
    });

    const failed = await attempted(first);
    const set = failed.regionSets[SET]!;
    expect(set.lastOutcome).toBe('apply-failed');
    expect(condition(failed, 'Ready')).toBe('False');
    expect(set.lastError?.message).toMatch(MISSING_OUTPUT);
    console.log(`start-up reconcile on moto: ${set.lastOutcome}: ${set.lastError?.message}`);
    expect(condition(failed, 'ApplyFailed')).toBe('True');
    for (const region of THREE_REGIONS) expect(await stackStatus(region), `stack in ${region}`).toBe('CREATE_COMPLETE');
    expect((await apiRecords()).summary).toEqual([]);

    await fillMotoStackOutputs(moto.endpoint, STACK, THREE_REGIONS);
    await postTrigger(controller, TRIGGER_TOKEN);
    const ready = await readyAt(first);
    expect(ready.source.observedRevision).toBe(first);
    expect(ready.regionSets[SET]!.lastError).toBeUndefined();

    const { summary, records } = await apiRecords();
    expect(summary).toEqual(expectedRecords(THREE_REGIONS));
    const checks = await healthCheckIds();
    expect(checks).toHaveLength(3);
    expect(records.map((record) => record.HealthCheckId).sort()).toEqual(checks);
  }, 90_000);

  it('creates the stack of a region added in a commit on a signed webhook, and its record once the stack has outputs', async () => {
    second = await git.commit({ 'manifests/global-api.yaml': manifestWith(FOUR_REGIONS) }, 'add sa-east-1');
    await expectAccepted(await sendGithubPush(controller!, { secret: SECRET, branch: git.branch, after: second }));

    const failed = await attempted(second);
    expect(failed.source.observedRevision).toBe(second);
    expect(failed.regionSets[SET]!.lastError?.message).toMatch(MISSING_OUTPUT);
    expect(failed.regionSets[SET]!.lastError?.message).toMatch(/sa-east-1/);
    expect(await stackStatus('sa-east-1')).toBe('CREATE_COMPLETE');
    expect((await apiRecords()).summary).toEqual(expectedRecords(THREE_REGIONS));

    await fillMotoStackOutputs(moto.endpoint, STACK, ['sa-east-1']);
    await postTrigger(controller!, TRIGGER_TOKEN);
    const ready = await readyAt(second);
    expect(ready.source.observedRevision).toBe(second);
    expect(Object.keys(ready.regionSets[SET]!.regions).sort()).toEqual(FOUR_REGIONS);
    expect((await apiRecords()).summary).toEqual(expectedRecords(FOUR_REGIONS));
    expect(await healthCheckIds()).toHaveLength(4);
  }, 90_000);

  it('counts its CloudFormation and Route 53 calls in /metrics', async () => {
    const metrics = await controller!.metrics();
    const cloudformation = metricSum(metrics, 'regionctl_aws_calls_total', { service: 'cloudformation' });
    const route53 = metricSum(metrics, 'regionctl_aws_calls_total', { service: 'route53' });
    console.log(`AWS calls over four reconciles on moto: cloudformation ${cloudformation}, route53 ${route53}`);
    expect(cloudformation).toBeGreaterThan(0);
    expect(route53).toBeGreaterThan(0);
    expect(metricSum(metrics, 'regionctl_aws_calls_total', { service: 'cloudformation', operation: 'DescribeStacks', outcome: 'ok' })).toBeGreaterThan(0);
    expect(metricSum(metrics, 'regionctl_aws_calls_total', { service: 'route53', operation: 'ChangeResourceRecordSets', outcome: 'ok' })).toBeGreaterThan(0);
  });
});
