// The sandbox state file: separate CLI runs share one cloud. Read through readStateFile (a
// bad file is one clear error, never an empty cloud) and written atomically (temp file +
// fsync + rename) so a crash mid-save never leaves a half-written file.

import { ScaledClock, type Clock } from '../../clock.js';
import { SandboxCloud, type SandboxOptions } from './cloud.js';
import { readStateFile, writeStateFile } from './statefile.js';

export interface LoadOptions extends Omit<SandboxOptions, 'clock'> {
  /** The clock to use; default a ScaledClock at `speed` resuming from the saved time. */
  clock?: Clock;
  /** Speed of the default ScaledClock (default 1). */
  speed?: number;
}

/** Loads the cloud saved at `path`; a missing file gives a fresh, empty cloud. */
export async function loadSandbox(path: string, options: LoadOptions = {}): Promise<SandboxCloud> {
  const json = readStateFile(path);
  const savedNow = json?.savedNow;
  const clock = options.clock ?? new ScaledClock(options.speed ?? 1, typeof savedNow === 'number' ? savedNow : Date.now());
  const { clock: _clock, speed: _speed, ...rest } = options;
  return json === undefined ? new SandboxCloud({ ...rest, clock }) : SandboxCloud.fromJSON(json, { ...rest, clock });
}

export async function saveSandbox(cloud: SandboxCloud, path: string): Promise<void> {
  writeStateFile(path, cloud.toJSON());
}
