// Bad input through a running controller: one `regionctl run` process on 127.0.0.1 (git
// daemon repository, sandbox cloud in a state file) that has converged a valid three-region
// RegionSet, then (a) the invalid-manifest corpus, a YAML alias bomb and a deeply nested
// document pushed as commits with a signed webhook each, and (b) a few hundred hostile
// webhook requests generated with fast-check. Nothing may write to the cloud, crash the
// process, hang a request or answer 5xx. Deadlines are hang guards, not measurements.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitServer } from '../support/git-server.js';
import { controllerEnv, e2eFixtures, expectAccepted, readyAt as readyAtOf, regionSetManifest, sandboxCensus, sendGithubPush, STACK_TEMPLATE, waitFor, type ControllerProcess, type ControllerSettings, type ControllerStatusView } from '../e2e/support.js';
import { sendRaw } from './raw-http.js';
import { hostileRequest, type HostileRequest } from './webhook-requests.js';

const SECRET = 'badinput-webhook-secret-5d1e';
const SET = 'global-api';
const MANIFEST = 'manifests/global-api.yaml';
const CORPUS = join(process.cwd(), 'test/fixtures/invalid');
const REQUEST_BOUND_MS = 15_000;
const WEBHOOK_RUNS = 200;

const fixtures = e2eFixtures();
let git: GitServer;
let controller: ControllerProcess;
let settings: ControllerSettings;
let appliedRevision: string;
const tally = { manifests: 0, requests: 0, writes: 0, crashes: 0, hangs: 0, fiveHundreds: 0, statuses: new Map<string, number>() };

/** The valid RegionSet; its template lives at the repository root so a fixture's `stacks/…` path stays missing. */
function validManifest(regions: string[]): string {
  return regionSetManifest(regions).replace('template: stacks/regional-api.yaml', 'template: ../stacks/regional-api.yaml');
}

beforeAll(async () => {
  ({ git, settings } = await fixtures.workspace({ prefix: 'regionctl-badinput-', secret: SECRET }));
  appliedRevision = await git.commit(
    {
      [MANIFEST]: validManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']),
      'stacks/regional-api.yaml': STACK_TEMPLATE,
      // The corpus names ../stacks/minimal.yaml: present, so each fixture fails for its own reason only.
      'stacks/minimal.yaml': readFileSync(join(process.cwd(), 'test/fixtures/stacks/minimal.yaml'), 'utf8'),
    },
    'three regions',
  );
  controller = await fixtures.start('badinput', { ...controllerEnv(settings), REGIONCTL_MANIFESTS: 'manifests/*.yaml' });
  await readyAt(appliedRevision);
}, 120_000);

afterAll(async () => {
  const inputs = tally.manifests + tally.requests;
  const statuses = [...tally.statuses].sort(([a], [b]) => a.localeCompare(b)).map(([status, count]) => `${status}×${count}`).join(' ');
  console.log(
    `bad input: ${inputs} inputs (${tally.manifests} manifest commits, ${tally.requests} webhook requests), ${tally.writes} writes, ${tally.crashes} crashes, ${tally.hangs} hangs, ${tally.fiveHundreds} 5xx; webhook answers: ${statuses}`,
  );
});

function conditionOf(set: ControllerStatusView['regionSets'][string] | undefined, type: string): string | undefined {
  return set?.conditions.find((c) => c.type === type)?.status;
}

async function readyAt(revision: string, timeoutMs = 30_000): Promise<ControllerStatusView> {
  return readyAtOf(controller, SET, revision, timeoutMs);
}

/** AWS calls so far from /metrics: anything but Describe/List/Get is a write. */
async function awsCalls(): Promise<{ reads: number; writes: number }> {
  const counts = { reads: 0, writes: 0 };
  for (const line of (await controller.metrics()).split('\n')) {
    const match = /^regionctl_aws_calls_total\{([^}]*)\}\s+(\S+)/.exec(line);
    const operation = match && /operation="([^"]*)"/.exec(match[1]!)?.[1];
    if (!match || !operation) continue;
    if (/^(Describe|List|Get)/.test(operation)) counts.reads += Number(match[2]);
    else counts.writes += Number(match[2]);
  }
  return counts;
}

/** What a write would change: stacks, records and health checks as saved in the sandbox file. */
function cloudState(): string {
  const raw = sandboxCensus(settings.sandboxFile).raw as { stacks: unknown; zones: unknown; healthChecks: unknown };
  return JSON.stringify({ stacks: raw.stacks, zones: raw.zones, healthChecks: raw.healthChecks });
}

async function healthy(): Promise<boolean> {
  if (controller.exited()) return false;
  const response = await fetch(`${controller.url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  return response?.status === 200;
}

/** Every fixture's first reported position, "line:col" (the corpus lists them in .expected). */
function expectedPositions(name: string): Set<string> {
  const expected = readFileSync(join(CORPUS, `${name}.expected`), 'utf8');
  return new Set([...expected.matchAll(/\.yaml:(\d+:\d+): /g)].map((m) => m[1]!));
}

/** The whole corpus (60 fixtures, a third of a second each). */
function corpus(): string[] {
  return readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
}

/** Billion laughs inside an otherwise valid RegionSet (stack parameters expand to 10^9 strings). */
function aliasBombManifest(): string {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  return validManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']).replace(/parameters: \{[^}]*\}/, `parameters:\n      ${levels.join('\n      ')}`);
}

/** A RegionSet whose stack parameters hold a value nested 100,000 flow sequences deep (200 KB). */
function deeplyNestedManifest(): string {
  const depth = 100_000;
  return validManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']).replace(/parameters: \{[^}]*\}/, `parameters: { Stage: ${'['.repeat(depth)}${']'.repeat(depth)} }`);
}

describe('invalid manifests pushed as commits', () => {
  const cases: Array<[string, () => string, Set<string> | undefined]> = [
    ...corpus().map((name): [string, () => string, Set<string>] => [`corpus ${name}`, () => readFileSync(join(CORPUS, `${name}.yaml`), 'utf8'), expectedPositions(name)]),
    ['a billion-laughs alias bomb in the stack parameters', aliasBombManifest, undefined],
    ['a value nested 100,000 flow sequences deep', deeplyNestedManifest, undefined],
  ];

  it(`stall with file:line:col, write nothing and keep the process up, for ${cases.length} documents; then a valid commit applies`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(22);
    const failures: string[] = [];
    for (const [label, text, positions] of cases) {
      const cloudBefore = cloudState();
      const callsBefore = await awsCalls();
      const revision = await git.commit({ [MANIFEST]: text() }, label);
      await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: revision }));
      tally.manifests++;

      // The reconcile of this revision has finished: whichever RegionSet the file now names (a
      // broken file may name none, then it is keyed by its path).
      const set = await waitFor(`${label}: a finished reconcile of ${MANIFEST} at ${revision.slice(0, 8)}`, 30_000, async () => {
        const status = await controller.status();
        const entry = Object.values(status.regionSets).find((s) => (s as { file?: string }).file === MANIFEST && s.lastAttemptedRevision === revision);
        return entry && conditionOf(entry, 'Reconciling') !== 'True' ? entry : undefined;
      }).catch((error: Error) => {
        failures.push(`${label}: ${error.message}`);
        return undefined;
      });
      const calls = await awsCalls();
      tally.writes += calls.writes - callsBefore.writes;
      if (!(await healthy())) tally.crashes++;
      expect(await healthy(), `${label}: /healthz`).toBe(true);
      expect(calls.writes - callsBefore.writes, `${label}: AWS write calls`).toBe(0);
      expect(cloudState(), `${label}: sandbox stacks, records and health checks`).toBe(cloudBefore);
      if (!set) continue;
      if (conditionOf(set, 'Stalled') !== 'True') failures.push(`${label}: Stalled is ${conditionOf(set, 'Stalled')}, outcome ${set.lastOutcome}`);
      const location = set.lastError?.location ?? '';
      if (!/^manifests\/global-api\.yaml:\d+:\d+$/.test(location)) failures.push(`${label}: location ${JSON.stringify(location)} (${set.lastError?.message})`);
      else if (positions && !positions.has(location.slice(`${MANIFEST}:`.length))) failures.push(`${label}: reported at ${location}, the corpus expects one of ${[...positions].join(', ')}`);
    }
    expect(failures).toEqual([]);

    // The fix: a valid commit with a fourth region applies as usual.
    appliedRevision = await git.commit({ [MANIFEST]: validManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1', 'eu-central-1']) }, 'valid again, add eu-central-1');
    await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: appliedRevision }));
    const status = await readyAt(appliedRevision);
    expect(conditionOf(status.regionSets[SET], 'Stalled')).toBe('False');
    expect(sandboxCensus(settings.sandboxFile).stacks).toEqual(['ap-southeast-1/global-api', 'eu-central-1/global-api', 'eu-west-1/global-api', 'us-east-2/global-api']);
  }, 240_000);
});

describe('hostile webhook requests', () => {
  it(`${WEBHOOK_RUNS} generated requests: none is accepted, writes, crashes the process, hangs or gets a 5xx`, async () => {
    // A commit the controller has not seen: a request wrongly taken for a push would sync and apply it.
    const pending = await git.commit({ [MANIFEST]: validManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1', 'eu-central-1', 'us-west-2']) }, 'add us-west-2 (never announced)');
    const cloudBefore = cloudState();
    const callsBefore = await awsCalls();
    const observedBefore = (await controller.status()).source.observedRevision;
    expect(observedBefore).toBe(appliedRevision);

    await fc.assert(
      fc.asyncProperty(hostileRequest({ secret: SECRET, branch: git.branch, after: pending }), async (hostile: HostileRequest) => {
        const result = await sendRaw(controller.port, hostile.request, REQUEST_BOUND_MS);
        tally.requests++;
        const answer = result.status !== undefined ? String(result.status) : result.timedOut ? 'timeout' : 'closed';
        tally.statuses.set(`${hostile.kind} ${answer}`, (tally.statuses.get(`${hostile.kind} ${answer}`) ?? 0) + 1);
        const what = `${hostile.kind}: ${hostile.describe} → ${answer} ${result.answer.split('\r\n\r\n')[1]?.slice(0, 200) ?? ''}`;
        if (result.timedOut) tally.hangs++;
        if (result.status !== undefined && result.status >= 500) tally.fiveHundreds++;
        const up = await healthy();
        if (!up) tally.crashes++;
        expect(result.timedOut, `${what}: neither answered nor closed within ${REQUEST_BOUND_MS} ms`).toBe(false);
        expect(result.status ?? 0, what).toBeLessThan(500);
        expect(result.answer, what).not.toMatch(/"accepted": true/);
        expect(up, `${what}: /healthz after the request`).toBe(true);
      }),
      { numRuns: WEBHOOK_RUNS },
    );

    // A wrongly accepted request would have synced the pending commit by now; give it time to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const calls = await awsCalls();
    tally.writes += calls.writes - callsBefore.writes;
    expect(calls.writes - callsBefore.writes).toBe(0);
    expect(cloudState()).toBe(cloudBefore);
    expect((await controller.status()).source.observedRevision).toBe(observedBefore);
    // A 500 written to a socket the client already closed is still a 5xx: the server logs those as errors.
    const errors = controller.logs().filter((line) => line['level'] === 'error' || line['level'] === 'fatal');
    expect(errors.map((line) => `${String(line['msg'])}: ${(line['err'] as { message?: string } | undefined)?.message ?? ''}`)).toEqual([]);

    // The control: the same commit announced properly is applied, so the requests above had something to write.
    await expectAccepted(await sendGithubPush(controller, { secret: SECRET, branch: git.branch, after: pending }));
    await readyAt(pending);
    expect(sandboxCensus(settings.sandboxFile).stacks).toContain('us-west-2/global-api');
  }, 300_000);
});
