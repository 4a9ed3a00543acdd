// Issue #11, item 4, with real processes: three `regionctl apply` runs on ONE sandbox state
// file at the same time, for three RegionSets, the third killed with SIGKILL mid-apply.
// Before the lock and the per-call atomic save, the last apply to finish wrote its whole
// view and the others' stacks, records and checks were lost; a killed apply lost everything
// it had done (the file was written once, at the end).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CLI, regionSetCensus, runCliSync, sandboxFlags } from '../support/cli.js';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStateFile } from '../../controller/providers/sandbox/index.js';

const REGIONS = ['ap-southeast-1', 'eu-west-1', 'us-east-2'];
let root: string;
let state: string;
const children: ChildProcess[] = [];

/** The example as RegionSet `name`: its own stack, record name and table. */
function manifestFor(name: string): string {
  const example = readFileSync(join(root, 'manifests/global-api.yaml'), 'utf8');
  const text = example
    .replaceAll('name: global-api', `name: ${name}`)
    .replaceAll('api.example.com.', `${name}.example.com.`)
    .replaceAll('orders', `orders-${name}`);
  const file = join(root, 'manifests', `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

function cli(args: string[], speed: number) {
  return runCliSync([...args, ...sandboxFlags(state, speed)]);
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startApply(manifest: string, speed: number): Running {
  const child = spawn(process.execPath, [CLI, 'apply', manifest, '--yes', ...sandboxFlags(state, speed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the first stdout match; rejects if the process ends first (bounded by the test timeout). */
function waitForLine(run: Running, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = run.stdout().match(pattern);
      if (match) {
        run.child.stdout!.off('data', check);
        resolve(match);
      }
    };
    run.child.stdout!.on('data', check);
    run.child.on('exit', () => reject(new Error(`apply ended before printing ${pattern}:\n${run.stdout()}\n${run.stderr()}`)));
    check();
  });
}

/** What the file holds for RegionSet `name`. */
function census(name: string) {
  return regionSetCensus(state, name);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'regionctl-state-processes-'));
  cpSync('manifests', join(root, 'manifests'), { recursive: true });
  state = join(root, 'shared.json');
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('three applies on one sandbox file, one killed with SIGKILL', () => {
  let alpha: string;
  let beta: string;
  let gamma: string;
  let gammaDone: string[] = [];
  let gammaCheckIds: string[] = [];
  let gammaPid = 0;
  /** What the two finished applies said on stderr (lock waits and take-overs only). */
  let lockNotices = '';

  it('two applies of different RegionSets at the same time serialise on the lock: neither loses the other\'s resources; the third, killed mid-apply, left a complete file', async () => {
    alpha = manifestFor('alpha');
    beta = manifestFor('beta');
    gamma = manifestFor('gamma');
    const runs = [startApply(alpha, 1000), startApply(beta, 1000), startApply(gamma, 100)];
    const [alphaRun, betaRun, gammaRun] = runs as [Running, Running, Running];

    // Mid-apply: gamma has created a health check (after its first stack); kill it at once.
    await waitForLine(gammaRun, /done\s+healthcheck\.create .* health check ([0-9a-f-]{36})/);
    gammaRun.child.kill('SIGKILL');
    const killed = await gammaRun.exited;
    expect(killed.signal).toBe('SIGKILL');
    gammaDone = [...gammaRun.stdout().matchAll(/done\s+stack\.create stack:([a-z0-9-]+)/g)].map((m) => m[1]!).sort();
    gammaCheckIds = [...gammaRun.stdout().matchAll(/done\s+healthcheck\.create .* health check ([0-9a-f-]{36})/g)].map((m) => m[1]!).sort();

    gammaPid = gammaRun.child.pid!;
    const [a, b] = await Promise.all([alphaRun.exited, betaRun.exited]);
    lockNotices = alphaRun.stderr() + betaRun.stderr();
    expect({ code: a.code, stderr: alphaRun.stderr().replace(/^.*(waiting for|took over) the lock.*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
    expect({ code: b.code, stderr: betaRun.stderr().replace(/^.*(waiting for|took over) the lock.*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
    // They did meet: at least one of the three waited for another's lock.
    expect(runs.map((run) => run.stderr()).join('')).toMatch(/waiting for the lock on .*held by pid \d+/);

    // The file after a SIGKILL mid-apply: complete JSON of this format, and a consistent cloud.
    expect(() => JSON.parse(readFileSync(state, 'utf8'))).not.toThrow();
    expect(readStateFile(state)?.version).toBe(1);

    // Both finished RegionSets are whole.
    for (const name of ['alpha', 'beta']) {
      const held = census(name);
      expect(held.stacks).toEqual(REGIONS);
      expect(held.records).toEqual(REGIONS);
      expect(held.checks).toHaveLength(3);
      expect(held.replicas).toEqual(REGIONS);
    }
  }, 120_000);

  it('a kill -9 loses at most the call in flight: every stack and health check the killed apply reported done is in the file', () => {
    expect(gammaCheckIds.length).toBeGreaterThan(0);
    expect(gammaDone.length).toBeGreaterThan(0);
    const held = census('gamma');
    for (const region of gammaDone) expect(held.stacks).toContain(region);
    for (const id of gammaCheckIds) expect(held.checks).toContain(id);
  });

  it('diff shows both finished RegionSets converged, the killed one with work left; one more apply converges it and takes over the dead lock', () => {
    expect(cli(['diff', alpha, '--detailed-exitcode'], 1000).code).toBe(0);
    expect(cli(['diff', beta, '--detailed-exitcode'], 1000).code).toBe(0);
    expect(cli(['diff', gamma, '--detailed-exitcode'], 1000).code).toBe(2);

    const again = cli(['apply', gamma, '--yes'], 1000);
    expect(again.code).toBe(0);
    // The killed apply's lock was taken over exactly once, and said so: by alpha or beta
    // if one was waiting when gamma died, else by this apply.
    const takeOvers = [...(lockNotices + again.stderr).matchAll(/took over the lock on (.*) from pid (\d+), which is no longer running/g)];
    expect(takeOvers.map((m) => [m[1], Number(m[2])])).toEqual([[state, gammaPid]]);
    expect(existsSync(`${state}.lock`)).toBe(false);

    for (const manifest of [alpha, beta, gamma]) {
      const diff = cli(['diff', manifest, '--detailed-exitcode'], 1000);
      expect(diff.stderr).toBe('');
      expect(diff.code).toBe(0);
    }
    // Resumed, not duplicated: one stack, record and check per region for gamma too.
    const held = census('gamma');
    expect(held.stacks).toEqual(REGIONS);
    expect(held.records).toEqual(REGIONS);
    expect(held.checks).toHaveLength(3);
  }, 120_000);
});
