// Issue #11, item 1: RegionSet ownership across files. A copy of a manifest with the same
// metadata.name never takes the RegionSet over: the file recorded in the inventory keeps
// it, the newcomer is stalled naming both files, with no recorded owner all are stalled;
// a RegionSet whose file is gone is reported as orphaned and never deleted.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../controller/runtime/main.js';
import { condition } from '../../controller/runtime/status.js';
import { inventoryValues, ownerIs, parseInventory, parseInventoryOwner } from '../../controller/plan/identity.js';
import type { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { captureLines, MANIFEST, runtimeHarness, sandboxWorld } from '../runtime/helpers.js';

const COPY = 'manifests/a-copy.yaml';
const harness = runtimeHarness();
let runtime: Runtime | undefined;
let world: ReturnType<typeof sandboxWorld>;
let revision = 1;
let logs: ReturnType<typeof captureLines>;

beforeEach(() => {
  runtime = undefined;
  world = sandboxWorld();
  revision = 1;
  logs = captureLines();
});

async function start(mode: 'apply' | 'plan-only' = 'apply'): Promise<Runtime> {
  ({ runtime } = await harness.start(harness.config({ mode, logLevel: 'info' }), {
    sandboxCloud: world.cloud,
    source: { sync: async () => ({ revision: `rev-${revision}`, dir: harness.repo.dir }) },
    logDestination: logs.stream,
  }));
  await runtime.controller.idle();
  return runtime;
}

/** A new revision (a push and its webhook): sync and reconcile everything. */
async function push(): Promise<void> {
  revision++;
  runtime!.controller.requestSync('webhook');
  await runtime!.controller.idle();
}

/** The example with its record renamed: what the careless copy declares. */
function copyOfOriginal(): string {
  return readFileSync(join(harness.repo.dir, MANIFEST), 'utf8').replace('name: api.example.com.', 'name: www.example.com.');
}

/** A second RegionSet beside the example, in the same zone: its own name, stack and record. */
function otherApi(): string {
  return readFileSync(join(harness.repo.dir, MANIFEST), 'utf8').replaceAll('name: global-api', 'name: other-api').replace('name: api.example.com.', 'name: other.example.com.');
}

/** Everything the RegionSet owns in the sandbox, to compare before and after. */
function ownedState(cloud: SandboxCloud): string {
  const zone = cloud.zones().find((z) => z.name === 'example.com.')!;
  return JSON.stringify({
    records: cloud.recordsOf(zone.id).filter((r) => r.type !== 'SOA' && r.type !== 'NS'),
    checks: cloud.listHealthChecks(),
    stacks: cloud.listStacks().map((s) => ({ region: s.region, name: s.name, status: s.status })),
  });
}

/** Pushes the commit `change` makes, the call log reset first: no AWS write, and what the RegionSet owns is still `before`. */
async function pushWritesNothing(before: string, change: () => void): Promise<void> {
  change();
  world.cloud.calls.reset();
  await push();
  expect(world.cloud.calls.writes()).toEqual([]);
  expect(ownedState(world.cloud)).toBe(before);
}

/** The example converged, a copy of it pushed beside it, then `file` (the copy or the original) removed in a push that writes nothing; the status after it. */
async function clashThenRemove(file: string) {
  await start();
  const before = ownedState(world.cloud);
  writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal());
  await push();
  await pushWritesNothing(before, () => rmSync(join(harness.repo.dir, file)));
  return runtime!.controller.status.snapshot();
}

function inventoryOwner(cloud: SandboxCloud): string | undefined {
  const zone = cloud.zones().find((z) => z.name === 'example.com.')!;
  const record = cloud.recordsOf(zone.id).find((r) => r.name === '_regionctl.global-api.example.com.');
  return record ? parseInventoryOwner(record)?.file : undefined;
}

describe('RegionSet ownership across files', () => {
  it('records the manifest file that owns the RegionSet in its inventory', async () => {
    await start();
    expect(inventoryOwner(world.cloud)).toBe(MANIFEST);
  });

  it('a copy with the same name that sorts first is stalled naming both files, and the original keeps every record, check and stack (zero writes)', async () => {
    const rt = await start();
    const before = ownedState(world.cloud);
    world.cloud.calls.reset();
    writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal());
    await push();

    expect(world.cloud.calls.writes()).toEqual([]);
    expect(ownedState(world.cloud)).toBe(before);
    const status = rt.controller.status.snapshot();
    const copy = status.regionSets[COPY];
    expect(condition(copy, 'Stalled')).toMatchObject({ status: 'True' });
    expect(copy?.lastError?.issues?.[0]).toMatchObject({ rule: 'duplicate-regionset', file: COPY, line: 7, column: 9 });
    expect(copy?.lastError?.message).toContain(`${COPY}:7:9: RegionSet global-api is declared in ${COPY} and in ${MANIFEST}: ${MANIFEST} owns it`);
    const original = status.regionSets['global-api'];
    expect(original?.file).toBe(MANIFEST);
    expect(original?.lastOutcome).toBe('converged');
    expect(condition(original, 'Ready')?.status).toBe('True');
  });

  it('the clash is logged as a warning naming both files and the owner', async () => {
    await start();
    writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal());
    await push();
    const warning = logs.records().find((r) => r['level'] === 'warn' && String(r['msg']).includes('declared in several files'));
    expect(warning).toMatchObject({ regionSet: 'global-api', files: [COPY, MANIFEST], owner: MANIFEST });
  });

  it('two files with the same name and no inventory yet: both are stalled and nothing at all is written', async () => {
    writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal());
    const rt = await start();
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(world.cloud.listStacks()).toEqual([]);
    const status = rt.controller.status.snapshot();
    const stalled = Object.values(status.regionSets).filter((set) => condition(set, 'Stalled')?.status === 'True');
    expect(stalled.map((set) => set.file).sort()).toEqual([COPY, MANIFEST]);
    expect(stalled[0]?.lastError?.message).toContain('no file is recorded as its owner, so none of them is reconciled and nothing is applied');
  });

  it('an inventory written before files were recorded (no owner) does not pick a winner: both stalled, zero writes', async () => {
    await start();
    const zone = world.cloud.zones().find((z) => z.name === 'example.com.')!;
    const inventory = world.cloud.recordsOf(zone.id).find((r) => r.name === '_regionctl.global-api.example.com.')!;
    // As regionctl wrote it before it recorded files.
    await world.cloud.providers().dns.change(zone.id, [{ action: 'UPSERT', record: { ...inventory, values: inventory.values.filter((v) => !v.includes('file=')) } }], 'test');
    await pushWritesNothing(ownedState(world.cloud), () => writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal()));
    const status = runtime!.controller.status.snapshot();
    expect(condition(status.regionSets['global-api'], 'Stalled')?.status).toBe('True');
    expect(condition(status.regionSets[MANIFEST], 'Stalled')?.status).toBe('True');
  });

  it('a clash never changes the owner: after the copy is removed again the original converges with no change', async () => {
    const status = await clashThenRemove(COPY);
    expect(Object.keys(status.regionSets)).toEqual(['global-api']);
    expect(inventoryOwner(world.cloud)).toBe(MANIFEST);
  });

  it('a rename in one commit (git mv) moves the RegionSet to the new file: the inventory records it, nothing else changes', async () => {
    await start();
    const before = JSON.parse(ownedState(world.cloud)) as { checks: unknown; stacks: unknown };
    writeFileSync(join(harness.repo.dir, 'manifests/api.yaml'), readFileSync(join(harness.repo.dir, MANIFEST)));
    rmSync(join(harness.repo.dir, MANIFEST));
    world.cloud.calls.reset();
    await push();
    expect(world.cloud.calls.writes().map((c) => c.operation)).toEqual(['ChangeResourceRecordSets']);
    expect(inventoryOwner(world.cloud)).toBe('manifests/api.yaml');
    const after = JSON.parse(ownedState(world.cloud)) as { checks: unknown; stacks: unknown };
    expect(after.stacks).toEqual(before.stacks);
    expect(after.checks).toEqual(before.checks);
    expect(runtime!.controller.status.snapshot().regionSets['global-api']?.lastOutcome).toBe('applied');
  });

  it('deleting the owner later does not hand the RegionSet to a copy that was stalled before: the copy stays stalled, zero writes', async () => {
    const set = (await clashThenRemove(MANIFEST)).regionSets['global-api'];
    expect(set?.file).toBe(COPY);
    expect(condition(set, 'Stalled')?.status).toBe('True');
    expect(set?.lastError?.issues?.[0]).toMatchObject({ rule: 'regionset-owner-gone', file: COPY, line: 7, column: 9 });
    expect(set?.lastError?.message).toContain(`run \`regionctl apply ${COPY}\` once`);
  });

  it('a deleted manifest leaves its RegionSet orphaned: condition, metric and warning, and nothing is deleted', async () => {
    harness.repo.write('manifests/other.yaml', otherApi());
    const rt = await start();
    const before = ownedState(world.cloud);
    rmSync(join(harness.repo.dir, MANIFEST));
    world.cloud.calls.reset();
    await push();

    expect(world.cloud.calls.writes()).toEqual([]);
    expect(ownedState(world.cloud)).toBe(before);
    const set = rt.controller.status.snapshot().regionSets['global-api'];
    expect(condition(set, 'Orphaned')).toMatchObject({ status: 'True', reason: 'ManifestDeleted' });
    expect(condition(set, 'Orphaned')?.message).toContain(`its last file was ${MANIFEST}`);
    expect(condition(set, 'Orphaned')?.message).toContain('regionctl prune-regionset global-api');
    expect(await rt.controller.metrics.text()).toMatch(/^regionctl_orphaned_regionsets 1$/m);
    expect(logs.records().some((r) => r['level'] === 'warn' && r['regionSet'] === 'global-api' && String(r['msg']).startsWith('RegionSet orphaned'))).toBe(true);
  });

  it('an orphan is still known after a restart, from its inventory record in the zone (no extra AWS call)', async () => {
    harness.repo.write('manifests/other.yaml', otherApi());
    await start();
    await runtime!.stop();
    rmSync(join(harness.repo.dir, MANIFEST));
    world.cloud.calls.reset();
    const rt = await start();
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(world.cloud.calls.count('ListResourceRecordSets')).toBe(1);
    expect(condition(rt.controller.status.snapshot().regionSets['global-api'], 'Orphaned')?.status).toBe('True');
  });
});

describe('RegionSet ownership: more careless and hostile variants', () => {
  it('a copy that sorts after the original is stalled the same way: the outcome does not depend on file order', async () => {
    await start();
    const before = ownedState(world.cloud);
    world.cloud.calls.reset();
    writeFileSync(join(harness.repo.dir, 'manifests/z-copy.yaml'), copyOfOriginal());
    await push();
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(ownedState(world.cloud)).toBe(before);
    const status = runtime!.controller.status.snapshot();
    expect(status.regionSets['global-api']?.file).toBe(MANIFEST);
    expect(condition(status.regionSets['manifests/z-copy.yaml'], 'Stalled')?.status).toBe('True');
  });

  it('three files with one name: the recorded owner keeps it, each newcomer is stalled naming the other two', async () => {
    await start();
    const before = ownedState(world.cloud);
    writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal());
    writeFileSync(join(harness.repo.dir, 'manifests/b-copy.yaml'), copyOfOriginal().replace('www.example.com.', 'web.example.com.'));
    world.cloud.calls.reset();
    await push();
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(ownedState(world.cloud)).toBe(before);
    const status = runtime!.controller.status.snapshot();
    expect(status.regionSets[COPY]?.lastError?.message).toContain(`declared in ${COPY} and in manifests/b-copy.yaml, ${MANIFEST}: ${MANIFEST} owns it`);
    expect(status.regionSets['manifests/b-copy.yaml']?.lastError?.message).toContain(`declared in manifests/b-copy.yaml and in ${COPY}, ${MANIFEST}: ${MANIFEST} owns it`);
  });

  it('a copy pointing the same name at another hosted zone does not take over either', async () => {
    await start();
    world.cloud.seedZone('example.org.');
    const before = ownedState(world.cloud);
    writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal().replace('zone: example.com.', 'zone: example.org.').replace('www.example.com.', 'api.example.org.'));
    world.cloud.calls.reset();
    await push();
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(ownedState(world.cloud)).toBe(before);
    expect(condition(runtime!.controller.status.snapshot().regionSets[COPY], 'Stalled')?.status).toBe('True');
  });

  it('in plan-only mode a clash is reported the same way and nothing is written', async () => {
    await start();
    await runtime!.stop();
    writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal());
    world.cloud.calls.reset();
    const rt = await start('plan-only');
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(rt.controller.status.snapshot().regionSets[COPY]?.lastError?.issues?.[0]?.rule).toBe('duplicate-regionset');
    expect(rt.controller.status.snapshot().regionSets['global-api']?.lastOutcome).toBe('converged');
  });

  it('a lone file whose inventory names a file deleted while the controller was down is stalled with the way out, zero writes', async () => {
    await start();
    await runtime!.stop();
    writeFileSync(join(harness.repo.dir, 'manifests/api.yaml'), readFileSync(join(harness.repo.dir, MANIFEST)));
    rmSync(join(harness.repo.dir, MANIFEST));
    world.cloud.calls.reset();
    const rt = await start();
    expect(world.cloud.calls.writes()).toEqual([]);
    const set = rt.controller.status.snapshot().regionSets['global-api'];
    expect(set?.lastError?.location).toBe('manifests/api.yaml:7:9');
    expect(set?.lastError?.message).toContain(`owned by ${MANIFEST} (recorded in its inventory), which was deleted`);
    expect(set?.lastError?.message).toContain('run `regionctl apply manifests/api.yaml` once');
  });

  it('restoring a deleted manifest clears the orphan: Orphaned False, the metric back to 0, and it converges with no change', async () => {
    harness.repo.write('manifests/other.yaml', otherApi());
    const rt = await start();
    const text = readFileSync(join(harness.repo.dir, MANIFEST), 'utf8');
    rmSync(join(harness.repo.dir, MANIFEST));
    await push();
    expect(condition(rt.controller.status.snapshot().regionSets['global-api'], 'Orphaned')?.status).toBe('True');
    writeFileSync(join(harness.repo.dir, MANIFEST), text);
    world.cloud.calls.reset();
    await push();
    expect(world.cloud.calls.writes()).toEqual([]);
    const set = rt.controller.status.snapshot().regionSets['global-api'];
    expect(condition(set, 'Orphaned')?.status).toBe('False');
    expect(set?.lastOutcome).toBe('converged');
    expect(await rt.controller.metrics.text()).toMatch(/^regionctl_orphaned_regionsets 0$/m);
  });

  it('the name moves to a new file only when the recorded file no longer declares it (renamed in the same commit): inventory updated, nothing else', async () => {
    await start();
    const before = JSON.parse(ownedState(world.cloud)) as { stacks: unknown };
    // The original now declares another RegionSet (its own stack and record); a new file takes the old name.
    writeFileSync(join(harness.repo.dir, 'manifests/new.yaml'), readFileSync(join(harness.repo.dir, MANIFEST)));
    writeFileSync(join(harness.repo.dir, MANIFEST), otherApi());
    world.cloud.calls.reset();
    await push();
    const set = runtime!.controller.status.snapshot().regionSets['global-api'];
    expect(set?.file).toBe('manifests/new.yaml');
    expect(set?.lastOutcome).toBe('applied');
    expect(inventoryOwner(world.cloud)).toBe('manifests/new.yaml');
    const stacks = (JSON.parse(ownedState(world.cloud)) as { stacks: Array<{ name: string }> }).stacks.filter((s) => s.name === 'global-api');
    expect(stacks).toEqual(before.stacks);
  });

  it('when the inventory cannot be read during a clash (Route 53 unavailable) no file is reconciled, the sync itself succeeds, zero writes', async () => {
    await start();
    const before = ownedState(world.cloud);
    writeFileSync(join(harness.repo.dir, COPY), copyOfOriginal());
    world.cloud.faults.unavailable('ListResourceRecordSets', { times: 1 });
    world.cloud.calls.reset();
    await push();
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(ownedState(world.cloud)).toBe(before);
    const status = runtime!.controller.status.snapshot();
    expect(status.source.observedRevision).toBe(`rev-${revision}`);
    expect(status.source.lastError).toBeUndefined();
    expect(status.regionSets['global-api']?.lastError?.message).toContain('the owner could not be decided (reading the inventory failed:');
    expect(condition(status.regionSets[MANIFEST], 'Stalled')?.status).toBe('True');
  });

  it('inventories written before files were recorded still read as region lists; a path TXT cannot hold is recorded by hash and still recognised', () => {
    const old = { name: '_regionctl.global-api.example.com.', type: 'TXT' as const, values: ['"regionctl-inventory=v1"', '"regions=eu-west-1,us-east-2"'] };
    expect(parseInventory(old)).toEqual(['eu-west-1', 'us-east-2']);
    expect(parseInventoryOwner(old)).toBeUndefined();
    const odd = `manifests/${'ü'.repeat(150)}"quoted".yaml`;
    const values = inventoryValues(['eu-west-1'], odd);
    for (const value of values) expect(value.length - 2).toBeLessThanOrEqual(255);
    const owner = parseInventoryOwner({ ...old, values })!;
    expect(owner.file).toBeUndefined();
    expect(ownerIs(owner, odd)).toBe(true);
    expect(ownerIs(owner, 'manifests/global-api.yaml')).toBe(false);
    expect(parseInventory({ ...old, values })).toEqual(['eu-west-1']);
  });
});
