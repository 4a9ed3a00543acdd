// The built-in sandbox as a target for diff and apply. Time runs `speed` times faster than
// real time, so a demo apply with real-looking AWS waits finishes in seconds; the state
// file keeps the cloud (and its virtual time) between runs.

import { readFile } from 'node:fs/promises';
import { ScaledClock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import { SandboxCloud, saveSandbox } from '../providers/sandbox/index.js';
import type { Target } from './target.js';

export async function openSandbox(path: string | undefined, speed: number, desired: DesiredState[]): Promise<Target> {
  const saved = path === undefined ? undefined : await readState(path);
  const clock = new ScaledClock(speed, savedNow(saved) ?? Date.now());
  const cloud = saved === undefined ? new SandboxCloud({ clock }) : SandboxCloud.fromJSON(saved, { clock });
  await seedAssumedResources(cloud, desired);
  return {
    providers: cloud.providers(),
    clock,
    save: async () => {
      if (path !== undefined) await saveSandbox(cloud, path);
    },
    describe: `sandbox${path ? ` ${path}` : ' (in memory)'}, ${speed}x time`,
  };
}

async function readState(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`sandbox state ${path} is unreadable (${(error as Error).message}); delete it to start a fresh sandbox`);
  }
}

function savedNow(state: unknown): number | undefined {
  const value = (state as { savedNow?: unknown } | undefined)?.savedNow;
  return typeof value === 'number' ? value : undefined;
}

/**
 * regionctl never creates hosted zones or tables: they exist before a RegionSet manages
 * them. The sandbox plays that part: a missing zone or table is created, each table with
 * one replica in the first active region of the manifest.
 */
async function seedAssumedResources(cloud: SandboxCloud, desired: DesiredState[]): Promise<void> {
  const { dns, tables } = cloud.providers();
  for (const set of desired) {
    if (!(await dns.findZone(set.dns.zone))) cloud.seedZone(set.dns.zone);
    const home = (set.regions.find((r) => r.state === 'active') ?? set.regions[0])?.code;
    if (!home) continue;
    const regions = set.regions.map((r) => r.code);
    for (const table of set.tables) {
      if (!(await tables.describe(table.name, regions))) cloud.seedTable(table.name, home);
    }
  }
  cloud.calls.reset();
}
