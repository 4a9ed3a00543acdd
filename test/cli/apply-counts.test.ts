// Counts that agree (issue 14 item 7): for each example manifest, the plan line of diff and
// apply, the confirmation prompt, the progress (live view in a terminal, plain lines in a
// pipe) and the final line count the same steps and Route 53 change batches and say which;
// the write calls the live view shows are the final line's. The terminal runs are a real
// pty (util-linux `script`), answering the prompt "yes" as a person would (issue 14 item 8).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, runCliSync, sandboxFlags } from '../support/cli.js';
import { finalScreen } from '../support/terminal.js';

const MANIFESTS = ['global-api', 'weighted', 'failover', 'geolocation'].map((name) => `manifests/${name}.yaml`);
const dir = mkdtempSync(join(tmpdir(), 'regionctl-counts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLANNED = /(\d+) steps? \(at most (\d+) Route 53 change batch(?:es)?\)/;
const FINAL = /^Apply complete: (\d+)\/(\d+) steps done, 0 failed, 0 skipped; (\d+) Route 53 change batch(?:es)?, (\d+) AWS write calls?; (\S+) \(/m;
/** A whole apply of a manifest (diff too, in a pipe): seconds, but several on a loaded machine. */
const RUN_TIMEOUT_MS = 60_000;
// eslint-disable-next-line no-control-regex
const COLOUR = /\x1b\[[0-9;]*m/;

interface Planned {
  steps: number;
  batches: number;
}

function planned(text: string | undefined, what: string): Planned {
  const match = PLANNED.exec(text ?? '');
  expect(match, `${what}: ${text}`).not.toBeNull();
  return { steps: Number(match![1]), batches: Number(match![2]) };
}

function finalLine(text: string) {
  const match = FINAL.exec(text);
  expect(match, text).not.toBeNull();
  const [, done, total, batches, writes, elapsed] = match!;
  return { done: Number(done), total: Number(total), batches: Number(batches), writes: Number(writes), elapsed };
}

/** Steps whose every run sends at least one write call of its own (waits send none; records go in batches). */
const WRITING_STEP = / done +(stack|replica|healthcheck)\.(create|update|delete|recreate|continue-rollback) /;

describe('apply in a pipe: plan line, progress lines and final line agree', () => {
  for (const manifest of MANIFESTS) {
    it(manifest, () => {
      const state = join(dir, `${manifest.replace(/\W/g, '-')}-pipe.json`);
      const diff = runCliSync(['diff', manifest, ...sandboxFlags(state)]);
      expect(diff.code, diff.stderr).toBe(0);
      const apply = runCliSync(['apply', manifest, ...sandboxFlags(state), '--yes']);
      expect(apply.code, apply.stderr).toBe(0);
      const lines = apply.stdout.split('\n');

      const planLine = lines.find((line) => line.startsWith('Plan: '));
      expect(diff.stdout.split('\n').find((line) => line.startsWith('Plan: '))).toBe(planLine);
      const plan = planned(planLine, 'plan line');
      expect(planned(lines.find((line) => / Applying /.test(line)), 'applying line')).toEqual(plan);

      const done = lines.filter((line) => / done +\S/.test(line));
      expect(done).toHaveLength(plan.steps);
      done.forEach((line, i) => expect(line).toContain(`(${i + 1}/${plan.steps} steps done)`));
      const batches = lines.filter((line) => / route53 +batch /.test(line));
      batches.forEach((line, i) => expect(line).toContain(`batch ${i + 1} of at most ${plan.batches} — `));

      const final = finalLine(apply.stdout);
      expect(final).toMatchObject({ done: plan.steps, total: plan.steps, batches: batches.length });
      expect(final.batches).toBeLessThanOrEqual(plan.batches);
      expect(final.writes).toBeGreaterThanOrEqual(batches.length + done.filter((line) => WRITING_STEP.test(line)).length);
    }, RUN_TIMEOUT_MS);
  }
});

/** Runs apply in a real pty of 50×160 and answers its prompt; returns the final screen and the raw output. */
function applyInTerminal(manifest: string, state: string, options: { env?: Record<string, string>; flags?: string[] } = {}) {
  const argv = [process.execPath, CLI, 'apply', manifest, ...sandboxFlags(state), ...(options.flags ?? [])];
  const quoted = argv.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...options.env };
  for (const name of ['CI', 'FORCE_COLOR', ...(options.env?.['NO_COLOR'] ? [] : ['NO_COLOR'])]) delete env[name];
  const run = spawnSync('script', ['-qec', `stty rows 50 cols 160; exec ${quoted}`, '/dev/null'], { cwd: REPO_ROOT, env, input: 'yes\n', encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  expect(run.error, 'util-linux script(1) runs the CLI in a pty').toBeUndefined();
  expect(run.status, run.stdout).toBe(0);
  return { screen: finalScreen(run.stdout), raw: run.stdout };
}

describe('apply in a terminal: plan line, prompt, live view and final line agree', () => {
  const colours: Array<{ how: string; env?: Record<string, string>; flags?: string[]; coloured: boolean }> = [
    { how: 'NO_COLOR=1', env: { NO_COLOR: '1' }, coloured: false },
    { how: '--no-color', flags: ['--no-color'], coloured: false },
    { how: 'colour', coloured: true },
    { how: 'colour', coloured: true },
  ];
  MANIFESTS.forEach((manifest, i) => {
    const colour = colours[i]!;
    it(`${manifest} (${colour.how})`, () => {
      const state = join(dir, `${manifest.replace(/\W/g, '-')}-tty.json`);
      const { screen, raw } = applyInTerminal(manifest, state, colour);
      const plan = planned(screen.find((line) => line.startsWith('Plan: ')), 'plan line');
      const prompt = screen.find((line) => line.startsWith('Apply ') && line.endsWith('Only "yes" is accepted: yes'));
      expect(planned(prompt, 'prompt')).toEqual(plan);

      const header = screen.findIndex((line) => /^RegionSet \S+ \(.+\) → sandbox .+, 1000x time$/.test(line));
      expect(header, screen.join('\n')).toBeGreaterThan(0);
      const counts = new RegExp(`^${plan.steps}/${plan.steps} steps done · (\\d+) Route 53 change batch(?:es)? of at most ${plan.batches} · (\\d+) AWS write calls? · (\\S+)$`).exec(screen[header + 1]!);
      expect(counts, screen[header + 1]).not.toBeNull();
      const rest = screen.slice(header + 2);
      const rows = rest.slice(0, rest.indexOf(''));
      expect(rows[0]).toMatch(/^global +done +(\d+)\/\1 /);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const row of rows) expect(row).toMatch(/^[a-z0-9-]+ +done +(\d+)\/\1 +[\dms.]+ .*converged$/);

      const final = finalLine(screen.join('\n'));
      expect(final).toMatchObject({ done: plan.steps, total: plan.steps, batches: Number(counts![1]), writes: Number(counts![2]), elapsed: counts![3] });
      expect(final.batches).toBeLessThanOrEqual(plan.batches);
      if (colour.coloured) expect(raw).toMatch(COLOUR);
      else expect(raw).not.toMatch(COLOUR);
    }, RUN_TIMEOUT_MS);
  });
});
