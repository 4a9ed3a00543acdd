// Saved plans as a Terraform user expects them (issue 14 item 3): `diff --out plan.json` saves
// the plan, `apply plan.json` carries out exactly those steps — or refuses, changing nothing
// and naming what moved, when the live state or the manifest changed since. `apply --output
// json` streams one JSON object per line. Every command is its own process, against one
// sandbox state file, as in CI.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandbox, saveSandbox } from '../../controller/providers/sandbox/persist.js';
import { manifestText, SECRET, TEMPLATE } from '../safety/noecho-fixtures.js';
import { addUnownedStack, cliWorkspace, runCliSync, sandboxFlags } from '../support/cli.js';

const { dir, manifest, state, regionctl } = cliWorkspace('regionctl-saved-plan-', { converge: true });

interface SavedPlan {
  format_version: string;
  target: { kind: string; state_file?: string };
  plans: Array<{
    region_set: string;
    manifest: { file: string; digest: string };
    live_state: { fingerprint: string };
    plan: { steps: Array<{ id: string }>; refusals: Array<{ rule: string }> };
  }>;
}

const readPlan = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as SavedPlan;
const stepIds = (file: string) => readPlan(file).plans[0]!.plan.steps.map((step) => step.id);

function editManifest(from: string, to: string): () => void {
  const original = readFileSync(manifest, 'utf8');
  expect(original).toContain(from);
  writeFileSync(manifest, original.replace(from, to));
  return () => writeFileSync(manifest, original);
}

describe('diff --out, then apply plan.json', () => {
  it('round trip: the saved steps are applied (streamed as JSON lines), and the next diff has no changes', () => {
    editManifest('    us-east-2: {}\n', '    us-east-2: {}\n    sa-east-1: {}\n');
    const planFile = join(dir, 'join.json');
    const diff = regionctl('diff', manifest, '--out', planFile);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('+ stack');
    expect(diff.stdout).toContain(`Saved the plan to ${planFile}`);
    expect(statSync(planFile).mode & 0o777).toBe(0o600);
    const saved = readPlan(planFile);
    expect(saved.format_version).toBe('1.0');
    expect(saved.target).toEqual({ kind: 'sandbox', state_file: state });
    expect(saved.plans[0]!.region_set).toBe('global-api');
    expect(saved.plans[0]!.live_state.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The plan inside is the one diff --output json prints.
    const json = JSON.parse(regionctl('diff', manifest, '--output', 'json').stdout) as { steps: Array<{ id: string }> };
    expect(stepIds(planFile)).toEqual(json.steps.map((step) => step.id));

    const apply = regionctl('apply', planFile, '--output', 'json');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    const lines = apply.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const [first, last] = [lines[0]!, lines.at(-1)!];
    expect(first['type']).toBe('plan');
    expect((first['steps'] as Array<{ id: string }>).map((step) => step.id)).toEqual(stepIds(planFile));
    const events = lines.slice(1, -1);
    const finished = events.filter((e) => e['type'] === 'succeeded').map((e) => e['stepId']);
    expect(new Set(finished)).toEqual(new Set(stepIds(planFile)));
    expect(finished).toHaveLength(stepIds(planFile).length);
    for (const id of stepIds(planFile)) {
      const types = events.filter((e) => e['stepId'] === id).map((e) => e['type']);
      expect(types, id).toEqual([expect.stringMatching(/^(started|waiting)$/), 'succeeded']);
    }
    for (const event of events.filter((e) => e['stepId'] !== undefined)) {
      expect(event).toMatchObject({ action: expect.any(String), resource: expect.any(String), time: expect.any(String), elapsedMs: expect.any(Number) });
    }
    expect(last).toMatchObject({ type: 'summary', outcome: 'complete', done: stepIds(planFile).length, failed: 0, skipped: 0 });

    expect(regionctl('diff', manifest, '--detailed-exitcode').code).toBe(0);
  });

  describe('a plan saved to remove sa-east-1', () => {
    let planFile: string;
    let restoreManifest: () => void;
    beforeAll(() => {
      restoreManifest = editManifest('    sa-east-1: {}\n', '');
      planFile = join(dir, 'leave.json');
      expect(regionctl('diff', manifest, '--out', planFile).code).toBe(0);
    });
    afterAll(() => restoreManifest());

    it('is refused after a live change, naming what moved; nothing is changed', async () => {
      const untouched = readFileSync(state, 'utf8');
      const cloud = await loadSandbox(state);
      await cloud.providers().stacks.delete('us-east-2', 'global-api', 'someone-else-deletes');
      await saveSandbox(cloud, state);
      const moved = readFileSync(state, 'utf8');
      try {
        // Speed 1: the deletion started behind regionctl's back is still in progress when read.
        const apply = runCliSync(['apply', planFile, ...sandboxFlags(state, 1)]);
        expect(apply.code).toBe(3);
        expect(apply.stderr).toContain(`${planFile}: live state changed since the plan was saved; run diff --out again; nothing was changed.`);
        expect(apply.stderr).toContain('stack global-api in us-east-2 CREATE_COMPLETE → DELETE_IN_PROGRESS');
        expect(apply.stderr).not.toMatch(/\n\s+at /);
        expect(readFileSync(state, 'utf8')).toBe(moved);
      } finally {
        writeFileSync(state, untouched);
      }
    });

    it('is refused after an edit of the manifest or of its template, naming the file', () => {
      const before = readFileSync(state, 'utf8');
      const restore = editManifest('  rollout:\n', '  # reviewed after the plan was saved\n  rollout:\n');
      try {
        const apply = regionctl('apply', planFile);
        expect(apply.code).toBe(3);
        expect(apply.stderr).toContain(`the manifest changed since the plan was saved: ${manifest}; run diff --out again`);
      } finally {
        restore();
      }
      const template = join(dir, 'manifests/stacks/regional-api.yaml');
      const original = readFileSync(template, 'utf8');
      writeFileSync(template, `${original}# edited\n`);
      try {
        const apply = regionctl('apply', planFile);
        expect(apply.code).toBe(3);
        expect(apply.stderr).toContain(`the manifest changed since the plan was saved: ${template}`);
      } finally {
        writeFileSync(template, original);
      }
      expect(readFileSync(state, 'utf8')).toBe(before);
    });

    it('is refused for another target and in an unknown format_version', () => {
      const elsewhere = runCliSync(['apply', planFile, '--sandbox', join(dir, 'other.json')]);
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toContain(`the plan was saved for the sandbox ${state}, not the sandbox ${join(dir, 'other.json')}: apply it with --sandbox ${state}`);
      const aws = runCliSync(['apply', planFile], { env: { AWS_ACCESS_KEY_ID: undefined, AWS_PROFILE: undefined } });
      expect(aws.code).toBe(1);
      expect(aws.stderr).toContain(`the plan was saved for the sandbox ${state}, not AWS`);

      const newer = join(dir, 'newer.json');
      writeFileSync(newer, readFileSync(planFile, 'utf8').replace('"format_version": "1.0"', '"format_version": "2.0"'));
      const apply = regionctl('apply', newer);
      expect(apply.code).toBe(1);
      expect(apply.stderr).toContain('is a saved plan of format_version "2.0", which this regionctl');
      expect(apply.stderr).toContain('cannot read (it reads 1.0)');
      expect(apply.stderr).not.toMatch(/\n\s+at /);
    });

    it('still applies once the edits are undone: the refusals changed nothing', () => {
      const apply = regionctl('apply', planFile);
      expect(apply.stderr).toBe('');
      expect(apply.code).toBe(0);
      expect(apply.stdout).toContain(`Applying the plan saved in ${planFile}`);
      expect(regionctl('diff', manifest, '--detailed-exitcode').code).toBe(0);
      // Applied once, the plan is stale: the live state moved (by the plan itself).
      const again = regionctl('apply', planFile);
      expect(again.code).toBe(3);
      expect(again.stderr).toContain('stack global-api in sa-east-1 is gone');
    });
  });

  it('a refused plan is saved (diff exits 3) but apply refuses it with 3', async () => {
    await addUnownedStack(state, 'ca-central-1');
    const restore = editManifest('    us-east-2: {}\n', '    us-east-2: {}\n    ca-central-1: {}\n');
    try {
      const planFile = join(dir, 'refused.json');
      const diff = regionctl('diff', manifest, '--out', planFile);
      expect(diff.code).toBe(3);
      expect(readPlan(planFile).plans[0]!.plan.refusals.map((r) => r.rule)).toContain('unowned-resource');
      const before = readFileSync(state, 'utf8');
      const apply = regionctl('apply', planFile);
      expect(apply.code).toBe(3);
      expect(apply.stderr).toContain('the plan was refused by guardrails when it was saved (unowned-resource');
      expect(readFileSync(state, 'utf8')).toBe(before);
    } finally {
      restore();
    }
  });

  it('apply --output json: a failed step is a "failed" line with its error, its dependants "skipped", the summary "failed", exit 1', async () => {
    const cloud = await loadSandbox(state);
    cloud.faults.fail('StackUpdate', { region: 'eu-west-1' });
    await saveSandbox(cloud, state);
    const restore = editManifest('Stage: prod', 'Stage: beta');
    try {
      const apply = regionctl('apply', manifest, '--yes', '--output', 'json');
      expect(apply.code).toBe(1);
      const lines = apply.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      const failed = lines.filter((line) => line['type'] === 'failed');
      expect(failed).toEqual([expect.objectContaining({ stepId: 'eu-west-1:stack.update', region: 'eu-west-1', error: expect.any(String) })]);
      const skipped = lines.filter((line) => line['type'] === 'skipped');
      expect(lines.at(-1)).toMatchObject({ type: 'summary', outcome: 'failed', failed: 1, skipped: skipped.length });
      expect(apply.stderr).toContain('failed eu-west-1:stack.update');
    } finally {
      restore();
    }
  });

  it('diff --out into a directory that does not exist: one line, before anything is planned', () => {
    const missing = join(dir, 'no-such-dir', 'plan.json');
    const diff = regionctl('diff', manifest, '--out', missing);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toBe('');
    expect(diff.stderr).toBe(`regionctl diff: cannot write the plan to ${missing}: its directory ${join(dir, 'no-such-dir')} does not exist; choose another --out path\n`);
  });

  it('apply --output json of a manifest needs --yes: the question cannot share stdout', () => {
    const apply = regionctl('apply', manifest, '--output', 'json');
    expect(apply.code).toBe(1);
    expect(apply.stdout).toBe('');
    expect(apply.stderr).toContain('--output json needs --yes');
  });
});

describe('a saved plan of a manifest in a git repository, with a NoEcho value', () => {
  it('records the commit, masks the value in the file; apply takes it from the manifest again, and refuses once the digest key changed', () => {
    const secretDir = join(dir, 'repo');
    mkdirSync(join(secretDir, 'stacks'), { recursive: true });
    writeFileSync(join(secretDir, 'stacks/api.yaml'), TEMPLATE);
    const secretManifest = join(secretDir, 'regions.yaml');
    writeFileSync(secretManifest, manifestText());
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: secretDir, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'manifest');
    // Outside the work tree, which stays clean.
    const secretState = join(dir, 'secret-sandbox.json');
    const planFile = join(dir, 'secret-plan.json');

    const diff = runCliSync(['diff', secretManifest, '--out', planFile, ...sandboxFlags(secretState)]);
    expect(diff.code).toBe(0);
    const text = readFileSync(planFile, 'utf8');
    expect(JSON.parse(text).plans[0].manifest.git).toEqual({ commit: git('rev-parse', 'HEAD'), dirty: false });
    expect(text).toContain('"DbPassword": "****"');
    expect(text).not.toContain(SECRET);

    const apply = runCliSync(['apply', planFile, ...sandboxFlags(secretState)]);
    expect(apply.code).toBe(0);
    expect(`${apply.stdout}${apply.stderr}`).not.toContain(SECRET);
    const cloud = JSON.parse(readFileSync(secretState, 'utf8')) as { stacks: Array<{ region: string; current: { parameters: Record<string, string> } }> };
    expect(cloud.stacks.map((stack) => stack.current.parameters['DbPassword'])).toEqual([SECRET, SECRET]);

    // Same manifest, same live state, yet the plan computed now would differ: the digest key
    // of NoEcho values was set after the (empty) plan was saved.
    const quiet = join(dir, 'secret-quiet.json');
    expect(runCliSync(['diff', secretManifest, '--out', quiet, ...sandboxFlags(secretState)]).code).toBe(0);
    const before = readFileSync(secretState, 'utf8');
    const keyed = runCliSync(['apply', quiet, ...sandboxFlags(secretState)], { env: { REGIONCTL_PARAMETER_DIGEST_KEY: 'set-after-the-diff' } });
    expect(keyed.code).toBe(3);
    expect(keyed.stderr).toMatch(/planned again from the same manifest and live state, step \S+:stack\.update would now be added \(did REGIONCTL_PARAMETER_DIGEST_KEY/);
    expect(readFileSync(secretState, 'utf8')).toBe(before);
  });
});
