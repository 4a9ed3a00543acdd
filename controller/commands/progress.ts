// Progress of an apply. In a terminal: a live table, one row per region (current step,
// elapsed time, ramp percentage), redrawn in place. Elsewhere (CI logs, pipes, TERM=dumb):
// one plain line per step start and finish, without colour. NO_COLOR turns colours off.

import type { ExecEvent } from '../apply/types.js';
import type { Clock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';

export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressView {
  onEvent(event: ExecEvent): void;
  /** Stops redrawing and leaves the final table (or nothing more, for plain lines). */
  finish(): void;
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

export function wantsColour(env: NodeJS.ProcessEnv): boolean {
  return !('NO_COLOR' in env && env['NO_COLOR'] !== '') && env['TERM'] !== 'dumb';
}

export function createProgressView(
  out: ProgressOutput,
  env: NodeJS.ProcessEnv,
  context: { plan: Plan; desired: DesiredState; clock: Clock },
): ProgressView {
  // Colour only for a person at a terminal: logs and pipes get plain text.
  const colour = wantsColour(env) && out.isTTY === true;
  if (!out.isTTY || env['TERM'] === 'dumb' || env['CI']) return plainView(out, colour);
  return new LiveTable(out, colour, context);
}

function plainView(out: ProgressOutput, colour: boolean): ProgressView {
  return {
    onEvent: (event) => out.write(`${formatProgressLine(event, colour)}\n`),
    finish: () => undefined,
  };
}

const PAINT = { done: '\x1b[32m', failed: '\x1b[31m', running: '\x1b[33m', waiting: '\x1b[2m', reset: '\x1b[0m' };

function paint(text: string, phase: RegionPhase | 'skipped', colour: boolean): string {
  if (!colour) return text;
  const code = phase === 'skipped' ? PAINT.failed : PAINT[phase];
  return `${code}${text}${PAINT.reset}`;
}

/** One plain progress line: `[  12.3s] eu-west-1       start   stack.create stack:eu-west-1 — reason`. */
export function formatProgressLine(event: ExecEvent, colour = false): string {
  const at = `[${formatElapsed(event.elapsedMs).padStart(7)}]`;
  const region = (event.step?.region ?? event.region ?? 'global').padEnd(15);
  const what = event.step ? `${event.step.action} ${event.step.resource}` : '';
  const label = event.type.replace(/^step-/, '').replace(/^batch-sent$/, 'route53').padEnd(7);
  const phase = event.type === 'step-done' ? 'done' : event.type === 'step-failed' || event.type === 'step-skipped' ? 'failed' : 'running';
  return `${at} ${region} ${paint(label, phase, colour)} ${what}${event.message ? ` — ${event.message}` : ''}`;
}

/** The rows as text lines, aligned; pure so that tests can read what a person sees. */
export function renderRegionRows(rows: RegionRow[], now: number, colour: boolean): string[] {
  return rows.map((row) => {
    const elapsed = row.startedAt === undefined ? '' : formatElapsed((row.endedAt ?? now) - row.startedAt);
    const ramp = row.rampPercent === undefined ? '' : `ramp ${row.rampPercent}%`;
    const count = `${row.stepsDone}/${row.stepsTotal}`;
    const phase = paint(row.phase.padEnd(7), row.phase, colour);
    return `${row.region.padEnd(15)} ${phase} ${count.padStart(5)}  ${elapsed.padStart(7)}  ${ramp.padEnd(9)}  ${row.step}`.trimEnd();
  });
}

class LiveTable implements ProgressView {
  private readonly rows = new Map<string, RegionRow>();
  private readonly fullWeight = new Map<string, number>();
  private drawnLines = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly notes: string[] = [];

  constructor(
    private readonly out: ProgressOutput,
    private readonly colour: boolean,
    private readonly context: { plan: Plan; desired: DesiredState; clock: Clock },
  ) {
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
    } else if (event.type === 'step-failed' || event.type === 'step-skipped') {
      row.phase = 'failed';
      row.endedAt = now;
      row.step = `${event.type === 'step-failed' ? 'failed' : 'skipped'}: ${step.action} ${step.resource}`;
    }
  }

  private draw(): void {
    const rows = [...this.rows.values()].sort((a, b) => (a.region === 'global' ? -1 : b.region === 'global' ? 1 : a.region.localeCompare(b.region)));
    const lines = renderRegionRows(rows, this.context.clock.now(), this.colour);
    // Move up over the previous drawing and clear each line before writing the new one.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
    this.out.write(`${up}${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  finish(): void {
    clearInterval(this.timer);
    this.draw();
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
