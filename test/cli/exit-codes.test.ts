// Exit codes a CI can branch on (issue 14): 0 no changes, 2 changes with --detailed-exitcode,
// 3 a plan refused by a guardrail — with the plan and the refusal still printed in every
// output format —, 3 also for an apply inside a closed sync window, and 1 an error. The
// refusal here is a real one: a stack named like the RegionSet's, not tagged with it,
// already stands in the region being added.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnownedStack, cliWorkspace } from '../support/cli.js';

const { dir, manifest, state, regionctl, cloud } = cliWorkspace('regionctl-exit-codes-', { converge: true });

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
      await addUnownedStack(state, 'sa-east-1');
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

  describe('3 inside a closed sync window', () => {
    let original: string;
    // A deny window that started at the last whole minute (UTC) and lasts 2h: closed now, opening at a known time.
    const start = Math.floor(Date.now() / 60_000) * 60_000;
    const opensAt = new Date(start + 2 * 3_600_000).toISOString();
    beforeAll(() => {
      original = readFileSync(manifest, 'utf8');
      const at = new Date(start);
      const window = `  syncWindows:\n    - { kind: deny, schedule: "${at.getUTCMinutes()} ${at.getUTCHours()} * * *", duration: 2h, timeZone: UTC, description: release freeze }\n  regions:\n`;
      writeFileSync(manifest, original.replace('  regions:\n', window).replace('    us-east-2: {}\n', '    us-east-2: {}\n    eu-central-1: {}\n'));
    });
    afterAll(() => writeFileSync(manifest, original));

    it('diff notes the window; apply exits 3 naming it and when it opens, changing nothing; --ignore-sync-windows applies and says so', () => {
      const diff = regionctl('diff', manifest, '--detailed-exitcode');
      expect(diff.code).toBe(2);
      expect(diff.stdout).toContain(`sync window closed: deny window 'release freeze' until ${opensAt}`);

      const refused = regionctl('apply', manifest, '--yes');
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain(`regionctl apply: RegionSet global-api: deny window 'release freeze' until ${opensAt}; nothing was changed. Apply once it opens, or pass --ignore-sync-windows`);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      expect(cloud().peekStack('eu-central-1', 'global-api')).toBeUndefined();

      const forced = regionctl('apply', manifest, '--yes', '--ignore-sync-windows');
      expect(forced.code).toBe(0);
      expect(forced.stderr).toContain(`RegionSet global-api: deny window 'release freeze' until ${opensAt}; applying anyway (--ignore-sync-windows).`);
      expect(cloud().peekStack('eu-central-1', 'global-api')?.status).toBe('CREATE_COMPLETE');
      expect(regionctl('diff', manifest, '--detailed-exitcode').code).toBe(0);
    });
  });

  it('1 for an error: a manifest that does not exist', () => {
    const run = regionctl('diff', join(dir, 'manifests/nope.yaml'));
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
