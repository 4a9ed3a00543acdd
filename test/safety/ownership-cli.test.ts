// Issue #11, item 1 through the real CLI: `validate` over several files refuses a
// metadata.name declared twice; `apply` records the manifest's path in the git work tree
// as the RegionSet's owner, and `diff` of a renamed file shows the inventory moving.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { parseInventoryOwner } from '../../controller/plan/identity.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;

function regionctl(...args: string[]) {
  return runCliSync(args, { cwd: dir, env: { NO_COLOR: '1' } });
}

function sandboxOwner(): string | undefined {
  const cloud = SandboxCloud.fromJSON(JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')), { clock: new FakeClock() });
  const record = cloud.recordsOf('example.com.').find((r) => r.name === '_regionctl.global-api.example.com.');
  return record ? parseInventoryOwner(record)?.file : undefined;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-owner-'));
  cpSync('manifests', join(dir, 'manifests'), { recursive: true });
  spawnSync('git', ['init', '-q', dir]);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const copy = () => readFileSync(join(dir, 'manifests/global-api.yaml'), 'utf8').replace('name: api.example.com.', 'name: www.example.com.');

describe('ownership through the CLI', () => {
  it('validate refuses two files declaring the same metadata.name, each at its name naming the other (exit 1)', () => {
    writeFileSync(join(dir, 'manifests/a-copy.yaml'), copy());
    const run = regionctl('validate', 'manifests/a-copy.yaml', 'manifests/global-api.yaml');
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^manifests\/a-copy\.yaml:7:9: error\[duplicate-regionset\]: metadata\.name global-api is also declared in manifests\/global-api\.yaml; .*Give each RegionSet its own name, or delete the copy$/),
      expect.stringMatching(/^manifests\/global-api\.yaml:7:9: error\[duplicate-regionset\]: metadata\.name global-api is also declared in manifests\/a-copy\.yaml; /),
    ]);
    expect(run.stderr).toBe('regionctl validate: 2 of 2 files invalid (2 errors)\n');
  });

  it("validate over a glob finds the duplicate among many files and leaves the other RegionSets valid", () => {
    writeFileSync(join(dir, 'manifests/a-copy.yaml'), copy());
    const run = regionctl('validate', 'manifests/*.yaml');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('manifests/weighted.yaml: ok');
    expect(run.stdout.match(/duplicate-regionset/g)).toHaveLength(2);
  });

  it("validate does not count another tool's manifest with the same metadata.name as a duplicate", () => {
    writeFileSync(join(dir, 'manifests/kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: global-api\nresources: []\n');
    const run = regionctl('validate', 'manifests/global-api.yaml', 'manifests/kustomization.yaml');
    expect(run.stdout).not.toContain('duplicate-regionset');
    expect(run.stdout).toContain('manifests/global-api.yaml: ok');
  });

  it('validate of one file named twice (a.yaml and ./a.yaml) is not a duplicate', () => {
    const run = regionctl('validate', 'manifests/global-api.yaml', './manifests/global-api.yaml');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('duplicate-regionset');
  });

  it('apply records the manifest path in the git work tree; diff of a renamed file shows only the inventory moving, no refusal', () => {
    const apply = regionctl('apply', 'manifests/global-api.yaml', '--yes', ...sandboxFlags('sandbox.json'));
    expect(apply.code).toBe(0);
    expect(sandboxOwner()).toBe('manifests/global-api.yaml');

    writeFileSync(join(dir, 'manifests/api.yaml'), readFileSync(join(dir, 'manifests/global-api.yaml')));
    const diff = regionctl('diff', 'manifests/api.yaml', '--sandbox', 'sandbox.json', '--output', 'json', '--detailed-exitcode');
    expect(diff.code).toBe(2);
    const plan = JSON.parse(diff.stdout) as { steps: Array<{ id: string; after?: unknown }>; refusals: unknown[] };
    expect(plan.refusals).toEqual([]);
    expect(plan.steps.map((s) => [s.id, s.after])).toEqual([['inventory.update:owner', { file: 'manifests/api.yaml' }]]);
    const text = regionctl('diff', 'manifests/api.yaml', '--sandbox', 'sandbox.json');
    expect(text.stdout).toContain('~ inventory _regionctl.global-api.example.com. TXT  file manifests/global-api.yaml → manifests/api.yaml');
  });
});
