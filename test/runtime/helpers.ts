// A manifest repository in a temp dir (the example global-api with its stack template) and
// a sandbox cloud on virtual time, for the runtime tests.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { startRuntime, type Runtime, type RuntimeConfig, type RuntimeDependencies } from '../../controller/runtime/main.js';

export const MANIFEST = 'manifests/global-api.yaml';

export function manifestRepo(): { dir: string; edit(from: RegExp | string, to: string): void; write(file: string, text: string): void; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'regionctl-runtime-'));
  cpSync('manifests/global-api.yaml', join(dir, MANIFEST));
  cpSync('manifests/stacks', join(dir, 'manifests/stacks'), { recursive: true });
  return {
    dir,
    edit(from, to) {
      const path = join(dir, MANIFEST);
      const text = readFileSync(path, 'utf8');
      const next = text.replace(from, to);
      if (next === text) throw new Error(`edit: ${String(from)} not found in ${MANIFEST}`);
      writeFileSync(path, next);
    },
    write(file, text) {
      writeFileSync(join(dir, file), text);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The example with weighted routing and a weight per region (200, 100, 50), so /status has weights to show. */
export function useWeightedRouting(repo: ReturnType<typeof manifestRepo>): void {
  repo.edit('routing: latency', 'routing: weighted');
  repo.edit('    eu-west-1: {}\n    us-east-2: {}\n    ap-southeast-1: {}\n', '    eu-west-1: { weight: 200 }\n    us-east-2: { weight: 100 }\n    ap-southeast-1: { weight: 50 }\n');
}

/** The cloud the example assumes: the zone and the orders table (home eu-west-1). */
export function sandboxWorld(): { clock: FakeClock; cloud: SandboxCloud } {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const cloud = new SandboxCloud({ clock });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'eu-west-1');
  return { clock, cloud };
}

/** The regions of the example's latency record api.example.com. (the regions taking traffic), sorted. */
export function latencyRegions(cloud: SandboxCloud): Array<string | undefined> {
  return cloud
    .recordsOf('example.com.')
    .filter((record) => record.name === 'api.example.com.' && record.region !== undefined)
    .map((record) => record.region)
    .sort();
}

/** A pino destination that keeps every line. */
export function captureLines(): { stream: Writable & { write(line: string): boolean }; text(): string; records(): Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return {
    stream,
    text: () => lines.join(''),
    records: () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * The configuration the runtime tests share: `sourceDir` as the source, apply mode, no resync,
 * 127.0.0.1 on a free port, silent logs; the test's overrides on top.
 */
export function runtimeConfig(sourceDir: string, overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    sourceUrl: sourceDir,
    branch: 'main',
    manifestGlob: 'manifests/*.yaml',
    mode: 'apply',
    resync: false,
    webhookSecrets: {},
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    suspended: [],
    shutdownTimeoutMs: 10_000,
    ...overrides,
  };
}

/** What start() gives: the running runtime and its HTTP surface. */
export interface StartedRuntime {
  runtime: Runtime;
  url: string;
  http(path: string, init?: RequestInit): Promise<Response>;
  json(path: string): Promise<any>;
}

/**
 * The per-test set-up of the runtime tests, registered in the calling file: a fresh manifest
 * repository before each test; after it, the runtime stopped and the repository removed.
 * config() is runtimeConfig() on that repository.
 */
export function runtimeHarness(): {
  readonly repo: ReturnType<typeof manifestRepo>;
  config(overrides?: Partial<RuntimeConfig>): RuntimeConfig;
  start(config: RuntimeConfig, deps: Partial<RuntimeDependencies>): Promise<StartedRuntime>;
} {
  let repo: ReturnType<typeof manifestRepo> | undefined;
  let runtime: Runtime | undefined;
  beforeEach(() => {
    repo = manifestRepo();
  });
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
    repo?.remove();
  });
  const current = () => {
    if (!repo) throw new Error('runtimeHarness: the repository exists only inside a test');
    return repo;
  };
  return {
    get repo() {
      return current();
    },
    config: (overrides = {}) => runtimeConfig(current().dir, overrides),
    async start(config, deps) {
      runtime = await startRuntime(config, deps);
      const url = runtime.server.url;
      const http = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
      return { runtime, url, http, json: async (path: string) => (await http(path)).json() };
    },
  };
}
