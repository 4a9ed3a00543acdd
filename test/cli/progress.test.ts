// What a person sees while apply runs: a live per-region table in a terminal, plain lines
// elsewhere, and no colour codes when NO_COLOR is set.
import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { createProgressView, formatProgressLine, renderRegionRows, wantsColour } from '../../controller/commands/progress.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState } from '../apply/desired.js';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

async function weightedJoin(out: ReturnType<typeof capture>, env: NodeJS.ProcessEnv) {
  const clock = new FakeClock();
  const cloud = new SandboxCloud({ clock });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'us-east-1');
  const desired = await desiredState({ regions: { 'us-east-1': '{}', 'eu-west-1': '{ weight: 200 }' } });
  const { plan } = await planReconcile(desired, cloud.providers(), { now: clock.now() });
  const view = createProgressView(out, env, { plan, desired, clock });
  const result = await execute(plan, cloud.providers(), { clock, maxParallelRegions: 2, onEvent: (e) => view.onEvent(e) });
  view.finish();
  expect(result.failed).toEqual([]);
}

describe('apply progress', () => {
  it('in a terminal, ends with one row per region: done, every step counted, ramp at 100%', async () => {
    const out = capture(true);
    await weightedJoin(out, { NO_COLOR: '1' });
    const drawn = out.text();
    expect(drawn).toMatch(/\x1b\[\d+F/); // redrawn in place
    const lastTable = drawn.split('\x1b[2K').slice(-3).map((line) => line.replace(ANSI, '').trimEnd());
    expect(lastTable[0]).toMatch(/^global +done +\d+\/\d+ /);
    expect(lastTable[1]).toMatch(/^eu-west-1 +done +(\d+)\/\1 +\S+ +ramp 100% +converged$/);
    expect(lastTable[2]).toMatch(/^us-east-1 +done +(\d+)\/\1 +\S+ +ramp 100% +converged$/);
    expect(drawn.replace(/\x1b\[\d+F|\x1b\[2K/g, '')).not.toMatch(ANSI); // NO_COLOR: cursor moves only
  });

  it('outside a terminal, one plain line per step start and finish, without escape codes', async () => {
    const out = capture(false);
    await weightedJoin(out, {});
    const lines = out.text().trimEnd().split('\n');
    expect(out.text()).not.toMatch(ANSI);
    expect(lines.some((line) => /^\[ *[\dms.]+\] eu-west-1 +start +stack\.create stack:eu-west-1/.test(line.replace(ANSI, '')))).toBe(true);
    expect(lines.some((line) => /^\[ *[\dms.]+\] eu-west-1 +done +record\.update /.test(line.replace(ANSI, '')))).toBe(true);
  });

  it('honours NO_COLOR and TERM=dumb', () => {
    expect(wantsColour({})).toBe(true);
    expect(wantsColour({ NO_COLOR: '1' })).toBe(false);
    expect(wantsColour({ NO_COLOR: '' })).toBe(true);
    expect(wantsColour({ TERM: 'dumb' })).toBe(false);
    const event = { type: 'step-done' as const, elapsedMs: 65_000, step: { id: 'x', action: 'stack.create', region: 'eu-west-1', resource: 'stack:eu-west-1' } as never };
    expect(formatProgressLine(event, false)).toBe('[  1m05s] eu-west-1       done    stack.create stack:eu-west-1');
    expect(formatProgressLine(event, true)).toContain('\x1b[32mdone   \x1b[0m');
  });

  it('renders a row a person reads at a glance', () => {
    const rows = renderRegionRows(
      [{ region: 'sa-east-1', phase: 'running', step: 'health.wait healthcheck:api.example.com.:sa-east-1', stepsDone: 4, stepsTotal: 9, startedAt: 0, rampPercent: 10 }],
      125_000,
      false,
    );
    expect(rows).toEqual(['sa-east-1       running   4/9    2m05s  ramp 10%   health.wait healthcheck:api.example.com.:sa-east-1']);
  });
});
