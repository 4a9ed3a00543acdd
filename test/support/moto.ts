// moto in server mode, for tests that talk to a real AWS-compatible HTTP API.
// The venv is created once (pinned moto) under .venv; each test file starts its own
// server on a free loopback port, so files running in parallel never share state.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { DynamoLeaseStore, ensureLeaseTable } from '../../controller/providers/aws/leases.js';
import { freePort } from './ports.js';

export const MOTO_VERSION = '5.2.5';
const VENV = join(process.cwd(), '.venv');
const MOTO_SERVER = join(VENV, 'bin', 'moto_server');
const LOCK = join(process.cwd(), '.venv.lock');

/**
 * Runs `install` holding .venv's lock (one pip at a time across test processes), unless
 * `installed()` already holds, checked before and again once the lock is held.
 */
export function installInVenvOnce(installed: () => boolean, install: () => void): void {
  if (installed()) return;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      execFileSync('sleep', ['1']);
      if (installed()) return;
    }
  }
  try {
    if (!installed()) install();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Creates .venv with moto[server] pinned, unless it is there already. Safe across processes. */
export function ensureMoto(): string {
  installInVenvOnce(
    () => existsSync(MOTO_SERVER),
    () => {
      execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
      execFileSync(join(VENV, 'bin', 'pip'), ['install', '--quiet', `moto[server]==${MOTO_VERSION}`], { stdio: 'inherit' });
    },
  );
  return MOTO_SERVER;
}

export interface Moto {
  endpoint: string;
  /** Environment for a child process (CLI) pointed at this server with fake credentials. */
  env: Record<string, string>;
  /** Drops every resource (moto's reset API) so a test starts from an empty account. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts moto_server on 127.0.0.1 and waits until it answers (at most 30 s). */
export async function startMoto(): Promise<Moto> {
  const binary = ensureMoto();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${endpoint}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    },
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * moto for the tests of one file, registered there. Before all: the server started, fake
 * credentials put in this process's environment (clients on the SDK's default chain find
 * them), the SDK's notice that its 2027 releases need Node 22 silenced (nothing a test can act
 * on), then `connect` builds the file's clients and may return how to close them. After all:
 * they are closed and the server stopped. `current` is the server once started.
 */
export function useMoto(connect: (moto: Moto) => Promise<(() => void) | void> | (() => void) | void = () => {}): { readonly current: Moto } {
  let moto: Moto | undefined;
  let close: (() => void) | void;
  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    close = await connect(moto);
  }, 180_000);
  afterAll(async () => {
    close?.();
    await moto?.stop();
  });
  return {
    get current() {
      if (!moto) throw new Error('useMoto: moto runs only while the tests of the file that registered it do');
      return moto;
    },
  };
}

/**
 * useMoto with the lease table `table` made in it: `client` is a DynamoDB client on moto (one
 * attempt, fake credentials), `store()` a lease store on the table.
 */
export function useMotoLeaseTable(table: string): { readonly moto: Moto; readonly client: DynamoDBClient; store(): DynamoLeaseStore } {
  let client: DynamoDBClient | undefined;
  const moto = useMoto(async ({ endpoint }) => {
    const created = new DynamoDBClient({ region: 'us-east-1', endpoint, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    client = created;
    await ensureLeaseTable(created, table);
    return () => created.destroy();
  });
  const current = () => {
    if (!client) throw new Error('useMotoLeaseTable: the client exists only while the tests of the file that registered it run');
    return client;
  };
  return {
    get moto() {
      return moto.current;
    },
    get client() {
      return current();
    },
    store: () => new DynamoLeaseStore(current(), table),
  };
}
