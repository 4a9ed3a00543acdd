// Issue #11, item 2: the stack template a manifest names must stay inside the repository
// (real path, symlinks resolved), be a regular file and be at most 1 MB — all checked before
// reading. Before the fix, `template: ../../proc/self/environ` sent the process's
// environment (AWS keys included) to CloudFormation as a template body, and a symlink to
// /dev/zero ran the controller out of memory on every reconcile. Each case: one clear
// error at the `template:` line with its rule, and nothing read, planned or written.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadManifestFile } from '../../controller/manifest/load.js';
import type { LoadResult, ManifestIssue } from '../../controller/manifest/types.js';
/** CloudFormation's limit for a template (TemplateURL): 1 MB. */
const MAX_TEMPLATE_BYTES = 1024 * 1024;
const MAX_TEMPLATE_BODY_BYTES = 51_200;
import { AlwaysLeader } from '../../controller/runtime/leases.js';
import { silentLogger } from '../../controller/runtime/logger.js';
import { reconcileRegionSet } from '../../controller/runtime/reconciler.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import { MANIFEST, sandboxWorld } from '../runtime/helpers.js';
import { CLI, sandboxFlags } from '../support/cli.js';

const TEMPLATE_LINE = '    template: stacks/regional-api.yaml     # relative to this file\n';

let repo: string;
let manifest: string;

// A git work tree (a .git entry is what marks the repository root) with the example manifest.
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'regionctl-template-'));
  mkdirSync(join(repo, '.git'));
  mkdirSync(join(repo, 'manifests'));
  cpSync('manifests/global-api.yaml', join(repo, MANIFEST));
  cpSync('manifests/stacks', join(repo, 'manifests/stacks'), { recursive: true });
  manifest = join(repo, MANIFEST);
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

function setTemplate(value: string, file = manifest): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(TEMPLATE_LINE);
  writeFileSync(file, text.replace(TEMPLATE_LINE, `    template: ${value}\n`));
}

/** line:column of the template value, where every containment error must point. */
function templateAt(file = manifest): { line: number; column: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((text) => text.startsWith('    template: '));
  return { line: index + 1, column: '    template: '.length + 1 };
}

function onlyError(result: LoadResult): ManifestIssue {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('loaded');
  expect(result.errors).toHaveLength(1);
  const issue = result.errors[0]!;
  expect(issue.message).not.toMatch(/\n/);
  return issue;
}

async function expectRefused(rule: string, message: RegExp): Promise<ManifestIssue> {
  const issue = onlyError(await loadManifestFile(manifest));
  expect(issue).toMatchObject({ file: manifest, ...templateAt(), rule });
  expect(issue.message).toMatch(message);
  return issue;
}

describe('template containment (loader: validate, diff, apply and the controller share it)', () => {
  it('refuses a relative path escaping the repository to /proc/self/environ, without reading it', async () => {
    const escape = path.relative(join(repo, 'manifests'), '/proc/self/environ');
    expect(escape.startsWith('../')).toBe(true);
    setTemplate(escape);
    const issue = await expectRefused('template-outside-repository', /^template \.\.\/.*proc\/self\/environ resolves to a path outside the repository that holds this manifest; keep the template inside the repository/);
    // Nothing of the environment (PATH is always there) reaches the message.
    expect(issue.message).not.toContain(process.env['PATH']!);
  });

  it('refuses an absolute template path', async () => {
    setTemplate('/proc/self/environ');
    await expectRefused('template-path', /absolute path \/proc\/self\/environ; write it relative to this manifest/);
  });

  it('refuses a symlink inside the repository that points to /dev/zero (finishes, nothing read)', async () => {
    symlinkSync('/dev/zero', join(repo, 'manifests/stacks/zero.yaml'));
    setTemplate('stacks/zero.yaml');
    await expectRefused('template-outside-repository', /^template stacks\/zero\.yaml resolves to a path outside the repository/);
  });

  it('refuses a symlink to a file outside the repository holding a secret', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'regionctl-outside-'));
    try {
      writeFileSync(join(outside, 'secret.yaml'), 'AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI-outside-secret\n');
      symlinkSync(join(outside, 'secret.yaml'), join(repo, 'manifests/stacks/link.yaml'));
      setTemplate('stacks/link.yaml');
      const issue = await expectRefused('template-outside-repository', /^template stacks\/link\.yaml resolves to a path outside the repository/);
      expect(issue.message).not.toContain('wJalrXUtnFEMI');
      expect(issue.message).not.toContain(outside);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses a symlinked directory that leads out of the repository (stacks -> /etc)', async () => {
    symlinkSync('/etc', join(repo, 'manifests/etc-link'));
    setTemplate('etc-link/hostname');
    await expectRefused('template-outside-repository', /resolves to a path outside the repository/);
  });

  it('refuses a directory as the template', async () => {
    setTemplate('stacks');
    await expectRefused('template-not-a-file', /^template stacks is a directory, not a regular file; point template: at a CloudFormation template file$/);
  });

  it('refuses a FIFO as the template without blocking on it', async () => {
    execFileSync('mkfifo', [join(repo, 'manifests/stacks/pipe.yaml')]);
    setTemplate('stacks/pipe.yaml');
    await expectRefused('template-not-a-file', /^template stacks\/pipe\.yaml is a named pipe \(FIFO\), not a regular file/);
  });

  it('refuses a template of 1 MB + 1 byte (over CloudFormation\'s 1,048,576-byte limit)', async () => {
    writeFileSync(join(repo, 'manifests/stacks/huge.yaml'), `# ${'x'.repeat(MAX_TEMPLATE_BYTES - 3)}\n` + 'Z');
    setTemplate('stacks/huge.yaml');
    await expectRefused('template-too-large', /^template stacks\/huge\.yaml is 1048577 bytes, over CloudFormation's template limit of 1048576 bytes \(1 MB\); shrink it or split it into nested stacks$/);
  });

  it('refuses a template of 51,201 bytes: CloudFormation refuses a TemplateBody over 51,200 bytes (cfn.template-body-limit)', async () => {
    writeFileSync(join(repo, 'manifests/stacks/big.yaml'), `# ${'x'.repeat(MAX_TEMPLATE_BODY_BYTES - 2)}\n`);
    setTemplate('stacks/big.yaml');
    await expectRefused(
      'template-body-too-large',
      /^template stacks\/big\.yaml is 51201 bytes, over CloudFormation's TemplateBody limit of 51200 bytes; regionctl sends the template inline \(uploading it to S3 for TemplateURL is not supported yet\): shrink it/,
    );
  });

  it('accepts a template of exactly 51,200 bytes', async () => {
    const body = `# ${'x'.repeat(MAX_TEMPLATE_BODY_BYTES - 3)}\n`;
    expect(Buffer.byteLength(body)).toBe(MAX_TEMPLATE_BODY_BYTES);
    writeFileSync(join(repo, 'manifests/stacks/big.yaml'), body);
    setTemplate('stacks/big.yaml');
    const result = await loadManifestFile(manifest);
    expect(result.ok && result.value.stack.templateBody.length).toBe(MAX_TEMPLATE_BODY_BYTES);
  });

  it('accepts a template elsewhere in the same repository, also through a symlink inside it', async () => {
    mkdirSync(join(repo, 'shared'));
    cpSync('manifests/stacks/regional-api.yaml', join(repo, 'shared/api.yaml'));
    symlinkSync(join(repo, 'shared/api.yaml'), join(repo, 'manifests/stacks/linked.yaml'));
    setTemplate('../shared/api.yaml');
    expect((await loadManifestFile(manifest)).ok).toBe(true);
    cpSync('manifests/global-api.yaml', manifest);
    setTemplate('stacks/linked.yaml');
    const linked = await loadManifestFile(manifest);
    expect(linked.ok && linked.value.stack.templateBody).toBe(readFileSync('manifests/stacks/regional-api.yaml', 'utf8'));
  });

  it('outside a git repository, the manifest directory is the limit: ../ is refused', async () => {
    rmSync(join(repo, '.git'), { recursive: true });
    cpSync('manifests/stacks/regional-api.yaml', join(repo, 'api.yaml'));
    setTemplate('../api.yaml');
    await expectRefused('template-outside-repository', /^template \.\.\/api\.yaml resolves to a path outside the repository/);
  });

  it('validate prints one line at the template: line:column with the rule and exits 1', () => {
    symlinkSync('/dev/zero', join(repo, 'manifests/stacks/zero.yaml'));
    setTemplate('stacks/zero.yaml');
    const run = spawnSync(process.execPath, [CLI, 'validate', MANIFEST], { cwd: repo, encoding: 'utf8' });
    const at = templateAt();
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(
      `${MANIFEST}:${at.line}:${at.column}: error[template-outside-repository]: template stacks/zero.yaml resolves to a path outside the repository that holds this manifest; keep the template inside the repository (for example stacks/regional-api.yaml) and do not point symlinks outside it\n`,
    );
  });

  it('diff and apply on a sandbox refuse it before planning: exit 1, no AWS call, state file unchanged', () => {
    const state = join(repo, 'sandbox.json');
    const regionctl = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, ...sandboxFlags(state)], { cwd: repo, encoding: 'utf8' });
    expect(regionctl('apply', MANIFEST, '--yes').status).toBe(0);
    const before = readFileSync(state);
    setTemplate(path.relative(join(repo, 'manifests'), '/proc/self/environ'));
    for (const command of [['diff', MANIFEST], ['apply', MANIFEST, '--yes']]) {
      const run = regionctl(...command);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/error\[template-outside-repository\]/);
      expect(run.stderr).toMatch(/nothing was planned or changed/);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(readFileSync(state).equals(before)).toBe(true);
    }
  }, 60_000);

  it('the controller stalls on it at the template line: no AWS call, cloud unchanged', async () => {
    const world = sandboxWorld();
    const options = { mode: 'apply' as const, targets: new SandboxTargets({ cloud: world.cloud }), leases: new AlwaysLeader(), logger: silentLogger(), isSuspended: () => false };
    const request = (revision: string) => ({ regionSet: 'global-api', root: repo, file: MANIFEST, revision, reasons: ['test'] });
    expect((await reconcileRegionSet(request('rev-1'), options)).kind).toBe('applied');
    const before = JSON.stringify(world.cloud.toJSON());
    world.cloud.calls.reset();

    symlinkSync('/dev/zero', join(repo, 'manifests/stacks/zero.yaml'));
    setTemplate('stacks/zero.yaml');
    const outcome = await reconcileRegionSet(request('rev-2'), options);
    expect(outcome.kind).toBe('stalled');
    expect(outcome.issues?.[0]).toMatchObject({ file: MANIFEST, ...templateAt(), rule: 'template-outside-repository' });
    expect(world.cloud.calls.count()).toBe(0);
    expect(JSON.stringify(world.cloud.toJSON())).toBe(before);
  });
});
