// The sandbox state file: separate CLI runs share one cloud. Written atomically (temp file
// + rename) so a crash mid-save never leaves a half-written file.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ScaledClock, type Clock } from '../../clock.js';
import { SandboxCloud, type SandboxOptions } from './cloud.js';

export interface LoadOptions extends Omit<SandboxOptions, 'clock'> {
  /** The clock to use; default a ScaledClock at `speed` resuming from the saved time. */
  clock?: Clock;
  /** Speed of the default ScaledClock (default 1). */
  speed?: number;
}

/** Loads the cloud saved at `path`; a missing file gives a fresh, empty cloud. */
export async function loadSandbox(path: string, options: LoadOptions = {}): Promise<SandboxCloud> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const json: unknown = text === undefined ? undefined : JSON.parse(text);
  const savedNow = (json as { savedNow?: unknown } | undefined)?.savedNow;
  const clock = options.clock ?? new ScaledClock(options.speed ?? 1, typeof savedNow === 'number' ? savedNow : Date.now());
  const { clock: _clock, speed: _speed, ...rest } = options;
  return json === undefined ? new SandboxCloud({ ...rest, clock }) : SandboxCloud.fromJSON(json, { ...rest, clock });
}

export async function saveSandbox(cloud: SandboxCloud, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, `${JSON.stringify(cloud.toJSON(), null, 2)}\n`, 'utf8');
  await rename(temp, path);
}
