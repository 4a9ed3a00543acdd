// The fault suite's world: a sandbox account on virtual time already converged to a
// `before` manifest, a controller loop that reconciles the way `regionctl run` would
// (a reconcile whose reads are throttled is retried at the next resync; failed steps are
// re-planned), the end-state audit every case runs, and the printed fault matrix.

import { expect } from 'vitest';
import { execute, type ApplyResult, type ExecuteOptions } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { TransientError } from '../../controller/errors.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import type { Providers } from '../../controller/providers/types.js';
import { nextRandom } from '../../controller/providers/sandbox/util.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState, type ScenarioManifest } from '../apply/desired.js';

export const ZONE = 'example.com.';
export const RECORD = 'api.example.com.';
export const STACK = 'global-api';
export const THREE = { 'us-east-1': '{}', 'eu-west-1': '{}', 'ap-southeast-1': '{}' };
export const FIVE_MORE = { 'us-west-2': '{}', 'us-west-1': '{}', 'eu-central-1': '{}', 'ap-northeast-1': '{}', 'sa-east-1': '{}' };
/** Virtual time between two reconciles when one could not finish (the resync period). */
const RESYNC_MS = 60_000;

export interface FaultWorld {
  clock: FakeClock;
  cloud: SandboxCloud;
  /** The sandbox's providers with the AWS SDK's own retries in front (see withSdkRetries). */
  providers(): Providers;
}

/** The AWS SDK's default (standard mode): 3 attempts per call. */
const SDK_ATTEMPTS = 3;

/**
 * The AWS providers sit on SDK clients that retry throttling and 5xx themselves before
 * regionctl sees an error; the sandbox answers each call once. Give the sandbox the same
 * attempts, so a storm is as harsh here as on AWS and no harsher: the reads of planning
 * (readLiveState) have no retry of their own, so without these a 25% storm fails almost
 * every reconcile before it plans.
 */
export function withSdkRetries(providers: Providers, clock: FakeClock): Providers {
  const wrap = <T extends object>(service: T): T =>
    new Proxy(service, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          for (let attempt = 1; ; attempt++) {
            try {
              return await value.apply(target, args);
            } catch (error) {
              if (!(error instanceof TransientError) || attempt >= SDK_ATTEMPTS) throw error;
              await clock.sleep(100 * 2 ** attempt);
            }
          }
        };
      },
    });
  return { stacks: wrap(providers.stacks), tables: wrap(providers.tables), dns: wrap(providers.dns), healthChecks: wrap(providers.healthChecks) };
}

/** Sandbox (default latencies) with zone and table, converged to `before`; call log empty. */
export async function convergedWorld(before: ScenarioManifest, seed = 1): Promise<FaultWorld> {
  const clock = new FakeClock();
  const cloud = new SandboxCloud({ clock, seed });
  cloud.seedZone(ZONE);
  cloud.seedTable('orders', 'us-east-1');
  const w: FaultWorld = { clock, cloud, providers: () => withSdkRetries(cloud.providers(), clock) };
  const report = await reconcileUntilConverged(w, await desiredState(before));
  if (!report.converged) throw new Error(`fault suite: the starting state did not converge: ${JSON.stringify(report)}`);
  cloud.calls.reset();
  return w;
}

/** Reproducible backoff jitter: the same interleaving, hence the same faults, every run. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    const [value, next] = nextRandom(state);
    state = next;
    return value;
  };
}

export function executeOptions(w: FaultWorld, desired: DesiredState, extra: Partial<ExecuteOptions> = {}): ExecuteOptions {
  return { clock: w.clock, maxParallelRegions: desired.rollout.maxParallelRegions, regionSet: desired.name, retry: { random: seededRandom(7) }, ...extra };
}

export interface ReconcileReport {
  converged: boolean;
  /** Reconciles run, the final (empty) plan included. */
  reconciles: number;
  /** Reconciles that could not read the live state (throttled reads). */
  planningErrors: string[];
  /** Step failures reported along the way, as "step id: message". */
  failures: string[];
  refusals: string[];
}

/**
 * Reconciles until a plan is empty, as the running controller would: a failed reconcile
 * (throttled reads, failed steps) is followed by another one after the resync period.
 * Stops at a refusal: a refused plan never executes.
 */
export async function reconcileUntilConverged(w: FaultWorld, desired: DesiredState, maxReconciles = 8, extra: Partial<ExecuteOptions> = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { converged: false, reconciles: 0, planningErrors: [], failures: [], refusals: [] };
  while (report.reconciles < maxReconciles) {
    report.reconciles++;
    let plan;
    try {
      ({ plan } = await planReconcile(desired, w.providers(), { now: w.clock.now() }));
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      report.planningErrors.push(error.message);
      await w.clock.sleep(RESYNC_MS);
      continue;
    }
    if (plan.refusals.length > 0) {
      report.refusals = plan.refusals.map((refusal) => refusal.message);
      return report;
    }
    if (plan.steps.length === 0) {
      report.converged = true;
      return report;
    }
    const result: ApplyResult = await execute(plan, w.providers(), executeOptions(w, desired, extra));
    report.failures.push(...result.failed.map((failure) => `${failure.stepId}: ${failure.message}`));
    if (result.failed.length > 0) await w.clock.sleep(RESYNC_MS);
  }
  return report;
}

export interface Expected {
  /** Regions holding an ACTIVE replica of orders. */
  replicas: string[];
  /** Replica deletions since the world was made (each deletes a region's items). */
  replicaDeletions?: number;
}

/**
 * The end state a user checks after an incident: one stack per manifest region, one health
 * check per serving region and each one in use, a record only where a region serves (at
 * its full weight, pointing at its own stack), nothing else of ours in the zone, every
 * replica kept.
 */
export function expectConverged(w: FaultWorld, desired: DesiredState, expected: Expected, label = ''): void {
  const serving = desired.regions.filter((region) => region.state === 'active').map((region) => region.code).sort();
  const all = desired.regions.map((region) => region.code).sort();

  const stacks = w.cloud.listStacks();
  expect(stacks.map((stack) => `${stack.region} ${stack.name} ${stack.status}`).sort(), `${label} stacks`).toEqual(all.map((region) => `${region} ${STACK} CREATE_COMPLETE`));

  const records = w.cloud.recordsOf(ZONE);
  const api = records.filter((record) => record.name === RECORD);
  expect(api.map((record) => `${record.setIdentifier} ${record.weight}`), `${label} serving records`).toEqual(serving.map((region) => `global-api:${region} 100`));
  const inventory = records.filter((record) => record.type === 'TXT' && record.name.startsWith('_regionctl.'));
  expect(inventory.map((record) => record.values.join(' ')), `${label} inventory`).toEqual([expect.stringContaining(`regions=${all.join(',')}`)]);
  const stray = records.filter((record) => !api.includes(record) && !inventory.includes(record) && record.type !== 'NS' && record.type !== 'SOA');
  expect(stray, `${label} stray records`).toEqual([]);

  const checks = w.cloud.listHealthChecks();
  expect(checks, `${label} one health check per serving region`).toHaveLength(serving.length);
  for (const record of api) {
    const region = record.setIdentifier!.split(':')[1]!;
    const endpoint = w.cloud.peekStack(region, STACK)!.outputs['ApiDomainName']!;
    expect(record.values, `${label} ${region} record target`).toEqual([endpoint]);
    const check = checks.find((candidate) => candidate.id === record.healthCheckId);
    expect(check?.config.fqdn, `${label} ${region} record's health check`).toBe(endpoint);
  }

  expect(w.cloud.replicasOf('orders').map((replica) => `${replica.region} ${replica.status}`).sort(), `${label} replicas`).toEqual(
    [...expected.replicas].sort().map((region) => `${region} ACTIVE`),
  );
  expect(w.cloud.replicaDeletionCount, `${label} replica deletions`).toBe(expected.replicaDeletions ?? 0);
}

/** Calls of one AWS operation that AWS accepted (attempts refused by a storm not counted). */
export function acceptedCalls(w: FaultWorld, operation: string): number {
  return w.cloud.calls.entries.filter((call) => call.operation === operation && call.outcome === 'ok').length;
}

/** Calls that failed with one of these error codes (retried, or reported). */
export function faultedCalls(w: FaultWorld, codes: string[]): number {
  return w.cloud.calls.entries.filter((call) => codes.includes(call.outcome)).length;
}

// ---- the matrix ----------------------------------------------------------------------------

export interface MatrixRow {
  case: string;
  fault: string;
  outcome: string;
}

/** Rows of this test file, printed by printMatrix in an afterAll. */
export const matrix: MatrixRow[] = [];

export function printMatrix(title: string): void {
  const header: MatrixRow = { case: 'case', fault: 'injected fault', outcome: 'outcome' };
  const rows = [header, ...matrix];
  const width = (key: keyof MatrixRow) => Math.max(...rows.map((row) => row[key].length));
  const line = (row: MatrixRow) => `| ${row.case.padEnd(width('case'))} | ${row.fault.padEnd(width('fault'))} | ${row.outcome.padEnd(width('outcome'))} |`;
  const rule = `|-${'-'.repeat(width('case'))}-|-${'-'.repeat(width('fault'))}-|-${'-'.repeat(width('outcome'))}-|`;
  console.log([`\nFault matrix: ${title}`, line(header), rule, ...matrix.map(line)].join('\n'));
}
