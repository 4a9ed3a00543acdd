// The one-line workflow a user runs, through the real CLI process and a sandbox state
// file: apply the example, add a region, drain it. Every command is a separate process,
// as in CI, so the state file is what carries the cloud between them.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliWorkspace } from '../support/cli.js';

const { manifest, state, regionctl, cloud: sandbox } = cliWorkspace('regionctl-flow-');

function setRegionLine(from: RegExp, to: string) {
  const text = readFileSync(manifest, 'utf8');
  expect(text).toMatch(from);
  writeFileSync(manifest, text.replace(from, to));
}


describe('regionctl apply/diff on a sandbox state file', () => {
  it('converges the three-region example, then reports no changes', () => {
    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/Apply complete/);

    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/^No changes\.$/m);

    const cloud = sandbox();
    expect(cloud.listStacks().map((s) => `${s.region} ${s.status}`).sort()).toEqual([
      'ap-southeast-1 CREATE_COMPLETE',
      'eu-west-1 CREATE_COMPLETE',
      'us-east-2 CREATE_COMPLETE',
    ]);
    expect(cloud.replicasOf('orders').map((r) => r.region).sort()).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);
    const serving = cloud.recordsOf('example.com.').filter((r) => r.name === 'api.example.com.');
    expect(serving.map((r) => r.region).sort()).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);
    expect(cloud.listHealthChecks()).toHaveLength(3);
  });

  it('shows the ordered plan for one added region line and exits 2, then converges it', () => {
    setRegionLine(/    ap-southeast-1: \{\}\n/, '    ap-southeast-1: {}\n    sa-east-1: {}\n');

    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(2);
    const lines = diff.stdout.split('\n');
    // A missing line must fail the order checks below, not pass them as index -1.
    const at = (pattern: RegExp) => {
      const index = lines.findIndex((line) => pattern.test(line));
      expect(index, `no line matches ${pattern} in the diff:\n${diff.stdout}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    expect(at(/sa-east-1/)).toBeGreaterThanOrEqual(0);
    // Stack and replica before the health check, the health check before the record.
    expect(at(/\+ stack/)).toBeLessThan(at(/\+ health check/));
    expect(at(/\+ replica orders/)).toBeLessThan(at(/\+ health check/));
    expect(at(/\+ health check/)).toBeLessThan(at(/\+ record api\.example\.com\./));
    // Only the new region has work; the serving ones are untouched.
    expect(diff.stdout).not.toMatch(/^(eu-west-1|us-east-2|ap-southeast-1) \(/m);

    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.code).toBe(0);
    expect(regionctl('diff', manifest, '--detailed-exitcode').code).toBe(0);
    expect(sandbox().recordsOf('example.com.').some((r) => r.region === 'sa-east-1')).toBe(true);
  });

  it('drains a region with one changed line: record and health check go, stack and replica stay', () => {
    const checksBefore = sandbox().listHealthChecks().length;
    setRegionLine(/    sa-east-1: \{\}\n/, '    sa-east-1: { state: drained }\n');

    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);

    const cloud = sandbox();
    expect(cloud.recordsOf('example.com.').some((r) => r.region === 'sa-east-1')).toBe(false);
    expect(cloud.listHealthChecks()).toHaveLength(checksBefore - 1);
    expect(cloud.peekStack('sa-east-1', 'global-api')?.status).toBe('CREATE_COMPLETE');
    expect(cloud.replicasOf('orders').map((r) => r.region)).toContain('sa-east-1');
    expect(regionctl('diff', manifest, '--detailed-exitcode').stdout).toMatch(/^No changes\.$/m);
  });

  it('refuses to apply without --yes when nobody can answer, changing nothing', () => {
    setRegionLine(/    sa-east-1: \{ state: drained \}\n/, '    sa-east-1: {}\n');
    const before = readFileSync(state, 'utf8');
    const apply = regionctl('apply', manifest);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/pass --yes/);
    expect(JSON.parse(readFileSync(state, 'utf8')).stacks).toEqual(JSON.parse(before).stacks);
  });
});
