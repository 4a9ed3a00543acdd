// Saved plans (`regionctl diff --out plan.json`, `regionctl apply plan.json`), the pure part:
// the fingerprint of the live state a plan was computed from, the comparison that names what
// moved since, and the checks that the plan computed again at apply time is still the saved
// one. Reading and writing the file is commands/plan-file.ts.
//
// The fingerprint is a SHA-256 over a canonical serialisation (keys sorted, lists in a fixed
// order) of every part of the LiveState the planner reads, one digest per resource so that a
// refusal can name the resource that moved and how (its status before → now). Health checks
// elsewhere in the account (other owners, not referenced from the zone) are left out: the
// planner only counts them for the route53-quota guardrail, which AWS enforces itself at
// apply time, and any apply in the same account would otherwise make every saved plan stale.

import { createHash } from 'node:crypto';
import type { DesiredState } from '../manifest/types.js';
import type { DnsRecord, LiveState } from '../providers/types.js';
import { isOwnedHealthCheck } from './identity.js';
import { sortKeys, withSecretsMasked } from './render.js';
import type { Plan, Step } from './types.js';

/** The format this regionctl writes and reads; a newer major is refused, an older one too (none exists). */
export const SAVED_PLAN_FORMAT = '1.0';

/** One resource of the live state as the fingerprint records it: enough to say what moved. */
export interface ResourceDigest {
  /** For people: "stack global-api in eu-west-1". */
  what: string;
  /** Its state in a few words (a stack's status, a record's values): shown as "before → now". */
  state: string;
  digest: string;
}

export interface LiveFingerprint {
  /** sha256 over every resource digest, by key. */
  fingerprint: string;
  resources: Record<string, ResourceDigest>;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function recordKey(record: DnsRecord): string {
  return `record:${record.name.toLowerCase()}:${record.type}:${record.setIdentifier ?? ''}`;
}

function describeRecord(record: DnsRecord): string {
  const parts: string[] = [];
  if (record.weight !== undefined) parts.push(`weight ${record.weight}`);
  if (record.failover) parts.push(record.failover);
  if (record.alias) parts.push(`alias ${record.alias.dnsName}`);
  else parts.push(record.values.join(' '));
  if (record.healthCheckId) parts.push(`health check ${record.healthCheckId}`);
  return parts.join(', ');
}

/** The fingerprint of the live state a plan of `desired` was computed from. */
export function fingerprintLiveState(live: LiveState, desired: Pick<DesiredState, 'name' | 'stack'>): LiveFingerprint {
  const resources: Record<string, ResourceDigest> = {};
  const add = (key: string, what: string, state: string, value: unknown) => {
    resources[key] = { what, state, digest: sha256(canonical(value)) };
  };
  if (live.zone) add('zone', `hosted zone ${live.zone.name}`, live.zone.id, live.zone);
  for (const [region, stack] of Object.entries(live.stacks)) {
    if (stack) add(`stack:${region}`, `stack ${stack.name} in ${region}`, stack.status, stack);
  }
  for (const [name, table] of Object.entries(live.tables)) {
    if (!table) continue;
    const replicas = [...table.replicas].sort((a, b) => a.region.localeCompare(b.region));
    add(`table:${name}`, `table ${name}`, `${table.status}, replicas ${replicas.map((r) => `${r.region} ${r.status}`).join(', ')}`, { ...table, replicas });
  }
  const referenced = new Set<string>();
  for (const record of live.records) {
    if (record.healthCheckId) referenced.add(record.healthCheckId);
    const where = record.setIdentifier ? ` (${record.setIdentifier})` : '';
    add(recordKey(record), `record ${record.name} ${record.type}${where}`, describeRecord(record), record);
  }
  for (const check of live.healthChecks) {
    if (!referenced.has(check.id) && !isOwnedHealthCheck(check, desired.name)) continue;
    const { protocol, fqdn, port, path } = check.config;
    add(`healthcheck:${check.id}`, `health check ${check.id}`, `${protocol} ${fqdn}:${port}${path}`, check);
  }
  for (const [id, status] of Object.entries(live.health)) add(`health:${id}`, `health of check ${id}`, status, status);
  if (live.inventoryScan) {
    const found = live.inventoryScan.found.map((f) => `${f.region}/${f.name}`).sort();
    add('inventory-scan', 'the inventory scan for stacks of the RegionSet', found.join(', ') || 'none found', { ...live.inventoryScan, found });
  }
  const sorted = Object.fromEntries(Object.keys(resources).sort().map((key) => [key, resources[key]!]));
  const fingerprint = sha256(canonical(Object.fromEntries(Object.entries(sorted).map(([key, r]) => [key, r.digest]))));
  return { fingerprint, resources: sorted };
}

/** Stacks and tables first: what a person looks at first. */
const ORDER = ['stack', 'table', 'record', 'healthcheck', 'health', 'zone', 'inventory-scan'];
function rank(key: string): number {
  return ORDER.indexOf(key.split(':')[0]!);
}

/** What moved between two fingerprints, one phrase per resource ("stack x in r UPDATE_COMPLETE → UPDATE_IN_PROGRESS"). */
export function liveChanges(saved: LiveFingerprint, now: LiveFingerprint): string[] {
  if (saved.fingerprint === now.fingerprint) return [];
  // Health is read only for a plan with steps: when one side did not read it, other resources
  // moved (the steps differ), and "health … is gone" would only hide them.
  const readHealth = (fp: LiveFingerprint) => Object.keys(fp.resources).some((key) => key.startsWith('health:'));
  const compareHealth = readHealth(saved) && readHealth(now);
  const keys = [...new Set([...Object.keys(saved.resources), ...Object.keys(now.resources)])].filter((key) => compareHealth || !key.startsWith('health:'));
  const out: string[] = [];
  for (const key of keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) {
    const before = saved.resources[key];
    const after = now.resources[key];
    if (before && !after) out.push(`${before.what} is gone (was ${before.state})`);
    else if (!before && after) out.push(`${after.what} appeared (${after.state})`);
    else if (before && after && before.digest !== after.digest) {
      out.push(before.state === after.state ? `${after.what} changed (still ${after.state})` : `${after.what} ${before.state} → ${after.state}`);
    }
  }
  // Equal resources yet another fingerprint: the saved file's resources were edited by hand.
  return out.length > 0 ? out : ['the live-state fingerprint differs (the saved resource digests do not add up to it)'];
}

/** What the executor needs of a step, and what a reviewer approved: no display-only fields. */
function executable(step: Step): unknown {
  const { id, action, region, resource, dependsOn, payload } = step;
  return canonical({ id, action, region, resource, dependsOn: [...dependsOn].sort(), payload });
}

/**
 * The first difference between the saved steps and the steps computed again now from the
 * same manifest and live state (both masked); undefined when they agree. They can differ
 * with equal inputs when something outside them changed: REGIONCTL_PARAMETER_DIGEST_KEY,
 * or the planner itself (another regionctl version).
 */
export function stepsDiffer(saved: Plan, recomputed: Plan): string | undefined {
  const now = new Map(withSecretsMasked(recomputed).steps.map((step) => [step.id, executable(step)]));
  for (const step of saved.steps) {
    const other = now.get(step.id);
    if (other === undefined) return `step ${step.id} is no longer planned`;
    if (other !== executable(step)) return `step ${step.id} would now be different`;
    now.delete(step.id);
  }
  const extra = now.keys().next();
  return extra.done ? undefined : `step ${extra.value} would now be added`;
}

/**
 * The saved plan made executable: NoEcho parameter values were masked in the file and come
 * back from the plan computed now (stepsDiffer has shown it is the same plan).
 */
export function withSecretsRestored(saved: Plan, recomputed: Plan): Plan {
  const byId = new Map(recomputed.steps.map((step) => [step.id, step]));
  const steps = saved.steps.map((step): Step => {
    if (step.payload.kind !== 'stack' || !step.payload.secretParameters?.length) return step;
    const fresh = byId.get(step.id);
    if (fresh?.payload.kind !== 'stack') throw new Error(`saved step ${step.id} has no counterpart in the plan computed now`);
    const parameters = { ...step.payload.input.parameters };
    for (const name of step.payload.secretParameters) {
      const value = fresh.payload.input.parameters[name];
      if (value === undefined) delete parameters[name];
      else parameters[name] = value;
    }
    return { ...step, payload: { ...step.payload, input: { ...step.payload.input, parameters } } } as Step;
  });
  return { ...saved, steps };
}
