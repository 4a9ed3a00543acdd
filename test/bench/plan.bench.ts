// Planning speed: median time of plan() for a large RegionSet (30 regions × 5 tables ×
// 20 records), joining from nothing and converged, and for 200 RegionSets in a row.
import { AWS_REGIONS } from '../../controller/manifest/regions.js';
import { partitionOf } from '../../controller/partition.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { plan } from '../../controller/plan/plan.js';
import type { LiveState } from '../../controller/providers/types.js';
import { convergedLive, desiredState, ZONE, ZONE_ID } from '../support/builders.js';
import type { Figure } from './run.js';
import { medianMs } from './stats.js';

/** 30 weighted/latency regions, 5 tables, 20 records (half weighted, half latency, all health-checked). */
export function largeDesired(name = 'bench'): DesiredState {
  const routings = ['weighted', 'latency'] as const;
  return desiredState({
    name,
    // One partition: a RegionSet cannot span aws and aws-cn (partition.ts).
    regions: AWS_REGIONS.filter((code) => partitionOf(code) === 'aws')
      .slice(0, 30)
      .map((code, i) => ({ code, weight: 1 + ((i * 37) % 255), parameters: { Stage: 'prod', Shard: String(i) } })),
    tables: ['orders', 'sessions', 'carts', 'users', 'events'].map((table, i) => ({ name: table, removeReplicas: i % 2 === 0 })),
    records: Array.from({ length: 20 }, (_, i) => ({ name: `api${i}.example.com.`, routing: routings[i % 2]! })),
    rollout: { minHealthyRegions: 20, ramp: [5, 25, 50, 100] },
  });
}

/** Live state before anything exists: only the zone. */
function emptyLive(desired: DesiredState): LiveState {
  const converged = convergedLive(desired);
  const tables: LiveState['tables'] = {};
  for (const [name, table] of Object.entries(converged.tables)) tables[name] = table && { ...table, replicas: table.replicas.slice(0, 1) };
  return {
    stacks: Object.fromEntries(desired.regions.map((r) => [r.code, undefined])),
    tables,
    zone: { id: ZONE_ID, name: ZONE },
    records: converged.records.filter((r) => r.type === 'NS' || r.type === 'SOA'),
    healthChecks: [],
    health: {},
  };
}

/**
 * Warm means optimised: 3 calls left plan() partly unoptimised, and with 30 runs one
 * iteration's garbage collection moved the median. 100 runs after 20 warm-up calls.
 */
const RUNS = 100;
const WARMUP = 20;

export async function benchPlan(): Promise<Figure[]> {
  const desired = largeDesired();
  const joining = emptyLive(desired);
  const converged = convergedLive(desired);
  const many = Array.from({ length: 200 }, (_, i) => {
    const d = desiredState({ name: `set-${i}` });
    return { d, live: convergedLive(d) };
  });
  const now = Date.UTC(2026, 0, 1);
  return [
    { name: 'plan 30 regions × 5 tables × 20 records, all joining', value: await medianMs(RUNS, () => plan(desired, joining, { now }), WARMUP), unit: 'ms' },
    { name: 'plan 30 regions × 5 tables × 20 records, converged', value: await medianMs(RUNS, () => plan(desired, converged, { now }), WARMUP), unit: 'ms' },
    { name: 'plan 200 RegionSets (3 regions each, converged)', value: await medianMs(RUNS / 4, () => many.forEach(({ d, live }) => plan(d, live, { now })), WARMUP / 4), unit: 'ms' },
  ];
}
