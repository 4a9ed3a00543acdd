// The running controller's figures:
// - webhook → first AWS write: `regionctl run` as a process (git daemon repository, sandbox
//   state file at 1000x), a commit adding a region, then a signed push webhook; measured
//   from sending the webhook to the `time` of the controller's step-start log line of the
//   first write step (every step but the *.wait ones calls a write first). Median of 5.
// - memory over 1,000 quiet reconciles of a converged RegionSet: the runtime in-process
//   (startRuntime, sandbox cloud, local directory source), sampled after global.gc() every
//   100 reconciles. It runs in a child `node --expose-gc --import tsx` so that gc is there and
//   no other suite's garbage counts against the controller. Growth is the least-squares slope
//   over the samples from 500 on. The heap also holds V8's own compilation data (bytecode,
//   deoptimisation data, feedback), which grows while the JIT tiers up and levels off after a
//   few thousand reconciles; so a second child runs with `node --jitless` (no compiled code)
//   and counts the JavaScript objects (objects, arrays, closures, strings) in heap snapshots
//   at 500 and 1,000 reconciles: those two figures say whether the controller keeps anything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { controllerEnv, expectAccepted, regionSetManifest, sendGithubPush, STACK_TEMPLATE, startController, waitFor, type ControllerProcess } from '../e2e/support.js';
import { startGitDaemon } from '../support/git-server.js';
import type { Figure } from './run.js';
import { median, slopePer } from './stats.js';

const SECRET = 'bench-webhook-secret-0c4a';
const SET = 'global-api';
const LATENCY_RUNS = 5;
/** One added per run, after one unmeasured warm-up run. */
const ADDED_REGIONS = ['ap-southeast-1', 'eu-central-1', 'us-west-2', 'sa-east-1', 'ap-northeast-1', 'ca-central-1'];
const RECONCILES = 1_000;
const SAMPLE_EVERY = 100;
/** Samples before this count are warm-up (module caches, first-reconcile allocations). */
const GROWTH_FROM = 500;
const SNAPSHOTS_AT = [GROWTH_FROM, RECONCILES];

export async function benchRuntime(): Promise<Figure[]> {
  const latencies = await webhookToFirstWriteMs();
  const memory = memoryInChild(false);
  // A second run without the JIT, taking the snapshots (writing and reading them would swell
  // the first run's RSS): its heap holds no compiled-code data, only what the program keeps.
  const interpreted = memoryInChild(true);
  const mib = (bytes: number) => bytes / 1024 / 1024;
  const at = (n: number) => memory.samples.find((sample) => sample.reconciles === n)!;
  const growthKiB = (samples: MemorySample[], bytes: (sample: MemorySample) => number) =>
    slopePer(SAMPLE_EVERY, samples.filter((sample) => sample.reconciles >= GROWTH_FROM).map((sample) => [sample.reconciles, bytes(sample)])) / 1024;
  const gc = memory.gc ? 'after gc' : 'no gc available';
  const [first, last] = [interpreted.objects.at(0)!, interpreted.objects.at(-1)!];
  const hundreds = (last.reconciles - first.reconciles) / 100;
  return [
    { name: `webhook → first AWS write, running controller (sandbox 1000x, add 1 region; median of ${latencies.length}, min ${Math.min(...latencies)} max ${Math.max(...latencies)})`, value: median(latencies), unit: 'ms' },
    { name: `controller RSS after ${RECONCILES} quiet reconciles (${gc})`, value: mib(at(RECONCILES).rss), unit: 'MiB' },
    { name: `controller heap used after 100 quiet reconciles (${gc})`, value: mib(at(100).heapUsed), unit: 'MiB' },
    { name: `controller heap used after ${RECONCILES} quiet reconciles (${gc})`, value: mib(at(RECONCILES).heapUsed), unit: 'MiB' },
    { name: `controller heap growth per 100 quiet reconciles, slope ${GROWTH_FROM} → ${RECONCILES} (${gc})`, value: growthKiB(memory.samples, (sample) => sample.heapUsed), unit: 'KiB' },
    { name: `controller heap growth per 100 quiet reconciles without V8 code space, slope ${GROWTH_FROM} → ${RECONCILES} (${gc})`, value: growthKiB(memory.samples, (sample) => sample.heapUsed - sample.codeSpace), unit: 'KiB' },
    { name: `controller heap growth per 100 quiet reconciles with node --jitless, slope ${GROWTH_FROM} → ${RECONCILES} (${gc})`, value: growthKiB(interpreted.samples, (sample) => sample.heapUsed), unit: 'KiB' },
    { name: `JavaScript objects kept per 100 quiet reconciles, heap snapshots ${GROWTH_FROM} → ${RECONCILES}`, value: (last.count - first.count) / hundreds, unit: 'objects' },
    { name: `bytes of JavaScript objects kept per 100 quiet reconciles, heap snapshots ${GROWTH_FROM} → ${RECONCILES}`, value: (last.bytes - first.bytes) / hundreds, unit: 'B' },
  ];
}

function condition(status: Awaited<ReturnType<ControllerProcess['status']>>, type: string): string | undefined {
  return status.regionSets[SET]?.conditions.find((c) => c.type === type)?.status;
}

async function readyAt(controller: ControllerProcess, revision: string): Promise<void> {
  await waitFor(`${SET} Ready at ${revision.slice(0, 8)}`, 60_000, async () => {
    const status = await controller.status();
    return status.regionSets[SET]?.lastAppliedRevision === revision && condition(status, 'Ready') === 'True' && condition(status, 'Reconciling') !== 'True';
  });
}

async function webhookToFirstWriteMs(): Promise<number[]> {
  const git = await startGitDaemon();
  const dir = mkdtempSync(join(tmpdir(), 'regionctl-bench-runtime-'));
  let controller: ControllerProcess | undefined;
  try {
    const regions = ['eu-west-1', 'us-east-2'];
    const first = await git.commit({ 'regions.yaml': regionSetManifest(regions), 'stacks/regional-api.yaml': STACK_TEMPLATE }, 'two regions');
    const settings = { gitUrl: git.url, branch: git.branch, workDir: join(dir, 'work'), sandboxFile: join(dir, 'sandbox.json'), sandboxSpeed: 1000, webhookSecret: SECRET };
    controller = await startController('bench', controllerEnv(settings));
    await readyAt(controller, first);

    const latencies: number[] = [];
    for (const [run, region] of ADDED_REGIONS.entries()) {
      regions.push(region);
      const revision = await git.commit({ 'regions.yaml': regionSetManifest(regions) }, `add ${region}`);
      const seen = controller.logs().length;
      const sentAt = Date.now();
      await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: revision }));
      const firstWrite = await waitFor(`the first write step after the webhook for ${region}`, 30_000, () =>
        controller!
          .logs()
          .slice(seen)
          .find((line) => line['event'] === 'step-start' && typeof line['action'] === 'string' && !line['action'].endsWith('.wait')),
      );
      // The first run pays for warming up (module loading in the controller, git's first fetch).
      if (run > 0) latencies.push(Date.parse(String(firstWrite['time'])) - sentAt);
      await readyAt(controller, revision);
    }
    return latencies.slice(0, LATENCY_RUNS);
  } finally {
    await controller?.kill('SIGKILL');
    await git.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface MemorySample {
  reconciles: number;
  rss: number;
  heapUsed: number;
  /** V8's code space (compiled code), which the JIT grows and shrinks on its own. */
  codeSpace: number;
}

interface MemoryReport {
  gc: boolean;
  samples: MemorySample[];
  /** JavaScript objects in the heap snapshot at each count (see jsObjects). */
  objects: Array<{ reconciles: number; count: number; bytes: number }>;
}

/** `interpreted`: node --jitless, with heap snapshots at SNAPSHOTS_AT. */
function memoryInChild(interpreted: boolean): MemoryReport {
  const node = ['--expose-gc', ...(interpreted ? ['--jitless'] : []), '--import', 'tsx'];
  const flags = ['--memory-child', ...(interpreted ? ['--snapshots'] : [])];
  const child = spawnSync(process.execPath, [...node, fileURLToPath(import.meta.url), ...flags], { encoding: 'utf8', timeout: 180_000 });
  if (child.status !== 0) throw new Error(`memory bench exited ${child.status ?? child.signal}: ${child.stderr.slice(-4000)}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as MemoryReport;
}

/** In the child: 1,000 quiet reconciles of the converged example, sampling memory on the way. */
async function measureMemory(takeSnapshots: boolean): Promise<MemoryReport> {
  const { startRuntime } = await import('../../controller/runtime/main.js');
  const { manifestRepo, sandboxWorld } = await import('../runtime/helpers.js');
  const { getHeapSpaceStatistics, writeHeapSnapshot } = await import('node:v8');
  const snapshotDir = mkdtempSync(join(tmpdir(), 'regionctl-bench-heap-'));
  const objects: MemoryReport['objects'] = [];
  const repo = manifestRepo();
  const world = sandboxWorld();
  // Logs at info as in production, to nowhere: kept lines would be the bench's memory, not the controller's.
  const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const runtime = await startRuntime(
    { sourceUrl: repo.dir, branch: 'main', manifestGlob: 'manifests/*.yaml', mode: 'apply', resync: false, webhookSecrets: {}, host: '127.0.0.1', port: 0, logLevel: 'info', suspended: [], shutdownTimeoutMs: 10_000 },
    { sandboxCloud: world.cloud, source: { sync: async () => ({ revision: 'rev-1', dir: repo.dir }) }, logDestination: discard as never },
  );
  const gc = (globalThis as { gc?: () => void }).gc;
  try {
    await runtime.controller.idle();
    const converged = runtime.controller.status.snapshot().regionSets[SET];
    if (converged?.lastOutcome !== 'applied') throw new Error(`the first reconcile did not apply: ${converged?.lastOutcome}`);
    const samples: MemorySample[] = [];
    for (let n = 1; n <= RECONCILES; n++) {
      runtime.controller.requestReconcile(SET, 'bench');
      await runtime.controller.idle();
      // The sandbox keeps every call for tests to inspect; that log is the fake cloud's memory, not the controller's.
      world.cloud.calls.reset();
      if (n % SAMPLE_EVERY === 0) {
        gc?.();
        const usage = process.memoryUsage();
        const codeSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'code_space')?.space_used_size ?? 0;
        samples.push({ reconciles: n, rss: usage.rss, heapUsed: usage.heapUsed, codeSpace });
        if (takeSnapshots && SNAPSHOTS_AT.includes(n)) objects.push({ reconciles: n, ...jsObjects(writeHeapSnapshot(join(snapshotDir, `${n}.heapsnapshot`))) });
      }
    }
    const last = runtime.controller.status.snapshot().regionSets[SET];
    if (last?.lastOutcome !== 'converged') throw new Error(`reconciles were not quiet: last outcome ${last?.lastOutcome}`);
    const metrics = await runtime.controller.metrics.text();
    if (!metrics.includes(`regionctl_reconcile_total{regionset="${SET}",outcome="converged"} ${RECONCILES}`)) throw new Error(`expected ${RECONCILES} converged reconciles in /metrics`);
    return { gc: gc !== undefined, samples, objects };
  } finally {
    await runtime.stop();
    repo.remove();
    rmSync(snapshotDir, { recursive: true, force: true });
  }
}

/** Heap snapshot node types that are JavaScript values (V8's code, shapes and internals are not). */
const JS_NODE_TYPES = new Set(['object', 'array', 'closure', 'string', 'concatenated string', 'sliced string', 'regexp', 'number', 'symbol', 'bigint']);

/** Counts the JavaScript values in a heap snapshot file, and their own (shallow) size. */
function jsObjects(file: string): { count: number; bytes: number } {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[] };
  const fields = snapshot.snapshot.meta.node_fields;
  const typeNames = snapshot.snapshot.meta.node_types[0];
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  let count = 0;
  let bytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    if (!JS_NODE_TYPES.has(typeNames[snapshot.nodes[i + typeAt]!]!)) continue;
    count++;
    bytes += snapshot.nodes[i + sizeAt]!;
  }
  return { count, bytes };
}

if (process.argv.includes('--memory-child') && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await measureMemory(process.argv.includes('--snapshots')))}\n`);
}
