// What a person sees while apply runs: in a terminal a live view (a header with the
// RegionSet, the target and the counts, one line per region) redrawn in place; elsewhere
// one plain timestamped line per event; colour only when wanted (NO_COLOR, FORCE_COLOR,
// --no-color). Driven here with a fake terminal; test/cli/apply-tty.test.ts uses a real pty.
import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { ApplyCounts } from '../../controller/commands/apply-counts.js';
import { createProgressView, formatProgressLine, renderRegionRows, wantsColour, wantsLiveView } from '../../controller/commands/progress.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState } from '../apply/desired.js';
import { finalScreen } from '../support/terminal.js';

/** A fake output stream: a terminal of the given size, or a pipe. */
function capture(isTTY: boolean, columns?: number, rows?: number) {
  const chunks: string[] = [];
  return { isTTY, columns, rows, chunks, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// eslint-disable-next-line no-control-regex
const COLOUR = /\x1b\[[0-9;]*m/;

/** eu-west-1 joins a converged us-east-1 with weight 200, on a sandbox on virtual time. */
async function weightedJoin(out: ReturnType<typeof capture>, env: NodeJS.ProcessEnv, noColor = false, faults?: (cloud: SandboxCloud) => void) {
  const clock = new FakeClock();
  const cloud = new SandboxCloud({ clock });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'us-east-1');
  faults?.(cloud);
  const desired = await desiredState({ regions: { 'us-east-1': '{}', 'eu-west-1': '{ weight: 200 }' } });
  const { plan } = await planReconcile(desired, cloud.providers(), { now: clock.now() });
  const counts = new ApplyCounts(plan.summary, () => cloud.calls.writes().length);
  const view = await createProgressView(out, env, { plan, desired, clock, counts, target: 'sandbox (in memory)', noColor });
  const result = await execute(plan, cloud.providers(), {
    clock,
    maxParallelRegions: 2,
    onEvent: (event) => {
      counts.onEvent(event);
      view.onEvent(event);
    },
  });
  view.finish(result.elapsedMs);
  if (!faults) expect(result.failed).toEqual([]);
  return { plan, counts, cloud, result };
}

describe('apply progress in a terminal', () => {
  it('ends with the header (RegionSet, target, counts) and one row per region: done, every step counted, ramp at 100%', async () => {
    const out = capture(true, 120, 40);
    const { plan, counts, cloud } = await weightedJoin(out, { NO_COLOR: '1' });
    const drawn = out.text();
    expect(drawn).toMatch(/\x1b\[\d+A/); // redrawn in place
    const frame = finalScreen(drawn);
    expect(frame[0]).toBe('RegionSet global-api (regions.yaml) → sandbox (in memory)');
    const steps = plan.steps.length;
    expect(frame[1]).toMatch(new RegExp(`^${steps}/${steps} steps done · (\\d+) Route 53 change batch(es)? of at most ${plan.summary.route53ChangeBatches} · (\\d+) AWS write calls · \\S+$`));
    const [, batches, , writes] = /· (\d+) Route 53 change batch(es)? .* · (\d+) AWS write calls/.exec(frame[1]!)!;
    expect(Number(batches)).toBe(counts.batchesSent);
    // The header's write calls are the sandbox's own call log, not a count of events.
    expect(Number(writes)).toBe(cloud.calls.writes().length);
    expect(frame[2]).toMatch(/^global +done +(\d+)\/\1 /);
    expect(frame[3]).toMatch(/^eu-west-1 +done +(\d+)\/\1 +\S+ +ramp 100% +converged$/);
    expect(frame[4]).toMatch(/^us-east-1 +done +(\d+)\/\1 +\S+ +ramp 100% +converged$/);
    expect(drawn).not.toMatch(COLOUR); // NO_COLOR: cursor moves only
    // While it ran, a region's line showed the step it was on and the time since it started.
    const screens = out.chunks.map((_, i) => finalScreen(out.chunks.slice(0, i + 1).join('')));
    expect(screens.some((screen) => screen.some((line) => /^eu-west-1 +running +\d+\/\d+ +[\dms.]+ +stack\.create stack:eu-west-1$/.test(line)))).toBe(true);
  });

  it('colours the phases by default, and not with --no-color', async () => {
    const coloured = capture(true, 120, 40);
    await weightedJoin(coloured, {});
    expect(coloured.text()).toMatch(COLOUR);
    const flagged = capture(true, 120, 40);
    await weightedJoin(flagged, {}, true);
    expect(flagged.text()).not.toMatch(COLOUR);
  });

  it('cuts every line to the terminal width instead of wrapping it, and draws in an unsized terminal', async () => {
    const narrow = capture(true, 50, 40);
    await weightedJoin(narrow, { NO_COLOR: '1' });
    const frame = finalScreen(narrow.text());
    expect(frame).toHaveLength(5);
    for (const line of frame) expect(line.length).toBeLessThanOrEqual(50);
    expect(frame[0]).toMatch(/…$/);

    // A pty nobody sized reports 0×0: the view still draws (80 columns).
    const unsized = capture(true, 0, 0);
    await weightedJoin(unsized, { NO_COLOR: '1' });
    expect(finalScreen(unsized.text())[0]).toMatch(/^RegionSet global-api /);
  });

  it("counts a failed step, the steps it skips and every retried write call, and the region's line says which step failed", async () => {
    const out = capture(true, 120, 40);
    const { plan, counts, cloud, result } = await weightedJoin(out, { NO_COLOR: '1' }, false, (c) => {
      c.faults.throttle('CreateChangeSet', { times: 2 });
      c.faults.fail('StackCreate', { region: 'eu-west-1' });
    });
    expect(result.failed.map((failure) => failure.stepId)).toEqual(['eu-west-1:stack.create']);
    const screen = finalScreen(out.text());
    const done = result.completed.length;
    expect(screen[1]).toMatch(new RegExp(`^${done}/${plan.steps.length} steps done, 1 failed, ${result.skipped.length} skipped · `));
    expect(counts.writeCalls).toBe(cloud.calls.writes().length);
    expect(cloud.calls.writes().filter((call) => call.operation === 'CreateChangeSet').length).toBeGreaterThanOrEqual(3);
    expect(screen.find((line) => line.startsWith('eu-west-1 '))).toMatch(/^eu-west-1 +failed .* failed: stack\.create stack:eu-west-1$/);
    expect(screen.at(-1)).toMatch(/^failed eu-west-1:stack\.create: /);
  });
});

describe('apply progress outside a terminal', () => {
  it('one plain timestamped line per event, counting steps and batches, without escape codes', async () => {
    const out = capture(false);
    const { plan, counts } = await weightedJoin(out, {});
    const text = out.text();
    expect(text).not.toMatch(ANSI);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(`[   0.0s] Applying ${plan.steps.length} steps (at most ${plan.summary.route53ChangeBatches} Route 53 change batches) to RegionSet global-api on sandbox (in memory)`);
    for (const line of lines) expect(line).toMatch(/^\[ *[\dms.]+\] /);
    expect(lines.some((line) => /^\[ *[\dms.]+\] eu-west-1 +start +stack\.create stack:eu-west-1/.test(line))).toBe(true);
    const done = lines.filter((line) => / done +/.test(line));
    expect(done).toHaveLength(plan.steps.length);
    expect(done.at(-1)).toMatch(new RegExp(`\\(${plan.steps.length}/${plan.steps.length} steps done\\)$`));
    const batches = lines.filter((line) => / route53 +batch /.test(line));
    expect(batches).toHaveLength(counts.batchesSent);
    expect(batches.at(-1)).toMatch(new RegExp(`batch ${counts.batchesSent} of at most ${plan.summary.route53ChangeBatches} — `));
  });

  it('uses plain lines on a terminal in CI or with TERM=dumb, and colours them with FORCE_COLOR', async () => {
    expect(wantsLiveView({ isTTY: true, write: () => true }, {})).toBe(true);
    expect(wantsLiveView({ isTTY: true, write: () => true }, { CI: 'true' })).toBe(false);
    expect(wantsLiveView({ isTTY: true, write: () => true }, { CI: 'false' })).toBe(true);
    expect(wantsLiveView({ isTTY: true, write: () => true }, { TERM: 'dumb' })).toBe(false);
    const forced = capture(false);
    await weightedJoin(forced, { FORCE_COLOR: '1' });
    expect(forced.text()).toMatch(COLOUR);
    expect(forced.text()).not.toMatch(/\x1b\[\d+A/);
  });
});

describe('colour', () => {
  it('honours --no-color, NO_COLOR, FORCE_COLOR and TERM=dumb, in that order', () => {
    const tty = { isTTY: true };
    expect(wantsColour({}, tty)).toBe(true);
    expect(wantsColour({}, { isTTY: false })).toBe(false);
    expect(wantsColour({}, { isTTY: true, noColorFlag: true })).toBe(false);
    expect(wantsColour({ NO_COLOR: '1' }, tty)).toBe(false);
    expect(wantsColour({ NO_COLOR: '' }, tty)).toBe(true);
    expect(wantsColour({ NO_COLOR: '1', FORCE_COLOR: '1' }, tty)).toBe(false);
    expect(wantsColour({ FORCE_COLOR: '1' }, { isTTY: false })).toBe(true);
    expect(wantsColour({ FORCE_COLOR: '0' }, tty)).toBe(false);
    expect(wantsColour({ FORCE_COLOR: '1' }, { isTTY: false, noColorFlag: true })).toBe(false);
    expect(wantsColour({ TERM: 'dumb' }, tty)).toBe(false);
  });

  it('formats a plain line and a region row a person reads at a glance', () => {
    const counts = new ApplyCounts({ steps: 9, route53ChangeBatches: 3 }, () => 0);
    counts.stepsDone = 4;
    const event = { type: 'step-done' as const, elapsedMs: 65_000, step: { id: 'x', action: 'stack.create', region: 'eu-west-1', resource: 'stack:eu-west-1' } as never };
    expect(formatProgressLine(event, counts)).toBe('[  1m05s] eu-west-1       done    stack.create stack:eu-west-1 (4/9 steps done)');
    const rows = renderRegionRows(
      [{ region: 'sa-east-1', phase: 'running', step: 'health.wait healthcheck:api.example.com.:sa-east-1', stepsDone: 4, stepsTotal: 9, startedAt: 0, rampPercent: 10 }],
      125_000,
    );
    expect(rows).toEqual(['sa-east-1       running   4/9    2m05s  ramp 10%   health.wait healthcheck:api.example.com.:sa-east-1']);
  });
});
