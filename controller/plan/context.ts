// What every planner pass reads: the inputs and the facts derived from them once per plan
// (zone, inventory, owned records, leaving regions), and the facts earlier passes hand on.
// All of it is read-only for a pass: a pass returns new steps and new facts, it never
// changes another pass's.

import type { DesiredRegion, DesiredState } from '../manifest/types.js';
import type { DnsRecord, LiveState } from '../providers/types.js';
import { dnsNameKey } from '../dns-name.js';
import { findInventoryRecord, inventoryName, isOwnedRecord, isOwnedStack, parseInventory, parseInventoryOwner, regionOfSetIdentifier, zoneName, type InventoryOwner } from './identity.js';
import type { HealthCheckRef, PlanOptions, Step, StepDraft, ValueRef } from './types.js';

export const DEFAULT_HEALTH_TIMEOUT_MS = 10 * 60_000;

export interface PlanContext {
  readonly desired: DesiredState;
  readonly live: LiveState;
  readonly options: PlanOptions;
  /** The RegionSet's name. */
  readonly rs: string;
  readonly zone: string;
  readonly zoneId: string;
  readonly regions: ReadonlyMap<string, DesiredRegion>;
  readonly inventoryRecord: DnsRecord | undefined;
  /** Regions the live inventory lists. */
  readonly inventory: readonly string[];
  /** The manifest file the inventory records as the owner (absent: none recorded). */
  readonly recordedOwner: InventoryOwner | undefined;
  /** Live records of this RegionSet, the inventory record excepted. */
  readonly owned: readonly DnsRecord[];
  /** The owned records by name and type (see nameTypeKey). */
  readonly ownedByNameType: ReadonlyMap<string, readonly DnsRecord[]>;
  /** Regions that had resources of this RegionSet and are no longer in the manifest, sorted. */
  readonly leaving: readonly string[];
  readonly healthTimeoutMs: number;
}

export function planContext(desired: DesiredState, live: LiveState, options: PlanOptions): PlanContext {
  const rs = desired.name;
  const zone = zoneName(desired, live);
  const regions = new Map(desired.regions.map((region) => [region.code, region]));
  const inventoryRecord = findInventoryRecord(live.records, desired, zone);
  const inventory = inventoryRecord ? (parseInventory(inventoryRecord) ?? []) : [];
  const inventoryKey = inventoryName(rs, zone);
  const owned = live.records.filter((record) => isOwnedRecord(record, rs) && dnsNameKey(record.name) !== inventoryKey);
  const former = new Set(inventory);
  for (const record of owned) {
    const region = regionOfSetIdentifier(record.setIdentifier!, rs);
    if (region) former.add(region);
  }
  for (const [region, stack] of Object.entries(live.stacks)) if (stack && isOwnedStack(stack, rs)) former.add(region);
  const ownedByNameType = new Map<string, DnsRecord[]>();
  for (const record of owned) {
    const key = nameTypeKey(record.name, record.type);
    const list = ownedByNameType.get(key);
    if (list) list.push(record);
    else ownedByNameType.set(key, [record]);
  }
  return {
    desired,
    live,
    options,
    rs,
    zone,
    zoneId: live.zone?.id ?? desired.dns.zone,
    regions,
    inventoryRecord,
    inventory,
    recordedOwner: inventoryRecord ? parseInventoryOwner(inventoryRecord) : undefined,
    owned,
    ownedByNameType,
    leaving: [...former].filter((region) => !regions.has(region)).sort(),
    healthTimeoutMs: options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
  };
}

/** One key per DNS name and record type, whatever the name's spelling. */
export function nameTypeKey(name: string, type: string): string {
  return `${dnsNameKey(name)}|${type}`;
}

/** A health check a record uses: an existing one or one this plan creates. */
export interface HealthCheckUse {
  ref: HealthCheckRef;
  /** Steps a record using the check must wait for (its creation). */
  deps: string[];
}

/** Facts passes hand on to later passes and to ordering and summary (each set by one pass). */
export interface PlanFacts {
  /** inventory: the step that writes new regions into the inventory. */
  inventoryAdd?: string;
  /** stacks: per region, the steps after which its stack is usable (outputs readable). */
  stackReady?: ReadonlyMap<string, readonly string[]>;
  /** stacks: per region, whether live outputs can be used as literals. */
  outputsKnown?: ReadonlyMap<string, boolean>;
  /** replicas: per region, the replica creations a region's traffic waits for. */
  replicaReady?: ReadonlyMap<string, readonly string[]>;
  /** health checks: by `record|region`, the check its records use. */
  healthChecks?: ReadonlyMap<string, HealthCheckUse>;
  /** health checks: owned live checks that stay (all other owned checks are deleted). */
  keptChecks?: ReadonlySet<string>;
  /** records: live owned records no wanted set keeps, by region. */
  unwanted?: ReadonlyArray<{ region: string; record: DnsRecord }>;
  /** records: steps that change or delete a live record, by record key (health-check deletes wait for them). */
  touching?: ReadonlyMap<string, readonly string[]>;
  /** records: per region, deletes made in an atomic batch with creates; they count as its removal. */
  atomicDeletes?: ReadonlyMap<string, readonly string[]>;
  /** records: the last step of every join (capacity added). */
  joinFinals?: readonly string[];
  /** records, removals: steps that take traffic away from a region (ordered after the joins). */
  reductions?: readonly string[];
  /** records: slot takeovers that take a region out of a name (each group waits for the other joins). */
  reducingTakeovers?: ReadonlyArray<readonly string[]>;
  /** records: creates made in slot takeovers (a takeover never waits for another takeover). */
  takeoverCreates?: ReadonlySet<string>;
  /** records: regions whose records join (start serving) in this plan. */
  joiningRegions?: ReadonlySet<string>;
  /** removals: per region, every DNS-removal step (a leaving region's stack waits for them). */
  removalSteps?: ReadonlyMap<string, readonly string[]>;
}

export interface PassResult {
  steps: Step[];
  notes?: string[];
  facts?: PlanFacts;
}

/** A planner pass: a pure function of the context and the facts of the passes before it. */
export type Pass = (context: PlanContext, facts: Readonly<PlanFacts>) => PassResult;

/** The facts a pass depends on; a missing one means the passes are registered out of order. */
export function need<K extends keyof PlanFacts>(facts: Readonly<PlanFacts>, pass: string, ...keys: K[]): Required<Pick<PlanFacts, K>> {
  for (const key of keys) if (facts[key] === undefined) throw new Error(`internal error: planner pass ${pass} runs before the pass that sets ${key}`);
  return facts as Required<Pick<PlanFacts, K>>;
}

/** A pass's own list of steps: dependencies deduplicated and sorted, ids unique. */
export class StepList {
  readonly byId = new Map<string, Step>();

  add(step: StepDraft): string {
    // The draft is the pass's own fresh literal: completed in place rather than copied, and
    // added with one map operation, a duplicate seen by the size (planning speed).
    const complete = step as unknown as Step;
    const size = this.byId.size;
    this.byId.set(step.id, complete);
    if (this.byId.size === size) throw new Error(`internal error: planner made two steps with id ${step.id}`);
    complete.dependsOn = dependencyList(step.id, step.dependsOn);
    return step.id;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get steps(): Step[] {
    return [...this.byId.values()];
  }
}

/** Ids sorted, without duplicates or the step itself (planning speed: no Set for short lists). */
export function dependencyList(self: string, ids: Iterable<string> | undefined): string[] {
  if (ids === undefined) return [];
  if (Array.isArray(ids) && ids.length <= 1) return ids.length === 0 || ids[0] === self ? [] : [ids[0] as string];
  if (Array.isArray(ids) && isSortedWithout(ids as string[], self)) return (ids as string[]).slice();
  const sorted = (Array.isArray(ids) ? [...(ids as string[])] : [...ids]).sort();
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) {
    const id = sorted[i]!;
    if (id === self || (kept > 0 && sorted[kept - 1] === id)) continue;
    sorted[kept++] = id;
  }
  sorted.length = kept;
  return sorted;
}

/** Whether the ids are in strictly ascending order (no duplicates) and do not hold `self`. */
function isSortedWithout(ids: readonly string[], self: string): boolean {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === self || (i > 0 && !(ids[i - 1]! < ids[i]!))) return false;
  }
  return true;
}

/** A stack output as a literal when the live stack's outputs can be used, else a reference. */
export function outputValue(context: PlanContext, outputsKnown: ReadonlyMap<string, boolean>, region: string, output: string): ValueRef {
  const value = context.live.stacks[region]?.outputs[output];
  if (outputsKnown.get(region) && value !== undefined) return { literal: value };
  return { stackOutput: output, region };
}
