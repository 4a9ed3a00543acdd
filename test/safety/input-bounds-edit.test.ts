// Issue #11, item 6 (edit commands): add-region, drain-region and remove-region write their
// REGION argument into the YAML text, so a region with a newline, colon, #, quotes or spaces
// injected YAML (a newline added a second region). The argument must be a known AWS region
// code and --weight a whole number 0–255: anything else is one line on stderr, exit 1, and
// the file byte for byte as it was. Through the built CLI, in a throwaway git repository.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCliSync } from '../support/cli.js';
import { gitSync } from '../support/git-server.js';

const FILE = 'global-api.yaml';
let repo: string;

function regionctl(...args: string[]) {
  return runCliSync(args, { cwd: repo });
}

function git(...args: string[]): string {
  return gitSync(args, repo);
}

const bytes = () => readFileSync(join(repo, FILE));

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'regionctl-edit-bounds-'));
  cpSync('manifests/global-api.yaml', join(repo, FILE));
  cpSync('manifests/stacks', join(repo, 'stacks'), { recursive: true });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'example');
}, 60_000);
afterAll(() => rmSync(repo, { recursive: true, force: true }));
beforeEach(() => {
  git('reset', '-q', '--hard');
  git('clean', '-qfd');
});

/** Runs the edit, expects a one-line refusal matching `message`, exit 1 and the file unchanged. */
function expectRefused(args: string[], message: RegExp): void {
  const before = bytes();
  const run = regionctl(...args);
  expect(run.code).toBe(1);
  const [first, ...rest] = run.stderr.trimEnd().split('\n');
  expect(first).toMatch(message);
  // At most the line saying the file was left alone follows; no stack trace.
  expect(rest.filter((line) => line !== `${FILE} was not changed.`)).toEqual([]);
  expect(run.stdout).toBe('');
  expect(bytes().equals(before)).toBe(true);
}

describe('region arguments of the edit commands', () => {
  it('add-region refuses a region with a newline (it injected a second region line)', () => {
    expectRefused(['add-region', FILE, 'us-west-2\n    ap-south-1'], /^regionctl add-region: "us-west-2\\n    ap-south-1" is not an AWS region code; /);
  });

  it('add-region refuses a region with a colon and a flow mapping (it injected state: drained)', () => {
    expectRefused(['add-region', FILE, 'us-west-2: { state: drained }'], /^regionctl add-region: "us-west-2: \{ state: drained \}" is not an AWS region code; /);
  });

  it('add-region refuses a region with # (a YAML comment)', () => {
    expectRefused(['add-region', FILE, 'us-west-2 # prod'], /^regionctl add-region: "us-west-2 # prod" is not an AWS region code; /);
  });

  it('add-region refuses a quoted region', () => {
    expectRefused(['add-region', FILE, '"us-west-2"'], /^regionctl add-region: "\\"us-west-2\\"" is not an AWS region code; /);
  });

  it('add-region refuses a region with a leading space', () => {
    expectRefused(['add-region', FILE, ' us-west-2'], /^regionctl add-region: " us-west-2" is not an AWS region code; /);
  });

  it('add-region refuses a well-formed but unknown region (qq-lunar-7) with an example code', () => {
    expectRefused(['add-region', FILE, 'qq-lunar-7'], /^regionctl add-region: "qq-lunar-7" is not an AWS region code; pass a region code such as eu-west-1$/);
  });

  it('add-region refuses an upper-case region code and says how to write it', () => {
    expectRefused(['add-region', FILE, 'US-WEST-2'], /^regionctl add-region: "US-WEST-2" is not an AWS region code; region codes are lower case: write us-west-2$/);
  });

  it('add-region refuses a near-miss and suggests the region (us-west-22 → us-west-2)', () => {
    expectRefused(['add-region', FILE, 'us-west-22'], /is not an AWS region code; did you mean us-west-2\?$/);
  });

  it('drain-region refuses a region with a newline injecting YAML', () => {
    expectRefused(['drain-region', FILE, 'eu-west-1\n  dns: {}'], /^regionctl drain-region: "eu-west-1\\n  dns: \{\}" is not an AWS region code; /);
  });

  it('remove-region refuses a region with a newline injecting YAML', () => {
    expectRefused(['remove-region', FILE, 'eu-west-1\nmetadata: {}'], /^regionctl remove-region: "eu-west-1\\nmetadata: \{\}" is not an AWS region code; /);
  });

  it('--weight 256 is refused (Route 53 weights are 0–255)', () => {
    expectRefused(['add-region', FILE, 'us-west-2', '--weight', '256'], /^regionctl add-region: --weight must be a whole number from 0 to 255 such as 100 \(got "256"\)$/);
  });

  it('--weight -1, 1e2, 0x10 and 12.5 are refused', () => {
    for (const weight of ['-1', '1e2', '0x10', '12.5']) {
      expectRefused(['add-region', FILE, 'us-west-2', `--weight=${weight}`], /^regionctl add-region: --weight must be a whole number from 0 to 255/);
    }
  });

  it('a valid add-region with --weight 255 still writes its one line (control)', () => {
    const run = regionctl('add-region', FILE, 'us-west-2', '--weight', '255');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(git('diff', '--numstat', '--', FILE).trim().split('\t').slice(0, 2)).toEqual(['1', '0']);
    expect(readFileSync(join(repo, FILE), 'utf8')).toMatch(/^ {4}us-west-2: \{ weight: 255 \}$/m);
  });

  it('an edit of a manifest with invalid UTF-8 is refused at its position, file unchanged', () => {
    const text = readFileSync(join(repo, FILE), 'utf8');
    const at = text.indexOf('# relative to this file');
    writeFileSync(join(repo, FILE), Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xe9]), Buffer.from(text.slice(at))]));
    const line = text.slice(0, at).split('\n').length;
    expectRefused(['add-region', FILE, 'us-west-2'], new RegExp(`^regionctl add-region: ${FILE}:${line}:\\d+: error\\[invalid-utf8\\]: byte 0xe9 at byte offset ${Buffer.byteLength(text.slice(0, at))} is not valid UTF-8`));
  });

  it('an edit of a manifest whose template points out of the repository is refused, file unchanged', () => {
    symlinkSync('/dev/zero', join(repo, 'stacks/zero.yaml'));
    writeFileSync(join(repo, FILE), readFileSync(join(repo, FILE), 'utf8').replace('template: stacks/regional-api.yaml', 'template: stacks/zero.yaml'));
    const before = bytes();
    const run = regionctl('add-region', FILE, 'us-west-2');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error\[template-outside-repository\]: template stacks\/zero\.yaml resolves to a path outside the repository/);
    expect(bytes().equals(before)).toBe(true);
  });
});
