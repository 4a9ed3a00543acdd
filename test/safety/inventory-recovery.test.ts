// Issue #11, item 7b: the inventory record (`_regionctl.<name>.<zone>` TXT, the regions a
// RegionSet manages) deleted by hand while resources of the RegionSet exist. regionctl says so
// in every output, rebuilds it from a one-time scan of the account's regions for stacks tagged
// with the RegionSet, and plans the removal of regions found outside the manifest instead of
// forgetting them. The scan never runs on a quiet reconcile or for a brand-new RegionSet.

import { partitionOf } from '../../controller/partition.js';
import { describe, expect, it, vi } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { AwsRequestError } from '../../controller/errors.js';
import { AWS_REGIONS } from '../../controller/manifest/regions.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { parseInventory } from '../../controller/plan/identity.js';
import { renderJson, renderMarkdown, renderText } from '../../controller/plan/render.js';
import type { Providers } from '../../controller/providers/types.js';
import { planReconcile } from '../../controller/reconcile.js';
import { withRegion, withoutRegion } from '../support/builders.js';
import { converge, emptyWorld, manifest, planOf, worldAt, type World } from './ownership-records-support.js';

const INVENTORY = '_regionctl.global-api.example.com.';
const four = manifest({ records: [{ routing: 'weighted' }], regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1', 'us-west-2'] });
const three = withoutRegion(four, 'us-west-2');

/** Someone deletes the inventory record in the console. */
async function deleteInventoryByHand(world: World): Promise<void> {
  const record = world.cloud.recordsOf('example.com.').find((r) => r.name === INVENTORY && r.type === 'TXT');
  if (!record) throw new Error('test setup: no inventory record');
  await world.cloud.providers().dns.change(world.zoneId, [{ action: 'DELETE', record }], 'by hand');
  world.cloud.calls.reset();
}

function inventoryInZone(world: World): string[] | undefined {
  const record = world.cloud.recordsOf('example.com.').find((r) => r.name === INVENTORY && r.type === 'TXT');
  return record ? parseInventory(record) : undefined;
}

async function applyPlan(world: World, desired: DesiredState) {
  const { plan } = await planReconcile(desired, world.cloud.providers(), { now: world.clock.now() });
  expect(plan.refusals).toEqual([]);
  const result = await execute(plan, world.cloud.providers(), { clock: world.clock, maxParallelRegions: 4, regionSet: desired.name });
  expect(result.failed).toEqual([]);
  return plan;
}

describe('a lost inventory is said, rebuilt by a scan, and no region is forgotten', () => {
  it('inventory deleted by hand, then a region line removed: the plan says so, scans, and removes that region down to its stack', async () => {
    const world = await worldAt(four);
    await deleteInventoryByHand(world);

    const plan = await planOf(world, three);
    expect(plan.refusals).toEqual([]);
    expect(plan.notes.find((note) => note.startsWith('inventory lost:'))).toBe(
      `inventory lost: the inventory record ${INVENTORY} TXT is missing although resources of this RegionSet exist; it is rebuilt ` +
        '(a scan of 34 regions for stacks tagged regionctl:regionset=global-api found global-api in ap-southeast-1, global-api in eu-west-1, global-api in us-east-1, global-api in us-west-2); ' +
        'us-west-2 not in the manifest: removed like a deleted region line',
    );
    // The scan asks every region of the manifest's partition (aws), none of aws-cn or aws-us-gov.
    expect(world.cloud.calls.countByOperation()['DescribeStacks']).toBe(3 + AWS_REGIONS.filter((r) => partitionOf(r) === 'aws').length);
    expect(plan.summary.regions['us-west-2']).toBe('leaving');
    const ids = plan.steps.map((step) => step.id);
    expect(ids).toContain('us-west-2:stack.delete');
    expect(plan.steps.find((step) => step.id === 'inventory.update:add')?.after).toEqual({ regions: ['ap-southeast-1', 'eu-west-1', 'us-east-1', 'us-west-2'] });
    expect(plan.steps.find((step) => step.id === 'inventory.update:remove')?.after).toEqual({ regions: ['ap-southeast-1', 'eu-west-1', 'us-east-1'] });

    const result = await execute(plan, world.cloud.providers(), { clock: world.clock, maxParallelRegions: 4, regionSet: three.name });
    expect(result.failed).toEqual([]);
    expect(world.cloud.peekStack('us-west-2', 'global-api')).toBeUndefined();
    expect(world.cloud.recordsOf('example.com.').filter((r) => r.setIdentifier === 'global-api:us-west-2')).toEqual([]);
    expect(world.cloud.listHealthChecks().filter((c) => c.tags['regionctl:region'] === 'us-west-2')).toEqual([]);
    expect(inventoryInZone(world)).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-1']);
    expect((await planOf(world, three)).steps).toEqual([]);
  });

  it('a drained region (records and checks already gone) whose line is removed after the inventory was lost: its stack is found only by the scan and deleted', async () => {
    const world = await worldAt(four);
    const drained = withRegion(four, 'us-west-2', { state: 'drained' });
    expect(await converge(world, drained)).toEqual([expect.any(Number), 0]);
    expect(world.cloud.peekStack('us-west-2', 'global-api')).toBeDefined();
    await deleteInventoryByHand(world);

    const plan = await planOf(world, three);
    expect(plan.steps.map((step) => step.id)).toContain('us-west-2:stack.delete');
    expect(plan.notes.some((note) => note.startsWith('inventory lost:') && note.endsWith('us-west-2 not in the manifest: removed like a deleted region line'))).toBe(true);
    await applyPlan(world, three);
    expect(world.cloud.peekStack('us-west-2', 'global-api')).toBeUndefined();
    expect(inventoryInZone(world)).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-1']);
    expect((await planOf(world, three)).steps).toEqual([]);
  });

  it('every output says the inventory was lost: text, Markdown and JSON', async () => {
    const world = await worldAt(four);
    await deleteInventoryByHand(world);
    const plan = await planOf(world, four);
    expect(renderText(plan, four)).toMatch(/\nNotes:\n(?: {2}- .*\n)* {2}- inventory lost: the inventory record _regionctl\.global-api\.example\.com\. TXT is missing/);
    expect(renderMarkdown(plan, four)).toMatch(/\*\*Notes\*\*\n\n(?:- .*\n)*- inventory lost: the inventory record _regionctl\.global-api\.example\.com\. TXT is missing/);
    expect(JSON.parse(renderJson(plan)).notes.some((note: string) => note.startsWith('inventory lost:'))).toBe(true);
    // Nothing else is lost: the plan only writes the inventory back, listing every region found.
    expect(plan.steps.map((step) => step.id)).toEqual(['inventory.update:add']);
    expect(plan.steps[0]!.after).toEqual({ regions: ['ap-southeast-1', 'eu-west-1', 'us-east-1', 'us-west-2'] });
  });

  it('a stack tagged with the RegionSet under another name is reported by the scan and never touched', async () => {
    const world = await worldAt(three);
    // An old stack of this RegionSet, from before spec.stack.name was changed.
    const stacks = world.cloud.providers().stacks;
    const live = world.cloud.peekStack('us-east-1', 'global-api')!;
    await stacks.create({ region: 'us-west-2', name: 'global-api-old', templateBody: (await import('./ownership-records-support.js')).TEMPLATE, parameters: { Stage: 'prod' }, capabilities: [], tags: live.tags, terminationProtection: false, clientToken: 'old' });
    await world.clock.sleep(10 * 60_000);
    await deleteInventoryByHand(world);

    const plan = await planOf(world, three);
    expect(plan.notes).toContain('stack global-api-old in us-west-2 is tagged regionctl:regionset=global-api but is not named global-api: not touched; delete it yourself if nothing uses it');
    expect(JSON.stringify(plan.steps)).not.toContain('global-api-old');
    await applyPlan(world, three);
    expect(world.cloud.peekStack('us-west-2', 'global-api-old')?.status).toBe('CREATE_COMPLETE');
  });

  it('regions not enabled for the account are skipped by the scan and named', async () => {
    const world = await worldAt(three);
    await deleteInventoryByHand(world);
    const sandbox = world.cloud.providers();
    const providers: Providers = {
      ...sandbox,
      stacks: Object.assign(Object.create(Object.getPrototypeOf(sandbox.stacks)), sandbox.stacks, {
        listByTag: (region: string, key: string, value: string) =>
          region === 'me-central-1'
            ? Promise.reject(new AwsRequestError('DescribeStacks (all stacks) in me-central-1: InvalidClientTokenId: The security token included in the request is invalid.', 'InvalidClientTokenId'))
            : sandbox.stacks.listByTag(region, key, value),
      }),
    };
    const { plan } = await planReconcile(three, providers, { now: world.clock.now() });
    expect(plan.notes).toContain('inventory scan: me-central-1 not enabled for this account: not scanned');
    expect(plan.refusals).toEqual([]);
  });
});

describe('the scan runs only when the inventory is missing and owned resources exist', () => {
  it('a quiet reconcile makes no scan (one DescribeStacks per known region, no writes)', async () => {
    const world = await worldAt(three);
    world.cloud.calls.reset();
    const scans = vi.spyOn(world.cloud.providers().stacks, 'listByTag');
    const plan = await planOf(world, three);
    expect(plan.steps).toEqual([]);
    expect(scans).not.toHaveBeenCalled();
    expect(world.cloud.calls.countByOperation()['DescribeStacks']).toBe(3);
    expect(world.cloud.calls.writes()).toEqual([]);
  });

  it('a brand-new RegionSet (no inventory, nothing owned) makes no scan and no note', async () => {
    const world = emptyWorld();
    const scans = vi.spyOn(world.cloud.providers().stacks, 'listByTag');
    const plan = await planOf(world, three);
    expect(scans).not.toHaveBeenCalled();
    expect(plan.notes.filter((note) => note.startsWith('inventory'))).toEqual([]);
    expect(plan.steps.find((step) => step.id === 'inventory.update:add')?.after).toEqual({ regions: ['ap-southeast-1', 'eu-west-1', 'us-east-1'] });
  });

  it('once the rebuilt inventory is written, the next reconcile scans no more', async () => {
    const world = await worldAt(three);
    await deleteInventoryByHand(world);
    await applyPlan(world, three);
    const scans = vi.spyOn(world.cloud.providers().stacks, 'listByTag');
    expect((await planOf(world, three)).steps).toEqual([]);
    expect(scans).not.toHaveBeenCalled();
  });
});
