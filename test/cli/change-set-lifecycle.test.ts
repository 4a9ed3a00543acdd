// Issue 12 item 3 (and item 12's "even when interrupted") end to end, through the built CLI on
// a sandbox state file whose CloudFormation models the change-set lifecycle as AWS does
// (test/conformance/cases/cloudformation.ts). Each case puts the account into the shape a
// crash, an interrupted diff or a no-op update leaves on AWS, then `regionctl apply`
// converges and the next `diff --detailed-exitcode` exits 0.
import { rmSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../../controller/clock.js';
import { loadManifestFile } from '../../controller/manifest/load.js';
import type { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { CONVERGED, convergedDiff, editManifest, editStateCloud, exampleWorkspace, loadStateCloud, runCliSync, sandboxFlags } from '../support/cli.js';

const JOINING = 'us-west-2';
const dirs: string[] = [];
let manifest: string;
let state: string;

function regionctl(...args: string[]) {
  return runCliSync([...args, ...sandboxFlags(state)]);
}

function addJoiningRegion(): void {
  editManifest(manifest, '    ap-southeast-1: {}\n', `    ap-southeast-1: {}\n    ${JOINING}: {}\n`);
}

function applies(): string {
  const apply = regionctl('apply', manifest, '--yes');
  expect(apply.stderr).toBe('');
  expect(apply.code).toBe(0);
  return apply.stdout;
}

function converged(): void {
  expect(convergedDiff(manifest, state)).toEqual(CONVERGED);
}

/** What CloudFormation holds that no run is about to use: change sets never executed, stacks still in review. */
async function leftovers(): Promise<{ changeSets: string[]; reviewStacks: string[] }> {
  const cloud = await loadStateCloud(state);
  const json = cloud.toJSON();
  return {
    changeSets: (json.changeSets ?? []).filter((cs) => cs.execution !== 'EXECUTED').map((cs) => `${cs.region} ${cs.name}`),
    reviewStacks: cloud.listStacks().filter((s) => s.status === 'REVIEW_IN_PROGRESS').map((s) => s.region),
  };
}

/** The raw CloudFormation view of the joining region's stack (DescribeStacks, as AWS answers it). */
async function rawStack(cloud: SandboxCloud) {
  const out = await cloud.api.cloudFormationApi(JOINING).send('DescribeStacks', { StackName: 'global-api' });
  return out.Stacks?.[0];
}

class Killed extends Error {}

/** What `regionctl diff` plans (planReconcile with change set previews), on the account loaded from the state file. */
async function previewPlan(cloud: SandboxCloud) {
  const loaded = await loadManifestFile(manifest);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return planReconcile(loaded.value, cloud.providers(), { now: cloud.clock.now(), previewStacks: true });
}

/**
 * `regionctl diff` (the same planReconcile with change set previews) killed right after AWS
 * accepted its CreateChangeSet: every later call fails, so nothing is cleaned up. Then ten
 * minutes pass before the next run. (A sandbox diff never saves its state file, so the kill
 * is played in process on the account loaded from the file, which is then saved.)
 */
async function interruptedDiff(): Promise<void> {
  await editStateCloud(state, async (cloud) => {
    let dead = false;
    cloud.onCall = (call) => {
      if (dead) throw new Killed('diff killed');
      if (call.operation === 'DescribeChangeSet') {
        dead = true;
        throw new Killed('diff killed');
      }
    };
    await expect(previewPlan(cloud)).rejects.toThrow('diff killed');
    cloud.onCall = undefined;
    await (cloud.clock as FakeClock).advance(10 * 60_000);
  });
}

beforeEach(() => {
  let dir: string;
  ({ dir, manifest, state } = exampleWorkspace('regionctl-change-sets-'));
  dirs.push(dir);
  applies();
}, 120_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a crash right after CreateChangeSet of a joining region', () => {
  it('leaves an untagged REVIEW_IN_PROGRESS stack that diff shows as ours; apply creates it; the next diff is clean', async () => {
    // ExecuteChangeSet never reaches AWS (request lost, every retry): the apply stops with
    // its CREATE change set made and never executed, as a crash after CreateChangeSet would.
    await editStateCloud(state, (cloud) => void cloud.faults.requestLost('ExecuteChangeSet', { region: JOINING, times: 100 }));
    addJoiningRegion();
    const failed = regionctl('apply', manifest, '--yes');
    expect(failed.code).toBe(1);
    expect(`${failed.stdout}${failed.stderr}`).toMatch(/failed us-west-2:stack\.create: .*ExecuteChangeSet global-api in us-west-2: TimeoutError/);
    await editStateCloud(state, async (cloud) => {
      cloud.faults.clear();
      // cfn.create-changeset-review-in-progress: AWS shows the stack untagged until the change set runs.
      expect(await rawStack(cloud)).toMatchObject({ StackStatus: 'REVIEW_IN_PROGRESS', Tags: [] });
    });
    expect((await leftovers()).changeSets).toEqual([expect.stringMatching(/^us-west-2 regionctl-/)]);

    // Before the fix this stack was "unowned" and blocked the whole plan.
    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stderr).toBe('');
    expect(diff.stdout).not.toMatch(/unowned|not managed by/i);
    expect(diff.stdout.slice(diff.stdout.indexOf('us-west-2 ('))).toMatch(/^ {2}\+ stack global-api {2}template \w+; parameters Stage=prod, TableName=orders\n {6}\+ FunctionRole \(AWS::IAM::Role\)/m);
    expect(diff.code).toBe(2);

    applies();
    expect((await loadStateCloud(state)).peekStack(JOINING, 'global-api')).toMatchObject({ status: 'CREATE_COMPLETE', tags: { 'regionctl:regionset': 'global-api' } });
    // cfn.superseded-changesets: executing the new run's change set took the crashed run's with it.
    expect(await leftovers()).toEqual({ changeSets: [], reviewStacks: [] });
    converged();
  });
});

describe('an interrupted diff', () => {
  it("of a joining region: the next run deletes its preview change set and review-only stack; apply converges", async () => {
    addJoiningRegion();
    await interruptedDiff();
    const left = await leftovers();
    expect(left.changeSets).toEqual([expect.stringMatching(/^us-west-2 regionctl-preview-/)]);
    expect(left.reviewStacks).toEqual([JOINING]);

    // The next diff sees the joining region as ours and previews it.
    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stderr).toBe('');
    expect(diff.stdout).toMatch(/^ {2}\+ stack global-api {2}template/m);
    expect(diff.code).toBe(2);

    // The next run that writes the file (the sandbox's diff does not save it) cleans up first.
    await editStateCloud(state, async (cloud) => void (await previewPlan(cloud)));
    expect(await leftovers()).toEqual({ changeSets: [], reviewStacks: [] });

    applies();
    expect(await leftovers()).toEqual({ changeSets: [], reviewStacks: [] });
    converged();
  });

  it('of an update, reverted before the next run: the next diff deletes the preview change set and says No changes', async () => {
    editManifest(manifest, 'Stage: prod', 'Stage: beta');
    await interruptedDiff();
    expect((await leftovers()).changeSets).toHaveLength(3);
    editManifest(manifest, 'Stage: beta', 'Stage: prod');
    await editStateCloud(state, async (cloud) => expect((await previewPlan(cloud)).plan.steps).toEqual([]));
    expect(await leftovers()).toEqual({ changeSets: [], reviewStacks: [] });
    converged();
  });
});

describe('a no-op update', () => {
  it("turning on termination protection: the change set FAILS with AWS's \"didn't contain changes\", which is no change; apply converges", async () => {
    editManifest(manifest, '    capabilities: [CAPABILITY_IAM]', '    capabilities: [CAPABILITY_IAM]\n    terminationProtection: true');
    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(2);
    expect(diff.stdout).toMatch(/termination protection/i);
    // The preview's change set FAILED "didn't contain changes" (cfn.changeset-no-changes): no resource line, no error.
    expect(diff.stdout).not.toMatch(/FAILED|didn't contain changes|\(AWS::/);

    const stdout = applies();
    expect(stdout).toMatch(/no changes to perform/);
    const cloud = await loadStateCloud(state);
    for (const region of ['eu-west-1', 'us-east-2', 'ap-southeast-1']) {
      expect(cloud.peekStack(region, 'global-api')).toMatchObject({ status: 'CREATE_COMPLETE', terminationProtection: true });
    }
    expect(await leftovers()).toEqual({ changeSets: [], reviewStacks: [] });
    converged();
  });
});

describe('ExecuteChangeSet refused or lost', () => {
  it('a change set still CREATE_PENDING is waited for, a lost answer of ExecuteChangeSet finds it executed: one create, converged', async () => {
    // Change sets stay CREATE_PENDING for two minutes (cfn.execute-before-available), and the
    // first ExecuteChangeSet of the joining region takes effect but its answer is lost.
    await editStateCloud(state, (cloud) => void cloud.faults.answerLost('ExecuteChangeSet', { region: JOINING }), { latencies: { changeSetCreate: 120_000 } });
    addJoiningRegion();
    applies();
    const cloud = await loadStateCloud(state);
    expect(cloud.peekStack(JOINING, 'global-api')).toMatchObject({ status: 'CREATE_COMPLETE' });
    const executed = (cloud.toJSON().changeSets ?? []).filter((cs) => cs.region === JOINING);
    expect(executed.map((cs) => cs.execution)).toEqual(['EXECUTED']);
    expect(await leftovers()).toEqual({ changeSets: [], reviewStacks: [] });
    converged();
  });
});
