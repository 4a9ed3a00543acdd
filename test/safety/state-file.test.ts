// Issue #11, item 4: the sandbox state file is never lost. A careless or hostile state file
// (truncated, empty, null, foreign, from a future regionctl), a read-only file or directory,
// and a second apply holding the file: each is one line naming the file and the next step,
// found before the first change (exit 1, the file byte-for-byte unchanged, no stack trace).
// Every case runs the built CLI, as a user would.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lockStateFile, readStateFile, SandboxStateError, writeStateFile } from '../../controller/providers/sandbox/index.js';
import { runCliSync, sandboxFlags } from '../support/cli.js';

let root: string;
let manifest: string;
/** A complete state file of the converged example, made once by a real apply. */
let converged: string;
let dir: string;
let state: string;

function regionctl(args: string[], env: Record<string, string> = {}) {
  return runCliSync([...args, ...sandboxFlags(state)], { env });
}

/** The refusal a user sees: exactly one line, naming the file, no stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(state);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at |internal error/);
}

/**
 * apply (of `options.manifest`, the example by default) with `content` in the state file, after
 * `options.lock` took write access away: refused with `pattern`, the file unchanged.
 */
function expectApplyRefused(content: string, pattern: RegExp, options: { manifest?: string; lock?: () => void } = {}) {
  writeFileSync(state, content);
  options.lock?.();
  const apply = regionctl(['apply', options.manifest ?? manifest, '--yes']);
  expect(apply.code).toBe(1);
  expectOneLineError(apply.stderr, pattern);
  // Refused before planning: no plan was shown, nothing was applied.
  expect(apply.stdout).toBe('');
  expect(readFileSync(state, 'utf8')).toBe(content);
  expect(existsSync(`${state}.lock`)).toBe(false);
}

/** The example with one region more (an apply of it writes), as grown.yaml beside a copy of its stack templates in the test's directory. */
function grownManifest(): string {
  const grown = join(dir, 'grown.yaml');
  writeFileSync(grown, readFileSync(manifest, 'utf8').replace('    ap-southeast-1: {}\n', '    ap-southeast-1: {}\n    sa-east-1: {}\n'));
  cpSync(join(root, 'manifests/stacks'), join(dir, 'stacks'), { recursive: true });
  return grown;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'regionctl-state-file-'));
  cpSync('manifests', join(root, 'manifests'), { recursive: true });
  manifest = join(root, 'manifests/global-api.yaml');
  state = join(root, 'converged.json');
  const apply = regionctl(['apply', manifest, '--yes']);
  expect(apply.code).toBe(0);
  converged = readFileSync(state, 'utf8');
}, 120_000);

afterAll(() => {
  if (dir) chmodSync(dir, 0o755);
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  if (dir) chmodSync(dir, 0o755);
  dir = mkdtempSync(join(root, 'case-'));
  state = join(dir, 'sandbox.json');
});

describe('a bad sandbox state file is one line naming it, before the first change', () => {
  it('a truncated state file (a kill mid-write by an older regionctl) is refused, not replaced by an empty cloud', () => {
    expectApplyRefused(converged.slice(0, Math.floor(converged.length / 2)), /not valid JSON.*(restore|move)/);
  });

  it('an empty state file is refused: it never becomes a fresh cloud that re-creates every stack', () => {
    expectApplyRefused('', /is empty.*(restore|move)/);
  });

  it('a state file holding null is refused', () => {
    expectApplyRefused('null\n', /not a sandbox state file.*null/);
  });

  it('a foreign JSON object ({"foo":1}) is refused, not overwritten', () => {
    expectApplyRefused('{"foo":1}\n', /not a sandbox state file.*version/);
  });

  it('a JSON array is refused', () => {
    expectApplyRefused('[1,2,3]\n', /not a sandbox state file.*array/);
  });

  it('a state file of a future format version is refused with "upgrade regionctl", not downgraded', () => {
    const future = { ...(JSON.parse(converged) as object), version: 2 };
    expectApplyRefused(`${JSON.stringify(future)}\n`, /format version 2.*upgrade regionctl/);
  });

  it('a version-1 file with a damaged part (zones not a list) is refused, naming the part', () => {
    const damaged = { ...(JSON.parse(converged) as object), zones: { 'example.com.': 1 } };
    expectApplyRefused(`${JSON.stringify(damaged)}\n`, /damaged.*"zones"/);
  });

  it('diff on a truncated state file is the same one-line error, not a stack trace', () => {
    const truncated = converged.slice(0, 100);
    writeFileSync(state, truncated);
    const diff = regionctl(['diff', manifest]);
    expect(diff.code).toBe(1);
    expectOneLineError(diff.stderr, /not valid JSON/);
    expect(readFileSync(state, 'utf8')).toBe(truncated);
  });

  it('a read-only state file is refused before planning: apply does not rename over it', () => {
    // One region more: the apply would write if it were allowed to.
    expectApplyRefused(converged, /read-only.*chmod/, { manifest: grownManifest(), lock: () => chmodSync(state, 0o444) });
  });

  it('an unwritable directory is refused before planning, naming the file', () => {
    expectApplyRefused(converged, /directory .* not writable/, { manifest: grownManifest(), lock: () => chmodSync(dir, 0o555) });
  });

  it('a state path that is a directory is refused, naming it', () => {
    mkdirSync(state);
    const apply = regionctl(['apply', manifest, '--yes']);
    expect(apply.code).toBe(1);
    expectOneLineError(apply.stderr, /is a directory/);
    expect(apply.stdout).toBe('');
  });
});

describe('atomic saves', () => {
  it('a save that cannot complete is one error naming the file, leaves the last complete file and no temporary file', () => {
    writeFileSync(state, converged);
    const next = { ...readStateFile(state)!, sequence: 999_999 };
    // The rename over the target is what fails: the new state never replaces the old half-way.
    const blocked = join(dir, 'blocked.json');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    expect(() => writeStateFile(blocked, next)).toThrow(SandboxStateError);
    expect(() => writeStateFile(blocked, next)).toThrow(/blocked\.json could not be saved \(EISDIR\); it still holds the last complete state/);
    writeStateFile(state, next);
    expect(readStateFile(state)?.sequence).toBe(999_999);
    const leftovers = spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
    expect(leftovers).toEqual(['blocked.json', 'sandbox.json']);
  });
});

describe('one writer at a time: the lock', () => {
  it('a second apply while another holds the file refuses after a bounded wait, naming the file and the holder pid', async () => {
    writeFileSync(state, converged);
    // The lock as a running apply holds it: this (live) test process is the holder.
    const held = await lockStateFile(state, { command: 'regionctl apply (test holder)', waitMs: 0 });
    try {
      const apply = regionctl(['apply', manifest, '--yes'], { REGIONCTL_SANDBOX_LOCK_WAIT_MS: '300' });
      expect(apply.code).toBe(1);
      const lines = apply.stderr.trimEnd().split('\n');
      // At most a "waiting" line and then the refusal.
      const refusal = lines.at(-1)!;
      expect(refusal).toContain(state);
      expect(refusal).toMatch(new RegExp(`locked by pid ${process.pid}\\b.*regionctl apply \\(test holder\\)`));
      expect(apply.stderr).not.toMatch(/\n\s+at /);
      expect(apply.stdout).toBe('');
      expect(readFileSync(state, 'utf8')).toBe(converged);
    } finally {
      held.release();
    }
    expect(existsSync(`${state}.lock`)).toBe(false);
  });

  it('a lock left by a process that died (kill -9) is taken over, and the output says so', () => {
    writeFileSync(state, converged);
    const dead = spawnSync(process.execPath, ['-e', '0']);
    expect(dead.status).toBe(0);
    writeFileSync(`${state}.lock`, `${JSON.stringify({ pid: dead.pid, host: hostname(), command: 'regionctl apply', since: new Date().toISOString() })}\n`);
    const apply = regionctl(['apply', manifest, '--yes']);
    expect(apply.code).toBe(0);
    expect(apply.stderr).toMatch(new RegExp(`took over the lock on ${state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} from pid ${dead.pid}, which is no longer running`));
    expect(existsSync(`${state}.lock`)).toBe(false);
  });

  it('diff needs no lock: it reads the last complete file while an apply holds the lock', async () => {
    writeFileSync(state, converged);
    const held = await lockStateFile(state, { command: 'regionctl apply (test holder)', waitMs: 0 });
    try {
      const diff = regionctl(['diff', manifest, '--detailed-exitcode']);
      expect(diff.stderr).toBe('');
      expect(diff.code).toBe(0);
      expect(readFileSync(state, 'utf8')).toBe(converged);
    } finally {
      held.release();
    }
  });

  it('apply leaves no lock and no temporary file behind', () => {
    writeFileSync(state, converged);
    const grown = grownManifest();
    const apply = regionctl(['apply', grown, '--yes']);
    expect(apply.code).toBe(0);
    const leftovers = spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
    expect(leftovers).toEqual(['grown.yaml', 'sandbox.json', 'stacks']);
  });
});
