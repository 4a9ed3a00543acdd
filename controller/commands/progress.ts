// Progress of an apply. In a terminal: a live view redrawn in place (log-update) — a header
// with the RegionSet, the target and the counts, then one line per region with its current
// step and elapsed time. Elsewhere (CI, pipes, TERM=dumb): one plain line per executor
// event, stamped with the time since the apply started. Colour (picocolors) follows
// wantsColour. Both libraries are imported only when used: `validate` and `diff` never load them.

import type { ExecEvent } from '../apply/types.js';
import type { Clock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import { describePlannedWork, plural } from '../plan/summary.js';
import type { Plan } from '../plan/types.js';
import type { ApplyCounts } from './apply-counts.js';

/** Where progress goes: process.stdout, or a fake terminal in tests. */
export interface ProgressOutput {
  isTTY?: boolean;
  /** Terminal width: live lines are cut to it, never wrapped (80 when unknown). */
  columns?: number;
  /** Terminal height: a live view taller than it shows its last rows (log-update). */
  rows?: number;
  write(text: string): unknown;
}

export interface ProgressContext {
  plan: Plan;
  desired: DesiredState;
  clock: Clock;
  counts: ApplyCounts;
  /** Where the plan is applied (Target.describe). */
  target: string;
  /** --no-color */
  noColor?: boolean;
  /** What the plain view's first line calls the run (default Applying; prune-regionset: Pruning). */
  verb?: string;
}

export interface ProgressView {
  onEvent(event: ExecEvent): void;
  /** Stops redrawing and leaves the final view (or nothing more, for plain lines), at the run's elapsed time when known. */
  finish(elapsedMs?: number): void;
}

export type RegionPhase = 'waiting' | 'running' | 'done' | 'failed';

export interface RegionRow {
  region: string;
  phase: RegionPhase;
  /** The step running now, or the last one that ran. */
  step: string;
  stepsDone: number;
  stepsTotal: number;
  /** Clock time the region's first step started. */
  startedAt?: number;
  endedAt?: number;
  /** Share of its full weight the region serves, once a weighted record was written. */
  rampPercent?: number;
}

/** Colours of the phases; identity functions when colour is off. */
export interface Paint {
  phase(text: string, phase: RegionPhase): string;
  bold(text: string): string;
}

/** log-update's own defaults, for a terminal that does not say its size. */
const DEFAULT_COLUMNS = 80;
const DEFAULT_ROWS = 24;

const NO_PAINT: Paint = { phase: (text) => text, bold: (text) => text };

/**
 * Colour or not: --no-color and a non-empty NO_COLOR (no-color.org) turn it off, whatever
 * else is set; FORCE_COLOR turns it on even in a pipe or a CI log (except FORCE_COLOR=0 or
 * false); otherwise only a terminal that is not TERM=dumb gets colour.
 */
export function wantsColour(env: NodeJS.ProcessEnv, options: { isTTY: boolean; noColorFlag?: boolean }): boolean {
  if (options.noColorFlag === true || (env['NO_COLOR'] ?? '') !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return options.isTTY && env['TERM'] !== 'dumb';
}

/** The live view needs a terminal that can move the cursor, and no CI log (CI=true). */
export function wantsLiveView(out: ProgressOutput, env: NodeJS.ProcessEnv): boolean {
  const ci = env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false' && env['CI'] !== '0';
  return out.isTTY === true && env['TERM'] !== 'dumb' && !ci;
}

export async function createProgressView(out: ProgressOutput, env: NodeJS.ProcessEnv, context: ProgressContext): Promise<ProgressView> {
  const paint = wantsColour(env, { isTTY: out.isTTY === true, noColorFlag: context.noColor === true }) ? await colourPaint() : NO_PAINT;
  if (!wantsLiveView(out, env)) return plainView(out, paint, context);
  const { createLogUpdate } = await import('log-update');
  // A terminal whose size is unknown says 0 columns and 0 rows (a pty nobody sized, as under
  // `script`); log-update would draw nothing in 0 rows, so the usual 80×24 stands in.
  const screen = {
    isTTY: true,
    get columns() {
      return out.columns || DEFAULT_COLUMNS;
    },
    get rows() {
      return out.rows || DEFAULT_ROWS;
    },
    write: (text: string) => out.write(text),
  };
  // The cursor is hidden while drawing and shown again by done(), or at exit (cli-cursor).
  const draw = createLogUpdate(screen as unknown as NodeJS.WritableStream);
  return new LiveView(out, paint, context, { render: (text) => draw(text), done: () => draw.done() });
}

async function colourPaint(): Promise<Paint> {
  const { default: picocolors } = await import('picocolors');
  const pc = picocolors.createColors(true);
  const byPhase: Record<RegionPhase, (text: string) => string> = { done: pc.green, failed: pc.red, running: pc.yellow, waiting: pc.dim };
  return { phase: (text, phase) => byPhase[phase](text), bold: pc.bold };
}

/** "Applying 15 steps (at most 4 Route 53 change batches) to RegionSet global-api on sandbox (in memory), 100x time" */
function applyingLine(context: Pick<ProgressContext, 'plan' | 'target' | 'verb'>): string {
  return `${context.verb ?? 'Applying'} ${describePlannedWork(context.plan.summary)} to RegionSet ${context.plan.regionSet} on ${context.target}`;
}

function plainView(out: ProgressOutput, paint: Paint, context: ProgressContext): ProgressView {
  out.write(`${formatStamp(0)} ${applyingLine(context)}\n`);
  return {
    onEvent: (event) => out.write(`${formatProgressLine(event, context.counts, paint)}\n`),
    finish: () => undefined,
  };
}

function formatStamp(elapsedMs: number): string {
  return `[${formatElapsed(elapsedMs).padStart(7)}]`;
}

/**
 * One plain progress line, the counts as they stand after the event:
 * `[  2m11s] eu-west-1       done    stack.create stack:eu-west-1 (3/15 steps done)`,
 * `[  3m00s] global          route53 batch 2 of at most 4 — 1 change(s) to zone …`.
 */
export function formatProgressLine(event: ExecEvent, counts: ApplyCounts, paint: Paint = NO_PAINT): string {
  const region = (event.step?.region ?? event.region ?? 'global').padEnd(15);
  const label = event.type.replace(/^step-/, '').replace(/^batch-sent$/, 'route53').padEnd(7);
  const phase: RegionPhase = event.type === 'step-done' ? 'done' : event.type === 'step-failed' || event.type === 'step-skipped' ? 'failed' : 'running';
  let what = event.step ? `${event.step.action} ${event.step.resource}` : '';
  if (event.type === 'batch-sent') what = `batch ${counts.batchesSent} of at most ${counts.planned.route53ChangeBatches}`;
  else if (event.type !== 'step-start') what += ` (${counts.stepsText()})`;
  return `${formatStamp(event.elapsedMs)} ${region} ${paint.phase(label, phase)} ${what}${event.message ? ` — ${event.message}` : ''}`;
}

/** The region rows as text lines, aligned and cut to `columns`; pure so that tests read what a person sees. */
export function renderRegionRows(rows: RegionRow[], now: number, paint: Paint = NO_PAINT, columns = Infinity): string[] {
  return rows.map((row) => {
    const elapsed = row.startedAt === undefined ? '' : formatElapsed((row.endedAt ?? now) - row.startedAt);
    const ramp = row.rampPercent === undefined ? '' : `ramp ${row.rampPercent}%`;
    const count = `${row.stepsDone}/${row.stepsTotal}`;
    const head = `${row.region.padEnd(15)} ${row.phase.padEnd(7)} ${count.padStart(5)}  ${elapsed.padStart(7)}  ${ramp.padEnd(9)}  `;
    const line = cut(`${head}${row.step}`.trimEnd(), columns);
    // The phase is the only coloured part; it sits at a fixed column.
    return `${line.slice(0, 16)}${paint.phase(line.slice(16, 23), row.phase)}${line.slice(23)}`;
  });
}

/** Cuts a line to `columns` characters, marking the cut with an ellipsis. */
function cut(line: string, columns: number): string {
  return line.length <= columns ? line : `${line.slice(0, Math.max(0, columns - 1))}…`;
}

class LiveView implements ProgressView {
  private readonly rows = new Map<string, RegionRow>();
  private readonly fullWeight = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly notes: string[] = [];
  /** Clock time the executor started (from the events' elapsedMs), so the header's time is the final line's. */
  private startedAt: number;
  private finished = false;
  private lastElapsedMs = 0;

  constructor(
    private readonly out: ProgressOutput,
    private readonly paint: Paint,
    private readonly context: ProgressContext,
    private readonly screen: { render(text: string): void; done(): void },
  ) {
    this.startedAt = context.clock.now();
    for (const region of context.desired.regions) this.fullWeight.set(region.code, region.weight);
    for (const step of context.plan.steps) {
      const key = step.region ?? 'global';
      const row = this.rows.get(key) ?? { region: key, phase: 'waiting', step: '', stepsDone: 0, stepsTotal: 0 };
      row.stepsTotal++;
      this.rows.set(key, row);
    }
    // Elapsed times tick between events too.
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
    this.draw();
  }

  onEvent(event: ExecEvent): void {
    this.startedAt = this.context.clock.now() - event.elapsedMs;
    this.lastElapsedMs = event.elapsedMs;
    const step = event.step;
    if (step) {
      const row = this.rows.get(step.region ?? 'global');
      if (row) this.update(row, event);
    }
    if (event.type === 'step-failed' && step) this.notes.push(`failed ${step.id}: ${event.message ?? ''}`);
    this.draw();
  }

  private update(row: RegionRow, event: ExecEvent): void {
    const step = event.step!;
    const now = this.context.clock.now();
    if (event.type === 'step-start') {
      row.startedAt ??= now;
      row.phase = 'running';
      row.step = `${step.action} ${step.resource}`;
    } else if (event.type === 'step-done') {
      row.stepsDone++;
      const weight = step.payload.kind === 'record' && step.payload.change !== 'DELETE' ? step.payload.record.weight : undefined;
      const full = step.region ? this.fullWeight.get(step.region) : undefined;
      if (weight !== undefined && full) row.rampPercent = Math.round((weight / full) * 100);
      if (row.stepsDone === row.stepsTotal) {
        row.phase = 'done';
        row.endedAt = now;
        row.step = 'converged';
      }
    } else if (event.type === 'step-failed' || (event.type === 'step-skipped' && row.phase !== 'failed')) {
      // The region's line keeps naming the step that failed, not the steps skipped after it.
      row.phase = 'failed';
      row.endedAt = now;
      row.step = `${event.type === 'step-failed' ? 'failed' : 'skipped'}: ${step.action} ${step.resource}`;
    }
  }

  /** The header (what is applied where, the counts so far) and one row per region, RegionSet-wide first. */
  frame(): string {
    const { counts, plan, desired } = this.context;
    const columns = this.out.columns || DEFAULT_COLUMNS;
    const now = this.context.clock.now();
    const header = [
      `RegionSet ${plan.regionSet} (${desired.file}) → ${this.context.target}`,
      `${counts.stepsText()}${counts.stepsFailed + counts.stepsSkipped > 0 ? `, ${counts.stepsFailed} failed, ${counts.stepsSkipped} skipped` : ''} · ${plural(counts.batchesSent, 'Route 53 change batch', 'Route 53 change batches')} of at most ${plan.summary.route53ChangeBatches}` +
        ` · ${plural(counts.writeCalls, 'AWS write call')} · ${formatElapsed(this.finished ? this.lastElapsedMs : now - this.startedAt)}`,
    ].map((line) => this.paint.bold(cut(line, columns)));
    const rows = [...this.rows.values()].sort((a, b) => (a.region === 'global' ? -1 : b.region === 'global' ? 1 : a.region.localeCompare(b.region)));
    return [...header, ...renderRegionRows(rows, now, this.paint, columns)].join('\n');
  }

  private draw(): void {
    this.screen.render(this.frame());
  }

  finish(elapsedMs?: number): void {
    clearInterval(this.timer);
    this.finished = true;
    if (elapsedMs !== undefined) this.lastElapsedMs = elapsedMs;
    this.draw();
    this.screen.done();
    for (const note of this.notes) this.out.write(`${note}\n`);
  }
}

/** Elapsed time with tenths below a minute (12.3s), then minutes and seconds (2m05s). */
export function formatElapsed(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
}
