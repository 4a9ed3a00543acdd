// The built-in sandbox as a target for diff and apply. Time runs `speed` times faster than
// real time, so a demo apply with real-looking AWS waits finishes in seconds; the state
// file keeps the cloud (and its virtual time) between runs.

import { ScaledClock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import {
  checkStateWritable,
  lockStateFile,
  lockWaitFromEnvironment,
  readStateFile,
  SandboxCloud,
  writeStateFile,
  type StateLock,
} from '../providers/sandbox/index.js';
import type { Target } from './target.js';

export interface SandboxOpenOptions {
  /**
   * apply: check the file can be written and take its lock (held until close) before
   * reading it, then save after every write call. diff reads the last complete file only.
   */
  write: boolean;
  /** The command, for messages and the lock's holder line. */
  command: string;
}

export async function openSandbox(path: string | undefined, speed: number, desired: DesiredState[], options: SandboxOpenOptions = { write: false, command: 'diff' }): Promise<Target> {
  let lock: StateLock | undefined;
  if (path !== undefined && options.write) {
    // Everything that could stop a save is found here, before the plan and the first change.
    checkStateWritable(path);
    lock = await lockStateFile(path, {
      command: `regionctl ${options.command}`,
      waitMs: lockWaitFromEnvironment(),
      onWait: (holder) =>
        process.stderr.write(`regionctl ${options.command}: waiting for the lock on ${path}${holder ? ` held by pid ${holder.pid} (${holder.command})` : ''}\n`),
    });
    if (lock.tookOverFrom) {
      process.stderr.write(
        `regionctl ${options.command}: took over the lock on ${path} from pid ${lock.tookOverFrom.pid}, which is no longer running (its last saved change is in the file)\n`,
      );
    }
  }
  try {
    // Read under the lock: the latest complete file, with every change of the previous holder.
    const saved = path === undefined ? undefined : readStateFile(path);
    const clock = new ScaledClock(speed, typeof saved?.savedNow === 'number' ? saved.savedNow : Date.now());
    const cloud = saved === undefined ? new SandboxCloud({ clock }) : SandboxCloud.fromJSON(saved, { clock });
    await seedAssumedResources(cloud, desired);
    const save = () => {
      if (path !== undefined && lock) writeStateFile(path, cloud.toJSON());
    };
    // Saved before the caller gets the answer of each write: a kill -9 loses at most the call in flight.
    cloud.afterCall = (call) => {
      if (call.write) save();
    };
    return {
      providers: cloud.providers(),
      clock,
      save: async () => save(),
      close: () => lock?.release(),
      describe: `sandbox${path ? ` ${path}` : ' (in memory)'}, ${speed}x time`,
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
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
