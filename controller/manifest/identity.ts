// What a YAML file claims to be, read leniently before it is loaded: its apiVersion, kind and
// metadata.name (with the name's position). One decision, shared by the controller's
// discovery and the CLI's validate/diff/apply: which files are another tool's manifests.

import { readFile, stat } from 'node:fs/promises';
import { isScalar, LineCounter, parseDocument } from 'yaml';
import { MAX_MANIFEST_BYTES } from './parse.js';

export interface ManifestIdentity {
  apiVersion?: string;
  kind?: string;
  name?: string;
  nameLine?: number;
  nameColumn?: number;
}

/** apiVersion, kind and metadata.name of a file; {} when it cannot be read or parsed (the load reports why). */
export async function readManifestIdentity(file: string): Promise<ManifestIdentity> {
  try {
    if ((await stat(file)).size > MAX_MANIFEST_BYTES) return {};
    const lineCounter = new LineCounter();
    const doc = parseDocument(await readFile(file, 'utf8'), { lineCounter, uniqueKeys: false });
    const kind = doc.get('kind');
    const apiVersion = doc.get('apiVersion');
    const nameNode = doc.getIn(['metadata', 'name'], true);
    const identity: ManifestIdentity = {};
    if (typeof kind === 'string') identity.kind = kind;
    if (typeof apiVersion === 'string') identity.apiVersion = apiVersion;
    if (isScalar(nameNode) && typeof nameNode.value === 'string' && nameNode.value.trim()) {
      identity.name = nameNode.value;
      if (nameNode.range) {
        const position = lineCounter.linePos(nameNode.range[0]);
        identity.nameLine = position.line;
        identity.nameColumn = position.col;
      }
    }
    return identity;
  } catch {
    return {};
  }
}

/**
 * Another tool's manifest: both its kind (not RegionSet) and its apiVersion (not regionctl/…)
 * say so. Such files are skipped. regionctl's own file with a wrong kind (a typo, kind:
 * Deployment) is not: it is loaded so that its error shows instead of the RegionSet vanishing.
 */
export function isOtherToolsManifest(identity: ManifestIdentity): boolean {
  return identity.kind !== undefined && identity.kind !== 'RegionSet' && identity.apiVersion !== undefined && !identity.apiVersion.startsWith('regionctl/');
}

/** Why a file was skipped, for a person. */
export function skipReason(identity: ManifestIdentity): string {
  return `not a RegionSet (kind ${identity.kind}, apiVersion ${identity.apiVersion}): skipped`;
}
