// Issue #11, item 1, end to end against `regionctl run` as a process (git daemon, signed
// webhooks, sandbox state file): the copy-a-file takeover. A copy of global-api.yaml that
// sorts first and renames one record is committed: it is stalled naming both files, and
// the original RegionSet's records, health checks and stacks stay exactly as they were,
// with no AWS write. Deleting the original later does not hand the RegionSet to the copy.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GitServer } from '../support/git-server.js';
import { controllerEnv, e2eFixtures, expectAccepted, metricSum, readyAt, regionSetManifest, sendGithubPush, STACK_TEMPLATE, waitFor, type ControllerProcess, type ControllerSettings } from '../e2e/support.js';

const SECRET = 'e2e-ownership-secret';
const ORIGINAL = 'global-api.yaml';
const COPY = 'a-copy.yaml';
const WRITES = /^(Create|Delete|Update|Change|Execute|Continue)/;

const fixtures = e2eFixtures();
let git: GitServer;
let controller: ControllerProcess;
let settings: ControllerSettings;

/** Everything the RegionSet owns in the sandbox file: zones (records), health checks, stacks. */
function owned(): string {
  const state = JSON.parse(readFileSync(settings.sandboxFile, 'utf8')) as Record<string, unknown>;
  return JSON.stringify({ zones: state['zones'], healthChecks: state['healthChecks'], stacks: state['stacks'] });
}

async function awsWrites(): Promise<number> {
  const text = await controller.metrics();
  let sum = 0;
  for (const match of text.matchAll(/^regionctl_aws_calls_total\{[^}]*operation="([^"]+)"[^}]*\} (\S+)$/gm)) if (WRITES.test(match[1]!)) sum += Number(match[2]);
  return sum;
}

async function push(revision: string): Promise<void> {
  await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: revision }));
}

beforeAll(async () => {
  ({ git, settings } = await fixtures.workspace({ prefix: 'regionctl-owner-e2e-', secret: SECRET }));
  const first = await git.commit({ [ORIGINAL]: regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']), 'stacks/regional-api.yaml': STACK_TEMPLATE }, 'global-api in three regions');
  controller = await fixtures.start('controller', { ...controllerEnv(settings), REGIONCTL_MANIFESTS: '*.yaml' });
  await readyAt(controller, 'global-api', first, 60_000);
}, 90_000);

describe('the copy-a-file takeover against the running controller', () => {
  it('a copy sorting first with one record renamed is stalled naming both files; the original keeps its records, checks and stacks, zero writes', async () => {
    const before = owned();
    expect(before).toContain('api.example.com.');
    const writesBefore = await awsWrites();
    const copy = regionSetManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']).replace('name: api.example.com.', 'name: www.example.com.');
    const revision = await git.commit({ [COPY]: copy }, 'copy global-api');
    await push(revision);

    const status = await waitFor('the copy stalled at the new revision', 30_000, async () => {
      const current = await controller.status();
      const stalled = current.regionSets[COPY]?.conditions.find((c) => c.type === 'Stalled')?.status === 'True';
      return current.source.observedRevision === revision && stalled && current.regionSets['global-api']?.lastAttemptedRevision === revision ? current : undefined;
    });
    expect(status.regionSets[COPY]!.lastError?.message).toBe(
      `${COPY}:7:9: RegionSet global-api is declared in ${COPY} and in ${ORIGINAL}: ${ORIGINAL} owns it (recorded in its inventory); this file is not reconciled. Give this file another metadata.name, or delete it`,
    );
    expect(status.regionSets['global-api']!.lastOutcome).toBe('converged');
    expect(owned()).toBe(before);
    expect(await awsWrites()).toBe(writesBefore);
    expect(metricSum(await controller.metrics(), 'regionctl_reconcile_total', { regionset: COPY, outcome: 'stalled' })).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('deleting the original afterwards does not hand the RegionSet to the copy: stalled, records, checks and stacks untouched', async () => {
    const before = owned();
    const writesBefore = await awsWrites();
    const revision = await git.remove([ORIGINAL], 'delete the original');
    await push(revision);

    const set = await waitFor('global-api (now only in the copy) stalled at the new revision', 30_000, async () => {
      const current = (await controller.status()).regionSets['global-api'];
      return current?.lastAttemptedRevision === revision && current.conditions.some((c) => c.type === 'Stalled' && c.status === 'True') ? current : undefined;
    });
    expect(set.lastError?.location).toBe(`${COPY}:7:9`);
    expect(set.lastError?.message).toContain(`RegionSet global-api is owned by ${ORIGINAL} (recorded in its inventory), which was deleted; ${COPY} was not renamed from it in the same commit`);
    expect(owned()).toBe(before);
    expect(await awsWrites()).toBe(writesBefore);
  }, 60_000);
});
