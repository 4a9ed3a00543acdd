// Exit codes a CI can branch on (issue 14): 0 no changes, 2 changes with --detailed-exitcode,
// 3 a plan refused by a guardrail — with the plan and the refusal still printed in every
// output format — and 1 an error. The refusal here is a real one: a stack named like the
// RegionSet's, not tagged with it, already stands in the region being added.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandbox, saveSandbox } from '../../controller/providers/sandbox/persist.js';
import { createUnownedStack } from '../support/builders.js';
import { runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;
let manifest: string;
let state: string;
const regionctl = (...args: string[]) => runCliSync([...args, ...sandboxFlags(state)]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-exit-codes-'));
  cpSync('manifests', join(dir, 'manifests'), { recursive: true });
  manifest = join(dir, 'manifests/global-api.yaml');
  state = join(dir, 'sandbox.json');
  const seed = regionctl('apply', manifest, '--yes');
  if (seed.code !== 0) throw new Error(`setup apply failed: ${seed.stderr}`);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regionctl diff and apply exit codes', () => {
  it('0 when converged, with or without --detailed-exitcode', () => {
    expect(regionctl('diff', manifest).code).toBe(0);
    expect(regionctl('diff', manifest, '--detailed-exitcode').code).toBe(0);
  });

  it('2 for changes only with --detailed-exitcode (0 without)', () => {
    const text = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, text.replace('    us-east-2: {}\n', '    us-east-2: {}\n    sa-east-1: {}\n'));
    try {
      expect(regionctl('diff', manifest).code).toBe(0);
      expect(regionctl('diff', manifest, '--detailed-exitcode').code).toBe(2);
    } finally {
      writeFileSync(manifest, text);
    }
  });

  describe('3 for a plan refused by a guardrail', () => {
    let original: string;
    beforeAll(async () => {
      const cloud = await loadSandbox(state);
      await createUnownedStack(cloud.providers(), 'sa-east-1', 'global-api');
      await saveSandbox(cloud, state);
      original = readFileSync(manifest, 'utf8');
      writeFileSync(manifest, original.replace('    us-east-2: {}\n', '    us-east-2: {}\n    sa-east-1: {}\n'));
    });
    afterAll(() => writeFileSync(manifest, original));

    for (const format of ['text', 'json', 'markdown'] as const) {
      it(`diff --output ${format}: exit 3, the plan and the refusal printed, nothing written`, () => {
        const before = readFileSync(state, 'utf8');
        const diff = regionctl('diff', manifest, '--output', format, '--detailed-exitcode');
        expect(diff.code).toBe(3);
        expect(diff.stdout).toContain('unowned-resource');
        if (format === 'json') {
          const plan = JSON.parse(diff.stdout) as { steps: unknown[]; refusals: Array<{ rule: string; resource: string }> };
          expect(plan.refusals.map((r) => r.rule)).toContain('unowned-resource');
          expect(plan.steps.length).toBeGreaterThan(0);
        } else {
          expect(diff.stdout).toContain('sa-east-1');
        }
        expect(diff.stderr).not.toMatch(/\n\s+at /);
        expect(readFileSync(state, 'utf8')).toBe(before);
      });
    }

    it('apply: exit 3 with the plan shown, the refusal said, and nothing changed', () => {
      const before = readFileSync(state, 'utf8');
      const apply = regionctl('apply', manifest, '--yes');
      expect(apply.code).toBe(3);
      expect(apply.stdout).toContain('unowned-resource');
      expect(apply.stderr).toContain('refused by the guardrails');
      expect(JSON.parse(readFileSync(state, 'utf8')).stacks).toEqual(JSON.parse(before).stacks);
    });
  });

  it('1 for an error: a manifest that does not exist', () => {
    const run = regionctl('diff', join(dir, 'manifests/nope.yaml'));
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
