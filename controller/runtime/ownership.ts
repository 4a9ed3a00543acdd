// Which file owns a RegionSet. The inventory record remembers the manifest file that owns
// it (plan/identity.ts); a second file declaring the same name never takes it over: the
// file the inventory records keeps it, every other one is stalled, and with no recorded
// owner among them all are stalled. Reads only: deciding writes nothing to AWS.

import path from 'node:path';
import type { DesiredState } from '../manifest/types.js';
import { findInventoryRecord, describeOwner, ownerIs, parseInventoryOwner, type InventoryOwner } from '../plan/identity.js';
import type { DnsRecord } from '../providers/types.js';
import type { IssueReport } from './outcome.js';
import type { TargetFactory } from '../targets/types.js';

const DUPLICATE_RULE = 'duplicate-regionset';
const OWNER_GONE_RULE = 'regionset-owner-gone';

export interface NamedFile {
  file: string;
  line: number;
  column: number;
}

export type ClashDecision =
  /** The inventory records one of the clashing files: it keeps the RegionSet. */
  | { kind: 'incumbent'; owner: string }
  /** No recorded owner among the files (no inventory, an older one, or another file). */
  | { kind: 'none'; recorded?: string }
  /** The live inventory could not be read (manifests invalid, AWS error): nobody is reconciled. */
  | { kind: 'unknown'; reason: string };

/** Reads the RegionSet's inventory in the zone its (valid) manifests name and finds the owner among `files`. */
export async function decideClash(root: string, files: NamedFile[], targets: TargetFactory): Promise<ClashDecision> {
  const { loadManifestFile } = await import('../manifest/load.js');
  const loaded: DesiredState[] = [];
  for (const { file } of files) {
    const result = await loadManifestFile(path.join(root, file));
    if (result.ok) loaded.push(result.value);
  }
  const zones = [...new Set(loaded.map((desired) => desired.dns.zone.toLowerCase().replace(/\.?$/, '.')))];
  if (loaded.length === 0) return { kind: 'unknown', reason: 'none of the files is a valid manifest, so the zone holding the inventory is unknown' };
  let target: Awaited<ReturnType<TargetFactory['open']>> | undefined;
  try {
    target = await targets.open(loaded[0]!);
    const owners: InventoryOwner[] = [];
    for (const zone of zones) {
      const desired = loaded.find((d) => d.dns.zone.toLowerCase().replace(/\.?$/, '.') === zone)!;
      const found = await target.providers.dns.findZone(desired.dns.zone);
      if (!found) continue;
      const records: DnsRecord[] = await target.providers.dns.listRecords(found.id);
      const record = findInventoryRecord(records, desired, found.name);
      const owner = record ? parseInventoryOwner(record) : undefined;
      if (owner) owners.push(owner);
    }
    const incumbents = files.filter(({ file }) => owners.some((owner) => ownerIs(owner, file)));
    if (incumbents.length === 1) return { kind: 'incumbent', owner: incumbents[0]!.file };
    const recorded = owners[0];
    return recorded ? { kind: 'none', recorded: describeOwner(recorded) } : { kind: 'none' };
  } catch (error) {
    return { kind: 'unknown', reason: `reading the inventory failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    await target?.release();
  }
}

/** The Stalled issue of one clashing file, at its metadata.name, naming the other files. */
export function clashIssue(name: string, self: NamedFile, files: NamedFile[], decision: ClashDecision): IssueReport {
  const others = files.filter((f) => f.file !== self.file).map((f) => f.file);
  const list = others.join(', ');
  let why: string;
  if (decision.kind === 'incumbent') {
    why = `${decision.owner} owns it (recorded in its inventory); this file is not reconciled. Give this file another metadata.name, or delete it`;
  } else if (decision.kind === 'none') {
    why = `${decision.recorded ? `its inventory records ${decision.recorded}, none of these files` : 'no file is recorded as its owner'}, so none of them is reconciled and nothing is applied. Keep the name in one file only`;
  } else {
    why = `the owner could not be decided (${decision.reason}), so none of them is reconciled. Keep the name in one file only`;
  }
  return { file: self.file, line: self.line, column: self.column, rule: DUPLICATE_RULE, message: `RegionSet ${name} is declared in ${self.file} and in ${list}: ${why}` };
}

/**
 * A lone file whose inventory records another file. The name moves to it when the recorded
 * file no longer declares it (it is gone from the revision and this file replaced it in the
 * same change, i.e. a rename; or it still exists under another name). Otherwise — the owner
 * was deleted and an older file that declared the name too would inherit it — it is stalled:
 * a takeover needs a person (`regionctl apply FILE` moves the inventory explicitly).
 */
export function ownerCheck(
  name: string,
  file: string,
  owner: InventoryOwner | undefined,
  revisionFiles: ReadonlySet<string>,
  renamedFrom: ReadonlySet<string>,
  position: { line: number; column: number },
): IssueReport | undefined {
  if (!owner || ownerIs(owner, file)) return undefined;
  if ([...revisionFiles].some((f) => ownerIs(owner, f))) return undefined;
  if ([...renamedFrom].some((f) => ownerIs(owner, f))) return undefined;
  const recorded = describeOwner(owner);
  return {
    file,
    line: position.line,
    column: position.column,
    rule: OWNER_GONE_RULE,
    message: `RegionSet ${name} is owned by ${recorded} (recorded in its inventory), which was deleted; ${file} was not renamed from it in the same commit, so it does not take the RegionSet over and nothing is applied. To hand the RegionSet to ${file}, run \`regionctl apply ${file}\` once (it records the new file), or restore ${recorded}`,
  };
}

/** RegionSet names of the inventory records in a zone listing, with the file each records. */
export function inventoriesInZone(records: DnsRecord[], zone: string): Array<{ regionSet: string; zone: string; file?: string }> {
  const suffix = `.${zone.toLowerCase().replace(/\.?$/, '.')}`;
  const found: Array<{ regionSet: string; zone: string; file?: string }> = [];
  for (const record of records) {
    const name = record.name.toLowerCase();
    if (record.type !== 'TXT' || record.setIdentifier !== undefined || !name.startsWith('_regionctl.') || !name.endsWith(suffix)) continue;
    const regionSet = name.slice('_regionctl.'.length, name.length - suffix.length);
    if (!regionSet) continue;
    if (!record.values.some((value) => value.includes('regionctl-inventory=v1'))) continue;
    const owner = parseInventoryOwner(record);
    found.push({ regionSet, zone: suffix.slice(1), ...(owner ? { file: describeOwner(owner) } : {}) });
  }
  return found;
}
