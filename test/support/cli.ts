// Runs the regionctl CLI as users do: a separate node process, capturing stdout, stderr and
// the exit code. By default the bundle users install (dist/regionctl.mjs, built by the
// vitest global setup); `fromSource` runs controller/cli.ts through tsx (no build needed).

import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { readStateFile, SandboxCloud, type SandboxOptions } from '../../controller/providers/sandbox/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI entry point: package.json's bin, bundled by scripts/bundle.ts. */
export const CLI = `${REPO_ROOT}dist/regionctl.mjs`;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to this process's environment; a variable set to undefined is removed. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then closed; without it stdin is empty (closed at once). */
  input?: string;
  /** Kills the process (SIGKILL) after this long; the run then has code null. */
  timeoutMs?: number;
  /** Runs controller/cli.ts through tsx instead of the build. */
  fromSource?: boolean;
}

function command(args: string[], options: CliOptions): { argv: string[]; env: NodeJS.ProcessEnv } {
  const entry = options.fromSource ? ['--import', 'tsx', `${REPO_ROOT}controller/cli.ts`] : [CLI];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return { argv: [...entry, ...args], env };
}

/** Runs the CLI to completion, blocking this process (simple tests). */
export function runCliSync(args: string[], options: CliOptions = {}): CliRun {
  const { argv, env } = command(args, options);
  const result = spawnSync(process.execPath, argv, {
    cwd: options.cwd,
    env,
    input: options.input ?? '',
    encoding: 'utf8',
    ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
  });
  if (result.error && !options.timeoutMs) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI without blocking (tests that serve moto or git from this process meanwhile). */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const { argv, env } = command(args, options);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(options.input ?? '');
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The flags that point a command at a sandbox state file. Speed 1,000 turns minutes of AWS
 * waits into tenths of a second; faster makes a test flaky on a loaded machine, since a
 * stall of a few real milliseconds would then pass a whole health-check timeout.
 */
export function sandboxFlags(stateFile: string, speed = 1_000): string[] {
  return ['--sandbox', stateFile, '--sandbox-speed', String(speed)];
}

/**
 * A fresh temporary directory holding a copy of the example manifests (the CLI reads and
 * edits its own copy) and the path of a sandbox state file in it (not created).
 */
export function exampleWorkspace(prefix: string): { dir: string; manifest: string; state: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(`${REPO_ROOT}manifests`, join(dir, 'manifests'), { recursive: true });
  return workspacePaths(dir);
}

function workspacePaths(dir: string): { dir: string; manifest: string; state: string } {
  return { dir, manifest: join(dir, 'manifests/global-api.yaml'), state: join(dir, 'sandbox.json') };
}

/** Replaces `from` by `to` in a copied manifest; throws when `from` is not there (the edit would silently do nothing). */
export function editManifest(manifest: string, from: string, to: string): void {
  const text = readFileSync(manifest, 'utf8');
  if (!text.includes(from)) throw new Error(`${manifest} does not contain ${JSON.stringify(from)}`);
  writeFileSync(manifest, text.replace(from, to));
}

/** What `diff --detailed-exitcode` says of a converged sandbox: exit 0, "No changes.", nothing on stderr. */
export function convergedDiff(manifest: string, state: string): { code: number | null; stderr: string; noChanges: boolean } {
  const diff = runCliSync(['diff', manifest, '--detailed-exitcode', ...sandboxFlags(state)]);
  return { code: diff.code, stderr: diff.stderr, noChanges: /^No changes\.$/m.test(diff.stdout) };
}

export const CONVERGED = { code: 0, stderr: '', noChanges: true } as const;

/**
 * The account in a sandbox state file, on a FakeClock starting at the file's saved time (it
 * jumps ahead only while everything waits, so what the test does happens at a known time).
 */
export async function loadStateCloud(state: string, options: Omit<SandboxOptions, 'clock'> = {}): Promise<SandboxCloud> {
  const [sandbox, { FakeClock }] = await Promise.all([import('../../controller/providers/sandbox/index.js'), import('../../controller/clock.js')]);
  const json = JSON.parse(readFileSync(state, 'utf8')) as { savedNow: number };
  return sandbox.SandboxCloud.fromJSON(json, { ...options, clock: new FakeClock(json.savedNow) });
}

/** Loads the state file's account (`options`: e.g. new latencies), lets `edit` change it through the sandbox's public API (faults, calls), saves it again. */
export async function editStateCloud(
  state: string,
  edit: (cloud: SandboxCloud) => void | Promise<void>,
  options: Omit<SandboxOptions, 'clock'> = {},
): Promise<void> {
  const { saveSandbox } = await import('../../controller/providers/sandbox/persist.js');
  const cloud = await loadStateCloud(state, options);
  await edit(cloud);
  await saveSandbox(cloud, state);
}

/** Another team's stack, not tagged with any RegionSet, written straight into the sandbox state file. */
export async function addUnownedStack(state: string, region: string, name = 'global-api'): Promise<void> {
  const { loadSandbox, saveSandbox } = await import('../../controller/providers/sandbox/persist.js');
  const { createUnownedStack } = await import('./builders.js');
  const cloud = await loadSandbox(state);
  await createUnownedStack(cloud.providers(), region, name);
  await saveSandbox(cloud, state);
}

export interface CliWorkspace {
  dir: string;
  manifest: string;
  state: string;
  /** Runs the CLI (runCliSync) with these arguments on the workspace's sandbox state file. */
  regionctl(...args: string[]): CliRun;
  /** The sandbox cloud as the state file holds it now. */
  cloud(): SandboxCloud;
}

/**
 * The example workspace of a CLI test file (see exampleWorkspace), registered in that file:
 * made before all its tests (before each with `each`) and removed after. Its paths are fixed
 * at once, so the file can name them at its top. With `converge`, the set-up applies the
 * example and fails with the CLI's stderr when that does not succeed.
 */
export function cliWorkspace(prefix: string, options: { each?: boolean; converge?: boolean } = {}): CliWorkspace {
  const paths = workspacePaths(join(tmpdir(), `${prefix}${randomUUID()}`));
  const regionctl = (...args: string[]) => runCliSync([...args, ...sandboxFlags(paths.state)]);
  const setUp = () => {
    mkdirSync(paths.dir, { mode: 0o700 });
    cpSync(`${REPO_ROOT}manifests`, join(paths.dir, 'manifests'), { recursive: true });
    if (!options.converge) return;
    const seed = regionctl('apply', paths.manifest, '--yes');
    if (seed.code !== 0) throw new Error(`setup apply failed: ${seed.stderr}`);
  };
  const tearDown = () => rmSync(paths.dir, { recursive: true, force: true });
  if (options.each) {
    beforeEach(setUp, 120_000);
    afterEach(tearDown);
  } else {
    beforeAll(setUp, 120_000);
    afterAll(tearDown);
  }
  return { ...paths, regionctl, cloud: () => readSandbox(paths.state) };
}

/** The sandbox cloud saved in a state file (on a fake clock). */
export function readSandbox(stateFile: string): SandboxCloud {
  return SandboxCloud.fromJSON(JSON.parse(readFileSync(stateFile, 'utf8')), { clock: new FakeClock() });
}

/** What a sandbox state file holds for RegionSet `name` (its records named `<name>.example.com.`, its table `orders-<name>`), sorted. */
export function regionSetCensus(stateFile: string, name: string): { stacks: string[]; records: Array<string | undefined>; checks: string[]; replicas: string[] } {
  const saved = readStateFile(stateFile);
  if (!saved) throw new Error(`no sandbox state in ${stateFile}`);
  const cloud = SandboxCloud.fromJSON(saved, { clock: new FakeClock(saved.savedNow ?? 0, false) });
  return {
    stacks: cloud.listStacks().filter((s) => s.name === name).map((s) => s.region).sort(),
    records: cloud.recordsOf('example.com.').filter((r) => r.name === `${name}.example.com.`).map((r) => r.region).sort(),
    checks: cloud.listHealthChecks().filter((h) => h.tags['regionctl:regionset'] === name).map((h) => h.id).sort(),
    replicas: cloud.replicasOf(`orders-${name}`).map((r) => r.region).sort(),
  };
}
