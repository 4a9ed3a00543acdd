// diff and apply over several manifests (issue 14 item 4): files, folders and quoted globs
// like validate; each RegionSet planned on its own and printed under its own header; the
// exit code is the worst of them (1 > 3 > 2 > 0); apply changes nothing anywhere when any
// manifest is invalid or any plan is refused. Other tools' YAML is skipped, saying so.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../controller/clock.js';
import { SandboxCloud, saveSandbox } from '../../controller/providers/sandbox/index.js';
import { createUnownedStack } from '../support/builders.js';
import { exampleWorkspace, runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;
let state: string;
/** Runs in `dir`, so paths print as a user typed them. */
const regionctl = (...args: string[]) => runCliSync([...args, ...sandboxFlags(state)], { cwd: dir });
const DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n';

/** The stacks the sandbox holds, as region/name. */
function stacks(): string[] {
  const saved = JSON.parse(readFileSync(state, 'utf8')) as { stacks: Array<{ region: string; name: string }> };
  return saved.stacks.map((stack) => `${stack.region}/${stack.name}`).sort();
}

beforeAll(async () => {
  ({ dir, state } = exampleWorkspace('regionctl-many-files-'));
  writeFileSync(join(dir, 'manifests/deployment.yaml'), DEPLOYMENT);
  // Another team's stack, named like global-api's, in one of its regions: global-api's plan is refused.
  const cloud = new SandboxCloud({ clock: new ScaledClock(1_000, Date.now()), latencies: 'instant' });
  await createUnownedStack(cloud.providers(), 'eu-west-1', 'global-api');
  await saveSandbox(cloud, state);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diff over several manifests', () => {
  it('plans every RegionSet of a folder under its own header, skips the Deployment saying so, and exits with the worst code', () => {
    const diff = regionctl('diff', 'manifests', '--detailed-exitcode');
    expect(diff.stdout.match(/^RegionSet \S+ \(manifests\/\S+\)$/gm)).toEqual([
      'RegionSet billing-api (manifests/failover.yaml)',
      'RegionSet content-api (manifests/geolocation.yaml)',
      'RegionSet global-api (manifests/global-api.yaml)',
      'RegionSet checkout-api (manifests/weighted.yaml)',
    ]);
    // deploy/ and stacks/ are subfolders: not read.
    expect(diff.stderr).toContain('regionctl diff: manifests/deployment.yaml: not a RegionSet (kind Deployment, apiVersion apps/v1): skipped\n');
    // global-api is refused (3), the others have changes (2): 3 wins.
    expect(diff.code).toBe(3);
    expect(regionctl('diff', 'manifests/weighted.yaml', 'manifests/f*.yaml', '--detailed-exitcode').code).toBe(2);
    expect(regionctl('diff', 'manifests/weighted.yaml', 'manifests/f*.yaml').code).toBe(0);
  });

  it('prints JSON as one entry per file, in the order given, each planned file with its plan', () => {
    const diff = regionctl('diff', 'manifests/weighted.yaml', 'manifests/deployment.yaml', 'manifests/global-api.yaml', '--output', 'json');
    const entries = JSON.parse(diff.stdout) as Array<{ file: string; result: string; regionSet?: string; plan?: { regionSet: string; refusals: Array<{ rule: string }> } }>;
    expect(entries.map(({ file, result, regionSet }) => ({ file, result, regionSet }))).toEqual([
      { file: 'manifests/weighted.yaml', result: 'changes', regionSet: 'checkout-api' },
      { file: 'manifests/deployment.yaml', result: 'skipped', regionSet: undefined },
      { file: 'manifests/global-api.yaml', result: 'refused', regionSet: 'global-api' },
    ]);
    expect(entries[2]!.plan!.refusals.map((refusal) => refusal.rule)).toContain('unowned-resource');
    expect(diff.code).toBe(3);
  });

  it('keeps the single-manifest JSON (the plan object) for one FILE', () => {
    const diff = regionctl('diff', 'manifests/weighted.yaml', '--output', 'json');
    expect(JSON.parse(diff.stdout)).toMatchObject({ regionSet: 'checkout-api', refusals: [] });
  });

  it('refuses a RegionSet name declared in two files, in both, and still plans the others', () => {
    writeFileSync(join(dir, 'copy.yaml'), readFileSync(join(dir, 'manifests/weighted.yaml'), 'utf8'));
    try {
      const diff = regionctl('diff', 'manifests/weighted.yaml', 'copy.yaml', 'manifests/failover.yaml');
      expect(diff.code).toBe(1);
      expect(diff.stderr).toMatch(/^manifests\/weighted\.yaml:\d+:\d+: error\[duplicate-regionset\]: metadata\.name checkout-api is also declared in copy\.yaml;/m);
      expect(diff.stderr).toMatch(/^copy\.yaml:\d+:\d+: error\[duplicate-regionset\]: metadata\.name checkout-api is also declared in manifests\/weighted\.yaml;/m);
      expect(diff.stdout.match(/^RegionSet \S+/gm)).toEqual(['RegionSet billing-api']);
    } finally {
      rmSync(join(dir, 'copy.yaml'));
    }
  });

  it('says so when no argument holds a RegionSet', () => {
    const diff = regionctl('diff', 'manifests/deployment.yaml');
    expect(diff.code).toBe(1);
    expect(diff.stderr).toMatch(/no RegionSet among manifests\/deployment\.yaml; nothing was planned\n$/);
  });
});

describe('apply over several manifests', () => {
  it('changes nothing in any RegionSet when one plan is refused, and says which', () => {
    const apply = regionctl('apply', 'manifests/weighted.yaml', 'manifests/global-api.yaml', '--yes');
    expect(apply.code).toBe(3);
    expect(apply.stdout).toContain('RegionSet checkout-api (manifests/weighted.yaml)');
    expect(apply.stdout).toContain('unowned-resource');
    expect(apply.stderr).toContain('regionctl apply: the plan of global-api was refused by the guardrails above; nothing was changed in any RegionSet.');
    expect(stacks()).toEqual(['eu-west-1/global-api']);
  });

  it('changes nothing when one manifest is invalid', () => {
    writeFileSync(join(dir, 'broken.yaml'), readFileSync(join(dir, 'manifests/failover.yaml'), 'utf8').replace('name: billing-api', 'name: broken').replace('minHealthyRegions: 1', 'minHealthyRegions: 9'));
    try {
      const apply = regionctl('apply', 'manifests/weighted.yaml', 'broken.yaml', '--yes');
      expect(apply.code).toBe(1);
      expect(apply.stderr).toMatch(/^broken\.yaml:\d+:\d+: error\[/m);
      expect(apply.stderr).toContain('regionctl apply: nothing was planned or changed: apply starts only when every manifest given is valid');
      expect(apply.stdout).toBe('');
      expect(stacks()).toEqual(['eu-west-1/global-api']);
    } finally {
      rmSync(join(dir, 'broken.yaml'));
    }
  });

  it('applies every RegionSet after one confirmation, then a diff of them all shows no changes', () => {
    const apply = regionctl('apply', 'manifests/weighted.yaml', 'manifests/failover.yaml', '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout.match(/^Apply complete: /gm)).toHaveLength(2);
    const diff = regionctl('diff', 'manifests/weighted.yaml', 'manifests/failover.yaml', '--detailed-exitcode');
    expect(diff.code).toBe(0);
    expect(diff.stdout.match(/^No changes\.$/gm)).toHaveLength(2);
  }, 120_000);
});
