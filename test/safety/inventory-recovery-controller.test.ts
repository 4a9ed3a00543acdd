// Issue #11, item 7b in the running controller: a reconcile that finds the inventory record
// deleted by hand logs it (a warning naming what the scan found and which regions leave),
// rebuilds it, and removes a region whose line was deleted meanwhile, stack included.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseInventory } from '../../controller/plan/identity.js';
import { AlwaysLeader } from '../../controller/runtime/leases.js';
import { createLogger, silentLogger } from '../../controller/runtime/logger.js';
import { reconcileRegionSet, type ReconcileRequest, type ReconcilerOptions } from '../../controller/runtime/reconciler.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import { captureLines, MANIFEST, manifestRepo, sandboxWorld } from '../runtime/helpers.js';

const INVENTORY = '_regionctl.global-api.example.com.';
let repo: ReturnType<typeof manifestRepo>;
beforeEach(() => {
  repo = manifestRepo();
});
afterEach(() => repo.remove());

function request(revision: string): ReconcileRequest {
  return { regionSet: 'global-api', root: repo.dir, file: MANIFEST, revision, reasons: ['test'] };
}

function options(world: ReturnType<typeof sandboxWorld>, logger = silentLogger()): ReconcilerOptions {
  return { mode: 'apply', targets: new SandboxTargets({ cloud: world.cloud }), leases: new AlwaysLeader(), logger, isSuspended: () => false };
}

it('the controller logs a lost inventory, rebuilds it and removes the region whose line went away, stack included', async () => {
  const world = sandboxWorld();
  // Four regions, so that removing one keeps minHealthyRegions (2) satisfied.
  repo.edit('    ap-southeast-1: {}\n', '    ap-southeast-1: {}\n    us-west-2: {}\n');
  expect((await reconcileRegionSet(request('rev-1'), options(world))).kind).toBe('applied');
  expect(world.cloud.peekStack('us-west-2', 'global-api')).toBeDefined();

  const zoneId = world.cloud.zones()[0]!.id;
  const inventory = world.cloud.recordsOf('example.com.').find((r) => r.name === INVENTORY && r.type === 'TXT')!;
  await world.cloud.providers().dns.change(zoneId, [{ action: 'DELETE', record: inventory }], 'deleted by hand');
  repo.edit('    us-west-2: {}\n', '');

  const lines = captureLines();
  const outcome = await reconcileRegionSet(request('rev-2'), options(world, createLogger({ destination: lines.stream })));
  expect(outcome.kind).toBe('applied');
  const warning = lines.records().find((r) => String(r['msg']).startsWith('inventory record lost'));
  expect(warning).toMatchObject({
    level: 'warn',
    msg: "inventory record lost while resources of this RegionSet exist: rebuilt from a scan of the account's regions",
    regionSet: 'global-api',
    revision: 'rev-2',
    leaving: ['us-west-2'],
  });
  expect(warning?.['found']).toEqual(['global-api@ap-southeast-1', 'global-api@eu-west-1', 'global-api@us-east-2', 'global-api@us-west-2']);
  expect(world.cloud.peekStack('us-west-2', 'global-api')).toBeUndefined();
  const rebuilt = world.cloud.recordsOf('example.com.').find((r) => r.name === INVENTORY && r.type === 'TXT')!;
  expect(parseInventory(rebuilt)).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);
});
