// regionctl status against a running controller (in this process, on the sandbox): the table
// a person reads, the JSON document, one RegionSet by name, the colour rules and the errors.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startReceiver } from '../support/receiver.js';
import { runtimeHarness, sandboxWorld, useWeightedRouting } from '../runtime/helpers.js';

const harness = runtimeHarness();
const ANSI = /\x1b\[[0-9;]*m/;

async function controller() {
  useWeightedRouting(harness.repo);
  const { cloud } = sandboxWorld();
  const started = await harness.start(harness.config(), { sandboxCloud: cloud });
  await started.runtime.controller.idle();
  return started;
}

describe('regionctl status', () => {
  it('prints the RegionSet line and a row per region with traffic, weight and health; json prints the document', async () => {
    const { url, json } = await controller();
    const status = await json('/status');
    const applied = status.regionSets['global-api'].lastAppliedRevision as string;

    const text = await runCli(['status', '--controller', url], { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(ANSI);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^source \S+ \(main\) at \S+, synced \d+s ago; mode apply$/);
    expect(lines).toContain('REGIONSET   APPLIED       CONDITIONS  SUSPENDED  LAST PLAN');
    expect(lines.find((line) => line.startsWith('global-api  '))).toMatch(new RegExp(`^global-api  ${applied.slice(0, 12)} +Ready +no +\\d+ steps, 0 refused, \\d+s ago$`));
    const rows = lines.filter((line) => /^  (eu-west-1|us-east-2|ap-southeast-1) /.test(line)).map((line) => line.trim().split(/\s{2,}/));
    expect(rows.map((row) => row.slice(0, 4))).toEqual([
      ['ap-southeast-1', 'active', 'serving', '50'],
      ['eu-west-1', 'active', 'serving', '200'],
      ['us-east-2', 'active', 'serving', '100'],
    ]);
    for (const row of rows) expect(row[4]).toMatch(/^healthy \(\d+s ago\)$/);

    const document = await runCli(['status', '--controller', url, '--output', 'json']);
    expect(JSON.parse(document.stdout)).toEqual(await json('/status'));
    const one = await runCli(['status', 'global-api', '--controller', url, '-o', 'json']);
    expect(Object.keys(JSON.parse(one.stdout).regionSets)).toEqual(['global-api']);
  });

  it('colours only when asked: FORCE_COLOR in a pipe, never with NO_COLOR or --no-color', async () => {
    const { url } = await controller();
    const forced = await runCli(['status', '--controller', url], { env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
    expect(forced.stdout).toMatch(ANSI);
    expect(forced.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/^ {2}eu-west-1 +active +serving +200 +healthy/m);
    expect((await runCli(['status', '--controller', url, '--no-color'], { env: { FORCE_COLOR: '1' } })).stdout).not.toMatch(ANSI);
    expect((await runCli(['status', '--controller', url], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toMatch(ANSI);
  });

  it('names what is wrong: an unknown RegionSet, a bad --output, an unreachable controller', async () => {
    const { url } = await controller();
    const unknown = await runCli(['status', 'nope', '--controller', url]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe(`regionctl status: no RegionSet nope at ${url} (it has global-api)\n`);
    expect((await runCli(['status', '--controller', url, '--output', 'yaml'])).stderr).toContain('--output must be one of text, json (got "yaml")');
    // Another HTTP server answering 200 {} at /status.
    const other = await startReceiver();
    const notController = await runCli(['status', '--controller', other.url]);
    await other.close();
    expect(notController.stderr).toBe(`regionctl status: ${new URL(other.url).origin}/status is not the status of a regionctl controller: is --controller the address of "regionctl run"?\n`);
    const unreachable = await runCli(['status', '--controller', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the controller at http://127.0.0.1:9');
  });
});
