// regionctl validate as a user runs it: exit codes, text and JSON output, globs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './cli-runner.js';

// Every RegionSet in manifests/ (other YAML there, such as deployment examples, is not one).
const examples = readdirSync(path.join(REPO_ROOT, 'manifests'))
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => `manifests/${name}`)
  .filter((file) => /^kind: RegionSet$/m.test(readFileSync(path.join(REPO_ROOT, file), 'utf8')));

describe('regionctl validate', () => {
  it('accepts every example manifest', async () => {
    expect(examples).toEqual(expect.arrayContaining(['manifests/failover.yaml', 'manifests/geolocation.yaml', 'manifests/global-api.yaml', 'manifests/weighted.yaml']));
    const run = await runCli(['validate', ...examples]);
    expect(run).toEqual({ code: 0, stdout: examples.map((file) => `${file}: ok\n`).join(''), stderr: '' });
  });

  it('expands a quoted glob pattern itself', async () => {
    const run = await runCli(['validate', 'manifests/g*.yaml']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('manifests/geolocation.yaml: ok\nmanifests/global-api.yaml: ok\n');
  });

  it('takes a folder: its .yaml and .yml files, not its subfolders (stacks/, deploy/)', async () => {
    const run = await runCli(['validate', 'manifests']);
    expect(run).toEqual({ code: 0, stdout: examples.map((file) => `${file}: ok\n`).join(''), stderr: '' });
  });

  it("skips another tool's manifest, saying so, as the controller does", async () => {
    const run = await runCli(['validate', 'manifests/deploy/kubernetes.yaml', 'manifests/global-api.yaml']);
    expect(run).toEqual({
      code: 0,
      stdout: 'manifests/deploy/kubernetes.yaml: not a RegionSet (kind ServiceAccount, apiVersion v1): skipped\nmanifests/global-api.yaml: ok\n',
      stderr: '',
    });
    const json = await runCli(['validate', '--output', 'json', 'manifests/deploy/kubernetes.yaml']);
    expect(JSON.parse(json.stdout)).toEqual([
      { file: 'manifests/deploy/kubernetes.yaml', valid: true, errors: [], skipped: 'not a RegionSet (kind ServiceAccount, apiVersion v1): skipped' },
    ]);
    expect(json.code).toBe(0);
  });

  it('validates each file on its own: one broken file does not hide the others', async () => {
    const run = await runCli(['validate', 'manifests/global-api.yaml', 'test/fixtures/invalid/weights-all-zero.yaml', 'manifests/weighted.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      'manifests/global-api.yaml: ok',
      expect.stringMatching(/^test\/fixtures\/invalid\/weights-all-zero\.yaml:17:26: error\[weights-all-zero\]: /),
      'manifests/weighted.yaml: ok',
      '',
    ]);
    expect(run.stderr).toBe('regionctl validate: 1 of 3 files invalid (1 error)\n');
  });

  it('reports several errors of one file at once', async () => {
    const run = await runCli(['validate', 'test/fixtures/invalid/several-errors.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').map((line) => /error\[([a-z-]+)\]/.exec(line)?.[1])).toEqual([
      'unknown-key',
      'invalid-value',
      'invalid-value',
      'out-of-range',
      'out-of-range',
      'unknown-region',
    ]);
  });

  it('prints machine-readable JSON with --output json', async () => {
    const run = await runCli(['validate', '--output', 'json', 'manifests/global-api.yaml', 'test/fixtures/invalid/unknown-region.yaml']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual([
      { file: 'manifests/global-api.yaml', valid: true, errors: [] },
      {
        file: 'test/fixtures/invalid/unknown-region.yaml',
        valid: false,
        errors: [{ line: 18, column: 5, rule: 'unknown-region', message: '"eu-wst-2" is not an AWS region code; did you mean eu-west-2?', pointer: '/spec/regions/eu-wst-2' }],
      },
    ]);
  });

  it('fails with a clear message when a pattern matches no file', async () => {
    const run = await runCli(['validate', 'manifests/*.yml']);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'regionctl validate: no file matches manifests/*.yml\nregionctl validate: no manifest to check; nothing was validated\n',
    });
  });

  it('fails when one of several patterns matches nothing, after checking the others', async () => {
    const run = await runCli(['validate', 'manifests/global-api.yaml', 'nowhere/*.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('manifests/global-api.yaml: ok\n');
    expect(run.stderr).toBe('regionctl validate: no file matches nowhere/*.yaml\n');
  });

  it('reports a missing file as an error of that file', async () => {
    const run = await runCli(['validate', 'manifests/missing.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('manifests/missing.yaml:1:1: error[read-error]: manifests/missing.yaml does not exist; check the path\n');
  });

  it('explains usage mistakes in one line, without a stack trace', async () => {
    const noFiles = await runCli(['validate']);
    expect(noFiles.code).toBe(1);
    expect(noFiles.stderr.split('\n')[0]).toBe("regionctl validate: pass one or more manifest files or quoted glob patterns, for example 'manifests/*.yaml'");

    const badFormat = await runCli(['validate', '--output', 'yaml', 'manifests/global-api.yaml']);
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr.split('\n')[0]).toBe('regionctl validate: --output must be text or json (got "yaml")');

    const unknownOption = await runCli(['validate', '--strict', 'manifests/global-api.yaml']);
    expect(unknownOption.code).toBe(1);
    expect(unknownOption.stderr.split('\n')[0]).toBe('regionctl validate: unknown option --strict. Run "regionctl validate --help" for its options.');
    for (const run of [noFiles, badFormat, unknownOption]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
