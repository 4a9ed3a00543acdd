// Issue #11, item 1: an orphaned RegionSet is removed only by an explicit command,
// `regionctl prune-regionset`, through the real CLI and a sandbox state file. It refuses
// while a manifest still declares the name, asks before deleting, and removes only what
// the RegionSet owns (another RegionSet in the same zone and the table replicas stay).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;

function regionctl(...args: string[]) {
  return runCliSync(args, { cwd: dir, input: '', env: { NO_COLOR: '1' } });
}

const SANDBOX = sandboxFlags('sandbox.json');
const prune = (...extra: string[]) => regionctl('prune-regionset', 'global-api', '--zone', 'example.com', '--manifests', 'manifests/*.yaml', ...SANDBOX, ...extra);
const state = () => readFileSync(join(dir, 'sandbox.json'), 'utf8');

function cloud(): SandboxCloud {
  return SandboxCloud.fromJSON(JSON.parse(state()), { clock: new FakeClock() });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-prune-'));
  cpSync('manifests', join(dir, 'manifests'), { recursive: true });
  // weighted.yaml: a second RegionSet in the same zone, which pruning global-api must leave alone.
  expect(regionctl('apply', 'manifests/global-api.yaml', '--yes', ...SANDBOX).code).toBe(0);
  expect(regionctl('apply', 'manifests/weighted.yaml', '--yes', ...SANDBOX).code).toBe(0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('regionctl prune-regionset', () => {
  it('refuses while a manifest still declares the RegionSet, at its metadata.name, and changes nothing', () => {
    const before = state();
    const run = prune('--yes');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('manifests/global-api.yaml:7:9: error[regionset-declared]: RegionSet global-api is declared here, so it is not orphaned; delete or rename this manifest first. Nothing was changed.\n');
    expect(state()).toBe(before);
  });

  it("removes an orphan's records, health checks, stacks and inventory, and leaves the other RegionSet and the replicas", () => {
    rmSync(join(dir, 'manifests/global-api.yaml'));
    const other = (c: SandboxCloud) => JSON.stringify({ records: c.recordsOf('example.com.').filter((r) => !r.name.includes('global-api') && r.name !== 'api.example.com.'), stacks: c.listStacks().filter((s) => s.name !== 'global-api') });
    const otherBefore = other(cloud());
    const replicasBefore = cloud().replicasOf('orders');

    const run = prune('--yes');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('the min-healthy-regions guard is waived for this command only');
    // The same count of steps in the plan line, the progress and the final line.
    const steps = /^Plan: (\d+) steps? /m.exec(run.stdout)?.[1];
    expect(run.stdout).toMatch(new RegExp(`Pruning ${steps} steps \\(at most \\d+ Route 53 change batch(es)?\\) to RegionSet global-api on sandbox`));
    expect(run.stdout).toMatch(new RegExp(`Prune complete: ${steps}/${steps} steps done, 0 failed`));

    const after = cloud();
    expect(after.recordsOf('example.com.').filter((r) => r.name === 'api.example.com.' || r.name.startsWith('_regionctl.global-api.'))).toEqual([]);
    expect(after.listHealthChecks().filter((c) => c.tags['regionctl:regionset'] === 'global-api')).toEqual([]);
    expect(after.listStacks().filter((s) => s.name === 'global-api' && s.status !== 'DELETE_COMPLETE')).toEqual([]);
    expect(other(after)).toBe(otherBefore);
    expect(after.replicasOf('orders')).toEqual(replicasBefore);

    const again = prune('--yes');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing of RegionSet global-api is left in example.com');
  });

  it('asks before deleting: without --yes on a non-interactive terminal it refuses in one line and changes nothing', () => {
    rmSync(join(dir, 'manifests/global-api.yaml'));
    const before = state();
    const run = prune();
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('regionctl prune-regionset: refusing to prune without confirmation on a non-interactive terminal: pass --yes\n');
    expect(state()).toBe(before);
  });

  it('refuses a RegionSet name with a newline or other characters a name cannot hold, in one line', () => {
    const run = regionctl('prune-regionset', 'global-api\nx', '--zone', 'example.com', '--manifests', 'manifests/*.yaml', ...SANDBOX, '--yes');
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^regionctl prune-regionset: "global-api\\nx" is not a RegionSet name/);
    expect(run.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('requires --manifests, so that a RegionSet still declared is never pruned by mistake', () => {
    rmSync(join(dir, 'manifests/global-api.yaml'));
    const before = state();
    const run = regionctl('prune-regionset', 'global-api', '--zone', 'example.com', ...SANDBOX, '--yes');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^regionctl prune-regionset: --manifests is required: .*\n$/);
    expect(state()).toBe(before);
  });
});
