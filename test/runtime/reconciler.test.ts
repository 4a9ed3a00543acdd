// One reconcile of one RegionSet against the sandbox on virtual time, with the manifest in
// a temp dir: converge, invalid manifest, plan-only, suspended — counted by the sandbox's
// call log, which records every AWS API call as CloudTrail would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlwaysLeader } from '../../controller/runtime/leases.js';
import { createLogger, silentLogger } from '../../controller/runtime/logger.js';
import { reconcileRegionSet, type ReconcileRequest, type ReconcilerOptions } from '../../controller/runtime/reconciler.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import type { Leases } from '../../controller/runtime/leases.js';
import { captureLines, MANIFEST, manifestRepo, sandboxWorld, useWeightedRouting } from './helpers.js';

let repo: ReturnType<typeof manifestRepo>;
beforeEach(() => {
  repo = manifestRepo();
});
afterEach(() => repo.remove());

function request(revision = 'rev-1'): ReconcileRequest {
  return { regionSet: 'global-api', root: repo.dir, file: MANIFEST, revision, reasons: ['test'] };
}

function options(world: ReturnType<typeof sandboxWorld>, overrides: Partial<ReconcilerOptions> = {}): ReconcilerOptions {
  return {
    mode: 'apply',
    targets: new SandboxTargets({ cloud: world.cloud }),
    leases: new AlwaysLeader(),
    logger: silentLogger(),
    isSuspended: () => false,
    ...overrides,
  };
}

describe('reconcileRegionSet on the sandbox', () => {
  it('converges the example, then finds nothing to do', async () => {
    const world = sandboxWorld();
    const first = await reconcileRegionSet(request(), options(world));
    expect(first.kind).toBe('applied');
    expect(first.apply?.failed).toEqual([]);
    expect(first.plan?.summary.regions).toEqual({ 'ap-southeast-1': 'joining', 'eu-west-1': 'joining', 'us-east-2': 'joining' });
    expect(world.cloud.listStacks().map((s) => s.region).sort()).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);

    world.cloud.calls.reset();
    const second = await reconcileRegionSet(request(), options(world));
    expect(second.kind).toBe('converged');
    expect(second.plan?.steps).toBe(0);
    expect(world.cloud.calls.writes()).toEqual([]);
  });

  it('logs every step with reconcileId, revision, regionSet, region and step', async () => {
    const world = sandboxWorld();
    const lines = captureLines();
    const outcome = await reconcileRegionSet(request('abc123'), options(world, { logger: createLogger({ destination: lines.stream }) }));
    const stepLines = lines.records().filter((r) => r['event'] === 'step-done');
    expect(stepLines.length).toBe(outcome.apply!.completed);
    const stack = stepLines.find((r) => r['action'] === 'stack.create')!;
    expect(stack).toMatchObject({ reconcileId: outcome.reconcileId, revision: 'abc123', regionSet: 'global-api' });
    expect(typeof stack['region']).toBe('string');
    expect(String(stack['step'])).toMatch(/stack\.create/);
  });

  it('an invalid manifest stalls with file:line:col, makes no AWS call and leaves the cloud as it was', async () => {
    const world = sandboxWorld();
    await reconcileRegionSet(request(), options(world));
    const before = JSON.stringify(world.cloud.toJSON());
    world.cloud.calls.reset();

    repo.edit('    us-east-2: {}\n', '    us-east-2: { weight: 900 }\n');
    const outcome = await reconcileRegionSet(request('rev-2'), options(world));
    expect(outcome.kind).toBe('stalled');
    // The place of the bad weight, relative to the repository root.
    const lines = readFileSync(join(repo.dir, MANIFEST), 'utf8').split('\n');
    const line = lines.findIndex((text) => text.includes('weight: 900')) + 1;
    expect(outcome.issues?.[0]).toMatchObject({ file: MANIFEST, line, column: lines[line - 1]!.indexOf('900') + 1 });
    expect(world.cloud.calls.count()).toBe(0);
    expect(JSON.stringify(world.cloud.toJSON())).toBe(before);
  });

  it('plan-only reports drift and writes nothing', async () => {
    const world = sandboxWorld();
    const outcome = await reconcileRegionSet(request(), options(world, { mode: 'plan-only' }));
    expect(outcome.kind).toBe('drift');
    expect(outcome.plan!.steps).toBeGreaterThan(0);
    expect(outcome.plan!.stepsByAction['stack.create']).toBe(3);
    expect(world.cloud.calls.count()).toBeGreaterThan(0);
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(world.cloud.listStacks()).toEqual([]);
  });

  it('a suspended RegionSet is skipped without a call', async () => {
    const world = sandboxWorld();
    const outcome = await reconcileRegionSet(request(), options(world, { isSuspended: (name) => name === 'global-api' }));
    expect(outcome.kind).toBe('suspended');
    expect(world.cloud.calls.count()).toBe(0);
  });

  it('a replica without the lease makes no call', async () => {
    const world = sandboxWorld();
    const follower: Leases = { acquire: async () => undefined, isHeld: () => false, renewAll: async () => {}, releaseAll: async () => {} };
    const outcome = await reconcileRegionSet(request(), options(world, { leases: follower }));
    expect(outcome.kind).toBe('not-leader');
    expect(world.cloud.calls.count()).toBe(0);
  });

  it('a refused plan executes nothing', async () => {
    const world = sandboxWorld();
    await reconcileRegionSet(request(), options(world));
    world.cloud.calls.reset();
    // us-east-2 turns unhealthy: draining eu-west-1 would leave one healthy serving region; minHealthyRegions is 2.
    const check = world.cloud.listHealthChecks().find((h) => Object.values(h.tags).includes('us-east-2'))!;
    world.cloud.setHealth(check.id, 'unhealthy');
    repo.edit('    eu-west-1: {}\n', '    eu-west-1: { state: drained }\n');
    const outcome = await reconcileRegionSet(request('rev-2'), options(world));
    expect(outcome.kind).toBe('refused');
    expect(outcome.plan!.refusals.map((r) => r.rule)).toContain('min-healthy-regions');
    expect(world.cloud.calls.writes()).toEqual([]);
  });

  it('a join whose health fails during its ramp is observed unhealthy at the rollback weight, the others as read', async () => {
    const world = sandboxWorld();
    useWeightedRouting(repo);
    repo.edit('    ap-southeast-1: { weight: 50 }\n', '');
    repo.edit('    maxParallelRegions: 2\n', '    maxParallelRegions: 2\n    ramp: [20, 100]\n');
    expect((await reconcileRegionSet(request(), options(world))).kind).toBe('applied');
    repo.edit('    us-east-2: { weight: 100 }\n', '    us-east-2: { weight: 100 }\n    ap-southeast-1: { weight: 50 }\n');
    // Once the new region's first weighted record is written, its endpoint stops answering (seen in the step log).
    const logger = createLogger({
      destination: {
        write(line: string) {
          const { step, event } = JSON.parse(line) as { step?: string; event?: string };
          if (event === 'step-done' && step?.startsWith('ap-southeast-1:record.create:')) {
            const check = world.cloud.listHealthChecks().find((h) => Object.values(h.tags).includes('ap-southeast-1'))!;
            world.cloud.setHealth(check.id, 'unhealthy');
          }
        },
      },
    });
    const outcome = await reconcileRegionSet(request('rev-2'), options(world, { logger }));
    expect(outcome.kind).toBe('apply-failed');
    expect(outcome.apply!.failed.map((f) => f.message)).toEqual([expect.stringContaining('rolled back to weight 0')]);
    expect(outcome.regionsObserved).toEqual({
      'ap-southeast-1': { weight: { desired: 50, live: 0 }, health: 'unhealthy' },
      'eu-west-1': { weight: { desired: 200, live: 200 }, health: 'healthy' },
      'us-east-2': { weight: { desired: 100, live: 100 }, health: 'healthy' },
    });
  });

  it('an aborted signal starts no step', async () => {
    const world = sandboxWorld();
    const signal = AbortSignal.abort();
    const outcome = await reconcileRegionSet(request(), options(world, { signal }));
    expect(outcome.kind).toBe('interrupted');
    expect(world.cloud.calls.writes()).toEqual([]);
  });
});
