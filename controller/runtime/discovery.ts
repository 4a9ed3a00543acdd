// Which RegionSets a revision declares: the manifests under the glob, keyed by
// metadata.name, with clashes (one name in several files) resolved by ownership.ts.

import path from 'node:path';
import { isOtherToolsManifest, readManifestIdentity } from '../manifest/identity.js';
import type { TargetFactory } from '../targets/types.js';
import type { Logger } from './logger.js';
import type { IssueReport } from './outcome.js';
import { clashIssue, decideClash, type NamedFile } from './ownership.js';

export interface IndexedRegionSet {
  file: string;
  blockedBy?: IssueReport;
  /** The RegionSet's name (the index key is the file path for a clash loser). */
  name?: string;
  line?: number;
  column?: number;
}

export interface DiscoveryOptions {
  listManifests: (dir: string, glob: string) => Promise<string[]>;
  manifestGlob: string;
  /** To read the live inventory when a name is declared in several files. */
  targets: TargetFactory;
  logger: Logger;
  /** Removes secrets and local paths from messages. */
  scrub: (text: string) => string;
}

/**
 * The RegionSets under the glob, by metadata.name. Another tool's file (its apiVersion
 * not regionctl/…, its kind not RegionSet) is skipped; one that is not even YAML (or has
 * no name) is keyed by its path so that its errors still show in /status. A name declared
 * in several files never changes owner: the file the live inventory records keeps it and
 * the others are stalled (keyed by their path); with no recorded owner among them, all are.
 */
export async function discoverRegionSets(dir: string, options: DiscoveryOptions): Promise<Map<string, IndexedRegionSet>> {
  const files = await options.listManifests(dir, options.manifestGlob);
  const byName = new Map<string, NamedFile[]>();
  const unnamed: string[] = [];
  for (const file of files) {
    const identity = await readManifestIdentity(path.join(dir, file));
    // Only another tool's manifest is skipped; regionctl's own with a wrong kind (a typo,
    // kind: Deployment) is reconciled so that /status shows the error instead of the RegionSet vanishing.
    if (isOtherToolsManifest(identity)) {
      options.logger.debug({ file, kind: identity.kind, apiVersion: identity.apiVersion }, 'not a regionctl manifest: skipped');
      continue;
    }
    if (identity.name === undefined) {
      unnamed.push(file);
      continue;
    }
    const list = byName.get(identity.name) ?? [];
    list.push({ file, line: identity.nameLine ?? 1, column: identity.nameColumn ?? 1 });
    byName.set(identity.name, list);
  }
  const index = new Map<string, IndexedRegionSet>();
  for (const file of unnamed) index.set(file, { file });
  for (const [name, named] of byName) {
    if (named.length === 1) {
      const [only] = named;
      index.set(name, { file: only!.file, name, line: only!.line, column: only!.column });
      continue;
    }
    const decision = await decideClash(dir, named, options.targets);
    const owner = decision.kind === 'incumbent' ? decision.owner : undefined;
    for (const entry of named) {
      if (entry.file === owner) {
        index.set(name, { file: entry.file, name, line: entry.line, column: entry.column });
        continue;
      }
      const issue = clashIssue(name, entry, named, decision);
      const blockedBy = { ...issue, message: options.scrub(issue.message) };
      // Without an owner the RegionSet's own entry shows the clash, the other files under their path.
      const key = owner === undefined && entry === named[0] ? name : entry.file;
      index.set(key, { file: entry.file, name, blockedBy });
    }
    options.logger.warn({ regionSet: name, files: named.map((f) => f.file), owner: owner ?? null }, owner ? `RegionSet ${name} is declared in several files: ${owner} keeps it, the others are stalled` : `RegionSet ${name} is declared in several files and none is its recorded owner: all are stalled, nothing is applied`);
  }
  return index;
}
