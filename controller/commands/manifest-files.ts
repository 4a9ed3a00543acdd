// The manifests a command is given: files, folders and quoted glob patterns, as validate,
// diff and apply take them. Another tool's YAML is skipped (saying so) by the same decision
// as the controller's discovery (manifest/identity.ts); a RegionSet name declared in several
// of the files is an error in each of them, naming the others.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isOtherToolsManifest, readManifestIdentity, skipReason, type ManifestIdentity } from '../manifest/identity.js';
import type { ManifestIssue } from '../manifest/types.js';

export type FileIssue = Pick<ManifestIssue, 'line' | 'column' | 'rule' | 'message' | 'pointer'>;

export interface ManifestFile {
  file: string;
  identity: ManifestIdentity;
  /** Set when another of the files declares the same metadata.name. */
  duplicate?: FileIssue;
}

export interface ManifestSelection {
  /** The files to load as RegionSets, in the order given (glob and folder matches sorted). */
  files: ManifestFile[];
  /** Other tools' files, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
  /** Patterns and folders that matched no file. */
  unmatched: string[];
  /** Every file (selected or skipped) in the order given, for reports that list both. */
  order: string[];
  /** True when the arguments are one plain file: the output keeps the single-manifest shape. */
  single: boolean;
}

const GLOB = /[*?[\]{}]/;

/** Expands the arguments, skips other tools' manifests and marks duplicate RegionSet names. */
export async function selectManifests(args: readonly string[]): Promise<ManifestSelection> {
  const { files, unmatched, single } = await expand(args);
  const selection: ManifestSelection = { files: [], skipped: [], unmatched, order: files, single };
  for (const file of files) {
    const identity = await readManifestIdentity(file);
    if (isOtherToolsManifest(identity)) selection.skipped.push({ file, reason: skipReason(identity) });
    else selection.files.push({ file, identity });
  }
  markDuplicates(selection.files);
  return selection;
}

/** Paths stay as given; a folder gives its *.yaml and *.yml files (not its subfolders); a glob the files it matches. */
async function expand(args: readonly string[]): Promise<{ files: string[]; unmatched: string[]; single: boolean }> {
  const files: string[] = [];
  const unmatched: string[] = [];
  let plainFiles = 0;
  for (const arg of args) {
    const isGlob = GLOB.test(arg);
    const isDirectory = !isGlob && (await stat(arg).catch(() => undefined))?.isDirectory() === true;
    if (!isGlob && !isDirectory) {
      // A missing file is reported by the load, with the rest of its errors.
      files.push(arg);
      plainFiles++;
      continue;
    }
    // Loaded only for patterns and folders: plain paths need no glob library.
    const { glob } = await import('tinyglobby');
    const matches = isDirectory
      ? (await glob('*.{yaml,yml}', { cwd: arg, onlyFiles: true })).map((match) => path.join(arg, match)).sort()
      : (await glob(arg, { onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0) unmatched.push(isDirectory ? `${arg} (a folder with no .yaml or .yml file)` : arg);
    files.push(...matches);
  }
  // One file named twice (a.yaml and ./a.yaml) is read once.
  const seen = new Set<string>();
  const unique = files.filter((file) => !seen.has(path.resolve(file)) && seen.add(path.resolve(file)));
  return { files: unique, unmatched, single: args.length === 1 && plainFiles === 1 };
}

/**
 * Several files declaring one metadata.name would fight over one RegionSet (the controller
 * stalls all but the recorded owner): each is marked at its metadata.name, naming the others.
 */
function markDuplicates(files: ManifestFile[]): void {
  const byName = new Map<string, ManifestFile[]>();
  for (const entry of files) {
    const name = entry.identity.name;
    if (name !== undefined) byName.set(name, [...(byName.get(name) ?? []), entry]);
  }
  for (const [name, list] of byName) {
    if (list.length < 2) continue;
    for (const entry of list) {
      const others = list.filter((other) => other !== entry).map((other) => other.file).join(', ');
      entry.duplicate = {
        line: entry.identity.nameLine ?? 1,
        column: entry.identity.nameColumn ?? 1,
        rule: 'duplicate-regionset',
        message: `metadata.name ${name} is also declared in ${others}; two files would fight over one RegionSet (the controller reconciles neither newcomer). Give each RegionSet its own name, or delete the copy`,
        pointer: '/metadata/name',
      };
    }
  }
}
