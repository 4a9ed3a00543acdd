// Reads the live state a plan starts from, for tests that re-plan after an apply.
// A stand-in for controller/reconcile.ts's production reader: it reads the stacks of the
// desired regions plus any regions the caller names (regions that left the manifest).

import type { DesiredState } from '../../controller/manifest/types.js';
import type { LiveState, Providers } from '../../controller/providers/types.js';

export async function readLiveState(desired: DesiredState, providers: Providers, formerRegions: string[] = []): Promise<LiveState> {
  const zone = await providers.dns.findZone(desired.dns.zone);
  if (!zone) throw new Error(`test setup: hosted zone ${desired.dns.zone} does not exist in the sandbox`);
  const regions = [...new Set([...desired.regions.map((region) => region.code), ...formerRegions])].sort();
  const [records, healthChecks, stackList, tableList] = await Promise.all([
    providers.dns.listRecords(zone.id),
    providers.healthChecks.list(),
    Promise.all(regions.map((region) => providers.stacks.describe(region, desired.stack.name))),
    Promise.all(desired.tables.map((table) => providers.tables.describe(table.name, regions))),
  ]);
  const stacks: LiveState['stacks'] = {};
  regions.forEach((region, i) => (stacks[region] = stackList[i]));
  const tables: LiveState['tables'] = {};
  desired.tables.forEach((table, i) => (tables[table.name] = tableList[i]));
  // The guardrails count serving regions by health: read every check's status (cheap in the sandbox).
  const statuses = await Promise.all(healthChecks.map((check) => providers.healthChecks.status(check.id)));
  const health = Object.fromEntries(healthChecks.map((check, i) => [check.id, statuses[i]!]));
  return { zone, records, healthChecks, stacks, tables, health };
}
