// Saved plan files, the I/O side: `diff --out plan.json` writes one, `apply plan.json` reads
// it (recognised by its content, whatever its name) and checks it still holds before its
// steps are carried out. The fingerprint and the step checks are plan/saved.ts.
//
// The file (format_version 1.0): regionctl's version, the target (the sandbox state file, or
// AWS: partition, account when known, endpoint, the regions of all its RegionSets — never
// credentials) and one entry per RegionSet (a diff of several manifests saves them all), each
// with its manifest (path as given, git commit and dirty flag, SHA-256 of the manifest and of
// its template), the live-state fingerprint with a digest per resource, and
// the plan exactly as `diff --output json` prints it: NoEcho values masked, so the file never
// holds a secret; apply takes them from the manifest again. Written atomically, mode 0600.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomicSync } from '../atomic-file.js';
import type { DesiredState } from '../manifest/types.js';
import { partitionOf } from '../partition.js';
import { sortKeys, withSecretsMasked } from '../plan/render.js';
import { fingerprintLiveState, SAVED_PLAN_FORMAT, type LiveFingerprint } from '../plan/saved.js';
import type { Plan } from '../plan/types.js';
import type { LiveState } from '../providers/types.js';
import type { TargetIdentity } from '../targets/types.js';
import { packageVersion } from '../version.js';
import { UsageError } from './args.js';
import type { Target } from './target.js';

export type SavedTarget =
  | { kind: 'sandbox'; /** Absolute; null for an in-memory sandbox (never saved: diff --out refuses it). */ state_file: string | null }
  | { kind: 'aws'; partition: string; account: string | null; endpoint: string | null; regions: string[] };

export interface SavedManifest {
  /** As given to diff (relative to the directory it ran in, or absolute). */
  file: string;
  git: { commit: string; dirty: boolean } | null;
  /** SHA-256 over the files below. */
  digest: string;
  files: Array<{ path: string; sha256: string }>;
}

export interface SavedRegionSetPlan {
  region_set: string;
  manifest: SavedManifest;
  live_state: LiveFingerprint;
  plan: Plan;
}

export interface SavedPlanFile {
  format_version: string;
  regionctl_version: string;
  created_at: string;
  target: SavedTarget;
  plans: SavedRegionSetPlan[];
}

const run = promisify(execFile);

/** HEAD and whether the work tree has changes; null outside a git work tree (or without git). */
async function gitState(dir: string): Promise<SavedManifest['git']> {
  try {
    const options = { cwd: dir, timeout: 10_000 };
    const head = await run('git', ['rev-parse', 'HEAD'], options);
    const status = await run('git', ['status', '--porcelain'], options);
    return { commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' };
  } catch {
    return null;
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The manifest's bytes and the template it references, as read now. */
export async function manifestDigest(file: string, desired: DesiredState): Promise<Pick<SavedManifest, 'digest' | 'files'>> {
  const manifest = await readFile(file);
  const templatePath = path.join(path.dirname(file), desired.stack.templatePath);
  const files = [
    { path: file, sha256: sha256(manifest) },
    { path: templatePath, sha256: sha256(desired.stack.templateBody) },
  ];
  return { digest: `sha256:${sha256(files.map((f) => `${f.path}\0${f.sha256}`).join('\n'))}`, files };
}

/** The account in a stack's ARN (arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/…). */
function accountFromLive(live: LiveState): string | undefined {
  for (const stack of Object.values(live.stacks)) {
    const account = stack ? /^arn:[^:]+:cloudformation:[^:]*:(\d{12}):/.exec(stack.id)?.[1] : undefined;
    if (account) return account;
  }
  return undefined;
}

/** A RegionSet as the saved target sees it: its regions, and the live state once read. */
export interface TargetedRegionSet {
  desired: DesiredState;
  live?: LiveState;
}

/**
 * The target as a saved plan records it, for all its RegionSets: `live` adds the regions read
 * and, failing the credentials, the account.
 */
export function savedTarget(identity: TargetIdentity | undefined, sets: readonly TargetedRegionSet[]): SavedTarget {
  if (identity?.kind === 'sandbox') return { kind: 'sandbox', state_file: identity.stateFile ?? null };
  const regions = [...new Set(sets.flatMap(({ desired, live }) => [...desired.regions.map((r) => r.code), ...Object.keys(live?.stacks ?? {})]))].sort();
  const firstRegion = sets.map(({ desired }) => desired.regions[0]?.code).find((code) => code !== undefined);
  const liveAccount = sets.map(({ live }) => live && accountFromLive(live)).find((account) => account !== undefined);
  return {
    kind: 'aws',
    partition: partitionOf(firstRegion ?? 'us-east-1'),
    account: identity?.kind === 'aws' && identity.account ? identity.account : (liveAccount ?? null),
    endpoint: identity?.kind === 'aws' ? (identity.endpoint ?? null) : null,
    regions,
  };
}

function describeTarget(target: SavedTarget): string {
  if (target.kind === 'sandbox') return target.state_file ? `the sandbox ${target.state_file}` : 'an in-memory sandbox';
  const account = target.account ? `account ${target.account}` : 'AWS';
  return `${account} (${target.partition}${target.endpoint ? `, via ${target.endpoint}` : ''})`;
}

/** Why a plan saved for `saved` cannot be applied to `now`; undefined when it is the same target. */
export function targetMismatch(saved: SavedTarget, now: SavedTarget): string | undefined {
  const flags = saved.kind === 'sandbox' ? `--sandbox ${saved.state_file}` : saved.endpoint ? `--endpoint-url ${saved.endpoint}` : 'credentials of that account';
  const other = `the plan was saved for ${describeTarget(saved)}, not ${describeTarget(now)}: apply it with ${flags}, or run diff --out against this target`;
  if (saved.kind !== now.kind) return other;
  if (saved.kind === 'sandbox' && now.kind === 'sandbox') return saved.state_file === now.state_file ? undefined : other;
  if (saved.kind === 'aws' && now.kind === 'aws') {
    if (saved.partition !== now.partition || saved.endpoint !== now.endpoint) return other;
    // Known on both sides only: otherwise the live-state fingerprint (zone id, stack ARNs) tells.
    if (saved.account && now.account && saved.account !== now.account) return other;
  }
  return undefined;
}

/** One RegionSet's entry of a saved plan: the plan as diff --output json prints it. */
export async function savedEntry(file: string, desired: DesiredState, plan: Plan, live: LiveState): Promise<SavedRegionSetPlan> {
  return {
    region_set: desired.name,
    manifest: { file, git: await gitState(path.dirname(path.resolve(file))), ...(await manifestDigest(file, desired)) },
    live_state: fingerprintLiveState(live, desired),
    plan: sortKeys(withSecretsMasked(plan)) as Plan,
  };
}

/** Refuses, before anything is planned, an --out path whose directory is missing or not writable. */
export function checkPlanOut(out: string): void {
  const dir = path.dirname(path.resolve(out));
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`cannot write the plan to ${out}: its directory ${dir} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not a writable directory'}; choose another --out path`);
  }
}

/** Writes the plan file (one entry per RegionSet, in the order given) atomically, readable by its owner only. */
export async function writePlanFile(out: string, target: Target, sets: readonly TargetedRegionSet[], entries: SavedRegionSetPlan[]): Promise<void> {
  const file: SavedPlanFile = {
    format_version: SAVED_PLAN_FORMAT,
    regionctl_version: await packageVersion(),
    created_at: new Date().toISOString(),
    target: savedTarget(target.identity, sets),
    plans: entries,
  };
  try {
    writeFileAtomicSync(out, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  } catch (error) {
    throw new UsageError(`cannot write the plan to ${out} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): choose a writable --out path in an existing directory`);
  }
}

/**
 * The saved plan in `file`, or undefined when the file is something else (a manifest).
 * Recognised by content: a JSON object with a format_version (a manifest has apiVersion). A plan of an unknown
 * or newer format is refused here, by name.
 */
export async function readPlanFileIfAny(file: string): Promise<SavedPlanFile | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || !text.trimStart().startsWith('{')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || !('format_version' in json)) return undefined;
  const saved = json as SavedPlanFile;
  // Exactly the version written here: a newer one may hold what this regionctl would not carry out.
  if (saved.format_version !== SAVED_PLAN_FORMAT) {
    throw new UsageError(
      `${file} is a saved plan of format_version ${JSON.stringify(saved.format_version)}, which this regionctl (${await packageVersion()}) cannot read (it reads ${SAVED_PLAN_FORMAT}): ` +
        'run diff --out again with this regionctl, or apply it with the regionctl that saved it',
    );
  }
  if (!Array.isArray(saved.plans) || saved.plans.length === 0 || !saved.target) throw new UsageError(`${file} is not a complete saved plan (no plans or no target): run diff --out again`);
  return saved;
}
