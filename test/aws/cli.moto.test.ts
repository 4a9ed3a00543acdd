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
    expect(apply.stdout).toMatch(/Apply complete: \d+ done, 0 failed, 0 skipped .*AWS via http:\/\/127\.0\.0\.1/);
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

  it('diff --sandbox never loads the AWS SDK, while diff against AWS does', async () => {
    // A module resolve hook that refuses every @aws-sdk/ package.
    writeFileSync(
      join(dir, 'no-aws-sdk.mjs'),
      `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@aws-sdk/')) throw new Error('AWS SDK loaded: ' + specifier);
  return next(specifier, context);
}
`,
    );
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister('./no-aws-sdk.mjs', import.meta.url);\n`);
    const guarded = { NODE_OPTIONS: `--import=${join(dir, 'register.mjs')}` };
    const sandbox = await regionctl(['diff', manifest, '--sandbox'], guarded);
    expect(sandbox.stderr).toBe('');
    expect(sandbox.code).toBe(0);
    const aws = await regionctl(['diff', manifest], guarded);
    expect(aws.code).toBe(1);
    expect(aws.stderr).toMatch(/AWS SDK loaded: @aws-sdk\//);
  });

  it('reports an AWS refusal in one line: the zone of the manifest does not exist', async () => {
    const other = join(dir, 'other-zone.yaml');
    writeFileSync(other, readFileSync(manifest, 'utf8').replace('zone: example.com.', 'zone: example.org.').replaceAll('api.example.com.', 'api.example.org.'));
    const run = await regionctl(['diff', other]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^regionctl diff: hosted zone example\.org\. .*was not found: create it, or fix the zone name\n$/);
  });
});
