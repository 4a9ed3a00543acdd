// regionctl suspend / resume / history / status against a running `regionctl run --sandbox`
// (a separate process; the control state in the file next to the sandbox state): a suspend
// survives a restart, a commit waits until the resume, and history and status show all of it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startGitDaemon, type GitServer } from '../support/git-server.js';
import { controllerEnv, regionSetManifest, sandboxCensus, STACK_TEMPLATE, startController, waitFor, type ControllerProcess } from './support.js';

const SET = 'global-api';
const TOKEN = 'e2e-control-token-9a7c3e';
const processes: ControllerProcess[] = [];
const servers: GitServer[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await Promise.all(servers.map((s) => s.dispose()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('regionctl suspend, resume, history and status against a running controller', () => {
  it('suspend holds across a restart, resume applies the waiting commit, history lists both and the applies, status shows where it stands', async () => {
    const git = await startGitDaemon();
    servers.push(git);
    const dir = mkdtempSync(join(tmpdir(), 'regionctl-e2e-control-'));
    dirs.push(dir);
    await git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2']), 'stacks/regional-api.yaml': STACK_TEMPLATE }, 'two regions');
    const env = { ...controllerEnv({ gitUrl: git.url, branch: git.branch, workDir: join(dir, 'work'), sandboxFile: join(dir, 'sandbox.json'), sandboxSpeed: 1000, webhookSecret: 'unused-secret' }), REGIONCTL_TRIGGER_TOKEN: TOKEN };
    const start = async (name: string) => {
      const controller = await startController(name, env);
      processes.push(controller);
      return controller;
    };
    const outcome = (controller: ControllerProcess, wanted: string) =>
      waitFor(`${controller.name}: ${SET} ${wanted}`, 30_000, async () => ((await controller.status()).regionSets[SET]?.lastOutcome === wanted ? true : undefined));
    const cli = (args: string[]) => runCli([...args, '--controller', first.url], { env: { REGIONCTL_TRIGGER_TOKEN: TOKEN }, timeoutMs: 20_000 });

    let first = await start('first');
    await outcome(first, 'applied');

    const noReason = await cli(['suspend', SET]);
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('--reason TEXT is required');
    const suspended = await cli(['suspend', SET, '--reason', 'INC-12 hold deploys', '--by', 'alice']);
    expect(suspended).toMatchObject({ code: 0, stdout: `${SET} suspended by alice: INC-12 hold deploys\n` });

    const added = await git.commit({ 'regions.yaml': regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']) }, 'add ap-southeast-1');
    await first.kill('SIGTERM');
    first = await start('restarted');
    await outcome(first, 'suspended');
    const status = (await first.status()).regionSets[SET] as { suspended?: boolean; suspension?: { reason: string; by: string } };
    expect(status).toMatchObject({ suspended: true, suspension: { reason: 'INC-12 hold deploys', by: 'alice' } });
    expect(sandboxCensus(join(dir, 'sandbox.json')).stacks).toEqual(['eu-west-1/global-api', 'us-east-2/global-api']);
    const held = await cli(['status', SET]);
    expect(held.code).toBe(0);
    // The restarted process has not reconciled the suspended RegionSet: nothing known yet but the suspension.
    expect(held.stdout).toMatch(new RegExp(`^${SET} +- +Ready unknown +yes +-$`, 'm'));
    expect(held.stdout).toMatch(/^ {2}suspended by alice \d+s ago: INC-12 hold deploys$/m);

    expect((await cli(['resume', SET, '--by', 'bob'])).code).toBe(0);
    await outcome(first, 'applied');
    expect(sandboxCensus(join(dir, 'sandbox.json')).stacks).toContain('ap-southeast-1/global-api');

    const text = await cli(['history', SET]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[1])).toEqual(['applied', 'suspend', 'resume', 'applied']);
    expect(lines[1]).toContain('by alice: INC-12 hold deploys');
    expect(lines[3]).toContain('(resume by bob)');
    const table = await cli(['status']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${SET} +${added.slice(0, 12)} +Ready +no +\\d+ steps, 0 refused, \\d+s ago$`, 'm'));
    // Latency routing: no weight; health as the apply's health waits saw it.
    const regions = table.stdout.split('\n').filter((line) => /^ {2}[a-z]{2}-[a-z]+-\d /.test(line)).map((line) => line.trim().split(/\s{2,}/));
    expect(regions.map((row) => row.slice(0, 4))).toEqual([
      ['ap-southeast-1', 'active', 'serving', '-'],
      ['eu-west-1', 'active', 'serving', '-'],
      ['us-east-2', 'active', 'serving', '-'],
    ]);
    for (const row of regions) expect(row[4]).toMatch(/^healthy \(\d+[smh] ago\)$/);
    const document = JSON.parse((await cli(['status', SET, '--output', 'json'])).stdout) as { regionSets: Record<string, { lastAppliedRevision: string; regions: Record<string, { traffic: string }> }> };
    expect(document.regionSets[SET]!.lastAppliedRevision).toBe(added);
    expect(Object.values(document.regionSets[SET]!.regions).map((region) => region.traffic)).toEqual(['serving', 'serving', 'serving']);

    const json = await cli(['history', SET, '--output', 'json']);
    const entries = JSON.parse(json.stdout) as Array<{ kind: string; steps?: Array<{ region?: string; outcome: string }> }>;
    expect(entries.at(-1)?.steps?.filter((step) => step.region === 'ap-southeast-1').every((step) => step.outcome === 'done')).toBe(true);

    const unreachable = await runCli(['history', SET, '--controller', 'http://127.0.0.1:9'], { timeoutMs: 20_000 });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the controller at http://127.0.0.1:9');
  }, 120_000);
});
