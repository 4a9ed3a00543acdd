// The bundle users install (dist/regionctl.mjs, scripts/bundle.ts) behaves as the sources
// run through tsx: same output and exit code for --version, validate, a sandbox diff and a
// diff against AWS (moto). And the AWS SDK, bundled into chunks of its own, is loaded only
// by a run that talks to AWS: a module hook lists every file the process loads, and the
// bundle's metafile names the chunks that hold @aws-sdk code.
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_STAND_IN_TEMPLATE, threeRegionManifest } from '../aws/budget.js';
import { REPO_ROOT, runCli, sandboxFlags, type CliOptions, type CliRun } from '../support/cli.js';
import { startMoto, type Moto } from '../support/moto.js';

let moto: Moto;
let dir: string;
let awsManifest: string;

beforeAll(async () => {
  moto = await startMoto();
  dir = mkdtempSync(join(tmpdir(), 'regionctl-bundle-'));
  mkdirSync(join(dir, 'aws/stacks'), { recursive: true });
  writeFileSync(join(dir, 'aws/stacks/regional-api.yaml'), MOTO_STAND_IN_TEMPLATE);
  awsManifest = join(dir, 'aws/global-api.yaml');
  writeFileSync(awsManifest, threeRegionManifest({ tables: false }));
  const route53 = new Route53Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  await route53.send(new CreateHostedZoneCommand({ Name: 'example.com.', CallerReference: 'bundle-test' }));
  route53.destroy();
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The same command through the bundle and through tsx. */
async function bothWays(args: string[], options: CliOptions = {}): Promise<{ bundle: CliRun; source: CliRun }> {
  const env = { NO_COLOR: '1', ...options.env };
  const [bundle, source] = await Promise.all([runCli(args, { ...options, env }), runCli(args, { ...options, env, fromSource: true })]);
  return { bundle, source };
}

describe('the bundle prints what the sources print', () => {
  it('--version: the version of package.json', async () => {
    const { bundle, source } = await bothWays(['--version']);
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(bundle).toEqual({ code: 0, stdout: `regionctl ${version}\n`, stderr: '' });
    expect(bundle).toEqual(source);
  });

  it('validate manifests/*.yaml: every example ok, exit 0', async () => {
    const { bundle, source } = await bothWays(['validate', 'manifests/*.yaml'], { cwd: REPO_ROOT });
    expect(bundle.stdout).toMatch(/^manifests\/global-api\.yaml: ok$/m);
    expect(bundle.code).toBe(0);
    expect(bundle).toEqual(source);
  });

  it('validate: an invalid manifest, the same file:line:column errors and exit 1', async () => {
    const manifest = join(dir, 'invalid.yaml');
    cpSync(join(REPO_ROOT, 'manifests/stacks'), join(dir, 'stacks'), { recursive: true });
    writeFileSync(manifest, readFileSync(join(REPO_ROOT, 'manifests/global-api.yaml'), 'utf8').replace('zone: example.com.', `zone: ${'a'.repeat(250)}.example.com.`));
    const { bundle, source } = await bothWays(['validate', manifest]);
    expect(bundle.stdout).toMatch(/invalid\.yaml:\d+:\d+: error\[invalid-value\]: spec\.dns\.zone is longer than 254 characters/);
    expect(bundle.code).toBe(1);
    expect(bundle).toEqual(source);
  });

  it('diff --sandbox: the same plan, exit 2 with --detailed-exitcode', async () => {
    const { bundle, source } = await bothWays(['diff', 'manifests/global-api.yaml', '--sandbox', '--detailed-exitcode'], { cwd: REPO_ROOT });
    expect(bundle.stdout).toMatch(/\+ stack global-api/);
    expect(bundle.code).toBe(2);
    expect(bundle).toEqual(source);
  });

  it('diff against AWS (moto): the same plan, exit 2 with --detailed-exitcode', async () => {
    const { bundle, source } = await bothWays(['diff', awsManifest, '--detailed-exitcode'], { env: moto.env });
    expect(bundle.stdout).toMatch(/\+ record api\.example\.com\. CNAME \(latency\)/);
    expect(bundle.code).toBe(2);
    expect(bundle).toEqual(source);
  }, 60_000);
});

describe('the AWS SDK chunks load only for AWS', () => {
  /** Output files of the bundle holding AWS SDK code, from the metafile scripts/bundle.ts writes. */
  function sdkChunks(): string[] {
    const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist/meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
    return Object.entries(meta.outputs)
      .filter(([, output]) => Object.keys(output.inputs).some((input) => input.includes('node_modules/@aws-sdk/')))
      .map(([file]) => pathToFileURL(join(REPO_ROOT, file)).href);
  }

  // Appends the URL of every module the process loads to $LOADED_MODULES (in-thread hooks, Node ≥ 22.15).
  const hook = `import { registerHooks } from 'node:module';
    import { appendFileSync } from 'node:fs';
    registerHooks({ load(url, context, next) { appendFileSync(process.env.LOADED_MODULES, url + '\\n'); return next(url, context); } });`;

  async function loadedBy(args: string[], env: Record<string, string> = {}): Promise<{ run: CliRun; loaded: string[] }> {
    const list = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(list, '');
    const run = await runCli(args, { env: { ...env, LOADED_MODULES: list, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(hook)}` } });
    return { run, loaded: readFileSync(list, 'utf8').split('\n').filter(Boolean) };
  }

  it('a sandbox apply and diff load none of them; a diff against AWS loads them', async () => {
    const chunks = sdkChunks();
    expect(chunks.length).toBeGreaterThan(0);
    const manifest = join(REPO_ROOT, 'manifests/global-api.yaml');
    const state = join(dir, 'sandbox.json');

    const apply = await loadedBy(['apply', manifest, '--yes', ...sandboxFlags(state)]);
    expect(apply.run.code).toBe(0);
    expect(apply.loaded).toContain(pathToFileURL(join(REPO_ROOT, 'dist/regionctl.mjs')).href);
    expect(apply.loaded.filter((url) => chunks.includes(url))).toEqual([]);

    const diff = await loadedBy(['diff', manifest, '--detailed-exitcode', ...sandboxFlags(state)]);
    expect(diff.run.code).toBe(0);
    expect(diff.loaded.filter((url) => chunks.includes(url))).toEqual([]);

    const aws = await loadedBy(['diff', awsManifest], moto.env);
    expect(aws.run.code).toBe(0);
    expect(aws.loaded.filter((url) => chunks.includes(url))).not.toEqual([]);
  }, 120_000);
});
