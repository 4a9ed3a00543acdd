// The planner: plan(desired, live, options) → Plan. Pure and deterministic: no I/O, no
// clock, no logging; equal inputs give equal plans (steps sorted, ids stable).
//
// Shape of the graph it builds, per region:
//   joining: inventory.update → stack + replicas → healthcheck.create → health.wait →
//            record.create (weighted: at the first ramp weight, then health-held steps)
//   leaving: weight 0 / out of the set → drain.wait → record + health-check deletes →
//            stack.delete → replica.delete (only with removeReplicas) → inventory.update
// Removals of serving capacity wait for every join of the same plan to finish. Changes that
// Route 53 accepts only together (a routing switch; a failover role, geolocation location or
// latency Region passing to another set) are region-less steps with shared dependencies, so
// they become ready at once and go out in one atomic batch.

import type { DesiredRecord, DesiredRegion, DesiredState } from '../manifest/types.js';
import { dnsNameKey, sameDnsName } from '../dns-name.js';
import type { DnsRecord, HealthCheckConfig, LiveHealthCheck, LiveStack, LiveState, RecordChange, StackStatus } from '../providers/types.js';
import { batchRecordChanges } from './batch.js';
import { foreignRecords } from './foreign.js';
import { checkGuardrails } from './guardrails.js';
import {
  callerReference,
  compareStrings,
  describeOwner,
  findInventoryRecord,
  geoLocationCode,
  healthCheckKey,
  healthCheckKeyOf,
  healthCheckTags,
  INVENTORY_TTL,
  inventoryName,
  inventoryValues,
  isOwnedHealthCheck,
  isOwnedRecord,
  isOwnedStack,
  indexOwnedHealthChecks,
  parseInventory,
  ownerIs,
  parseInventoryOwner,
  regionOfSetIdentifier,
  setIdentifier,
  stackTags,
  TAG_REGIONSET,
  TAG_TEMPLATE_HASH,
  zoneName,
  type InventoryOwner,
} from './identity.js';
import { routingOf, slotText, takesTraffic, uniqueSlot } from './routing.js';
import { formatMs } from '../manifest/duration.js';
import { isNoEchoTag, maskParameters, noEchoTagKey, SECRET_MASK, secretDigest } from './secrets.js';
import type { HealthCheckRef, Plan, PlanOptions, PlanSummary, RecordTemplate, RegionTransition, Step, StepPayload, ValueRef } from './types.js';

export const DEFAULT_HEALTH_TIMEOUT_MS = 10 * 60_000;

/** Weights a weighted record goes through when its region joins: ramp percentages of full, ascending, ending at full. */
export function rampWeights(full: number, ramp: number[]): number[] {
  if (full <= 0) return [0];
  const weights: number[] = [];
  for (const percent of ramp) {
    const weight = Math.min(full, Math.max(1, Math.round((full * percent) / 100)));
    if (weights.length === 0 || weight > weights[weights.length - 1]!) weights.push(weight);
  }
  if (weights[weights.length - 1] !== full) weights.push(full);
  return weights;
}

export function plan(desired: DesiredState, live: LiveState, options: PlanOptions): Plan {
  const steps = new Planner(desired, live, options).build();
  const draft: Plan = {
    regionSet: desired.name,
    plannedAt: options.now,
    steps: steps.steps,
    refusals: [],
    summary: { create: 0, update: 0, delete: 0, regions: {}, route53ChangeBatches: 0 },
    notes: steps.notes,
  };
  draft.summary = summarise(draft, steps.transitions, steps.depths);
  draft.refusals = checkGuardrails(draft, desired, live);
  const foreign = foreignRecords(desired, live);
  if (foreign.records.length > 0) {
    draft.foreign = foreign.records;
    draft.trafficShares = foreign.shares;
  }
  return draft;
}

interface HealthCheckUse {
  ref: HealthCheckRef;
  /** Steps a record using the check must wait for (its creation). */
  deps: string[];
}

/** A live owned record this plan takes away (or, for weighted standby, silences). */
interface Removal {
  region: string;
  record: DnsRecord;
}

interface BuildResult {
  steps: Step[];
  depths: Map<string, number>;
  notes: string[];
  transitions: Map<string, RegionTransition>;
}

const STABLE: ReadonlySet<StackStatus> = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

class Planner {
  private readonly rs: string;
  private readonly zoneId: string;
  private readonly zone: string;
  private readonly regions = new Map<string, DesiredRegion>();
  private readonly inventoryRecord: DnsRecord | undefined;
  private readonly inventory: string[];
  /** The manifest file the inventory records as the owner (absent: none recorded). */
  private readonly recordedOwner: InventoryOwner | undefined;
  private readonly owned: DnsRecord[];
  private readonly leaving: string[];

  private readonly steps = new Map<string, Step>();
  private readonly notes = new Set<string>();
  /** Per region: the steps after which its stack is usable (outputs readable). */
  private readonly stackReady = new Map<string, string[]>();
  /** Per region: whether live outputs can be used as literals. */
  private readonly outputsKnown = new Map<string, boolean>();
  private readonly replicaReady = new Map<string, string[]>();
  private readonly healthChecks = new Map<string, HealthCheckUse>();
  /** Owned live checks that stay (all others are deleted). */
  private readonly keptChecks = new Set<string>();
  /** Steps that change or delete a live record, by record key (health-check deletes wait for them). */
  private readonly touching = new Map<string, string[]>();
  private readonly removals: Removal[] = [];
  /** Per region: deletes made in an atomic batch with creates (routing switch, slot takeover); they count as its removal for drain and health checks. */
  private readonly atomicDeletes = new Map<string, string[]>();
  /** Last step of every join (capacity added): removals of capacity wait for all of them. */
  private readonly joinFinals: string[] = [];
  /** Steps that take traffic away from a region (ordered after the joins). */
  private readonly reductions: string[] = [];
  /** Slot takeovers that take a region out of a name: each group, as a whole, waits for the other joins. */
  private readonly reducingTakeovers: string[][] = [];
  /** Creates made in slot takeovers (a takeover never waits for another takeover: no cycle). */
  private readonly takeoverCreates = new Set<string>();
  private readonly joiningRegions = new Set<string>();

  constructor(
    private readonly desired: DesiredState,
    private readonly live: LiveState,
    private readonly options: PlanOptions,
  ) {
    this.rs = desired.name;
    this.zone = zoneName(desired, live);
    this.zoneId = live.zone?.id ?? desired.dns.zone;
    for (const region of desired.regions) this.regions.set(region.code, region);
    this.inventoryRecord = findInventoryRecord(live.records, desired, this.zone);
    this.inventory = this.inventoryRecord ? (parseInventory(this.inventoryRecord) ?? []) : [];
    this.recordedOwner = this.inventoryRecord ? parseInventoryOwner(this.inventoryRecord) : undefined;
    const inventoryLower = inventoryName(this.rs, this.zone);
    this.owned = live.records.filter((record) => isOwnedRecord(record, this.rs) && dnsNameKey(record.name) !== inventoryLower);

    const former = new Set(this.inventory);
    for (const record of this.owned) {
      const region = regionOfSetIdentifier(record.setIdentifier!, this.rs);
      if (region) former.add(region);
    }
    for (const [region, stack] of Object.entries(live.stacks)) if (stack && isOwnedStack(stack, this.rs)) former.add(region);
    this.leaving = [...former].filter((region) => !this.regions.has(region)).sort();
  }

  build(): BuildResult {
    this.noteLostInventory();
    const inventoryAdd = this.planInventoryAdd();
    for (const region of this.desired.regions) this.planStack(region.code, region);
    for (const region of this.leaving) this.planStack(region, undefined);
    this.planReplicas();
    this.planHealthChecks();
    for (const record of this.desired.dns.records) this.planRecord(record);
    this.planRecordsNoLongerWanted();
    const removalSteps = this.planRemovals();
    this.planLeavingRegions(removalSteps);
    this.orderReductionsAfterJoins();
    if (inventoryAdd) this.gateNewRegions(inventoryAdd);
    this.planInventoryRemove(inventoryAdd);
    this.planInventoryOwner();

    const all = [...this.steps.values()];
    const depths = dependencyDepths(all);
    const steps = sortSteps(all, depths);
    return { steps, depths, notes: [...this.notes].sort(), transitions: this.transitions(steps) };
  }

  // ---- helpers -----------------------------------------------------------------------

  private add(step: Omit<Step, 'dependsOn'> & { dependsOn?: Iterable<string> }): string {
    if (this.steps.has(step.id)) throw new Error(`internal error: planner made two steps with id ${step.id}`);
    const dependsOn = [...new Set(step.dependsOn ?? [])].filter((id) => id !== step.id).sort();
    this.steps.set(step.id, { ...step, dependsOn } as Step);
    return step.id;
  }

  private dependOn(stepId: string, more: Iterable<string>): void {
    const step = this.steps.get(stepId);
    if (!step) return;
    step.dependsOn = [...new Set([...step.dependsOn, ...more])].filter((id) => id !== stepId).sort();
  }

  private outputValue(region: string, output: string): ValueRef {
    const stack = this.live.stacks[region];
    const value = stack?.outputs[output];
    if (this.outputsKnown.get(region) && value !== undefined) return { literal: value };
    return { stackOutput: output, region };
  }

  private recordStep(
    action: 'record.create' | 'record.update' | 'record.delete',
    id: string,
    region: string | undefined,
    change: RecordChange['action'],
    record: RecordTemplate,
    dependsOn: Iterable<string>,
    reason: string,
    display: { before?: Record<string, unknown>; after?: Record<string, unknown> } = {},
  ): string {
    return this.add({
      id,
      action,
      ...(region ? { region } : {}),
      resource: `record:${record.name}:${record.type}:${record.setIdentifier ?? ''}`,
      dependsOn,
      reason,
      ...display,
      payload: { kind: 'record', zoneId: this.zoneId, change, record },
    });
  }

  private touch(record: DnsRecord, stepId: string): void {
    const key = liveKey(record);
    this.touching.set(key, [...(this.touching.get(key) ?? []), stepId]);
  }

  // ---- inventory -----------------------------------------------------------------------

  /**
   * No inventory record although resources of this RegionSet exist: it was deleted by hand.
   * Say so; the inventory is rebuilt from what was found (the live state carries the scan of
   * the account's regions), and regions found outside the manifest leave like a deleted line.
   */
  private noteLostInventory(): void {
    if (this.inventoryRecord) return;
    const ownedStacks = Object.entries(this.live.stacks).filter(([, stack]) => stack && isOwnedStack(stack, this.rs));
    const ownedChecks = this.live.healthChecks.some((check) => isOwnedHealthCheck(check, this.rs));
    if (this.owned.length === 0 && ownedStacks.length === 0 && !ownedChecks) return;
    const scan = this.live.inventoryScan;
    const name = inventoryName(this.rs, this.zone);
    const found = scan
      ? `a scan of ${scan.regions.length} regions for stacks tagged ${TAG_REGIONSET}=${this.rs} found ${scan.found.length > 0 ? scan.found.map((f) => `${f.name} in ${f.region}`).join(', ') : 'none'}`
      : 'no scan of the account\'s regions was made, only the regions read were looked at';
    const leaving = this.leaving.length > 0 ? `; ${this.leaving.join(', ')} not in the manifest: removed like a deleted region line` : '';
    this.notes.add(`inventory lost: the inventory record ${name} TXT is missing although resources of this RegionSet exist; it is rebuilt (${found})${leaving}`);
    if (scan && scan.skipped.length > 0) this.notes.add(`inventory scan: ${scan.skipped.join(', ')} not enabled for this account: not scanned`);
    for (const other of scan?.found ?? []) {
      if (other.name === this.desired.stack.name) continue;
      this.notes.add(
        `stack ${other.name} in ${other.region} is tagged ${TAG_REGIONSET}=${this.rs} but is not named ${this.desired.stack.name}: not touched; delete it yourself if nothing uses it`,
      );
    }
  }

  /** Regions are written into the inventory before anything is created in them. */
  private planInventoryAdd(): string | undefined {
    const missing = this.desired.regions.map((r) => r.code).filter((code) => !this.inventory.includes(code));
    if (missing.length === 0) return undefined;
    const regions = [...new Set([...this.inventory, ...this.leaving, ...this.regions.keys()])].sort();
    return this.add({
      id: 'inventory.update:add',
      action: 'inventory.update',
      resource: 'inventory',
      reason: `record ${missing.join(', ')} in the inventory before creating anything there`,
      before: { regions: this.inventory },
      after: { regions },
      payload: {
        kind: 'record',
        zoneId: this.zoneId,
        change: this.inventoryRecord ? 'UPSERT' : 'CREATE',
        record: this.inventoryTemplate(regions),
      },
    });
  }

  private inventoryTemplate(regions: string[]): RecordTemplate {
    const values = inventoryValues(regions, this.desired.ownerFile);
    // Without a file of its own (a test, an old caller), the recorded owner stays.
    if (this.desired.ownerFile === undefined && this.recordedOwner) values.push(`"${this.recordedOwner.value}"`);
    return {
      name: inventoryName(this.rs, this.zone),
      type: 'TXT',
      ttl: INVENTORY_TTL,
      values: values.map((literal) => ({ literal })),
    };
  }

  /** The manifest moved (a rename, or an older inventory without a file): record the new owner file. */
  private planInventoryOwner(): void {
    const file = this.desired.ownerFile;
    if (file === undefined || !this.inventoryRecord || (this.recordedOwner && ownerIs(this.recordedOwner, file))) return;
    if ([...this.steps.values()].some((step) => step.resource === 'inventory')) return;
    this.add({
      id: 'inventory.update:owner',
      action: 'inventory.update',
      resource: 'inventory',
      reason: this.recordedOwner ? `the RegionSet's manifest is now ${file} (was ${describeOwner(this.recordedOwner)})` : `record ${file} as the RegionSet's manifest`,
      before: { file: this.recordedOwner ? describeOwner(this.recordedOwner) : null },
      after: { file },
      payload: { kind: 'record', zoneId: this.zoneId, change: 'UPSERT', record: this.inventoryTemplate(this.inventory) },
    });
  }

  /** Steps of regions not yet in the inventory that wait on nothing wait on the inventory update. */
  private gateNewRegions(inventoryAdd: string): void {
    for (const step of this.steps.values()) {
      if (step.id === inventoryAdd || !step.region || this.inventory.includes(step.region)) continue;
      if (step.dependsOn.length === 0) step.dependsOn = [inventoryAdd];
    }
  }

  /** Leaving regions are taken out of the inventory after all their resources are gone. */
  private planInventoryRemove(inventoryAdd: string | undefined): void {
    // The add step writes the leaving regions too (a rebuilt inventory lists them until they are gone).
    const listed = inventoryAdd ? this.leaving : this.leaving.filter((region) => this.inventory.includes(region));
    if (listed.length === 0) return;
    const regions = [...this.regions.keys()].sort();
    const after = [...this.steps.values()].filter((step) => (step.region && this.leaving.includes(step.region)) || step.action === 'healthcheck.delete');
    const record = regions.length > 0 ? this.inventoryTemplate(regions) : this.inventoryTemplate(this.inventory);
    this.add({
      id: 'inventory.update:remove',
      action: 'inventory.update',
      resource: 'inventory',
      dependsOn: [...after.map((step) => step.id), ...(inventoryAdd ? [inventoryAdd] : [])],
      reason: `take ${listed.join(', ')} out of the inventory: nothing of this RegionSet is left there`,
      before: { regions: inventoryAdd ? [...new Set([...this.inventory, ...this.leaving, ...this.regions.keys()])].sort() : this.inventory },
      after: { regions },
      payload: { kind: 'record', zoneId: this.zoneId, change: regions.length > 0 ? 'UPSERT' : 'DELETE', record: regions.length > 0 ? record : literalTemplate(this.inventoryRecord!) },
    });
  }

  // ---- stacks --------------------------------------------------------------------------

  private planStack(region: string, wanted: DesiredRegion | undefined): void {
    const stack = this.live.stacks[region];
    const name = this.desired.stack.name;
    const resource = `stack:${region}`;
    const ref: StepPayload = { kind: 'stack-ref', region, stackName: name };
    this.stackReady.set(region, []);
    this.outputsKnown.set(region, false);

    if (!wanted) {
      // Leaving: only an owned stack is deleted (after the region's DNS is gone, see planLeavingRegions).
      if (!stack || !isOwnedStack(stack, this.rs)) return;
      if (stack.status === 'DELETE_IN_PROGRESS') {
        this.add({ id: `${region}:stack.wait`, action: 'stack.wait', region, resource, reason: 'stack is being deleted: wait for it to finish', before: { status: stack.status }, payload: ref });
        return;
      }
      const wait = this.isTransient(stack.status)
        ? this.add({ id: `${region}:stack.wait`, action: 'stack.wait', region, resource, reason: `stack is ${stack.status}: wait for it to settle before deleting`, before: { status: stack.status }, payload: ref })
        : undefined;
      this.add({
        id: `${region}:stack.delete`,
        action: 'stack.delete',
        region,
        resource,
        dependsOn: wait ? [wait] : [],
        reason: 'region left the manifest',
        before: { status: stack.status },
        payload: ref,
      });
      return;
    }

    const secret = this.secretParameters(wanted.parameters);
    const input = {
      region,
      name,
      templateBody: this.desired.stack.templateBody,
      parameters: { ...wanted.parameters },
      capabilities: [...this.desired.stack.capabilities],
      // NoEcho values read back as asterisks: a digest tag per secret is what the next plan compares.
      tags: { ...stackTags(this.desired), ...this.secretDigestTags(region, wanted.parameters, secret) },
      terminationProtection: this.desired.stack.terminationProtection,
    };
    const payload: StepPayload = { kind: 'stack', input, ...(secret.length > 0 ? { secretParameters: secret } : {}) };
    const preview = this.options.stackPreviews?.[region];
    const withPreview = (after: Record<string, unknown>) => (preview ? { ...after, resourceChanges: preview } : after);
    const created = withPreview({ templateHash: this.desired.stack.templateHash, parameters: maskParameters(input.parameters, secret) });

    if (!stack || stack.status === 'REVIEW_IN_PROGRESS') {
      const reason = stack ? 'stack is in REVIEW_IN_PROGRESS (a change set was never executed): create it' : 'no stack in this region yet';
      this.stackReady.set(region, [this.add({ id: `${region}:stack.create`, action: 'stack.create', region, resource, reason, after: created, payload })]);
      return;
    }
    if (!isOwnedStack(stack, this.rs)) return; // refused by the guardrails (unowned-resource)

    switch (stack.status) {
      case 'ROLLBACK_COMPLETE':
      case 'ROLLBACK_FAILED':
      case 'DELETE_FAILED': {
        const why = stack.status === 'DELETE_FAILED' ? 'a failed delete left it half-removed' : 'a failed creation cannot be updated';
        const id = this.add({
          id: `${region}:stack.recreate`,
          action: 'stack.recreate',
          region,
          resource,
          reason: `stack is ${stack.status} (${why}${stack.statusReason ? `: ${stack.statusReason}` : ''}): delete it and create it again`,
          before: { status: stack.status },
          after: created,
          payload,
        });
        this.stackReady.set(region, [id]);
        return;
      }
      case 'DELETE_IN_PROGRESS': {
        const wait = this.add({ id: `${region}:stack.wait`, action: 'stack.wait', region, resource, reason: 'stack is being deleted: wait, then create it again', before: { status: stack.status }, payload: ref });
        const id = this.add({ id: `${region}:stack.create`, action: 'stack.create', region, resource, dependsOn: [wait], reason: 'stack was deleted', after: created, payload });
        this.stackReady.set(region, [id]);
        return;
      }
      case 'UPDATE_ROLLBACK_FAILED': {
        const cont = this.add({
          id: `${region}:stack.continue-rollback`,
          action: 'stack.continue-rollback',
          region,
          resource,
          reason: `stack is UPDATE_ROLLBACK_FAILED${stack.statusReason ? ` (${stack.statusReason})` : ''}: continue the rollback to the last working template`,
          before: { status: stack.status },
          after: { status: 'UPDATE_ROLLBACK_COMPLETE' },
          payload: ref,
        });
        this.outputsKnown.set(region, true);
        this.stackReady.set(region, [this.planStackUpdate(region, stack, payload, withPreview, [cont]) ?? cont]);
        return;
      }
      case 'IMPORT_ROLLBACK_FAILED':
        return; // refused by the guardrails (stack-failed)
      default:
        break;
    }

    if (this.isTransient(stack.status)) {
      const wait = this.add({
        id: `${region}:stack.wait`,
        action: 'stack.wait',
        region,
        resource,
        reason: `stack is ${stack.status}: wait for it to settle`,
        before: { status: stack.status },
        payload: ref,
      });
      this.outputsKnown.set(region, stack.status !== 'CREATE_IN_PROGRESS' && stack.status !== 'CREATE_FAILED');
      this.stackReady.set(region, [this.planStackUpdate(region, stack, payload, withPreview, [wait]) ?? wait]);
      return;
    }
    this.outputsKnown.set(region, STABLE.has(stack.status));
    const update = this.planStackUpdate(region, stack, payload, withPreview, []);
    this.stackReady.set(region, update ? [update] : []);
  }

  /** The NoEcho parameters among those passed to the stack. */
  private secretParameters(parameters: Record<string, string>): string[] {
    return this.desired.stack.noEchoParameters.filter((name) => name in parameters);
  }

  private secretDigestTags(region: string, parameters: Record<string, string>, secret: string[]): Record<string, string> {
    const context = { regionSet: this.desired.name, region, stackName: this.desired.stack.name };
    return Object.fromEntries(
      secret.map((parameter) => [noEchoTagKey(parameter), secretDigest({ ...context, parameter }, parameters[parameter]!, this.options.parameterDigestKey)]),
    );
  }

  private isTransient(status: StackStatus): boolean {
    return (status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS') || status === 'CREATE_FAILED' || status === 'UPDATE_FAILED';
  }

  private planStackUpdate(
    region: string,
    stack: LiveStack,
    payload: StepPayload & { kind: 'stack' },
    withPreview: (after: Record<string, unknown>) => Record<string, unknown>,
    dependsOn: string[],
  ): string | undefined {
    const input = payload.input;
    const secret = new Set(payload.secretParameters ?? []);
    const liveHash = stack.tags[TAG_TEMPLATE_HASH];
    const changed: string[] = [];
    if (liveHash !== this.desired.stack.templateHash) changed.push('template');
    const beforeParams: Record<string, string> = {};
    const afterParams: Record<string, string> = {};
    for (const key of Object.keys(input.parameters).sort()) {
      const was = stack.parameters[key];
      if (secret.has(key)) {
        // Compared by digest (the stack tag written when it was deployed), never shown.
        const tag = noEchoTagKey(key);
        if (stack.tags[tag] === input.tags[tag]) continue;
        beforeParams[key] = was === undefined ? '(not set)' : SECRET_MASK;
        afterParams[key] = `${SECRET_MASK} (changed)`;
        continue;
      }
      // A parameter the live template declares NoEcho reads back as asterisks: nothing can be compared.
      if (was === input.parameters[key] || (was !== undefined && /^\*+$/.test(was))) continue;
      beforeParams[key] = was ?? '(not set)';
      afterParams[key] = input.parameters[key]!;
    }
    if (Object.keys(afterParams).length > 0) changed.push('parameters');
    // Digest tags change exactly when a secret does, which is reported as a parameter change.
    if (!sameTags(withoutDigests(stack.tags), withoutDigests(input.tags))) changed.push('tags');
    if (stack.terminationProtection !== input.terminationProtection) changed.push('termination protection');
    if (changed.length === 0) return undefined;
    const before: Record<string, unknown> = { templateHash: liveHash ?? '(none)', parameters: beforeParams };
    const after: Record<string, unknown> = { templateHash: this.desired.stack.templateHash, parameters: afterParams };
    if (changed.includes('tags')) {
      before['tags'] = userTags(stack.tags);
      after['tags'] = userTags(input.tags);
    }
    if (changed.includes('termination protection')) {
      before['terminationProtection'] = stack.terminationProtection;
      after['terminationProtection'] = input.terminationProtection;
    }
    return this.add({
      id: `${region}:stack.update`,
      action: 'stack.update',
      region,
      resource: `stack:${region}`,
      dependsOn,
      reason: `${changed.join(', ')} changed`,
      before,
      after: withPreview(after),
      payload,
    });
  }

  // ---- replicas -------------------------------------------------------------------------

  private planReplicas(): void {
    for (const region of this.regions.keys()) this.replicaReady.set(region, []);
    for (const table of this.desired.tables) {
      const liveTable = this.live.tables[table.name];
      if (!liveTable) continue; // refused by the guardrails (table-not-ready)
      for (const region of [...this.regions.keys()].sort()) {
        const replica = liveTable.replicas.find((r) => r.region === region);
        const resource = `replica:${table.name}:${region}`;
        const id = `${region}:replica.create:${table.name}`;
        const payload: StepPayload = { kind: 'replica', table: table.name, region };
        if (!replica || replica.status === 'CREATING' || replica.status === 'DELETING') {
          // CREATING: started by an earlier run; the step sends nothing new and waits for ACTIVE.
          const reason = !replica
            ? `no replica of ${table.name} in ${region}`
            : replica.status === 'CREATING'
              ? `replica of ${table.name} is CREATING: wait for it to be ACTIVE`
              : `replica of ${table.name} is being deleted: add it again once it is gone`;
          this.add({ id, action: 'replica.create', region, resource, reason, ...(replica ? { before: { status: replica.status } } : {}), after: { status: 'ACTIVE' }, payload });
          this.replicaReady.get(region)!.push(id);
        }
        // ACTIVE and UPDATING serve data; CREATION_FAILED and the rest are refused by the guardrails.
      }
      for (const region of this.leaving) {
        const replica = liveTable.replicas.find((r) => r.region === region);
        if (!replica) continue;
        if (!table.removeReplicas) {
          this.notes.add(`replica ${table.name} in ${region} kept: removeReplicas is false`);
          continue;
        }
        this.add({
          id: `${region}:replica.delete:${table.name}`,
          action: 'replica.delete',
          region,
          resource: `replica:${table.name}:${region}`,
          reason: `region left the manifest and ${table.name} has removeReplicas: true (deletes that region's copy of the items)`,
          before: { status: replica.status },
          payload: { kind: 'replica', table: table.name, region },
        });
      }
    }
  }

  // ---- health checks ---------------------------------------------------------------------

  private planHealthChecks(): void {
    const checksByKey = indexOwnedHealthChecks(this.live.healthChecks, this.rs, this.owned);
    for (const record of this.desired.dns.records) {
      const wanted = record.healthCheck;
      if (!wanted) continue;
      for (const region of this.desired.regions) {
        if (region.state === 'drained') continue;
        const code = region.code;
        // The checked host may be another output than the record's value (healthCheck.target).
        const fqdn = this.outputValue(code, wanted.targetOutput);
        const config = {
          protocol: wanted.protocol,
          port: wanted.port,
          path: wanted.path,
          interval: wanted.interval,
          failureThreshold: wanted.failureThreshold,
          regions: [...wanted.regions].sort(),
          fqdn,
        };
        const candidates = checksByKey.get(healthCheckKey(record.name, code)) ?? [];
        const current = candidates[0];
        const resource = `healthcheck:${record.name}:${code}`;
        const key = `${record.name}|${code}`;
        const create = (reason: string, before?: Record<string, unknown>) => {
          const reference = callerReference(this.rs, record.name, code, this.options.now);
          const id = this.add({
            id: `${code}:healthcheck.create:${record.name}`,
            action: 'healthcheck.create',
            region: code,
            resource,
            dependsOn: this.stackReady.get(code) ?? [],
            reason,
            ...(before ? { before } : {}),
            after: { ...config },
            payload: { kind: 'healthcheck-create', callerReference: reference, config, tags: healthCheckTags(this.rs, record.name, code) },
          });
          this.healthChecks.set(key, { ref: { callerReference: reference }, deps: [id] });
        };
        if (!current) {
          create(`no health check for ${record.name} in ${code}`);
          continue;
        }
        const live = current.config;
        if (live.protocol !== config.protocol || live.interval !== config.interval) {
          // Type and request interval cannot change: a new check replaces the old one.
          create(`protocol or interval changed (cannot be changed in place): replace health check ${current.id}`, { protocol: live.protocol, interval: live.interval, id: current.id });
          continue;
        }
        const differences = healthCheckDifferences(live, config);
        if (differences.length > 0 && !('literal' in fqdn)) {
          // The endpoint is known only after the stack is (re)created: replace instead of updating.
          create(`endpoint changes with the stack: replace health check ${current.id}`, { id: current.id, fqdn: live.fqdn });
          continue;
        }
        this.keptChecks.add(current.id);
        this.healthChecks.set(key, { ref: { id: current.id }, deps: [] });
        if (differences.length === 0) continue;
        const updated: HealthCheckConfig = { ...config, fqdn: (fqdn as { literal: string }).literal };
        this.add({
          id: `${code}:healthcheck.update:${record.name}`,
          action: 'healthcheck.update',
          region: code,
          resource,
          dependsOn: this.stackReady.get(code) ?? [],
          reason: `${differences.join(', ')} changed`,
          before: pick(live as unknown as Record<string, unknown>, differences),
          after: pick(updated as unknown as Record<string, unknown>, differences),
          payload: { kind: 'healthcheck-update', id: current.id, config: updated },
        });
      }
    }
  }

  // ---- records ---------------------------------------------------------------------------

  private templatesFor(record: DesiredRecord, region: DesiredRegion): RecordTemplate[] {
    const base = (setId: string): RecordTemplate => {
      const template: RecordTemplate = { name: record.name, type: record.type, setIdentifier: setId, values: [] };
      if (record.alias) {
        template.alias = {
          hostedZoneId: this.outputValue(region.code, record.alias.hostedZoneIdOutput),
          dnsName: this.outputValue(region.code, record.targetOutput),
          evaluateTargetHealth: record.alias.evaluateTargetHealth,
        };
      } else {
        template.ttl = record.ttl;
        template.values = [this.outputValue(region.code, record.targetOutput)];
      }
      const check = this.healthChecks.get(`${record.name}|${region.code}`);
      if (record.healthCheck && check) template.healthCheck = check.ref;
      return template;
    };
    const id = setIdentifier(this.rs, region.code);
    switch (record.routing) {
      case 'weighted':
        if (region.state === 'drained') return [];
        return [{ ...base(id), weight: region.state === 'active' ? region.weight : 0 }];
      case 'latency':
        return region.state === 'active' ? [{ ...base(id), region: region.code }] : [];
      case 'failover':
        if (region.state === 'drained') return [];
        if (!region.failover) {
          this.notes.add(`${record.name} (failover) has no record in ${region.code}: the region has no failover role`);
          return [];
        }
        return [{ ...base(id), failover: region.failover }];
      case 'geolocation':
        if (region.state !== 'active') return [];
        return region.geolocation.map((location) => ({ ...base(setIdentifier(this.rs, region.code, location)), geolocation: geoLocationCode(location) }));
    }
  }

  private planRecord(record: DesiredRecord): void {
    const liveHere = this.owned.filter((r) => sameNameType(r, record.name, record.type));
    const wanted = new Map<string, { region: DesiredRegion; template: RecordTemplate }>();
    for (const region of this.desired.regions) {
      if (region.state === 'standby' && (record.routing === 'latency' || record.routing === 'geolocation')) {
        this.notes.add(
          `${record.name} (${record.routing}) has no record in standby region ${region.code}: a ${record.routing} record always takes traffic; its health check is kept`,
        );
      }
      for (const template of this.templatesFor(record, region)) wanted.set(template.setIdentifier!, { region, template });
    }

    let afterSwitch: string[] = [];
    const switched = new Set<string>();
    if (liveHere.some((r) => routingOf(r) !== record.routing)) {
      afterSwitch = this.planRoutingSwitch(record, liveHere, wanted, switched);
    } else {
      this.planSlotTakeovers(record, liveHere, wanted, switched);
    }

    for (const [setId, { region, template }] of [...wanted.entries()].sort(([a], [b]) => compareStrings(a, b))) {
      if (switched.has(setId)) continue;
      const current = afterSwitch.length > 0 ? undefined : liveHere.find((r) => r.setIdentifier === setId);
      this.planRecordSet(record, region, template, current, afterSwitch);
    }
    if (afterSwitch.length > 0) return;
    for (const current of liveHere) {
      if (!wanted.has(current.setIdentifier!) && !switched.has(current.setIdentifier!)) this.removeRecord(current);
    }
  }

  /**
   * Route 53 lets one set of a name and type hold each failover role, geolocation location
   * and latency Region. Sets that need a slot another live set holds (a PRIMARY or the
   * default location moving to another region, two regions swapping roles) take them over
   * in one atomic batch: the holders' deletes (or moves) and the newcomers' creates share
   * their dependencies, including the newcomers' healthy checks, and belong to no region,
   * exactly like a routing switch. All takeovers of a name go in the same batch: done one
   * by one, a region could lose its last location before another gains one. The holders'
   * regions then drain and leave as usual. Adds every set identifier it handles to `handled`.
   */
  private planSlotTakeovers(
    record: DesiredRecord,
    liveHere: DnsRecord[],
    wanted: Map<string, { region: DesiredRegion; template: RecordTemplate }>,
    handled: Set<string>,
  ): void {
    const holders = new Map<string, DnsRecord>();
    for (const current of liveHere) {
      const slot = uniqueSlot(current);
      if (slot) holders.set(slot, current);
    }
    if (holders.size === 0) return;
    const members = new Set<string>();
    for (const [setId, { template }] of wanted) {
      const slot = uniqueSlot(template);
      const holder = slot ? holders.get(slot) : undefined;
      if (!holder || holder.setIdentifier === setId) continue;
      members.add(setId);
      members.add(holder.setIdentifier!);
    }
    if (members.size === 0) return;
    for (const setId of members) handled.add(setId);
    this.planTakeover(record, [...members].sort(compareStrings), liveHere, wanted);
  }

  private planTakeover(
    record: DesiredRecord,
    members: string[],
    liveHere: DnsRecord[],
    wanted: Map<string, { region: DesiredRegion; template: RecordTemplate }>,
  ): void {
    const timeoutMs = this.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    const deps = new Set<string>();
    const changes: Array<{ setId: string; current?: DnsRecord; wanted?: { region: DesiredRegion; template: RecordTemplate } }> = [];
    for (const setId of members) {
      const current = liveHere.find((r) => r.setIdentifier === setId);
      const want = wanted.get(setId);
      changes.push({ setId, ...(current ? { current } : {}), ...(want ? { wanted: want } : {}) });
      if (!want) continue;
      // A set that starts serving does so only once its region is healthy (a standby SECONDARY takes no traffic).
      this.gateOnRegion(record, want.region, want.template, !current && want.region.state === 'active', timeoutMs, deps);
    }
    const servingAtEnd = new Set([...wanted.values()].map(({ region }) => region.code));
    const takesRegionOut = changes.some(({ current, wanted: want }) => !want && !servingAtEnd.has(regionOfSetIdentifier(current!.setIdentifier!, this.rs)!));
    const group: string[] = [];
    const slots = [...new Set(changes.map(({ current, wanted: want }) => slotText((want?.template ?? current)!)))].sort();
    const why = `${slots.join(' and ')} of ${record.name} moves to another set (one atomic batch: Route 53 allows one set per slot)`;
    for (const { current, wanted: want } of changes) {
      if (!want) {
        const region = regionOfSetIdentifier(current!.setIdentifier!, this.rs)!;
        const id = this.recordStep('record.delete', `${region}:record.delete:${recordSuffix(current!, this.rs)}`, undefined, 'DELETE', literalTemplate(current!), deps, why, {
          before: recordDisplay(current!),
        });
        this.touch(current!, id);
        this.atomicDeletes.set(region, [...(this.atomicDeletes.get(region) ?? []), id]);
        group.push(id);
        continue;
      }
      const { region, template } = want;
      const suffix = recordSuffix(template, this.rs);
      if (!current) {
        const id = this.recordStep('record.create', `${region.code}:record.create:${suffix}`, undefined, 'CREATE', template, deps, why, { after: templateDisplay(template) });
        if (region.state === 'active') this.joinFinals.push(id);
        this.takeoverCreates.add(id);
        group.push(id);
        continue;
      }
      const differences = recordDifferences(template, current);
      if (differences.length === 0) continue;
      const id = this.recordStep('record.update', `${region.code}:record.update:${suffix}`, undefined, 'UPSERT', template, deps, why, {
        before: pick(recordDisplay(current), differences),
        after: pick(templateDisplay(template), differences),
      });
      this.touch(current, id);
      group.push(id);
    }
    if (takesRegionOut) this.reducingTakeovers.push(group);
  }

  /**
   * Adds to `deps` what a record change in a region waits for: its stack, its replicas and
   * its health check; when the region starts serving, also a health gate (healthy once).
   */
  private gateOnRegion(
    record: DesiredRecord,
    region: DesiredRegion,
    template: RecordTemplate,
    startsServing: boolean,
    timeoutMs: number,
    deps: Set<string>,
  ): void {
    const code = region.code;
    const check = this.healthChecks.get(`${record.name}|${code}`);
    const ready = [...(this.stackReady.get(code) ?? []), ...(this.replicaReady.get(code) ?? []), ...(check?.deps ?? [])];
    const gateId = `${code}:health.wait:${recordSuffix(template, this.rs)}`;
    if (!startsServing || !check || this.steps.has(gateId)) {
      for (const id of ready) deps.add(id);
      return;
    }
    this.joiningRegions.add(code);
    deps.add(
      this.add({
        id: gateId,
        action: 'health.wait',
        region: code,
        resource: `healthcheck:${record.name}:${code}`,
        dependsOn: ready,
        reason: `${record.name} takes traffic in ${code} only once its health check is healthy`,
        payload: { kind: 'health', healthCheck: check.ref, holdMs: 0, timeoutMs },
      }),
    );
  }

  /**
   * A routing-policy change is an identity change: the old sets are deleted and the new ones
   * created in one atomic batch (Route 53 refuses two policies at one name and type). The
   * steps share their dependencies, so they become ready together; those include everything
   * a new region needs to serve (stack, replicas, a healthy check), so the swap never leaves
   * the name without capacity. New sets go in at their full weight: the swap is the cut-over.
   * The steps belong to no region, so that region slots (maxParallelRegions) never split
   * the batch.
   */
  private planRoutingSwitch(
    record: DesiredRecord,
    liveHere: DnsRecord[],
    wanted: Map<string, { region: DesiredRegion; template: RecordTemplate }>,
    switched: Set<string>,
  ): string[] {
    const oldRegions = new Set(liveHere.map((r) => regionOfSetIdentifier(r.setIdentifier!, this.rs)));
    const deps = new Set<string>();
    const creates: Array<{ region: string; template: RecordTemplate }> = [];
    const timeoutMs = this.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    for (const [setId, { region, template }] of [...wanted.entries()].sort(([a], [b]) => compareStrings(a, b))) {
      const code = region.code;
      switched.add(setId);
      creates.push({ region: code, template });
      this.gateOnRegion(record, region, template, !oldRegions.has(code) && region.state === 'active', timeoutMs, deps);
    }
    const ids: string[] = [];
    const from = [...new Set(liveHere.map(routingOf))].sort().join('/');
    const why = `routing changes from ${from} to ${record.routing} (one atomic batch)`;
    for (const current of [...liveHere].sort((a, b) => compareStrings(a.setIdentifier!, b.setIdentifier!))) {
      const region = regionOfSetIdentifier(current.setIdentifier!, this.rs)!;
      const id = this.recordStep('record.delete', `${region}:record.delete:${recordSuffix(current, this.rs)}`, undefined, 'DELETE', literalTemplate(current), deps, why, {
        before: recordDisplay(current),
      });
      this.touch(current, id);
      this.atomicDeletes.set(region, [...(this.atomicDeletes.get(region) ?? []), id]);
      ids.push(id);
    }
    for (const { region, template } of creates) {
      const id = this.recordStep('record.create', `${region}:record.create:${recordSuffix(template, this.rs)}`, undefined, 'CREATE', template, deps, why, {
        after: templateDisplay(template),
      });
      if (!oldRegions.has(region)) this.joinFinals.push(id);
      ids.push(id);
    }
    return ids;
  }

  private planRecordSet(record: DesiredRecord, region: DesiredRegion, template: RecordTemplate, current: DnsRecord | undefined, afterSwitch: string[]): void {
    const code = region.code;
    const check = this.healthChecks.get(`${record.name}|${code}`);
    const ready = [...(this.stackReady.get(code) ?? []), ...(check?.deps ?? []), ...afterSwitch];
    const suffix = recordSuffix(template, this.rs);
    const full = template.weight;

    if (!current) {
      if (region.state !== 'active' || (full !== undefined && full === 0)) {
        // Standby (weight 0 or failover SECONDARY) takes no traffic: no health gate needed.
        this.recordStep('record.create', `${code}:record.create:${suffix}`, code, 'CREATE', template, [...ready, ...(this.replicaReady.get(code) ?? [])], `${record.name} has no record in ${code} (${region.state})`, {
          after: templateDisplay(template),
        });
        return;
      }
      this.joiningRegions.add(code);
      this.joinFinals.push(this.planJoin(record, code, template, undefined, ready, check?.ref));
      return;
    }

    if (full !== undefined && region.state === 'active' && current.weight !== undefined && current.weight < full) {
      // A join that did not finish (crash mid-ramp, or a ramp rolled back to 0): go on from the live weight.
      this.joiningRegions.add(code);
      this.joinFinals.push(this.planJoin(record, code, template, current, ready, check?.ref));
      return;
    }

    const differences = recordDifferences(template, current);
    if (differences.length === 0) return;
    const display = {
      before: pick(recordDisplay(current), differences),
      after: pick(templateDisplay(template), differences),
    };
    const silencing = current.weight !== undefined && current.weight > 0 && template.weight === 0;
    const id = this.recordStep('record.update', `${code}:record.update:${suffix}`, code, 'UPSERT', template, ready, updateReason(differences, silencing, region), display);
    this.touch(current, id);
    if (silencing) this.reductions.push(id);
  }

  /**
   * Health-gated join of one record set. Weighted records ramp: the first ramp weight after
   * the health check is healthy, then each further weight after health has held for
   * stepWait (the hold rolls the record back to weight 0 if health fails).
   */
  private planJoin(record: DesiredRecord, region: string, template: RecordTemplate, current: DnsRecord | undefined, ready: string[], check: HealthCheckRef | undefined): string {
    const suffix = recordSuffix(template, this.rs);
    const rollout = this.desired.rollout;
    const timeoutMs = this.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    const gateDeps = [...ready, ...(this.replicaReady.get(region) ?? [])];
    const from = current?.weight ?? 0;
    let after: string[] = gateDeps;

    if (from === 0 && check) {
      after = [
        this.add({
          id: `${region}:health.wait:${suffix}`,
          action: 'health.wait',
          region,
          resource: `healthcheck:${record.name}:${region}`,
          dependsOn: gateDeps,
          reason: `${record.name} takes traffic in ${region} only once its health check is healthy`,
          payload: { kind: 'health', healthCheck: check, holdMs: 0, timeoutMs },
        }),
      ];
    }

    if (template.weight === undefined) {
      const id = this.recordStep('record.create', `${region}:record.create:${suffix}`, region, 'CREATE', template, after, `${record.name} joins in ${region}`, {
        after: templateDisplay(template),
      });
      return id;
    }

    const weights = rampWeights(template.weight, rollout.ramp).filter((weight) => weight > from);
    const rampDisplay = [from, ...weights];
    let previous = from;
    let last = '';
    weights.forEach((weight, i) => {
      const first = i === 0;
      if (!first || from > 0) {
        // Hold at the current weight before going higher.
        const rollback: RecordTemplate = { ...template, weight: 0 };
        after = [
          check
            ? this.add({
                id: `${region}:health.wait:${suffix}@${previous}`,
                action: 'health.wait',
                region,
                resource: `healthcheck:${record.name}:${region}`,
                dependsOn: after,
                reason: `health must hold for ${formatMs(rollout.stepWaitMs)} at weight ${previous} before weight ${weight}`,
                after: { weight: previous, holdMs: rollout.stepWaitMs },
                payload: { kind: 'health', healthCheck: check, holdMs: rollout.stepWaitMs, timeoutMs: Math.max(timeoutMs, rollout.stepWaitMs * 2), rollback },
              })
            : this.add({
                id: `${region}:ramp.wait:${suffix}@${previous}`,
                action: 'ramp.wait',
                region,
                resource: `record:${template.name}:${template.type}:${template.setIdentifier}`,
                dependsOn: after,
                reason: `wait ${formatMs(rollout.stepWaitMs)} at weight ${previous} before weight ${weight} (no health check)`,
                after: { weight: previous },
                payload: { kind: 'wait', ms: rollout.stepWaitMs },
              }),
        ];
      }
      const step = { ...template, weight };
      const creating = first && !current;
      const ramp = { ramp: rampDisplay, stepWaitMs: rollout.stepWaitMs };
      last = creating
        ? this.recordStep('record.create', `${region}:record.create:${suffix}`, region, 'CREATE', step, after, `${record.name} joins in ${region} at weight ${weight} of ${template.weight}`, {
            after: { ...templateDisplay(step), ...ramp },
          })
        : this.recordStep(
            'record.update',
            `${region}:record.update:${suffix}@${weight}`,
            region,
            'UPSERT',
            step,
            after,
            weight === template.weight ? `${record.name} in ${region} reaches its full weight ${weight}` : `${record.name} in ${region} ramps to weight ${weight} of ${template.weight}`,
            { before: { weight: previous }, after: { weight, ...(first ? ramp : {}) } },
          );
      if (current) this.touch(current, last);
      after = [last];
      previous = weight;
    });
    return last;
  }

  /** Owned records at names or types the manifest no longer lists. */
  private planRecordsNoLongerWanted(): void {
    for (const current of this.owned) {
      if (this.desired.dns.records.some((record) => sameNameType(current, record.name, record.type))) continue;
      this.removeRecord(current);
    }
  }

  private removeRecord(record: DnsRecord): void {
    const region = regionOfSetIdentifier(record.setIdentifier!, this.rs);
    if (region) this.removals.push({ region, record });
  }

  /**
   * Takes records away in the leaving order: weight 0 (weighted) or delete (other policies),
   * then one drain wait per region, then the weighted deletes and the health-check deletes.
   * Returns every DNS-removal step by region.
   */
  private planRemovals(): Map<string, string[]> {
    const byRegion = new Map<string, Removal[]>();
    for (const removal of this.removals) byRegion.set(removal.region, [...(byRegion.get(removal.region) ?? []), removal]);
    const orphans = this.orphanHealthChecks();
    const regions = [...new Set([...byRegion.keys(), ...this.atomicDeletes.keys(), ...orphans.keys()])].sort();
    const result = new Map<string, string[]>();

    for (const region of regions) {
      const removals = (byRegion.get(region) ?? []).sort((a, b) => compareStrings(liveKey(a.record), liveKey(b.record)));
      const firstPhase: string[] = [...(this.atomicDeletes.get(region) ?? [])];
      const later: Array<{ record: DnsRecord; after?: string }> = [];
      const reason = this.regions.has(region) ? `not wanted in ${region} (${this.regions.get(region)!.state})` : `${region} left the manifest`;
      for (const { record } of removals) {
        const suffix = recordSuffix(record, this.rs);
        if (record.weight !== undefined && record.weight > 0) {
          const zeroed = { ...record, weight: 0 };
          const id = this.recordStep('record.update', `${region}:record.update:${suffix}`, region, 'UPSERT', literalTemplate(zeroed), [], `${reason}: weight 0 first, so traffic drains`, {
            before: { weight: record.weight },
            after: { weight: 0 },
          });
          this.touch(record, id);
          firstPhase.push(id);
          this.reductions.push(id);
          later.push({ record: zeroed, after: id });
        } else if (record.weight !== undefined) {
          later.push({ record });
        } else {
          const id = this.recordStep('record.delete', `${region}:record.delete:${suffix}`, region, 'DELETE', literalTemplate(record), [], `${reason}: out of the ${routingOf(record)} set`, {
            before: recordDisplay(record),
          });
          this.touch(record, id);
          firstPhase.push(id);
          if (takesTraffic(record)) this.reductions.push(id);
        }
      }
      const checks = orphans.get(region) ?? [];
      const steps = [...firstPhase];
      const needsDrain = firstPhase.length > 0 && (later.length > 0 || checks.length > 0 || !this.regions.has(region));
      const drain = needsDrain
        ? this.add({
            id: `${region}:drain.wait`,
            action: 'drain.wait',
            region,
            resource: `region:${region}`,
            dependsOn: firstPhase,
            reason: `clients move off ${region} before its records and health checks go (drainWait, at least the record TTL)`,
            payload: { kind: 'wait', ms: this.desired.rollout.drainWaitMs },
          })
        : undefined;
      if (drain) steps.push(drain);
      for (const { record, after } of later) {
        const id = this.recordStep('record.delete', `${region}:record.delete:${recordSuffix(record, this.rs)}`, region, 'DELETE', literalTemplate(record), drain ? [drain] : after ? [after] : [], `${reason}: remove the drained record`, {
          before: recordDisplay(record),
        });
        this.touch(record, id);
        steps.push(id);
      }
      for (const { check, recordName } of checks) steps.push(this.deleteHealthCheck(check, recordName, region, drain));
      result.set(region, steps);
    }
    for (const { check } of orphans.get('') ?? []) this.deleteHealthCheck(check, undefined, undefined, undefined);
    return result;
  }

  /** Owned health checks no wanted (record, region) keeps, by region ('' when the region cannot be told). */
  private orphanHealthChecks(): Map<string, Array<{ check: LiveHealthCheck; recordName?: string }>> {
    const regionOfKey = new Map<string, { record: string; region: string }>();
    const names = new Set([...this.desired.dns.records.map((r) => r.name), ...this.owned.map((r) => r.name)]);
    const regions = new Set([...this.regions.keys(), ...this.leaving]);
    for (const name of names) for (const region of regions) regionOfKey.set(healthCheckKey(name, region), { record: name, region });
    const orphans = new Map<string, Array<{ check: LiveHealthCheck; recordName?: string }>>();
    const sorted = [...this.live.healthChecks].sort((a, b) => compareStrings(a.id, b.id));
    for (const check of sorted) {
      if (!isOwnedHealthCheck(check, this.rs) || this.keptChecks.has(check.id)) continue;
      const owner = regionOfKey.get(healthCheckKeyOf(check, this.rs) ?? '');
      const region = owner?.region ?? '';
      orphans.set(region, [...(orphans.get(region) ?? []), { check, ...(owner ? { recordName: owner.record } : {}) }]);
    }
    return orphans;
  }

  private deleteHealthCheck(check: LiveHealthCheck, recordName: string | undefined, region: string | undefined, drain: string | undefined): string {
    const users = this.live.records.filter((record) => record.healthCheckId === check.id);
    const deps = [...(drain ? [drain] : []), ...users.flatMap((record) => this.touching.get(liveKey(record)) ?? [])];
    return this.add({
      id: `${region ? `${region}:` : ''}healthcheck.delete:${recordName ? `${recordName}:` : ''}${check.id}`,
      action: 'healthcheck.delete',
      ...(region ? { region } : {}),
      resource: `healthcheck:${recordName ?? check.id}:${region ?? ''}`,
      dependsOn: deps,
      reason: region && this.regions.has(region) && this.regions.get(region)!.state !== 'drained' ? 'replaced or no longer wanted' : 'no record uses it any more',
      before: { id: check.id, fqdn: check.config.fqdn, path: check.config.path },
      payload: { kind: 'healthcheck-delete', id: check.id },
    });
  }

  /** Leaving regions: after their DNS is gone, the stack; after the stack, the replicas (when allowed). */
  private planLeavingRegions(removalSteps: Map<string, string[]>): void {
    for (const region of this.leaving) {
      const dns = removalSteps.get(region) ?? [];
      const stackSteps = [`${region}:stack.wait`, `${region}:stack.delete`].filter((id) => this.steps.has(id));
      const firstStack = stackSteps[0];
      if (firstStack) this.dependOn(firstStack, dns);
      const lastStack = stackSteps[stackSteps.length - 1];
      for (const table of this.desired.tables) {
        // The new copies first: a replica change goes through another ACTIVE replica, and
        // the data must never be down to fewer copies than the plan ends with.
        const creates = this.desired.regions.map((r) => `${r.code}:replica.create:${table.name}`).filter((id) => this.steps.has(id));
        this.dependOn(`${region}:replica.delete:${table.name}`, [...(lastStack ? [lastStack] : dns), ...creates]);
      }
    }
  }

  /** Never shrink before the new capacity serves: reductions wait for every join's last step. */
  private orderReductionsAfterJoins(): void {
    if (this.joinFinals.length === 0) return;
    for (const id of this.reductions) this.dependOn(id, this.joinFinals);
    const otherJoins = this.joinFinals.filter((id) => !this.takeoverCreates.has(id));
    for (const group of this.reducingTakeovers) for (const id of group) this.dependOn(id, otherJoins);
  }

  // ---- summary ---------------------------------------------------------------------------

  private transitions(steps: Step[]): Map<string, RegionTransition> {
    const withSteps = new Set(steps.map((step) => step.region).filter((r) => r !== undefined));
    // Routing-switch steps belong to no region: their set identifiers say which.
    for (const step of steps) {
      if (step.region || step.payload.kind !== 'record' || !step.payload.record.setIdentifier) continue;
      const region = regionOfSetIdentifier(step.payload.record.setIdentifier, this.rs);
      if (region) withSteps.add(region);
    }
    const result = new Map<string, RegionTransition>();
    for (const region of this.leaving) result.set(region, 'leaving');
    for (const region of this.desired.regions) {
      const code = region.code;
      const serving = this.owned.some((r) => regionOfSetIdentifier(r.setIdentifier!, this.rs) === code && takesTraffic(r));
      const hasRecords = this.owned.some((r) => regionOfSetIdentifier(r.setIdentifier!, this.rs) === code);
      const isNew = !this.inventory.includes(code) && !this.live.stacks[code];
      let transition: RegionTransition;
      if (!withSteps.has(code)) transition = 'unchanged';
      else if (isNew || (region.state === 'active' && this.joiningRegions.has(code) && !serving)) transition = 'joining';
      else if (region.state === 'standby' && serving && this.reducesTraffic(code)) transition = 'standby';
      else if (region.state === 'drained' && hasRecords) transition = 'draining';
      else transition = 'staying';
      result.set(code, transition);
    }
    return result;
  }

  private reducesTraffic(region: string): boolean {
    return this.reductions.some((id) => this.steps.get(id)?.region === region);
  }
}

// ---- pure helpers ------------------------------------------------------------------------

function sameNameType(record: DnsRecord, name: string, type: string): boolean {
  return record.type === type && sameDnsName(record.name, name);
}

function liveKey(record: Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'>): string {
  return `${dnsNameKey(record.name)}|${record.type}|${record.setIdentifier ?? ''}`;
}

/** `name:type` plus the set identifier's tail after the region (a geolocation location). */
function recordSuffix(record: Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'>, regionSet: string): string {
  const setId = record.setIdentifier ?? '';
  const region = regionOfSetIdentifier(setId, regionSet);
  const tail = region ? setId.slice(regionSet.length + 1 + region.length + 1) : '';
  return `${record.name}:${record.type}${tail ? `:${tail}` : ''}`;
}

function literalTemplate(record: DnsRecord): RecordTemplate {
  const { values, alias, healthCheckId, ...rest } = record;
  const template: RecordTemplate = { ...rest, values: values.map((literal) => ({ literal })) };
  if (alias) template.alias = { hostedZoneId: { literal: alias.hostedZoneId }, dnsName: { literal: alias.dnsName }, evaluateTargetHealth: alias.evaluateTargetHealth };
  if (healthCheckId) template.healthCheck = { id: healthCheckId };
  return template;
}

function sameTags(live: Record<string, string>, wanted: Record<string, string>): boolean {
  const liveKeys = Object.keys(live).filter((key) => !key.startsWith('aws:'));
  return liveKeys.length === Object.keys(wanted).length && liveKeys.every((key) => live[key] === wanted[key]);
}

function withoutDigests(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !isNoEchoTag(key)));
}

function userTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !key.startsWith('aws:') && !key.startsWith('regionctl:')));
}

function healthCheckDifferences(live: HealthCheckConfig, wanted: Omit<HealthCheckConfig, 'fqdn'> & { fqdn: ValueRef }): string[] {
  const differences: string[] = [];
  if ('literal' in wanted.fqdn ? live.fqdn.toLowerCase() !== wanted.fqdn.literal.toLowerCase() : true) differences.push('fqdn');
  if (live.port !== wanted.port) differences.push('port');
  if (live.path !== wanted.path) differences.push('path');
  if (live.failureThreshold !== wanted.failureThreshold) differences.push('failureThreshold');
  // No regions wanted means Route 53's default set, whatever it currently lists.
  if (wanted.regions.length > 0 && [...live.regions].sort().join(',') !== wanted.regions.join(',')) differences.push('regions');
  return differences;
}

function sameRef(ref: ValueRef, value: string | undefined): boolean {
  return 'literal' in ref && value !== undefined && sameDnsName(ref.literal, value);
}

/** Display names of the fields that differ between a wanted record and the live one. */
function recordDifferences(template: RecordTemplate, live: DnsRecord): string[] {
  const differences: string[] = [];
  if (template.weight !== live.weight) differences.push('weight');
  if ((template.ttl ?? undefined) !== (live.ttl ?? undefined)) differences.push('ttl');
  if (template.values.length !== live.values.length || template.values.some((ref, i) => !sameRef(ref, live.values[i]))) differences.push('values');
  if (Boolean(template.alias) !== Boolean(live.alias)) differences.push('alias');
  else if (template.alias && live.alias) {
    if (
      !sameRef(template.alias.dnsName, live.alias.dnsName) ||
      !sameRef(template.alias.hostedZoneId, live.alias.hostedZoneId) ||
      template.alias.evaluateTargetHealth !== live.alias.evaluateTargetHealth
    ) {
      differences.push('alias');
    }
  }
  if (template.region !== live.region) differences.push('region');
  if (template.failover !== live.failover) differences.push('failover');
  if (JSON.stringify(template.geolocation ?? null) !== JSON.stringify(normaliseGeo(live.geolocation))) differences.push('geolocation');
  const wantedCheck = template.healthCheck ? ('id' in template.healthCheck ? template.healthCheck.id : undefined) : undefined;
  if (template.healthCheck ? wantedCheck !== live.healthCheckId : live.healthCheckId !== undefined) differences.push('healthCheck');
  return differences;
}

function normaliseGeo(geo: DnsRecord['geolocation']): DnsRecord['geolocation'] | null {
  if (!geo) return null;
  const out: NonNullable<DnsRecord['geolocation']> = {};
  if (geo.continentCode !== undefined) out.continentCode = geo.continentCode;
  if (geo.countryCode !== undefined) out.countryCode = geo.countryCode;
  if (geo.subdivisionCode !== undefined) out.subdivisionCode = geo.subdivisionCode;
  return out;
}

function updateReason(differences: string[], silencing: boolean, region: DesiredRegion): string {
  if (silencing) return `${region.code} is ${region.state}: weight 0 (no traffic, record kept)`;
  if (differences.length === 1 && differences[0] === 'weight') return 'weight changed';
  return `${differences.join(', ')} differ from the manifest`;
}

/** Fields of a live record for display. */
function recordDisplay(record: DnsRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (record.weight !== undefined) out['weight'] = record.weight;
  if (record.ttl !== undefined) out['ttl'] = record.ttl;
  if (record.values.length > 0) out['values'] = record.values;
  if (record.alias) out['alias'] = record.alias;
  if (record.region !== undefined) out['region'] = record.region;
  if (record.failover !== undefined) out['failover'] = record.failover;
  if (record.geolocation !== undefined) out['geolocation'] = record.geolocation;
  if (record.healthCheckId !== undefined) out['healthCheck'] = record.healthCheckId;
  return out;
}

/** Fields of a wanted record for display; references stay references (rendered as "known after apply"). */
function templateDisplay(template: RecordTemplate): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (template.weight !== undefined) out['weight'] = template.weight;
  if (template.ttl !== undefined) out['ttl'] = template.ttl;
  if (template.values.length > 0) out['values'] = template.values.map((ref) => ('literal' in ref ? ref.literal : ref));
  if (template.alias) {
    const { hostedZoneId, dnsName, evaluateTargetHealth } = template.alias;
    out['alias'] = {
      hostedZoneId: 'literal' in hostedZoneId ? hostedZoneId.literal : hostedZoneId,
      dnsName: 'literal' in dnsName ? dnsName.literal : dnsName,
      evaluateTargetHealth,
    };
  }
  if (template.region !== undefined) out['region'] = template.region;
  if (template.failover !== undefined) out['failover'] = template.failover;
  if (template.geolocation !== undefined) out['geolocation'] = template.geolocation;
  if (template.healthCheck) out['healthCheck'] = 'id' in template.healthCheck ? template.healthCheck.id : template.healthCheck;
  return out;
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in source) out[key] = source[key];
  return out;
}

/** Longest chain of dependencies before each step (roots are 0). */
export function dependencyDepths(steps: Step[]): Map<string, number> {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const depth = new Map<string, number>();
  const visit = (id: string, trail: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (trail.has(id)) throw new Error(`internal error: dependency cycle through ${id}`);
    trail.add(id);
    let d = 0;
    for (const dep of byId.get(id)?.dependsOn ?? []) if (byId.has(dep)) d = Math.max(d, visit(dep, trail) + 1);
    trail.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const step of steps) visit(step.id, new Set());
  return depth;
}

/** Execution-like order: by dependency depth, then region (RegionSet-wide first), then id. */
function sortSteps(steps: Step[], depth: Map<string, number>): Step[] {
  return steps.sort(
    (a, b) => depth.get(a.id)! - depth.get(b.id)! || compareStrings(a.region ?? '', b.region ?? '') || compareStrings(a.id, b.id),
  );
}

const CREATE_ACTIONS = new Set(['stack.create', 'replica.create', 'healthcheck.create', 'record.create']);
const UPDATE_ACTIONS = new Set(['stack.update', 'stack.continue-rollback', 'healthcheck.update', 'record.update', 'inventory.update']);
const DELETE_ACTIONS = new Set(['stack.delete', 'replica.delete', 'healthcheck.delete', 'record.delete']);

/**
 * Counts resources, not steps: a ramp (create, then updates) is one creation; a stack
 * recreate is one deletion and one creation; several updates of one resource are one.
 */
export function summarise(plan: Plan, transitions?: Map<string, RegionTransition>, depths?: Map<string, number>): PlanSummary {
  const created = new Set<string>();
  const updated = new Set<string>();
  const deleted = new Set<string>();
  for (const step of plan.steps) {
    const key = step.action === 'healthcheck.delete' && step.payload.kind === 'healthcheck-delete' ? `${step.resource}#${step.payload.id}` : step.resource;
    if (step.action === 'stack.recreate') {
      created.add(key);
      deleted.add(key);
    } else if (CREATE_ACTIONS.has(step.action)) created.add(key);
    else if (DELETE_ACTIONS.has(step.action)) deleted.add(key);
    else if (UPDATE_ACTIONS.has(step.action)) updated.add(key);
  }
  for (const key of created) updated.delete(key);
  for (const key of deleted) updated.delete(key);
  const regions: Record<string, RegionTransition> = {};
  for (const [region, transition] of [...(transitions ?? new Map<string, RegionTransition>()).entries()].sort(([a], [b]) => compareStrings(a, b))) {
    regions[region] = transition;
  }
  return { create: created.size, update: updated.size, delete: deleted.size, regions, route53ChangeBatches: estimateChangeBatches(plan.steps, depths) };
}

/** Placeholder length of a value known only after apply (a typical regional endpoint name). */
const UNKNOWN_VALUE_LENGTH = 64;

/** Route 53 calls: DNS steps grouped by zone and dependency depth, each group batched within the limits. */
export function estimateChangeBatches(steps: Step[], depths?: Map<string, number>): number {
  const depth = depths ?? dependencyDepths(steps);
  const groups = new Map<string, RecordChange[]>();
  for (const step of steps) {
    if (step.payload.kind !== 'record') continue;
    const key = `${step.payload.zoneId}|${depth.get(step.id)}`;
    const change: RecordChange = { action: step.payload.change, record: placeholderRecord(step.payload.record) };
    const group = groups.get(key);
    if (group) group.push(change);
    else groups.set(key, [change]);
  }
  let batches = 0;
  for (const changes of groups.values()) batches += batchRecordChanges(changes).length;
  return batches;
}

function placeholderRecord(template: RecordTemplate): DnsRecord {
  const value = (ref: ValueRef) => ('literal' in ref ? ref.literal : 'x'.repeat(UNKNOWN_VALUE_LENGTH));
  const { values, alias, healthCheck, ...rest } = template;
  void healthCheck;
  const record: DnsRecord = { ...rest, values: values.map(value) };
  if (alias) record.alias = { hostedZoneId: value(alias.hostedZoneId), dnsName: value(alias.dnsName), evaluateTargetHealth: alias.evaluateTargetHealth };
  return record;
}
