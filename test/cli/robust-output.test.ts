// Robust output (issue 14 item 6): a reader that closes the pipe early (`| head -1`) ends
// the command quietly, with its own exit code and the sandbox state saved; and no user
// error from any command prints a stack trace.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;
let manifest: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-robust-'));
  cpSync(join(REPO_ROOT, 'manifests'), join(dir, 'manifests'), { recursive: true });
  manifest = join(dir, 'manifests/global-api.yaml');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with its stdout a real pipe whose reading end is closed before the CLI writes. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader goes away, as `head -1` does after its line
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const STACK_FRAME = /^\s+at /m;

describe('a closed pipe', () => {
  it('apply ends quietly with exit 0 and the sandbox state saved; diff with its own exit code', async () => {
    const state = join(dir, 'pipe.json');
    const apply = await runWithClosedStdout(['apply', manifest, '--yes', ...sandboxFlags(state)]);
    expect(apply.stderr).not.toMatch(STACK_FRAME);
    expect(apply.stderr).not.toContain('EPIPE');
    expect(apply.code).toBe(0);
    // The state was saved: the next diff finds nothing to do.
    expect(runCliSync(['diff', manifest, '--detailed-exitcode', ...sandboxFlags(state)]).code).toBe(0);

    // A change pending: diff --detailed-exitcode still says 2 with nobody reading.
    const fresh = join(dir, 'pipe-fresh.json');
    for (const format of ['text', 'json', 'markdown']) {
      const diff = await runWithClosedStdout(['diff', manifest, '--detailed-exitcode', '--output', format, ...sandboxFlags(fresh)]);
      expect(diff.stderr).toBe('');
      expect(diff.code).toBe(2);
    }
  }, 120_000);

  it('help and completion too', async () => {
    for (const args of [['diff', '--help'], ['completion', 'bash'], ['--version']]) {
      const run = await runWithClosedStdout(args);
      expect(run).toEqual({ code: 0, stderr: '' });
    }
  });
});

describe('no stack trace for a user error', () => {
  const cases: Array<[string, string[], Record<string, string | undefined>?]> = [
    ['validate: missing file', ['validate', 'missing.yaml']],
    ['validate: bad flag', ['validate', 'x.yaml', '--strict']],
    ['diff: missing file', ['diff', 'missing.yaml', '--sandbox']],
    ['diff: bad output format', ['diff', 'MANIFEST', '--sandbox', '--output', 'yaml']],
    ['diff: bad sandbox speed', ['diff', 'MANIFEST', '--sandbox', '--sandbox-speed=-1']],
    ['diff: corrupt sandbox state', ['diff', 'MANIFEST', '--sandbox', 'CORRUPT']],
    ['diff: a directory as the manifest', ['diff', 'DIR', '--sandbox']],
    ['plan: missing file', ['plan', 'missing.yaml']],
    ['apply: missing file', ['apply', 'missing.yaml', '--sandbox', '--yes']],
    ['apply: no --yes without a terminal', ['apply', 'MANIFEST', '--sandbox']],
    ['apply: unwritable sandbox directory', ['apply', 'MANIFEST', '--sandbox=/proc/regionctl.json', '--yes']],
    ['apply: bad max attempts', ['apply', 'MANIFEST', '--max-attempts', 'zero']],
    ['add-region: missing file', ['add-region', 'missing.yaml', 'eu-west-1']],
    ['add-region: not a region', ['add-region', 'MANIFEST', 'mars-1']],
    ['drain-region: missing file', ['drain-region', 'missing.yaml', 'eu-west-1']],
    ['remove-region: missing arguments', ['remove-region', 'MANIFEST']],
    ['prune-regionset: bad name', ['prune-regionset', 'Bad_Name', '--zone', 'example.com.']],
    ['prune-regionset: no --manifests', ['prune-regionset', 'gone', '--zone', 'example.com.', '--sandbox']],
    ['run: no source', ['run'], { REGIONCTL_GIT_URL: undefined }],
    ['run: bad listen address', ['run', '--source', 'DIR', '--listen', 'nowhere']],
    ['run: bad log level', ['run', '--source', 'DIR'], { REGIONCTL_LOG_LEVEL: 'loud' }],
    ['unknown command', ['deploy']],
    ['completion: unknown shell', ['completion', 'fish']],
  ];

  it.each(cases)('%s: exit 1, one actionable message, no stack frame', (_name, args, env) => {
    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{"half');
    mkdirSync(join(dir, 'a-dir'), { recursive: true });
    const argv = args.map((arg) => (arg === 'MANIFEST' ? manifest : arg === 'CORRUPT' ? corrupt : arg === 'DIR' ? join(dir, 'a-dir') : arg));
    const run = runCliSync(argv, { cwd: dir, env: env ?? {}, timeoutMs: 60_000 });
    expect(run.code).toBe(1);
    expect(run.stderr.length).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stderr).not.toContain('internal error');
  });
});
