// regionctl status [NAME]: GET /status of the running controller as a table: one line per
// RegionSet (last applied commit, conditions, suspension, last plan), then each RegionSet's
// regions (state, traffic, weight, health). --output json prints the document itself.
// Colour follows the apply progress' rules (progress.ts wantsColour): --no-color, NO_COLOR,
// FORCE_COLOR, else a terminal only.

import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import { call, controllerUrl, DEFAULT_CONTROLLER, fail, NAME } from './control.js';
import { wantsColour } from './progress.js';
import { ageText, weightText, type Condition, type ControllerStatus, type RegionSetStatus, type RegionStatus } from '../runtime/status.js';

type Tone = 'good' | 'warn' | 'bad' | 'dim' | 'bold';
/** Colours of the table cells; identity when colour is off. */
export type Painter = (text: string, tone: Tone) => string;
const NO_PAINT: Painter = (text) => text;

export async function main(argv: string[]): Promise<number> {
  return runCommand('status', async () => {
    const { values, positionals } = parseCommandArgs('status', argv);
    const opts = values as { controller?: string; output?: string; 'no-color'?: boolean };
    if (positionals.length > 1 || (positionals[0] !== undefined && !NAME.test(positionals[0]))) throw new UsageError('expected at most one RegionSet NAME such as global-api. Run "regionctl help status"');
    const name = positionals[0];
    const format = outputFormat(opts.output, ['text', 'json']);
    const base = controllerUrl(opts.controller ?? DEFAULT_CONTROLLER);
    const response = await call(base, '/status', {});
    const body = (await response.json().catch(() => undefined)) as (ControllerStatus & { error?: string }) | undefined;
    if (!response.ok) return fail('status', `${base.origin} answered ${response.status}: ${body?.error ?? response.statusText}`);
    if (typeof body?.regionSets !== 'object' || body.regionSets === null) return fail('status', `${base.origin}/status is not the status of a regionctl controller: is --controller the address of "regionctl run"?`);
    if (name !== undefined && !body.regionSets[name]) {
      const known = Object.keys(body.regionSets);
      return fail('status', `no RegionSet ${name} at ${base.origin} (${known.length ? `it has ${known.join(', ')}` : 'it has none yet'})`);
    }
    const status: ControllerStatus = name === undefined ? body : { ...body, regionSets: { [name]: body.regionSets[name]! } };
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    const colour = wantsColour(process.env, { isTTY: process.stdout.isTTY === true, noColorFlag: opts['no-color'] === true });
    process.stdout.write(renderStatus(status, Date.now(), colour ? await colourPainter() : NO_PAINT));
    return 0;
  });
}

async function colourPainter(): Promise<Painter> {
  const { default: picocolors } = await import('picocolors');
  const pc = picocolors.createColors(true);
  const tones: Record<Tone, (text: string) => string> = { good: pc.green, warn: pc.yellow, bad: pc.red, dim: pc.dim, bold: pc.bold };
  return (text, tone) => tones[tone](text);
}

/** A table cell: its text, and the colour it is painted in after padding. */
type Cell = string | { text: string; tone?: Tone };

/** Columns aligned on the text's length; the last column is not padded. */
function table(rows: Cell[][], paint: Painter, indent = ''): string {
  const text = (cell: Cell) => (typeof cell === 'string' ? cell : cell.text);
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, text(cell).length)));
  return rows
    .map((row) =>
      indent +
      row
        .map((cell, i) => {
          const padded = i === row.length - 1 ? text(cell) : text(cell).padEnd(widths[i]!);
          return typeof cell !== 'string' && cell.tone ? paint(padded, cell.tone) : padded;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The whole text output: the source line, the RegionSets table, then each RegionSet's regions and notes. */
export function renderStatus(status: ControllerStatus, now: number, paint: Painter = NO_PAINT): string {
  const source = status.source;
  const lines: string[] = [];
  const synced = source.observedRevision ? `at ${short(source.observedRevision)}, synced ${age(source.observedAt, now)}` : 'not synced yet';
  lines.push(`source ${source.url}${source.branch ? ` (${source.branch})` : ''} ${synced}; mode ${status.mode}`);
  if (source.lastError) lines.push(paint(`last sync failed ${age(source.lastError.at, now)} (${source.consecutiveFailures} in a row): ${source.lastError.message}`, 'bad'));
  const sets = Object.values(status.regionSets);
  if (sets.length === 0) return `${lines.join('\n')}\nno RegionSets yet\n`;
  const header: Cell[] = ['REGIONSET', 'APPLIED', 'CONDITIONS', 'SUSPENDED', 'LAST PLAN'].map((text) => ({ text, tone: 'bold' as const }));
  lines.push('', table([header, ...sets.map((set) => regionSetRow(set, now))], paint));
  for (const set of sets) {
    lines.push('', `${paint(set.name, 'bold')}  ${set.file}`);
    const notes = regionSetNotes(set, now);
    for (const note of notes) lines.push(`  ${paint(note.text, note.tone)}`);
    const regions = Object.entries(set.regions);
    if (regions.length === 0) {
      lines.push('  no regions planned yet');
      continue;
    }
    const regionHeader: Cell[] = ['REGION', 'STATE', 'TRAFFIC', 'WEIGHT', 'HEALTH'].map((text) => ({ text, tone: 'bold' as const }));
    lines.push(table([regionHeader, ...regions.map(([code, region]) => regionRow(code, region, now))], paint, '  '));
  }
  return `${lines.join('\n')}\n`;
}

function regionSetRow(set: RegionSetStatus, now: number): Cell[] {
  const plan = set.lastPlan;
  const planText = plan ? `${plan.steps} step${plan.steps === 1 ? '' : 's'}, ${plan.refusals.length} refused, ${age(plan.at, now)}` : '-';
  return [set.name, set.lastAppliedRevision ? short(set.lastAppliedRevision) : '-', conditionsCell(set.conditions), set.suspended ? { text: 'yes', tone: 'warn' } : 'no', planText];
}

/** Ready (or not, with its reason) and every other condition that is True, e.g. "Not ready (PlanRefused), DriftDetected". */
export function conditionsText(conditions: readonly Condition[]): string {
  return conditionsCell(conditions).text;
}

function conditionsCell(conditions: readonly Condition[]): { text: string; tone: Tone } {
  const ready = conditions.find((c) => c.type === 'Ready');
  const parts = [!ready || ready.status === 'Unknown' ? 'Ready unknown' : ready.status === 'True' ? 'Ready' : `Not ready (${ready.reason})`];
  for (const c of conditions) if (c.type !== 'Ready' && c.status === 'True') parts.push(c.type);
  const bad = conditions.some((c) => c.status === 'True' && (c.type === 'Stalled' || c.type === 'ApplyFailed'));
  return { text: parts.join(', '), tone: bad || ready?.status === 'False' ? 'bad' : ready?.status === 'True' && parts.length === 1 ? 'good' : 'warn' };
}

/** What a person should know below the table line: suspension, the last error. */
function regionSetNotes(set: RegionSetStatus, now: number): Array<{ text: string; tone: Tone }> {
  const notes: Array<{ text: string; tone: Tone }> = [];
  if (set.suspended) {
    const who = set.suspension ? ` by ${set.suspension.by} ${age(set.suspension.at, now)}${set.suspension.reason ? `: ${set.suspension.reason}` : ''}` : '';
    notes.push({ text: `suspended${who}`, tone: 'warn' });
  }
  if (set.lastError) notes.push({ text: `${set.lastError.reason} ${age(set.lastError.at, now)}: ${set.lastError.message}`, tone: 'bad' });
  if (set.lastPlan?.refusals.length) for (const refusal of set.lastPlan.refusals) notes.push({ text: `refused: ${refusal.rule} (${refusal.resource})`, tone: 'bad' });
  return notes;
}

const TRAFFIC_TONE: Record<RegionStatus['traffic'], Tone> = { serving: 'good', standby: 'dim', drained: 'dim', joining: 'warn', draining: 'warn', leaving: 'warn' };

function regionRow(code: string, region: RegionStatus, now: number): Cell[] {
  const health = region.health ? `${region.health}${region.healthObservedAt ? ` (${age(region.healthObservedAt, now)})` : ''}` : '-';
  const healthTone: Tone = region.health === 'healthy' ? 'good' : region.health === 'unhealthy' ? 'bad' : 'dim';
  return [code, region.desiredState, { text: region.traffic ?? '-', tone: TRAFFIC_TONE[region.traffic] ?? 'dim' }, weightText(region.weight), { text: health, tone: healthTone }];
}

function short(revision: string): string {
  return revision.slice(0, 12);
}

function age(iso: string | undefined, now: number): string {
  return iso ? ageText(iso, now) : '-';
}
