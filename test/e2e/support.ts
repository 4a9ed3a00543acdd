// End-to-end helpers: `regionctl run` as a real child process on 127.0.0.1, polled over
// HTTP with deadlines; GitHub-style signed webhooks; the sandbox state file read back to
// count what exists in the "cloud". Every wait is bounded and fails saying what it waited for.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { CLI } from '../support/cli.js';
import { startGitDaemon, type GitServer } from '../support/git-server.js';
import { startMoto, type Moto } from '../support/moto.js';
import { freePort } from '../support/ports.js';

export { CLI };

export interface ControllerProcess {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** stdout + stderr so far (pino JSON lines). */
  output(): string;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  status(): Promise<ControllerStatusView>;
  metrics(): Promise<string>;
  exited(): boolean;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** The parts of /status the tests read. */
export interface ControllerStatusView {
  ready: boolean;
  source: { observedRevision?: string; lastError?: { message: string } };
  regionSets: Record<
    string,
    {
      leader?: boolean;
      lastAppliedRevision?: string;
      lastAttemptedRevision?: string;
      lastOutcome?: string;
      lastReconcileId?: string;
      conditions: Array<{ type: string; status: string; reason: string; message: string }>;
      lastError?: { message: string; location?: string };
      regions: Record<string, { desiredState: string }>;
    }
  >;
}

export async function startController(name: string, env: Record<string, string>): Promise<ControllerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [CLI, 'run'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env, REGIONCTL_LISTEN: `127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exitPromise = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const assertAlive = () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-4000)}`);
    }
  };
  const controller: ControllerProcess = {
    name,
    url,
    port,
    child,
    output: () => output,
    logs: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    status: async () => {
      assertAlive();
      return (await getJson(`${url}/status`)) as ControllerStatusView;
    },
    metrics: async () => {
      assertAlive();
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
      return response.text();
    },
    exited: () => child.exitCode !== null || child.signalCode !== null,
    kill: async (signal) => {
      if (controller.exited()) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exitPromise;
      clearTimeout(timer);
      return code;
    },
  };
  await waitFor(`${name} to answer /healthz on ${url}`, 20_000, async () => {
    assertAlive();
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    return response?.ok === true;
  });
  return controller;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

/**
 * Polls `check` every 100 ms until it returns a truthy value (returned) or the deadline
 * passes (throws "timed out waiting for <what>" with the last error or value).
 */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      // An exited process is final: say so at once instead of waiting out the deadline.
      if (error instanceof Error && / exited /.test(error.message)) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A GitHub push webhook for `branch` at `after`, signed with `secret` (or the given signature). */
export async function sendGithubPush(
  controller: ControllerProcess,
  options: { secret: string; branch: string; after: string; signature?: string; path?: string },
): Promise<Response> {
  const body = JSON.stringify({ ref: `refs/heads/${options.branch}`, after: options.after, repository: { full_name: 'example/regions' } });
  const signature = options.signature ?? `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`;
  return fetch(`${controller.url}${options.path ?? '/webhook'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': signature },
    body,
    signal: AbortSignal.timeout(5000),
  });
}

/** The controller took the push: 200 {accepted: true} (ignored pushes get 202). */
export async function expectAccepted(response: Response): Promise<void> {
  const body = (await response.json()) as { accepted?: boolean };
  if (response.status !== 200 || body.accepted !== true) throw new Error(`webhook not accepted: HTTP ${response.status} ${JSON.stringify(body)}`);
}

/** Sum of a Prometheus metric's samples whose labels include all of `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const sampleLabels = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => sampleLabels[key] === value)) sum += Number(match[4]);
  }
  return sum;
}

export interface SandboxCensus {
  /** Live stacks (not deleted) by region. */
  stacks: string[];
  /** Records in the zone that regionctl manages (not SOA/NS), as "name type setId". */
  records: string[];
  /** Health checks not deleted. */
  healthChecks: number;
  /** Health checks not deleted, by caller reference: more than one per reference is a duplicate. */
  healthCheckReferences: string[];
  raw: unknown;
}

/** What exists in the sandbox cloud saved at `path`. */
export function sandboxCensus(path: string): SandboxCensus {
  const state = JSON.parse(readFileSync(path, 'utf8')) as {
    stacks: Array<{ region: string; name: string; status: string }>;
    zones: Array<{ name: string; records: Array<{ name: string; type: string; setIdentifier?: string }> }>;
    healthChecks: Array<{ deleted: boolean; callerReference: string; config: unknown; tags: Record<string, string> }>;
  };
  return {
    stacks: state.stacks.filter((s) => s.status !== 'DELETE_COMPLETE').map((s) => `${s.region}/${s.name}`).sort(),
    records: state.zones
      .flatMap((z) => z.records)
      .filter((r) => r.type !== 'SOA' && r.type !== 'NS')
      .map((r) => `${r.name} ${r.type} ${r.setIdentifier ?? ''}`.trim())
      .sort(),
    healthChecks: state.healthChecks.filter((h) => !h.deleted).length,
    healthCheckReferences: state.healthChecks.filter((h) => !h.deleted).map((h) => h.callerReference).sort(),
    raw: state,
  };
}

export interface ControllerSettings {
  gitUrl: string;
  branch: string;
  /** Where the controller keeps its working copy. */
  workDir: string;
  sandboxFile: string;
  /** Sandbox time runs this many times faster than real time. */
  sandboxSpeed: number;
  webhookSecret: string;
  lease?: { table: string; seconds: number; instanceId: string; awsEnv: Record<string, string> };
}

/** The environment of `regionctl run` for these settings (names as the README documents them). */
export function controllerEnv(settings: ControllerSettings): Record<string, string> {
  return {
    REGIONCTL_GIT_URL: settings.gitUrl,
    REGIONCTL_GIT_BRANCH: settings.branch,
    REGIONCTL_MANIFESTS: 'regions.yaml',
    REGIONCTL_GIT_DIR: settings.workDir,
    REGIONCTL_SANDBOX: settings.sandboxFile,
    REGIONCTL_SANDBOX_SPEED: String(settings.sandboxSpeed),
    REGIONCTL_WEBHOOK_SECRET_GITHUB: settings.webhookSecret,
    // Only the webhook (and start-up) may trigger a reconcile in these tests.
    REGIONCTL_RESYNC: 'off',
    REGIONCTL_LOG_LEVEL: 'info',
    ...(settings.lease
      ? {
          REGIONCTL_LEASE_TABLE: settings.lease.table,
          REGIONCTL_LEASE_SECONDS: String(settings.lease.seconds),
          REGIONCTL_INSTANCE_ID: settings.lease.instanceId,
          ...settings.lease.awsEnv,
        }
      : {}),
  };
}

/** The three-region example as a RegionSet at `regions` (no tables: the sandbox cloud has none to assume). */
export function regionSetManifest(regions: string[]): string {
  const example = readFileSync(join(process.cwd(), 'manifests', 'global-api.yaml'), 'utf8');
  const withoutTables = example.replace(/\n  tables:\n(    .*\n)+/, '\n');
  const head = withoutTables.slice(0, withoutTables.indexOf('\n  regions:\n'));
  return `${head}\n  regions:\n${regions.map((region) => `    ${region}: {}`).join('\n')}\n`;
}

export const STACK_TEMPLATE = readFileSync(join(process.cwd(), 'manifests', 'stacks', 'regional-api.yaml'), 'utf8');

/** POST /trigger (sync + reconcile every RegionSet) with the bearer token; throws unless it is accepted (202). */
export async function postTrigger(controller: ControllerProcess, token: string): Promise<void> {
  const response = await fetch(`${controller.url}/trigger`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
  if (response.status !== 202) throw new Error(`manual trigger not accepted: HTTP ${response.status} ${await response.text()}`);
}

/** The status ('True', 'False', …) of condition `type` on RegionSet `set`. */
export function conditionOf(status: ControllerStatusView, set: string, type: string): string | undefined {
  return status.regionSets[set]?.conditions.find((c) => c.type === type)?.status;
}

/** Waits until RegionSet `set` is Ready at `revision` and not reconciling; returns the status then. */
export async function readyAt(controller: ControllerProcess, set: string, revision: string, timeoutMs = 30_000): Promise<ControllerStatusView> {
  return waitFor(`${controller.name}: ${set} Ready at ${revision.slice(0, 8)}`, timeoutMs, async () => {
    const status = await controller.status();
    const current = status.regionSets[set];
    if (current?.lastAppliedRevision === revision && conditionOf(status, set, 'Ready') === 'True' && conditionOf(status, set, 'Reconciling') !== 'True') return status;
    // Thrown, so that a timeout says where the RegionSet got stuck.
    throw new Error(`at ${current?.lastAppliedRevision?.slice(0, 8)}, last outcome ${current?.lastOutcome}, error ${current?.lastError?.message}`);
  });
}

/** A git daemon, a temporary directory and the settings of a controller on both (sandbox cloud in that directory). */
export interface E2eWorkspace {
  git: GitServer;
  dir: string;
  settings: ControllerSettings;
}

/**
 * The set-up an end-to-end test file shares, registered in that file: what it starts here
 * (moto, git daemons, temporary directories, controller processes) is killed, stopped and
 * removed in afterAll, controllers first.
 */
export function e2eFixtures(): {
  startMoto(): Promise<Moto>;
  workspace(options: { prefix: string; secret: string; sandboxSpeed?: number }): Promise<E2eWorkspace>;
  start(name: string, env: Record<string, string>): Promise<ControllerProcess>;
  /** SIGKILLs every controller started so far (a test that starts its own set). */
  killAll(): Promise<void>;
} {
  const processes: ControllerProcess[] = [];
  const servers: GitServer[] = [];
  const dirs: string[] = [];
  const motos: Moto[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await Promise.all(servers.map((s) => s.dispose()));
    await Promise.all(motos.map((m) => m.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return {
    async startMoto() {
      // The SDK's notice that its 2027 releases need Node 22: nothing these tests can act on.
      process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
      const moto = await startMoto();
      motos.push(moto);
      return moto;
    },
    async workspace({ prefix, secret, sandboxSpeed = 1000 }) {
      const git = await startGitDaemon();
      servers.push(git);
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      const settings = { gitUrl: git.url, branch: git.branch, workDir: join(dir, 'work'), sandboxFile: join(dir, 'sandbox.json'), sandboxSpeed, webhookSecret: secret };
      return { git, dir, settings };
    },
    async start(name, env) {
      const controller = await startController(name, env);
      processes.push(controller);
      return controller;
    },
    async killAll() {
      await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')));
    },
  };
}
