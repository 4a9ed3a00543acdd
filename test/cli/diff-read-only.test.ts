// `regionctl diff --read-only` on the sandbox, through the built CLI: an existing stack whose
// parameters change shows the template-level change (the parameter, before → after) and is
// marked as not previewed, in text and JSON; the default diff shows the resource-level
// preview instead. (The zero-write-call proof against moto is test/aws/diff-read-only.moto.test.ts.)
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleWorkspace, runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;
let manifest: string;
let state: string;

function regionctl(...args: string[]) {
  return runCliSync([...args, ...sandboxFlags(state)]);
}

beforeAll(() => {
  ({ dir, manifest, state } = exampleWorkspace('regionctl-read-only-'));
  const apply = regionctl('apply', manifest, '--yes');
  expect(apply.stderr).toBe('');
  expect(apply.code).toBe(0);
  const text = readFileSync(manifest, 'utf8');
  expect(text).toContain('Stage: prod');
  writeFileSync(manifest, text.replace('Stage: prod', 'Stage: beta'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regionctl diff --read-only (sandbox)', () => {
  it('shows the parameter change of each stack and marks the resource-level preview as skipped', () => {
    const diff = regionctl('diff', manifest, '--read-only', '--detailed-exitcode');
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(2);
    const stackLines = diff.stdout.split('\n').filter((line) => line.includes('~ stack global-api'));
    expect(stackLines).toHaveLength(3);
    for (const line of stackLines) expect(line).toMatch(/Stage.*prod.*beta.*; resource changes not previewed \(--read-only\)$/);
    expect(diff.stdout).toMatch(/diff --read-only created no CloudFormation change set/);
  });

  it('says the same in JSON', () => {
    const diff = regionctl('diff', manifest, '--read-only', '--output', 'json');
    expect(diff.code).toBe(0);
    const plan = JSON.parse(diff.stdout) as { steps: Array<{ action: string; after?: { resourcePreview?: string; parameters?: Record<string, string> } }> };
    const updates = plan.steps.filter((step) => step.action === 'stack.update');
    expect(updates).toHaveLength(3);
    for (const step of updates) {
      expect(step.after?.resourcePreview).toBe('skipped');
      expect(step.after?.parameters?.['Stage']).toBe('beta');
    }
  });

  it('the default diff previews instead: no skipped mark', () => {
    const diff = regionctl('diff', manifest);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/~ stack global-api/);
    expect(diff.stdout).not.toMatch(/not previewed/);
  });
});
