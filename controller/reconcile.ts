// One reconcile: read the live state once, plan purely, and (when asked) apply.
// Reads are kept to the minimum a quiet reconcile needs: one zone lookup and listing,
// one health-check listing, one DescribeStacks per known region, one DescribeTable per
// table. Health statuses and stack previews cost extra calls, so they are read only
// when the first plan has steps.

import type { DesiredState } from './manifest/types.js';
import type { HealthStatus, InventoryScan, LiveState, Providers } from './providers/types.js';
import type { Plan, PlanOptions } from './plan/types.js';
import { plan as computePlan } from './plan/plan.js';
import {
  findInventoryRecord,
  inventoryName,
  inventoryRegions,
  isOwnedHealthCheck,
  isOwnedRecord,
  isOwnedStack,
  ownedHealthCheckFor,
  TAG_REGIONSET,
  zoneName,
} from './plan/identity.js';
import { AWS_REGIONS } from './manifest/regions.js';
import { partitionOf } from './partition.js';
import { AwsRequestError, StalledError } from './errors.js';
import { DIGEST_KEY_ENV, scrubSecrets } from './plan/secrets.js';

export class LiveStateError extends StalledError {
  override readonly name = 'LiveStateError';
}

export async function readLiveState(desired: DesiredState, providers: Providers, defaultRegion?: string): Promise<LiveState> {
  const zone = await providers.dns.findZone(desired.dns.zone);
  if (!zone) {
    throw new LiveStateError(
      `hosted zone ${desired.dns.zone} (spec.dns.zone in ${desired.file}) was not found: create it, or fix the zone name`,
    );
  }
  const [records, healthChecks] = await Promise.all([
    providers.dns.listRecords(zone.id),
    providers.healthChecks.list(),
  ]);
  const known = knownRegions(desired, inventoryRegions(records, desired));
  const [stackList, tableList] = await Promise.all([
    Promise.all(known.map((region) => providers.stacks.describe(region, desired.stack.name))),
    Promise.all(desired.tables.map((table) => providers.tables.describe(table.name, tableCandidateRegions(desired, known)))),
  ]);
  const stacks: LiveState['stacks'] = {};
  known.forEach((region, i) => (stacks[region] = stackList[i]));
  const tables: LiveState['tables'] = {};
  desired.tables.forEach((table, i) => (tables[table.name] = tableList[i]));
  const live: LiveState = { zone, records, healthChecks, stacks, tables, health: {} };
  if (inventoryLost(desired, live)) live.inventoryScan = await scanForOwnedStacks(desired, providers, live, defaultRegion);
  return live;
}

/** No inventory record, yet resources of this RegionSet exist: someone deleted the record. */
function inventoryLost(desired: DesiredState, live: Pick<LiveState, 'zone' | 'records' | 'healthChecks' | 'stacks'>): boolean {
  const zone = zoneName(desired, live);
  if (findInventoryRecord(live.records, desired, zone)) return false;
  const inventory = inventoryName(desired.name, zone);
  return (
    live.records.some((record) => isOwnedRecord(record, desired.name) && record.name.toLowerCase() !== inventory) ||
    live.healthChecks.some((check) => isOwnedHealthCheck(check, desired.name)) ||
    Object.values(live.stacks).some((stack) => stack !== undefined && isOwnedStack(stack, desired.name))
  );
}

/** Error codes of a region not enabled for the account (opt-in regions): nothing of ours can be there. */
const REGION_NOT_ENABLED = new Set(['InvalidClientTokenId', 'UnrecognizedClientException', 'OptInRequired', 'AuthFailure']);
const SCAN_PARALLEL = 6;

/**
 * The one-time scan that rebuilds a lost inventory: every region of the partition is asked
 * for stacks tagged with the RegionSet. Stacks of the manifest's name join the live state, so
 * a region the manifest no longer lists is planned for removal instead of being forgotten.
 */
async function scanForOwnedStacks(desired: DesiredState, providers: Providers, live: LiveState, defaultRegion = 'us-east-1'): Promise<InventoryScan> {
  const scan: InventoryScan = { regions: [], skipped: [], found: [] };
  // Only the manifest's partition (aws, aws-cn or aws-us-gov; --region's when it names no region): its credentials work nowhere else.
  const partition = partitionOf(desired.regions[0]?.code ?? defaultRegion);
  const regions = [...new Set([...AWS_REGIONS.filter((r) => partitionOf(r) === partition), ...Object.keys(live.stacks)])].sort();
  for (let i = 0; i < regions.length; i += SCAN_PARALLEL) {
    const chunk = regions.slice(i, i + SCAN_PARALLEL);
    const answers = await Promise.all(
      chunk.map(async (region) => {
        try {
          return await providers.stacks.listByTag(region, TAG_REGIONSET, desired.name);
        } catch (error) {
          if (error instanceof AwsRequestError && REGION_NOT_ENABLED.has(error.code)) return undefined;
          throw error;
        }
      }),
    );
    chunk.forEach((region, j) => {
      const stacks = answers[j];
      if (!stacks) {
        scan.skipped.push(region);
        return;
      }
      scan.regions.push(region);
      for (const stack of stacks) {
        scan.found.push({ region, name: stack.name });
        if (stack.name === desired.stack.name && live.stacks[region] === undefined) live.stacks[region] = stack;
      }
    });
  }
  return scan;
}

function knownRegions(desired: DesiredState, inventory: string[]): string[] {
  return [...new Set([...desired.regions.map((r) => r.code), ...inventory])].sort();
}

/** Regions to look for a table in: where it most likely lives first (active regions). */
function tableCandidateRegions(desired: DesiredState, known: string[]): string[] {
  const active = desired.regions.filter((r) => r.state === 'active').map((r) => r.code);
  return [...new Set([...active, ...known])];
}

export interface PlanReconcileOptions {
  now: number;
  /**
   * true: ask the stack provider what each stack change does inside the stack (a change set
   * per stack, deleted again). 'skip' (diff --read-only): no write call; the stack steps are
   * marked as not previewed. Absent/false: no preview, no mark.
   */
  previewStacks?: boolean | 'skip';
  /** The CLI's --region: the partition to scan when the RegionSet names no region (prune-regionset). */
  defaultRegion?: string;
}

/**
 * Plans a reconcile. The guardrails need the health of serving regions, which costs one
 * GetHealthCheckStatus per region: read it only when there is something to change.
 */
export async function planReconcile(
  desired: DesiredState,
  providers: Providers,
  options: PlanReconcileOptions,
): Promise<{ plan: Plan; live: LiveState }> {
  const live = await readLiveState(desired, providers, options.defaultRegion);
  // Previews write (change sets, review stacks): what an interrupted diff left goes first (issue 12 item 12).
  if (options.previewStacks === true) await removePreviewLeftovers(desired, live, providers);
  const digestKey = process.env[DIGEST_KEY_ENV];
  const planOptions: PlanOptions = { now: options.now, ...(digestKey ? { parameterDigestKey: digestKey } : {}) };
  let plan = computePlan(desired, live, planOptions);
  if (plan.steps.length === 0) return { plan, live };

  live.health = await readRegionHealth(desired, live, providers);
  if (options.previewStacks === true) {
    planOptions.stackPreviews = await previewStackChanges(plan, providers);
  } else if (options.previewStacks === 'skip') {
    // diff --read-only: no CreateChangeSet, no review stack; the steps say so.
    planOptions.stackPreviewsSkipped = true;
  }
  plan = computePlan(desired, live, planOptions);
  return { plan, live };
}

/** Our stacks' leftover preview change sets, and review-only stacks of ours left empty by them, deleted. */
async function removePreviewLeftovers(desired: DesiredState, live: LiveState, providers: Providers): Promise<void> {
  await Promise.all(
    Object.entries(live.stacks).map(async ([region, stack]) => {
      if (stack?.tags[TAG_REGIONSET] !== desired.name) return;
      live.stacks[region] = await providers.stacks.removePreviewLeftovers(stack);
    }),
  );
}

/** Status of one health check per desired region (the first record's), in parallel. */
async function readRegionHealth(desired: DesiredState, live: LiveState, providers: Providers): Promise<Record<string, HealthStatus>> {
  const ids = desired.regions
    .map((region) => ownedHealthCheckFor(live.healthChecks, desired, region.code)?.id)
    .filter((id): id is string => id !== undefined);
  const statuses = await Promise.all(ids.map((id) => providers.healthChecks.status(id)));
  return Object.fromEntries(ids.map((id, i) => [id, statuses[i]!]));
}

async function previewStackChanges(plan: Plan, providers: Providers): Promise<PlanOptions['stackPreviews']> {
  const previews: NonNullable<PlanOptions['stackPreviews']> = {};
  // AWS refuses a change set while the stack is UPDATE_ROLLBACK_FAILED or busy (cfn.update-rollback-failed,
  // cfn.busy-stack): a change after a continued rollback or a wait is previewed once that has finished.
  const deferred = new Set(plan.steps.filter((s) => s.action === 'stack.continue-rollback' || s.action === 'stack.wait').map((s) => s.id));
  const stackSteps = plan.steps.filter(
    (s) => s.payload.kind === 'stack' && (s.action === 'stack.update' || s.action === 'stack.create') && !s.dependsOn.some((id) => deferred.has(id)),
  );
  await Promise.all(
    stackSteps.map(async (step) => {
      if (step.payload.kind !== 'stack') return;
      const input = { ...step.payload.input, clientToken: 'preview' };
      const secrets = (step.payload.secretParameters ?? []).map((name) => input.parameters[name] ?? '');
      try {
        previews[input.region] = await providers.stacks.previewChanges(input);
      } catch (error) {
        // The error reaches the user's terminal: a NoEcho value echoed by AWS is masked first.
        if (error instanceof Error && secrets.length > 0) {
          error.message = scrubSecrets(error.message, secrets);
          if (error.stack) error.stack = scrubSecrets(error.stack, secrets);
        }
        throw error;
      }
    }),
  );
  return previews;
}
