// The sandbox's control store: the same items as providers/aws/control.ts writes to the
// lease table (`control#<RegionSet>`, and `history#<RegionSet>` holding the bounded ring of
// providers/history-ring.ts), in memory (tests, one process) or in a JSON file shared by
// processes, rewritten atomically under the file's lock like the sandbox lease table.

import { existsSync, readFileSync } from 'node:fs';
import { appendToRing, controlKey, decodeRing, encodeEntry, historyKey } from '../history-ring.js';
import type { ControlState, ControlStore, HistoryEntry } from '../types.js';
import { lockStateFile, SandboxStateError, writeStateFile } from './statefile.js';
import type { SandboxState } from './state.js';

/** The items by key: control state, or a history ring of encoded entries. */
export type ControlItems = Record<string, ControlState | string[]>;

function readControl(items: ControlItems, regionSet: string): ControlState | undefined {
  const item = items[controlKey(regionSet)];
  return item && !Array.isArray(item) ? structuredClone(item) : undefined;
}

function ring(items: ControlItems, regionSet: string): string[] {
  const item = items[historyKey(regionSet)];
  return Array.isArray(item) ? item : [];
}

/** The control items in memory; several controllers given the same instance share them. */
export class SandboxControlStore implements ControlStore {
  readonly describe = 'sandbox control state (in memory)';
  constructor(readonly items: ControlItems = {}) {}

  async getControl(regionSet: string): Promise<ControlState | undefined> {
    return readControl(this.items, regionSet);
  }

  async putControl(regionSet: string, state: ControlState): Promise<void> {
    this.items[controlKey(regionSet)] = structuredClone(state);
  }

  async appendHistory(regionSet: string, entry: HistoryEntry, limit: number): Promise<void> {
    this.items[historyKey(regionSet)] = appendToRing(ring(this.items, regionSet), encodeEntry(entry), limit);
  }

  async history(regionSet: string): Promise<HistoryEntry[]> {
    return decodeRing(ring(this.items, regionSet));
  }
}

/** The control items in a JSON file (REGIONCTL_STATE_DIR, or next to the sandbox state): every write under the file's lock, atomically replaced. */
export class SandboxFileControlStore implements ControlStore {
  readonly describe: string;
  constructor(private readonly path: string) {
    this.describe = `sandbox control state ${path}`;
  }

  async getControl(regionSet: string): Promise<ControlState | undefined> {
    return readControl(this.read(), regionSet);
  }

  async putControl(regionSet: string, state: ControlState): Promise<void> {
    await this.update((items) => {
      items[controlKey(regionSet)] = structuredClone(state);
    });
  }

  async appendHistory(regionSet: string, entry: HistoryEntry, limit: number): Promise<void> {
    const encoded = encodeEntry(entry);
    await this.update((items) => {
      items[historyKey(regionSet)] = appendToRing(ring(items, regionSet), encoded, limit);
    });
  }

  async history(regionSet: string): Promise<HistoryEntry[]> {
    return decodeRing(ring(this.read(), regionSet));
  }

  private async update(change: (items: ControlItems) => void): Promise<void> {
    const lock = await lockStateFile(this.path, { command: 'regionctl run (control state)', waitMs: 10_000 });
    try {
      const items = this.read();
      change(items);
      writeStateFile(this.path, { control: items } as unknown as SandboxState);
    } finally {
      lock.release();
    }
  }

  private read(): ControlItems {
    if (!existsSync(this.path)) return {};
    try {
      return (JSON.parse(readFileSync(this.path, 'utf8')) as { control?: ControlItems }).control ?? {};
    } catch (error) {
      throw new SandboxStateError(`sandbox control state ${this.path} is not readable (${(error as Error).message}): delete it to start with nothing suspended and no history`);
    }
  }
}
