// A closed pipe (`regionctl … | head -1`, issue 14): the reader goes away after the first
// line; the command ends quietly with its own exit code, no EPIPE stack trace, and an apply
// still finishes and saves the sandbox state (the next diff is clean).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;
let manifest: string;
let state: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-epipe-'));
  cpSync('manifests', join(dir, 'manifests'), { recursive: true });
  manifest = join(dir, 'manifests/global-api.yaml');
  state = join(dir, 'sandbox.json');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with stdout on a pipe whose reader closes after the first chunk, like `| head -1`. */
function withHead(args: string[]): Promise<{ code: number | null; stderr: string; firstChunk: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let firstChunk = '';
    let stderr = '';
    child.stdout.once('data', (chunk: Buffer) => {
      firstChunk = chunk.toString();
      child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, firstChunk });
    });
  });
}

it('apply | head -1: exits 0 without a stack trace, and the apply finished and saved its state', async () => {
  const run = await withHead(['apply', manifest, '--yes', ...sandboxFlags(state)]);
  expect(run.firstChunk).toContain('RegionSet global-api');
  expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  expect(run.code).toBe(0);
  const diff = runCliSync(['diff', manifest, '--detailed-exitcode', ...sandboxFlags(state)]);
  expect(diff.code).toBe(0);
  expect(diff.stdout).toContain('No changes.');
}, 90_000);

it('diff --output json | head -1 on a plan with changes: exit 2 as without the pipe, no stack trace', async () => {
  const fresh = join(dir, 'fresh.json');
  const run = await withHead(['diff', manifest, '--output', 'json', '--detailed-exitcode', ...sandboxFlags(fresh)]);
  expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  expect(run.code).toBe(2);
}, 90_000);
