// Plan renderers: text for terminals (`regionctl diff`), Markdown for pull-request
// comments, JSON for machines. Rendering reads the plan only; it decides nothing.
//
// Text conventions: `+` create, `~` update, `-` delete, `-/+` delete and create again,
// `…` wait. Values known only after apply print as "(known after apply)". The steps of
// a weighted ramp print as one line: `weight 0 → 20 → 100 → 200 (each after health holds 2m)`.

import path from 'node:path';
import type { DesiredState } from '../manifest/types.js';
import type { StackResourceChange } from '../providers/types.js';
import { formatMs } from '../manifest/duration.js';
import { maskParameters } from './secrets.js';
import type { Plan, RecordTemplate, StackDisplay, Step, StepWith } from './types.js';

const KNOWN_AFTER_APPLY = '(known after apply)';
/** `diff --read-only` made no change set: CloudFormation was not asked what changes inside the stack. */
const PREVIEW_SKIPPED = 'resource-level preview skipped (--read-only: no change set was created)';
/** `diff --read-only` creates no change set: what changes inside the stack is not known. */
export const RESOURCE_PREVIEW_SKIPPED = 'resource changes not previewed (--read-only)';
/** AWS refuses change sets until the stack has left its failed or busy state: previewed after it (one line per reason). */
const PREVIEW_DEFERRED: Record<'after-rollback' | 'after-wait', string> = {
  'after-rollback': 'resource-level preview after the rollback completes (AWS refuses change sets in UPDATE_ROLLBACK_FAILED)',
  'after-wait': 'resource-level preview after the current operation finishes (AWS refuses change sets while a stack is busy)',
};

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(sortKeys(withSecretsMasked(plan)), null, 2)}\n`;
}

/** The plan as printed: NoEcho values in stack payloads masked (the display fields already are). */
function withSecretsMasked(plan: Plan): Plan {
  const steps = plan.steps.map((step): Step => {
    if (!isStackStep(step) || !step.payload.secretParameters?.length) return step;
    const payload = step.payload;
    return { ...step, payload: { ...payload, input: { ...payload.input, parameters: maskParameters(payload.input.parameters, payload.secretParameters!) } } };
  });
  return { ...plan, steps };
}

function isStackStep(step: Step): step is StepWith<'stack.create' | 'stack.update' | 'stack.recreate'> {
  return step.payload.kind === 'stack';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

// ---- text ----------------------------------------------------------------------------------

export function renderText(plan: Plan, desired: DesiredState): string {
  const out: string[] = [heading(plan, desired), ''];
  if (plan.steps.length === 0 && plan.refusals.length === 0) {
    out.push('No changes.');
    const foreign = foreignLines(plan);
    if (foreign.length > 0) out.push('', FOREIGN_TITLE, ...foreign.map((line) => `  ${line}`));
    return `${out.join('\n')}\n`;
  }
  if (plan.refusals.length > 0) {
    out.push(`REFUSED: this plan will not be applied (${plan.refusals.length} guardrail${plan.refusals.length === 1 ? '' : 's'}):`);
    for (const refusal of plan.refusals) out.push(`  ✗ ${refusal.message}`);
    out.push('');
  }
  for (const group of groups(plan)) {
    out.push(group.title);
    for (const line of group.lines) out.push(`  ${line}`);
    out.push('');
  }
  const foreign = foreignLines(plan);
  if (foreign.length > 0) out.push(FOREIGN_TITLE, ...foreign.map((line) => `  ${line}`), '');
  if (plan.notes.length > 0) {
    out.push('Notes:');
    for (const note of plan.notes) out.push(`  - ${note}`);
    out.push('');
  }
  out.push(planLine(plan));
  return `${out.join('\n')}\n`;
}

const FOREIGN_TITLE = 'Records of other owners beside ours (left alone):';

/**
 * `= foreign api.example.com. CNAME weighted other:blue weight 50, 33.3% of traffic (not ours, kept)`,
 * then the traffic share of each weighted name with foreign records.
 */
function foreignLines(plan: Plan): string[] {
  const lines: string[] = [];
  for (const record of plan.foreign ?? []) {
    const detail =
      record.weight !== undefined
        ? `weight ${record.weight}${record.share !== undefined ? `, ${record.share}% of traffic` : ''}`
        : record.region !== undefined
          ? `Region ${record.region}`
          : record.failover !== undefined
            ? record.failover
            : (record.location ?? '');
    lines.push(`= foreign ${record.name} ${record.type} ${record.routing} ${record.setIdentifier} ${detail} (not ours, kept)`);
  }
  for (const share of plan.trafficShares ?? []) {
    const parts = share.shares.map((entry) => `${entry.owner}${entry.foreign ? ' (foreign)' : ''} ${entry.percent}%`);
    lines.push(`= traffic share of ${share.name} ${share.type} after this plan: ${parts.join(', ')}`);
  }
  return lines;
}

function heading(plan: Plan, desired: DesiredState): string {
  return `RegionSet ${plan.regionSet} (${desired.file})`;
}

function planLine(plan: Plan): string {
  const { create, update, delete: remove, route53ChangeBatches: batches } = plan.summary;
  const refused = plan.refusals.length > 0 ? ' Refused: nothing will be applied.' : '';
  return `Plan: ${create} to create, ${update} to update, ${remove} to delete; ${batches} Route 53 change batch${batches === 1 ? '' : 'es'}.${refused}`;
}

interface Group {
  title: string;
  region?: string;
  lines: string[];
}

/** One group per region (sorted), then the RegionSet-wide steps. */
function groups(plan: Plan): Group[] {
  const byRegion = new Map<string, Step[]>();
  const wide: Step[] = [];
  for (const step of plan.steps) {
    if (step.region) byRegion.set(step.region, [...(byRegion.get(step.region) ?? []), step]);
    else wide.push(step);
  }
  const result: Group[] = [];
  for (const region of [...byRegion.keys()].sort()) {
    const transition = plan.summary.regions[region];
    result.push({ title: `${region}${transition ? ` (${transition})` : ''}:`, region, lines: stepLines(byRegion.get(region)!, plan) });
  }
  if (wide.length > 0) result.push({ title: 'RegionSet-wide:', lines: stepLines(wide, plan) });
  return result;
}

/** Steps inside a ramp after its first one are folded into the first one's line. */
function isRampInternal(step: Step): boolean {
  return step.id.includes('@') && !(step.after && 'ramp' in step.after);
}

function stepLines(steps: Step[], plan: Plan): string[] {
  const lines: string[] = [];
  for (const step of steps) {
    if (isRampInternal(step)) continue;
    lines.push(...stepText(step, plan));
  }
  return lines;
}

function stepText(step: Step, plan: Plan): string[] {
  switch (step.action) {
    case 'inventory.update': {
      const { change, record } = step.payload;
      const sign = change === 'CREATE' ? '+' : change === 'DELETE' ? '-' : '~';
      // The owner file moved (a rename): that is the change, the regions stay.
      if (step.after?.file !== undefined) return [`${sign} inventory ${record.name} TXT  file ${String(step.before?.file ?? '(none)')} → ${String(step.after.file)}`];
      return [`${sign} inventory ${record.name} TXT  regions ${regionList(step.before?.regions)} → ${regionList(step.after?.regions)}`];
    }
    case 'stack.create':
    case 'stack.recreate':
    case 'stack.update': {
      const sign = step.action === 'stack.create' ? '+' : step.action === 'stack.recreate' ? '-/+' : '~';
      const details: string[] = [];
      if (step.action === 'stack.update') details.push(...stackChanges(step.before ?? {}, step.after ?? {}));
      else {
        details.push(`template ${short(step.after?.templateHash)}`);
        const params = step.after?.parameters ?? {};
        if (Object.keys(params).length > 0) details.push(`parameters ${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ')}`);
      }
      const retain = step.action === 'stack.recreate' ? step.before?.retain : undefined;
      if (step.action === 'stack.recreate') details.unshift(`${String(step.before?.status)}: delete${retain ? ` retaining ${retain.join(', ')} (left in the account)` : ''} and create again`);
      const deferred = step.after?.resourcePreview;
      if (deferred === 'skipped') details.push(RESOURCE_PREVIEW_SKIPPED);
      const lines = [`${sign} stack ${step.payload.input.name}  ${details.join('; ')}`];
      for (const change of step.after?.resourceChanges ?? []) lines.push(`    ${resourceChangeLine(change)}`);
      if (deferred) lines.push(`    ${deferred === 'skipped' ? PREVIEW_SKIPPED : PREVIEW_DEFERRED[deferred]}`);
      return lines;
    }
    case 'stack.continue-rollback': {
      const skip = step.before?.skip;
      return [
        `~ stack ${step.payload.stackName}  continue the failed rollback (UPDATE_ROLLBACK_FAILED → UPDATE_ROLLBACK_COMPLETE)${skip ? `, skipping ${skip.join(', ')} (could not roll back)` : ''}`,
      ];
    }
    case 'stack.delete': {
      const retain = step.before?.retain;
      return [`- stack ${step.payload.stackName}${retain ? `  ${String(step.before?.status)}: delete retaining ${retain.join(', ')} (left in the account)` : ''}`];
    }
    case 'stack.wait':
      return [`… stack ${step.payload.stackName} is ${String(step.before?.status)}: wait for it to settle`];
    case 'replica.create': {
      const status = step.before?.status;
      if (status === 'CREATING') return [`… replica ${step.payload.table} is CREATING: wait for it to be ACTIVE`];
      return [`+ replica ${step.payload.table}${status === 'DELETING' ? '  (after the replica being deleted is gone)' : ''}`];
    }
    case 'replica.delete':
      return [`- replica ${step.payload.table}  (deletes this region's copy of the data)`];
    case 'healthcheck.create': {
      const c = step.payload.config;
      const replaces = step.before?.id ? `  (replaces ${String(step.before.id)})` : '';
      return [
        `+ health check ${healthCheckRecord(step)}  ${c.protocol} ${display(c.fqdn)}:${c.port}${c.path} every ${c.interval}s, ${c.failureThreshold} failures${replaces}`,
      ];
    }
    case 'healthcheck.update':
      return [`~ health check ${healthCheckRecord(step)}  ${changes(step.before, step.after)}`];
    case 'healthcheck.delete':
      return [`- health check ${healthCheckRecord(step)} (${step.payload.id})`];
    case 'health.wait':
      return [`… wait until ${healthCheckRecord(step)} is healthy`];
    case 'drain.wait':
    case 'ramp.wait':
      return [`… ${step.action === 'drain.wait' ? 'drain' : 'wait'} ${formatMs(step.payload.ms)}: ${step.reason}`];
    case 'record.create':
    case 'record.update':
    case 'record.delete': {
      const { record } = step.payload;
      const sign = step.action === 'record.create' ? '+' : step.action === 'record.delete' ? '-' : '~';
      // Region-less record steps (a routing switch) name their region by set identifier.
      const label = `${sign} record ${recordLabel(record)}${!step.region && record.setIdentifier ? ` [${record.setIdentifier}]` : ''}`;
      const ramp = step.after?.ramp;
      if (ramp) return [`${label}  weight ${ramp.join(' → ')}${rampHoldText(step, plan, ramp)}`];
      if (step.action === 'record.create') return [`${label}  ${recordTarget(record)}`];
      if (step.action === 'record.delete') return [label];
      return [`${label}  ${changes(step.before, step.after)}`];
    }
    default:
      return unknownStep(step);
  }
}

/** The compiler names an action no case above handles. */
function unknownStep(step: never): never {
  throw new Error(`internal error: no text for step action ${(step as Step).action}`);
}

function rampHoldText(step: StepWith<'record.create' | 'record.update' | 'record.delete'>, plan: Plan, ramp: number[]): string {
  const holds = ramp.length - 2 + (ramp[0]! > 0 ? 1 : 0);
  if (holds <= 0) return '';
  const region = step.region;
  const heldByHealth = plan.steps.some((s) => s.region === region && s.action === 'health.wait' && s.id.includes('@') && s.payload.kind === 'health' && s.payload.holdMs > 0);
  const ms = Number(step.after?.stepWaitMs ?? 0);
  const what = heldByHealth ? `health holds ${formatMs(ms)}` : formatMs(ms);
  return holds === 1 ? ` (after ${what})` : ` (each after ${what})`;
}

function healthCheckRecord(step: Step): string {
  // resource is healthcheck:NAME:REGION
  const parts = step.resource.split(':');
  return parts.slice(1, -1).join(':') || step.resource;
}

function stackChanges(before: StackDisplay, after: StackDisplay): string[] {
  const out: string[] = [];
  if (before.templateHash !== after.templateHash) out.push(`template ${short(before.templateHash)} → ${short(after.templateHash)}`);
  const wasParams = before.parameters ?? {};
  const params = after.parameters ?? {};
  for (const key of Object.keys(params).sort()) out.push(`${key}: ${wasParams[key] ?? '(not set)'} → ${params[key]}`);
  if ('tags' in after) out.push(`tags ${formatValue(before.tags)} → ${formatValue(after.tags)}`);
  if ('terminationProtection' in after) out.push(`termination protection ${String(before.terminationProtection)} → ${String(after.terminationProtection)}`);
  return out;
}

function resourceChangeLine(change: StackResourceChange): string {
  const sign = change.action === 'Add' ? '+' : change.action === 'Remove' ? '-' : '~';
  const replacement = change.replacement === 'True' ? ' (replaced)' : change.replacement === 'Conditional' ? ' (may be replaced)' : '';
  return `${sign} ${change.logicalId} (${change.resourceType})${replacement}`;
}

function short(hash: unknown): string {
  return typeof hash === 'string' ? hash.slice(0, 8) : String(hash);
}

function regionList(value: unknown): string {
  const regions = Array.isArray(value) ? (value as string[]) : [];
  return regions.length > 0 ? regions.join(', ') : '(none)';
}

function policyLabel(record: Pick<RecordTemplate, 'weight' | 'region' | 'failover' | 'geolocation' | 'setIdentifier'>): string {
  if (record.weight !== undefined) return 'weighted';
  if (record.region !== undefined) return 'latency';
  if (record.failover !== undefined) return `failover ${record.failover}`;
  if (record.geolocation !== undefined) {
    const g = record.geolocation;
    const where = g.countryCode === '*' ? 'default' : g.subdivisionCode ? `${g.countryCode}-${g.subdivisionCode}` : (g.countryCode ?? g.continentCode ?? '?');
    return `geolocation ${where}`;
  }
  return 'simple';
}

function recordLabel(record: RecordTemplate): string {
  return `${record.name} ${record.type} (${policyLabel(record)})`;
}

function recordTarget(record: RecordTemplate): string {
  const parts: string[] = [];
  if (record.weight !== undefined) parts.push(`weight ${record.weight}`);
  if (record.alias) parts.push(`alias → ${display(record.alias.dnsName)}`);
  else parts.push(`→ ${record.values.map(display).join(', ')}`);
  return parts.join(', ');
}

/** A literal, a reference resolved at apply, or a plain value. */
function display(value: unknown): string {
  if (value && typeof value === 'object') {
    if ('literal' in value) return String((value as { literal: unknown }).literal);
    if ('stackOutput' in value || 'callerReference' in value) return KNOWN_AFTER_APPLY;
  }
  return formatValue(value);
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  if (Array.isArray(value)) return value.map(display).join(', ') || '(none)';
  if (value && typeof value === 'object') {
    if ('literal' in value || 'stackOutput' in value || 'callerReference' in value) return display(value);
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{${entries.map(([k, v]) => `${k}: ${display(v)}`).join(', ')}}`;
  }
  return String(value);
}

function changes(beforeShown: object | undefined, afterShown: object | undefined): string {
  const before = beforeShown as Record<string, unknown> | undefined;
  const after = afterShown as Record<string, unknown> | undefined;
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  return keys.map((key) => `${key} ${display(before?.[key])} → ${display(after?.[key])}`).join(', ');
}

// ---- markdown -----------------------------------------------------------------------------------
//
// A pull-request comment read in ten seconds: the first lines say which regions join,
// drain or leave, where traffic moves, which table replicas come or go and whether data
// can be lost; the steps per region follow, folded when long. The hidden marker on the
// first line lets CI find its own comment for a RegionSet and update it in place.

/** Regions with more steps than this fold into <details>. */
const FOLD_AFTER_LINES = 8;

/** First line of every Markdown plan: CI finds and updates the comment of a RegionSet by it. */
function markdownMarker(regionSet: string): string {
  return `<!-- regionctl diff: ${regionSet} -->`;
}

export function renderMarkdown(plan: Plan, desired: DesiredState): string {
  const out: string[] = [markdownMarker(plan.regionSet), `### regionctl diff: \`${plan.regionSet}\` (\`${displayFile(desired.file)}\`)`, ''];
  const foreign = foreignLines(plan);
  const foreignBlock = foreign.length > 0 ? [`**${FOREIGN_TITLE}**`, '', '```diff', ...foreign, '```', ''] : [];
  if (plan.steps.length === 0 && plan.refusals.length === 0) {
    out.push('No changes.');
    if (foreignBlock.length > 0) out.push('', ...foreignBlock);
    return `${out.join('\n').trimEnd()}\n`;
  }
  out.push(summaryLine(plan), '');
  if (plan.refusals.length > 0) {
    out.push('> [!CAUTION]', '> **Refused: this plan will not be applied.**');
    for (const refusal of plan.refusals) out.push(`> - ${escapeMarkdown(refusal.message)}`);
    out.push('');
  }
  const deleted = replicaDeletions(plan);
  if (deleted.length > 0) {
    out.push('> [!WARNING]', '> **Data loss:** this plan deletes table replicas (removeReplicas: true). Their items are deleted in that region; writes not yet replicated elsewhere are lost.');
    for (const { table, region } of deleted) out.push(`> - \`${table}\` in \`${region}\``);
    out.push('');
  }
  out.push(`**${planLine(plan)}**`, '');
  for (const group of groups(plan)) {
    const title = group.title.replace(/:$/, '');
    const block = ['```diff', ...group.lines, '```'];
    if (group.lines.length > FOLD_AFTER_LINES) {
      out.push(`<details><summary><b>${title}</b>: ${foldedSize(group.lines)}</summary>`, '', ...block, '', '</details>', '');
    } else {
      out.push(`#### ${title}`, '', ...block, '');
    }
  }
  out.push(...foreignBlock);
  if (plan.notes.length > 0) {
    out.push('**Notes**', '');
    for (const note of plan.notes) out.push(`- ${escapeMarkdown(note)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** A manifest path as the reader knows it: relative to the working directory, never a temp path. */
function displayFile(file: string): string {
  if (!path.isAbsolute(file)) return file.split(path.sep).join('/');
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? path.basename(file) : relative.split(path.sep).join('/');
}

/** "4 steps, 11 stack resource changes": resource changes are the indented lines under a stack. */
function foldedSize(lines: string[]): string {
  const resources = lines.filter((line) => line.startsWith('    ')).length;
  const steps = lines.length - resources;
  return `${steps} step${steps === 1 ? '' : 's'}${resources > 0 ? `, ${resources} stack resource change${resources === 1 ? '' : 's'}` : ''}`;
}

/** One line a reviewer reads first: what happens to regions, traffic and data. */
function summaryLine(plan: Plan): string {
  const by = (transition: string) =>
    Object.entries(plan.summary.regions)
      .filter(([, t]) => t === transition)
      .map(([region]) => region)
      .sort();
  const parts: string[] = [];
  for (const [transition, label] of [
    ['joining', 'joining'],
    ['standby', 'to standby'],
    ['draining', 'draining'],
    ['leaving', 'leaving'],
  ] as const) {
    const regions = by(transition);
    if (regions.length > 0) parts.push(`**${regions.length} region${regions.length === 1 ? '' : 's'} ${label}** (${regions.join(', ')})`);
  }
  if (parts.length === 0) parts.push('no region joins or leaves');

  const traffic = trafficChanges(plan);
  parts.push(traffic.length > 0 ? `traffic: ${traffic.join(', ')}` : 'no traffic moves');

  const added = plan.steps.filter((s) => s.action === 'replica.create' && s.before?.['status'] !== 'CREATING' && s.payload.kind === 'replica');
  const removed = replicaDeletions(plan);
  const replicas = [
    ...added.map((s) => (s.payload.kind === 'replica' ? `+${s.payload.table} in ${s.payload.region}` : '')),
    ...removed.map(({ table, region }) => `-${table} in ${region}`),
  ];
  parts.push(replicas.length > 0 ? `replicas: ${replicas.join(', ')}` : 'no replica added or removed');
  parts.push(removed.length > 0 ? `⚠️ **DATA-LOSS RISK: ${removed.length} replica${removed.length === 1 ? '' : 's'} deleted**` : 'no data-loss risk');
  return parts.join(' · ');
}

function replicaDeletions(plan: Plan): Array<{ table: string; region: string }> {
  return plan.steps.flatMap((s) => (s.action === 'replica.delete' && s.payload.kind === 'replica' ? [{ table: s.payload.table, region: s.payload.region }] : []));
}

/**
 * Traffic per region, from its record steps: weighted records as the weight before → after
 * the plan ("us-east-1 100 → 0"), other policies as the region starting or stopping to serve.
 * Several records of one region that move alike are said once.
 */
function trafficChanges(plan: Plan): string[] {
  const byResource = new Map<string, Step[]>();
  for (const step of plan.steps) {
    if (!step.region || step.payload.kind !== 'record' || !step.action.startsWith('record.')) continue;
    const key = `${step.region}\u0000${step.resource}`;
    byResource.set(key, [...(byResource.get(key) ?? []), step]);
  }
  const byRegion = new Map<string, Set<string>>();
  for (const steps of byResource.values()) {
    const change = recordTrafficChange(steps);
    if (!change) continue;
    const region = steps[0]!.region!;
    byRegion.set(region, (byRegion.get(region) ?? new Set()).add(change));
  }
  return [...byRegion.keys()].sort().map((region) => `${region} ${[...byRegion.get(region)!].join(' and ')}`);
}

/** The weight a step shows, whatever its kind (record and hold steps show one). */
function weightShown(shown: object | undefined): unknown {
  return shown && 'weight' in shown ? shown.weight : undefined;
}

function recordTrafficChange(steps: Step[]): string | undefined {
  const first = steps[0]!;
  const last = steps.at(-1)!;
  const record = (step: Step) => (step.payload.kind === 'record' ? step.payload.record : undefined);
  const weighted = steps.some((step) => record(step)?.weight !== undefined || weightShown(step.before) !== undefined);
  if (weighted) {
    const from = first.action === 'record.create' ? 0 : Number(weightShown(first.before) ?? record(first)?.weight ?? 0);
    const to = last.action === 'record.delete' ? 0 : Number(record(last)?.weight ?? weightShown(last.after) ?? 0);
    return from === to ? undefined : `${from} → ${to}`;
  }
  const policy = policyLabel(record(first)!);
  if (first.action === 'record.create' && last.action !== 'record.delete') return `starts serving (${policy})`;
  if (last.action === 'record.delete' && first.action !== 'record.create') return `stops serving (${policy})`;
  return undefined;
}

function escapeMarkdown(text: string): string {
  return text.replace(/([<>])/g, '\\$1');
}
