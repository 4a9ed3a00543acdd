// Issue #11, item 5, through the real CLI processes a user and CI run: `validate` warns about
// a NoEcho value written in the manifest (at its file:line:column, exit 0) and not about a
// dynamic reference; `apply`, `diff` (text, JSON, Markdown) never print the value, a rotated
// secret is planned and applied, and the next `diff --detailed-exitcode` is clean.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestText, ROTATED, SECRET, TEMPLATE } from './noecho-fixtures.js';
import { runCliSync, sandboxFlags } from '../support/cli.js';


let dir: string;
let manifest: string;
let state: string;

function regionctl(...args: string[]) {
  const result = runCliSync(args, { env: { NO_COLOR: '1' } });
  return { ...result, all: `${result.stdout}\n${result.stderr}` };
}

/** Against the sandbox state file. */
function sandboxed(...args: string[]) {
  return regionctl(...args, ...sandboxFlags(state));
}

function writeManifest(text: string, file = manifest): string {
  writeFileSync(file, text);
  return file;
}

/** 1-based line and column of the first occurrence of `needle` in the file. */
function positionOf(file: string, needle: string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((text) => text.includes(needle));
  return `${line + 1}:${lines[line]!.indexOf(needle) + 1}`;
}

function storedSecret(region: string): string {
  const saved = JSON.parse(readFileSync(state, 'utf8')) as { stacks: Array<{ region: string; current: { parameters: Record<string, string> } }> };
  return saved.stacks.find((s) => s.region === region)!.current.parameters['DbPassword']!;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-noecho-cli-'));
  mkdirSync(join(dir, 'stacks'));
  writeFileSync(join(dir, 'stacks/api.yaml'), TEMPLATE);
  manifest = join(dir, 'regions.yaml');
  state = join(dir, 'sandbox.json');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regionctl validate and NoEcho values written in the manifest', () => {
  it('warns at the file:line:column of a literal NoEcho value, names dynamic references, and exits 0', () => {
    const file = writeManifest(manifestText(), join(dir, 'literal.yaml'));
    const run = regionctl('validate', file);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const warnings = run.stdout.split('\n').filter((line) => line.includes('warning['));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${positionOf(file, `"${SECRET}"`)}: warning\\[noecho-literal\\]: parameter DbPassword is NoEcho in the template`));
    expect(warnings[0]).toContain('{{resolve:ssm-secure:');
    expect(warnings[0]).toContain('{{resolve:secretsmanager:');
    expect(run.stdout).toContain(`${file}: ok`);
  });

  it('warns about a literal value in a region\'s own parameters at that line', () => {
    const file = writeManifest(manifestText().replace('    us-east-2: {}\n', '    us-east-2: { parameters: { DbPassword: region-only-pass } }\n'), join(dir, 'region-literal.yaml'));
    const run = regionctl('validate', file);
    expect(run.code).toBe(0);
    const warnings = run.stdout.split('\n').filter((line) => line.includes('warning[noecho-literal]'));
    expect(warnings.map((w) => w.split(': warning')[0])).toEqual([`${file}:${positionOf(file, `"${SECRET}"`)}`, `${file}:${positionOf(file, 'region-only-pass')}`]);
  });

  it('lists the warning in --output json and keeps the file valid', () => {
    const file = writeManifest(manifestText(), join(dir, 'literal-json.yaml'));
    const run = regionctl('validate', '--output', 'json', file);
    expect(run.code).toBe(0);
    const [report] = JSON.parse(run.stdout) as Array<{ valid: boolean; errors: unknown[]; warnings?: Array<{ rule: string; pointer: string }> }>;
    expect(report!.valid).toBe(true);
    expect(report!.errors).toEqual([]);
    expect(report!.warnings?.map((w) => [w.rule, w.pointer])).toEqual([['noecho-literal', '/spec/stack/parameters/DbPassword']]);
  });

  it('gives no warning for a dynamic reference ({{resolve:ssm-secure:…}}, {{resolve:secretsmanager:…}})', () => {
    for (const reference of ['{{resolve:ssm-secure:/secret-api/db-password}}', '{{resolve:secretsmanager:secret-api/db:SecretString:password}}']) {
      const file = writeManifest(manifestText(`{ Stage: prod, DbPassword: "${reference}" }`), join(dir, 'reference.yaml'));
      const run = regionctl('validate', file);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${file}: ok\n`);
      expect(run.stderr).toBe('');
    }
  });
});

describe('regionctl apply and diff on a sandbox never print a NoEcho value', () => {
  it('apply prints the plan and its progress with ****, and the next diff --detailed-exitcode exits 0', () => {
    writeManifest(manifestText());
    const apply = sandboxed('apply', manifest, '--yes');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/Apply complete/);
    expect(apply.stdout).toContain('DbPassword=****');
    expect(apply.all).not.toContain(SECRET);
    expect(storedSecret('eu-west-1')).toBe(SECRET);

    const diff = sandboxed('diff', manifest, '--detailed-exitcode');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/^No changes\.$/m);
  });

  it('diff of a rotated secret exits 2 and shows it as **** in text, JSON and Markdown', () => {
    const before = readFileSync(state, 'utf8');
    writeManifest(manifestText(`{ Stage: prod, DbPassword: "${ROTATED}" }`));
    const outputs = ['text', 'json', 'markdown'].map((format) => sandboxed('diff', manifest, '--detailed-exitcode', '--output', format));
    for (const run of outputs) {
      expect(run.code).toBe(2);
      expect(run.all).not.toContain(SECRET);
      expect(run.all).not.toContain(ROTATED);
    }
    expect(outputs[0]!.stdout).toContain('DbPassword: **** → **** (changed)');
    expect(outputs[2]!.stdout).toContain('DbPassword: **** → **** (changed)');
    const plan = JSON.parse(outputs[1]!.stdout) as { steps: Array<{ action: string; payload: { input: { parameters: Record<string, string> } } }> };
    expect(plan.steps.map((s) => s.action)).toEqual(['stack.update', 'stack.update']);
    expect(plan.steps[0]!.payload.input.parameters['DbPassword']).toBe('****');
    // diff changed nothing.
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('apply deploys the rotated secret without printing it, and the next diff is clean', () => {
    writeManifest(manifestText(`{ Stage: prod, DbPassword: "${ROTATED}" }`));
    const apply = sandboxed('apply', manifest, '--yes');
    expect(apply.code).toBe(0);
    expect(apply.all).not.toContain(ROTATED);
    expect(apply.all).not.toContain(SECRET);
    expect(storedSecret('eu-west-1')).toBe(ROTATED);
    expect(storedSecret('us-east-2')).toBe(ROTATED);

    const diff = sandboxed('diff', manifest, '--detailed-exitcode');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/^No changes\.$/m);
  });
});
