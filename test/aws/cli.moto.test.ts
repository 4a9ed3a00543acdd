// The built CLI as a separate process against moto, the way a user runs it against AWS:
// diff shows the plan, apply --yes converges the stack and DNS parts of the three-region
// example, and a second diff reports no changes. Also the one-line failures a user sees.
// moto never computes the outputs of stacks made through change sets (see
// fillMotoStackOutputs), so the first apply creates the stacks and stops at the records
// that need an output; a second apply, once moto has them, converges.
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(sandbox.stderr).toMatch(/^regionctl diff: --endpoint-url, --max-attempts and --retry-mode apply to AWS, not to --sandbox\n$/);
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
