// The built CLI as a separate process against moto, the way a user runs it against AWS:
// diff shows the plan, apply --yes converges the stack and DNS parts of the three-region
// example, and a second diff reports no changes. Also the one-line failures a user sees.
// moto never computes the outputs of stacks made through change sets (see
// fillMotoStackOutputs), so the first apply creates the stacks and stops at the records
// that need an output; a second apply, once moto has them, converges.
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli.js';
import { startMoto, type Moto } from '../support/moto.js';
import { ensureZone, fillMotoStackOutputs, writeMotoExample } from './budget.js';

const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto: Moto;
let dir: string;
let manifest: string;
let zoneId: string;

/** Polls every 50 ms: moto finishes every operation at once. A variable set to undefined is removed from the child's environment. */
function regionctl(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(args, { env: { ...moto.env, REGIONCTL_POLL_INTERVAL_MS: '50', ...env } });
}

beforeAll(async () => {
  moto = await startMoto();
  dir = mkdtempSync(join(tmpdir(), 'regionctl-aws-cli-'));
  manifest = writeMotoExample(dir, { tables: false });
  zoneId = await ensureZone(moto.endpoint, 'example.com.');
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('regionctl diff/apply against AWS (moto)', () => {
  it('shows the plan, converges with apply --yes, then reports no changes', async () => {
    const diff = await regionctl(['diff', manifest, '--detailed-exitcode']);
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(2);
    for (const region of ['ap-southeast-1', 'eu-west-1', 'us-east-2']) expect(diff.stdout).toContain(`${region} (joining):`);
    expect(diff.stdout).toMatch(/\+ stack global-api/);
    expect(diff.stdout).toMatch(/\+ record api\.example\.com\. CNAME \(latency\)/);

    const first = await regionctl(['apply', manifest, '--yes']);
    expect(first.stdout).toMatch(/done +stack\.create stack:eu-west-1/);
    expect(first.stderr).toMatch(/has no output ApiDomainName \(outputs: none\); add it to the template or fix the record's target/);
    await fillMotoStackOutputs(moto.endpoint, 'global-api', ['ap-southeast-1', 'eu-west-1', 'us-east-2']);

    const apply = await regionctl(['apply', manifest, '--yes']);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    // Every step done; the AWS write calls counted from the SDK clients' calls (the records' batches at least).
    expect(apply.stdout).toMatch(/Apply complete: (\d+)\/\1 steps done, 0 failed, 0 skipped; [1-9]\d* Route 53 change batch(es)?, [1-9]\d* AWS write calls?; .*AWS via http:\/\/127\.0\.0\.1/);
    expect(apply.stdout).not.toMatch(/stack\.(create|update)/);

    const again = await regionctl(['diff', manifest, '--detailed-exitcode']);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/^No changes\.$/m);
    expect(again.code).toBe(0);

    // What a user would find in the console afterwards.
    for (const region of ['ap-southeast-1', 'eu-west-1', 'us-east-2']) {
      const cfn = new CloudFormationClient({ region, endpoint: moto.endpoint, credentials: CREDENTIALS });
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'global-api' }));
      cfn.destroy();
      // UPDATE_COMPLETE after fillMotoStackOutputs.
      expect(Stacks?.[0]?.StackStatus).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
      expect(Stacks?.[0]?.Tags).toContainEqual({ Key: 'regionctl:regionset', Value: 'global-api' });
    }
    const route53 = new Route53Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
    const { ResourceRecordSets } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    route53.destroy();
    const api = (ResourceRecordSets ?? []).filter((record) => record.Name === 'api.example.com.');
    expect(api.map((record) => `${record.Region} ${record.ResourceRecords?.[0]?.Value}`).sort()).toEqual([
      'ap-southeast-1 api-ap-southeast-1.example.net',
      'eu-west-1 api-eu-west-1.example.net',
      'us-east-2 api-us-east-2.example.net',
    ]);
    expect(api.every((record) => record.HealthCheckId)).toBe(true);
  }, 60_000);

  it('shows what a template and parameter change does inside each stack (change sets), applying nothing', async () => {
    const template = join(dir, 'stacks/regional-api.yaml');
    const original = readFileSync(template, 'utf8');
    const manifestText = readFileSync(manifest, 'utf8');
    writeFileSync(template, original.replace('Resources:\n', 'Resources:\n  Events:\n    Type: AWS::SQS::Queue\n'));
    writeFileSync(manifest, manifestText.replace('Stage: prod', 'Stage: beta'));
    try {
      const diff = await regionctl(['diff', manifest, '--detailed-exitcode']);
      expect(diff.stderr).toBe('');
      expect(diff.code).toBe(2);
      for (const region of ['ap-southeast-1', 'eu-west-1', 'us-east-2']) expect(diff.stdout).toContain(`${region} (`);
      expect(diff.stdout.match(/~ stack global-api/g)).toHaveLength(3);
      expect(diff.stdout).toMatch(/Stage=prod → beta|Stage: prod → beta/);
      // The resource-level lines come from a CloudFormation change set per region.
      expect(diff.stdout.match(/\+ Events \(AWS::SQS::Queue\)/g)).toHaveLength(3);
      // diff applied nothing: the stacks still have the old parameter and no change set is left.
      const cfn = new CloudFormationClient({ region: 'eu-west-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'global-api' }));
      expect(Stacks?.[0]?.Parameters).toContainEqual({ ParameterKey: 'Stage', ParameterValue: 'prod' });
      cfn.destroy();
    } finally {
      writeFileSync(template, original);
      writeFileSync(manifest, manifestText);
    }
    expect((await regionctl(['diff', manifest, '--detailed-exitcode'])).code).toBe(0);
  });

  it('--endpoint-url wins over AWS_ENDPOINT_URL', async () => {
    const run = await regionctl(['diff', manifest, '--endpoint-url', moto.endpoint], { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('says in one line how to provide credentials when there are none', async () => {
    const run = await regionctl(['diff', manifest], {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^regionctl diff: no AWS credentials found .*AWS_PROFILE.*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('explains a wrong --retry-mode or --max-attempts in one line, and rejects AWS options with --sandbox', async () => {
    const mode = await regionctl(['diff', manifest, '--retry-mode', 'fast']);
    expect(mode).toMatchObject({ code: 1, stderr: 'regionctl diff: --retry-mode must be standard or adaptive (got "fast")\n' });
    const attempts = await regionctl(['apply', manifest, '--max-attempts', '0', '--yes']);
    expect(attempts).toMatchObject({ code: 1, stderr: 'regionctl apply: --max-attempts must be a whole number of at least 1 (got "0")\n' });
    const sandbox = await regionctl(['diff', manifest, '--sandbox', '--endpoint-url', moto.endpoint]);
    expect(sandbox.code).toBe(1);
    expect(sandbox.stderr).toMatch(/^regionctl diff: --endpoint-url, --max-attempts, --retry-mode, --profile and --region apply to AWS, not to --sandbox\n$/);
    const profile = await regionctl(['diff', manifest, '--sandbox', '--profile', 'prod']);
    expect(profile.code).toBe(1);
    expect(profile.stderr).toMatch(/apply to AWS, not to --sandbox\n$/);
  });

  it('saved plan against AWS: records the account and endpoint, refuses another, then applies exactly the saved steps', async () => {
    const manifestText = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, manifestText.replace('Stage: prod', 'Stage: saved'));
    const planFile = join(dir, 'plan.json');
    const diff = await regionctl(['diff', manifest, '--out', planFile]);
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(0);
    const saved = JSON.parse(readFileSync(planFile, 'utf8')) as { target: Record<string, unknown>; plans: Array<{ plan: { steps: Array<{ action: string }> } }> };
    // moto's account, read from the stacks' ARNs (these credentials do not name one).
    expect(saved.target).toEqual({ kind: 'aws', partition: 'aws', account: '123456789012', endpoint: moto.endpoint, regions: ['ap-southeast-1', 'eu-west-1', 'us-east-2'] });
    expect(readFileSync(planFile, 'utf8')).not.toContain('testing');

    const otherAccount = await regionctl(['apply', planFile], { AWS_ACCOUNT_ID: '111111111111' });
    expect(otherAccount.code).toBe(1);
    expect(otherAccount.stderr).toContain('the plan was saved for account 123456789012 (aws, via http://127.0.0.1');
    expect(otherAccount.stderr).toContain('not account 111111111111');
    const otherEndpoint = await regionctl(['apply', planFile, '--endpoint-url', 'http://127.0.0.1:9']);
    expect(otherEndpoint.code).toBe(1);
    expect(otherEndpoint.stderr).toContain(`apply it with --endpoint-url ${moto.endpoint}`);

    const apply = await regionctl(['apply', planFile]);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout.match(/done +stack\.update/g)).toHaveLength(saved.plans[0]!.plan.steps.filter((step) => step.action === 'stack.update').length);
    expect((await regionctl(['diff', manifest, '--detailed-exitcode'])).code).toBe(0);
  }, 60_000);

  it('reports an AWS refusal in one line: the zone of the manifest does not exist', async () => {
    const other = join(dir, 'other-zone.yaml');
    writeFileSync(other, readFileSync(manifest, 'utf8').replace('zone: example.com.', 'zone: example.org.').replaceAll('api.example.com.', 'api.example.org.'));
    const run = await regionctl(['diff', other]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^regionctl diff: hosted zone example\.org\. .*was not found: create it, or fix the zone name\n$/);
  });
});

/** AWS's SigV4 scope of every request passed on to moto: which key signed it, for which region and service. */
interface SignedCall {
  accessKeyId: string;
  region: string;
  service: string;
}

/** A loopback proxy in front of moto that records the signing scope of each request. */
async function recordingProxy(target: string): Promise<{ endpoint: string; calls: SignedCall[]; close(): Promise<void> }> {
  const calls: SignedCall[] = [];
  const hopByHop = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'expect', 'keep-alive']);
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(request.headers.authorization ?? '');
    if (scope) calls.push({ accessKeyId: scope[1]!, region: scope[2]!, service: scope[3]! });
    const headers = Object.entries(request.headers).filter(([name]) => !hopByHop.has(name)) as Array<[string, string]>;
    const answer = await fetch(`${target}${request.url}`, { method: request.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    const body = Buffer.from(await answer.arrayBuffer());
    response.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => !hopByHop.has(name) && name !== 'content-encoding')));
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${address.port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('--profile and --region against AWS (moto)', () => {
  const SECRET = 'profile-secret-0123456789';
  /** No credentials in the environment: only the files below and --profile. */
  const noEnvironmentCredentials = () => ({
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  });
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;

  beforeAll(async () => {
    writeFileSync(join(dir, 'aws-credentials'), `[ci]\naws_access_key_id = AKIAPROFILECI\naws_secret_access_key = ${SECRET}\n`);
    // A role assumed through STS with the ci profile's keys; no region of its own, so STS is called in the caller's region.
    writeFileSync(join(dir, 'aws-config'), '[profile ci]\n\n[profile deployer]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = ci\n');
    proxy = await recordingProxy(moto.endpoint);
  });
  afterAll(() => proxy?.close());

  it('a profile that does not exist: one line naming it, what was tried and the next step', async () => {
    const run = await regionctl(['diff', manifest, '--profile', 'nope'], noEnvironmentCredentials());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^regionctl diff: no AWS credentials for profile "nope" \(--profile\)/);
    for (const tried of ['aws-config (AWS_CONFIG_FILE)', 'aws-credentials (AWS_SHARED_CREDENTIALS_FILE)', 'AWS_WEB_IDENTITY_TOKEN_FILE (not set)', 'instance metadata (disabled by AWS_EC2_METADATA_DISABLED)']) {
      expect(run.stderr).toContain(tried);
    }
    expect(run.stderr).toContain('`aws sso login --profile nope`');
    expect(run.stderr).toContain('`aws configure --profile nope`');
  });

  it("a profile with static keys signs every call with that profile's key, and prints no secret", async () => {
    proxy.calls.length = 0;
    const run = await regionctl(['diff', manifest, '--profile', 'ci', '--endpoint-url', proxy.endpoint], noEnvironmentCredentials());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^No changes\.$/m);
    expect(proxy.calls.length).toBeGreaterThan(0);
    expect(new Set(proxy.calls.map((call) => call.accessKeyId))).toEqual(new Set(['AKIAPROFILECI']));
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it('--region is where credentials are resolved: the role is assumed through STS in that region', async () => {
    const stsRegions = async (extra: string[]) => {
      proxy.calls.length = 0;
      // AWS_ENDPOINT_URL: the SDK's own STS client (which assumes the role) reads only the environment.
      const run = await regionctl(['diff', manifest, '--profile', 'deployer', ...extra], { ...noEnvironmentCredentials(), AWS_ENDPOINT_URL: proxy.endpoint });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      // The calls after AssumeRole are signed with the role's session keys, not the source profile's.
      expect(proxy.calls.filter((call) => call.service !== 'sts').every((call) => call.accessKeyId !== 'AKIAPROFILECI')).toBe(true);
      return proxy.calls.filter((call) => call.service === 'sts').map((call) => call.region);
    };
    expect((await stsRegions(['--region', 'eu-central-1']))[0]).toBe('eu-central-1');
    // Without --region: the manifest's first region.
    expect((await stsRegions([]))[0]).toBe('ap-southeast-1');
  });

  it('--region in another partition than the manifest is refused before any call', async () => {
    proxy.calls.length = 0;
    const run = await regionctl(['diff', manifest, '--profile', 'ci', '--region', 'cn-north-1', '--endpoint-url', proxy.endpoint], noEnvironmentCredentials());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^regionctl diff: --region cn-north-1 is in the aws-cn partition but the manifest's regions are in aws/);
    expect(proxy.calls).toEqual([]);
  });
});

