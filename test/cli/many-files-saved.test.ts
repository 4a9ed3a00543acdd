// Several manifests with saved plans and JSON lines (issue 14 items 3 and 4 together):
// `diff A B --out plan.json` saves every RegionSet's plan in one file; `apply plan.json`
// checks them all before changing anything — one stale or refused RegionSet refuses the
// whole file (exit 3, nothing changed, each named) — then applies them one after another.
// `apply --output json` of several RegionSets: every line names its RegionSet, one summary
// per RegionSet. Every command is its own process in the workspace, as in CI.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../controller/clock.js';
import { SandboxCloud, saveSandbox } from '../../controller/providers/sandbox/index.js';
import { addUnownedStack, exampleWorkspace, runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;
let state: string;
/** Runs in `dir`, so paths print (and are saved) as a user typed them. */
const regionctl = (...args: string[]) => runCliSync([...args, ...sandboxFlags(state)], { cwd: dir });
const TWO = ['manifests/weighted.yaml', 'manifests/failover.yaml'];
type Line = Record<string, unknown>;
const jsonLines = (stdout: string) => stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Line);

interface SavedPlan {
  format_version: string;
  target: unknown;
  plans: Array<{ region_set: string; manifest: { file: string }; plan: { steps: unknown[] } }>;
}
const readPlan = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as SavedPlan;

/** Replaces `from` by `to` in a manifest of the workspace; returns the undo. */
function edit(file: string, from: string, to: string): () => void {
  const path = join(dir, file);
  const original = readFileSync(path, 'utf8');
  expect(original).toContain(from);
  writeFileSync(path, original.replace(from, to));
  return () => writeFileSync(path, original);
}

beforeAll(async () => {
  ({ dir, state } = exampleWorkspace('regionctl-many-saved-'));
  // checkout-api's (weighted.yaml) stack in us-east-1 fails to create, once.
  const cloud = new SandboxCloud({ clock: new ScaledClock(1_000, Date.now()), latencies: 'instant' });
  cloud.faults.fail('StackCreate', { region: 'us-east-1' });
  await saveSandbox(cloud, state);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('apply --output json of several manifests', () => {
  it('plan lines first, then per RegionSet its events and summary, each line naming its RegionSet; one not started after a failure gets a "not-started" summary', () => {
    const apply = regionctl('apply', ...TWO, '--yes', '--output', 'json');
    expect(apply.code).toBe(1);
    const lines = jsonLines(apply.stdout);
    for (const line of lines) expect(line['regionSet'], JSON.stringify(line)).toMatch(/^(checkout-api|billing-api)$/);
    expect(lines.slice(0, 2).map((line) => [line['type'], line['regionSet']])).toEqual([
      ['plan', 'checkout-api'],
      ['plan', 'billing-api'],
    ]);
    const billingSteps = (lines[1]!['steps'] as unknown[]).length;
    expect(billingSteps).toBeGreaterThan(0);
    expect(lines.filter((line) => line['type'] === 'failed').map((line) => [line['regionSet'], line['region']])).toContainEqual(['checkout-api', 'us-east-1']);
    // billing-api never started: no event of it, only its summary.
    expect(lines.slice(2).filter((line) => line['regionSet'] === 'billing-api').map((line) => line['type'])).toEqual(['summary']);
    expect(lines.filter((line) => line['type'] === 'summary')).toEqual([
      expect.objectContaining({ regionSet: 'checkout-api', outcome: 'failed' }),
      expect.objectContaining({ regionSet: 'billing-api', outcome: 'not-started', done: 0, notStarted: billingSteps }),
    ]);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', regionSet: 'billing-api' });
    expect(apply.stderr).toContain('regionctl apply: not started after that failure: billing-api.');
  }, 120_000);
});

describe('diff --out of several manifests, then apply PLANFILE', () => {
  it('saves every RegionSet in one file; apply refuses the whole file (3, nothing changed) when one RegionSet moved since', () => {
    const diff = regionctl('diff', ...TWO, '--out', 'two.json');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('Saved the plans of 2 RegionSets (checkout-api, billing-api) to two.json (apply them with: regionctl apply two.json).');
    const saved = readPlan('two.json');
    expect(saved.format_version).toBe('1.0');
    expect(saved.target).toEqual({ kind: 'sandbox', state_file: state });
    expect(saved.plans.map((entry) => [entry.region_set, entry.manifest.file])).toEqual([
      ['checkout-api', 'manifests/weighted.yaml'],
      ['billing-api', 'manifests/failover.yaml'],
    ]);
    for (const entry of saved.plans) expect(entry.plan.steps.length, entry.region_set).toBeGreaterThan(0);

    // Someone applies checkout-api alone in between: its saved plan is stale.
    expect(regionctl('apply', 'manifests/weighted.yaml', '--yes').code).toBe(0);
    const before = readFileSync(state, 'utf8');
    const apply = regionctl('apply', 'two.json');
    expect(apply.code).toBe(3);
    expect(apply.stderr).toContain('regionctl apply: two.json: RegionSet checkout-api: live state changed since the plan was saved; run diff --out again; nothing was changed in any RegionSet.');
    expect(apply.stderr).toContain('stack checkout-api in us-east-1 ROLLBACK_COMPLETE → CREATE_COMPLETE');
    // billing-api's records share the zone: its fingerprint names checkout-api's new record too.
    expect(apply.stdout).toBe('');
    expect(readFileSync(state, 'utf8')).toBe(before);
  }, 120_000);

  it('refuses the whole file when the second manifest changed, naming it, before the first RegionSet is touched; a plan file is applied on its own', () => {
    const restoreWeights = edit('manifests/weighted.yaml', 'us-east-1: { weight: 200 }', 'us-east-1: { weight: 180 }');
    try {
      expect(regionctl('diff', ...TWO, '--out', 'two.json').code).toBe(0);
      expect(readPlan('two.json').plans[0]!.plan.steps.length).toBeGreaterThan(0);
      const before = readFileSync(state, 'utf8');
      const restoreFailover = edit('manifests/failover.yaml', '  rollout:\n', '  # edited after the plan was saved\n  rollout:\n');
      try {
        const apply = regionctl('apply', 'two.json');
        expect(apply.code).toBe(3);
        expect(apply.stderr).toContain('two.json: RegionSet billing-api: the manifest changed since the plan was saved: manifests/failover.yaml; run diff --out again');
        expect(apply.stderr).not.toContain('checkout-api');
        expect(readFileSync(state, 'utf8')).toBe(before);
      } finally {
        restoreFailover();
      }
    } finally {
      restoreWeights();
    }
    const before = readFileSync(state, 'utf8');
    const mixed = regionctl('apply', 'two.json', 'manifests/geolocation.yaml', '--yes');
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('two.json is a saved plan: apply it on its own');
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('applies every saved plan one after another (JSON lines per RegionSet), after which a diff of both has no changes', () => {
    const restore = edit('manifests/weighted.yaml', 'us-east-1: { weight: 200 }', 'us-east-1: { weight: 150 }');
    try {
      expect(regionctl('diff', ...TWO, '--out', 'two.json').code).toBe(0);
      const apply = regionctl('apply', 'two.json', '--output', 'json');
      expect(apply.stderr).toBe('');
      expect(apply.code).toBe(0);
      const lines = jsonLines(apply.stdout);
      expect(lines.slice(0, 2).map((line) => [line['type'], line['regionSet']])).toEqual([
        ['plan', 'checkout-api'],
        ['plan', 'billing-api'],
      ]);
      // One RegionSet after another: every line of checkout-api before the first of billing-api.
      const order = lines.slice(2).map((line) => line['regionSet']);
      expect(order.lastIndexOf('checkout-api')).toBeLessThan(order.indexOf('billing-api'));
      const saved = readPlan('two.json');
      expect(lines.filter((line) => line['type'] === 'summary')).toEqual(
        saved.plans.map((entry) => expect.objectContaining({ regionSet: entry.region_set, outcome: 'complete', done: entry.plan.steps.length, failed: 0 })),
      );
      const diff = regionctl('diff', ...TWO, '--detailed-exitcode');
      expect(diff.code).toBe(0);
      expect(diff.stdout.match(/^No changes\.$/gm)).toHaveLength(2);
    } finally {
      restore();
    }
  }, 120_000);

  it('saves a refused RegionSet with the others (diff exits 3), and apply refuses the file naming it', async () => {
    await addUnownedStack(state, 'eu-west-1');
    const diff = regionctl('diff', 'manifests/geolocation.yaml', 'manifests/global-api.yaml', '--out', 'refused.json');
    expect(diff.code).toBe(3);
    expect(diff.stdout).toContain('refused plans cannot be applied: global-api');
    expect(readPlan('refused.json').plans.map((entry) => entry.region_set)).toEqual(['content-api', 'global-api']);
    const before = readFileSync(state, 'utf8');
    const apply = regionctl('apply', 'refused.json');
    expect(apply.code).toBe(3);
    expect(apply.stderr).toMatch(/refused\.json: RegionSet global-api: the plan was refused by guardrails when it was saved \(unowned-resource/);
    expect(apply.stderr).not.toContain('content-api');
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('saves nothing when one manifest given is invalid, and says so', () => {
    writeFileSync(join(dir, 'broken.yaml'), readFileSync(join(dir, 'manifests/failover.yaml'), 'utf8').replace('name: billing-api', 'name: broken').replace('minHealthyRegions: 1', 'minHealthyRegions: 9'));
    try {
      const diff = regionctl('diff', 'manifests/weighted.yaml', 'broken.yaml', '--out', 'partial.json');
      expect(diff.code).toBe(1);
      expect(diff.stderr).toContain('regionctl diff: the plan was not saved to partial.json: not every manifest given could be planned');
      expect(existsSync(join(dir, 'partial.json'))).toBe(false);
    } finally {
      rmSync(join(dir, 'broken.yaml'));
    }
  });
});
