// Issue 12 item 9 end to end, through the built CLI on a sandbox state file: a stack that an
// update left UPDATE_ROLLBACK_FAILED, and one that a delete left DELETE_FAILED, each reached
// with the sandbox's fault injection. `regionctl diff` shows the recovery AWS allows (continue
// the rollback, then the update, previewed after the rollback; delete retaining the resources
// that failed, which stay in the account); `regionctl apply` converges; the next
// `diff --detailed-exitcode` exits 0.
import { rmSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CONVERGED, convergedDiff, editManifest, editStateCloud, exampleWorkspace, loadStateCloud, runCliSync, sandboxFlags } from '../support/cli.js';

const dirs: string[] = [];
let manifest: string;
let state: string;

function regionctl(...args: string[]) {
  return runCliSync([...args, ...sandboxFlags(state)]);
}

function converged(): void {
  expect(convergedDiff(manifest, state)).toEqual(CONVERGED);
}

beforeEach(() => {
  let dir: string;
  ({ dir, manifest, state } = exampleWorkspace('regionctl-stack-recovery-'));
  dirs.push(dir);
  const apply = regionctl('apply', manifest, '--yes');
  expect(apply.stderr).toBe('');
  expect(apply.code).toBe(0);
}, 120_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a stack left UPDATE_ROLLBACK_FAILED', () => {
  it('diff plans the continued rollback and the update (previewed after the rollback); apply converges; the next diff is clean', async () => {
    // eu-west-1's update fails, and so does its rollback.
    await editStateCloud(state, (cloud) => {
      cloud.faults.fail('StackUpdate', { region: 'eu-west-1' });
      cloud.faults.fail('StackUpdateRollback', { region: 'eu-west-1' });
    });
    editManifest(manifest, 'Stage: prod', 'Stage: beta');
    const failed = regionctl('apply', manifest, '--yes');
    expect(failed.code).toBe(1);
    expect(`${failed.stdout}${failed.stderr}`).toMatch(/UPDATE_ROLLBACK_FAILED/);
    expect((await loadStateCloud(state)).peekStack('eu-west-1', 'global-api')?.status).toBe('UPDATE_ROLLBACK_FAILED');

    // Today's failure: AWS refuses the change set of the preview, so diff stopped with an error.
    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(2);
    const region = diff.stdout.slice(diff.stdout.indexOf('eu-west-1 ('));
    expect(region).toMatch(/~ stack global-api {2}continue the failed rollback \(UPDATE_ROLLBACK_FAILED → UPDATE_ROLLBACK_COMPLETE\), skipping \w+ \(could not roll back\)\n/);
    expect(region).toMatch(/~ stack global-api {2}Stage: prod → beta\n {6}resource-level preview after the rollback completes/);

    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect((await loadStateCloud(state)).peekStack('eu-west-1', 'global-api')).toMatchObject({ status: 'UPDATE_COMPLETE', parameters: { Stage: 'beta' } });
    converged();
  });
});

describe('a stack left DELETE_FAILED', () => {
  it('diff plans the delete retaining the resource that failed and says it stays in the account; apply converges; the next diff is clean', async () => {
    // ap-southeast-1 leaves the manifest; its stack's delete fails on one resource.
    await editStateCloud(state, (cloud) => void cloud.faults.fail('DeleteStack', { region: 'ap-southeast-1' }));
    editManifest(manifest, '    ap-southeast-1: {}\n', '');
    const failed = regionctl('apply', manifest, '--yes');
    expect(failed.code).toBe(1);
    expect((await loadStateCloud(state)).peekStack('ap-southeast-1', 'global-api')?.status).toBe('DELETE_FAILED');

    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(2);
    const retained = /- stack global-api {2}DELETE_FAILED: delete retaining (\w+) \(left in the account\)\n/.exec(diff.stdout)?.[1];
    expect(retained).toBeDefined();
    expect(diff.stdout).toContain(`stack global-api in ap-southeast-1 is DELETE_FAILED: deleting it retains ${retained} (CloudFormation could not delete it). Retained resources stay in the account`);

    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect((await loadStateCloud(state)).peekStack('ap-southeast-1', 'global-api')).toBeUndefined();
    converged();
  });
});
