// The inventory record (a TXT record listing the RegionSet's regions and owner file).
// New regions are written into it before anything is created there (inventoryPass); leaving
// regions are taken out after everything of theirs is gone, and a moved manifest is
// recorded (inventoryClosingPass, which runs on the ordered steps of all other passes).

import { describeOwner, INVENTORY_TTL, inventoryName, inventoryValues, isOwnedHealthCheck, isOwnedStack, ownerIs, TAG_REGIONSET } from '../identity.js';
import { literalTemplate } from '../record-diff.js';
import type { RecordTemplate, Step } from '../types.js';
import { StepList, type Pass, type PlanContext } from '../context.js';

export const inventoryPass: Pass = (context) => {
  const list = new StepList();
  const notes = lostInventoryNotes(context);
  const inventoryAdd = planInventoryAdd(context, list);
  return { steps: list.steps, notes, facts: inventoryAdd ? { inventoryAdd } : {} };
};

/**
 * No inventory record although resources of this RegionSet exist: it was deleted by hand.
 * Say so; the inventory is rebuilt from what was found (the live state carries the scan of
 * the account's regions), and regions found outside the manifest leave like a deleted line.
 */
function lostInventoryNotes(context: PlanContext): string[] {
  const { live, rs, desired } = context;
  if (context.inventoryRecord) return [];
  const ownedStacks = Object.values(live.stacks).some((stack) => stack && isOwnedStack(stack, rs));
  const ownedChecks = live.healthChecks.some((check) => isOwnedHealthCheck(check, rs));
  if (context.owned.length === 0 && !ownedStacks && !ownedChecks) return [];
  const scan = live.inventoryScan;
  const name = inventoryName(rs, context.zone);
  const found = scan
    ? `a scan of ${scan.regions.length} regions for stacks tagged ${TAG_REGIONSET}=${rs} found ${scan.found.length > 0 ? scan.found.map((f) => `${f.name} in ${f.region}`).join(', ') : 'none'}`
    : 'no scan of the account\'s regions was made, only the regions read were looked at';
  const leaving = context.leaving.length > 0 ? `; ${context.leaving.join(', ')} not in the manifest: removed like a deleted region line` : '';
  const notes = [`inventory lost: the inventory record ${name} TXT is missing although resources of this RegionSet exist; it is rebuilt (${found})${leaving}`];
  if (scan && scan.skipped.length > 0) notes.push(`inventory scan: ${scan.skipped.join(', ')} not enabled for this account: not scanned`);
  for (const other of scan?.found ?? []) {
    if (other.name === desired.stack.name) continue;
    notes.push(`stack ${other.name} in ${other.region} is tagged ${TAG_REGIONSET}=${rs} but is not named ${desired.stack.name}: not touched; delete it yourself if nothing uses it`);
  }
  return notes;
}

/** Regions are written into the inventory before anything is created in them. */
function planInventoryAdd(context: PlanContext, list: StepList): string | undefined {
  const missing = context.desired.regions.map((r) => r.code).filter((code) => !context.inventory.includes(code));
  if (missing.length === 0) return undefined;
  const regions = allListedRegions(context);
  return list.add({
    id: 'inventory.update:add',
    action: 'inventory.update',
    resource: 'inventory',
    reason: `record ${missing.join(', ')} in the inventory before creating anything there`,
    before: { regions: [...context.inventory] },
    after: { regions },
    payload: {
      kind: 'record',
      zoneId: context.zoneId,
      change: context.inventoryRecord ? 'UPSERT' : 'CREATE',
      record: inventoryTemplate(context, regions),
    },
  });
}

/** The add step writes the leaving regions too (a rebuilt inventory lists them until they are gone). */
function allListedRegions(context: PlanContext): string[] {
  return [...new Set([...context.inventory, ...context.leaving, ...context.regions.keys()])].sort();
}

function inventoryTemplate(context: PlanContext, regions: readonly string[]): RecordTemplate {
  const values = inventoryValues([...regions], context.desired.ownerFile);
  // Without a file of its own (a test, an old caller), the recorded owner stays.
  if (context.desired.ownerFile === undefined && context.recordedOwner) values.push(`"${context.recordedOwner.value}"`);
  return { name: inventoryName(context.rs, context.zone), type: 'TXT', ttl: INVENTORY_TTL, values: values.map((literal) => ({ literal })) };
}

/** Runs after ordering: its steps wait on the steps of the leaving regions. */
export function inventoryClosingPass(context: PlanContext, ordered: readonly Step[], inventoryAdd: string | undefined): Step[] {
  const list = new StepList();
  planInventoryRemove(context, ordered, inventoryAdd, list);
  if (!ordered.some((step) => step.resource === 'inventory') && !list.has('inventory.update:remove')) planInventoryOwner(context, list);
  return list.steps;
}

/** Leaving regions are taken out of the inventory after all their resources are gone. */
function planInventoryRemove(context: PlanContext, ordered: readonly Step[], inventoryAdd: string | undefined, list: StepList): void {
  const { leaving, inventory } = context;
  const listed = inventoryAdd ? leaving : leaving.filter((region) => inventory.includes(region));
  if (listed.length === 0) return;
  const regions = [...context.regions.keys()].sort();
  const after = ordered.filter((step) => (step.region && leaving.includes(step.region)) || step.action === 'healthcheck.delete');
  list.add({
    id: 'inventory.update:remove',
    action: 'inventory.update',
    resource: 'inventory',
    dependsOn: [...after.map((step) => step.id), ...(inventoryAdd ? [inventoryAdd] : [])],
    reason: `take ${listed.join(', ')} out of the inventory: nothing of this RegionSet is left there`,
    before: { regions: inventoryAdd ? allListedRegions(context) : [...inventory] },
    after: { regions },
    payload: {
      kind: 'record',
      zoneId: context.zoneId,
      change: regions.length > 0 ? 'UPSERT' : 'DELETE',
      record: regions.length > 0 ? inventoryTemplate(context, regions) : literalTemplate(context.inventoryRecord!),
    },
  });
}

/** The manifest moved (a rename, or an older inventory without a file): record the new owner file. */
function planInventoryOwner(context: PlanContext, list: StepList): void {
  const file = context.desired.ownerFile;
  const owner = context.recordedOwner;
  if (file === undefined || !context.inventoryRecord || (owner && ownerIs(owner, file))) return;
  list.add({
    id: 'inventory.update:owner',
    action: 'inventory.update',
    resource: 'inventory',
    reason: owner ? `the RegionSet's manifest is now ${file} (was ${describeOwner(owner)})` : `record ${file} as the RegionSet's manifest`,
    before: { file: owner ? describeOwner(owner) : null },
    after: { file },
    payload: { kind: 'record', zoneId: context.zoneId, change: 'UPSERT', record: inventoryTemplate(context, context.inventory) },
  });
}
