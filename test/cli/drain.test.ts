// regionctl drain REGION --now (commands/drain.ts) against a controller running in this
// process (sandbox), from a git checkout of the manifests: the drain goes through, the
// one-line change is a branch (or a patch) with exactly one changed line and the checkout
// untouched, merging that branch ends the override; a guardrail refusal exits 3, a bad token
// or no --now drains nothing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxControlStore } from '../../controller/providers/sandbox/control.js';
import { runCli } from '../support/cli.js';
import { gitSync } from '../support/git-server.js';
import { MANIFEST, latencyRegions, runtimeHarness, sandboxWorld } from '../runtime/helpers.js';

const TOKEN = 'drain-cli-token-8e2d5a90';
const SET = 'global-api';
const harness = runtimeHarness();


/** The harness repository as a git checkout with one commit, and a controller following it. */
async function setUp() {
  const dir = harness.repo.dir;
  gitSync(['init', '-q', '-b', 'main'], dir);
  gitSync(['add', '.'], dir);
  gitSync(['commit', '-q', '-m', 'three regions'], dir);
  const { cloud } = sandboxWorld();
  const head = () => gitSync(['rev-parse', 'HEAD'], dir).trim();
  const started = await harness.start(harness.config({ triggerToken: TOKEN }), {
    sandboxCloud: cloud,
    control: new SandboxControlStore(),
    source: { sync: async () => ({ revision: head(), dir }) },
  });
  await started.runtime.controller.idle();
  const drain = (args: string[], env: Record<string, string | undefined> = { REGIONCTL_TRIGGER_TOKEN: TOKEN }) =>
    runCli(['drain', ...args, '--regionset', SET, '--controller', started.url, '--by', 'alice'], { cwd: dir, env, timeoutMs: 20_000 });
  return { dir, cloud, head, started, drain };
}

/** Changed lines of a unified diff (no file headers). */
const changedLines = (diff: string) => diff.split('\n').filter((line) => /^[-+]/.test(line) && !/^(---|\+\+\+) /.test(line));

describe('regionctl drain REGION --now', () => {
  it('drains through the controller, commits the one-line change on a branch; merging it ends the override; a second drain below the minimum exits 3', async () => {
    const { dir, cloud, head, started, drain } = await setUp();
    const before = head();

    const run = await drain(['eu-west-1', '--now', '--reason', 'INC-9: 5xx from eu-west-1', '--for', '2h']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await started.runtime.controller.idle();
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'us-east-2']);
    const branch = /^Branch (regionctl\/drain-eu-west-1-\d{8}T\d{6}Z) has the one-line change/m.exec(run.stdout)?.[1];
    expect(branch, run.stdout).toBeDefined();
    expect(run.stdout).toContain(`Next: git push -u origin ${branch}`);
    expect(run.stdout).toContain(`${MANIFEST}:29: + eu-west-1: { state: drained }`);

    // Exactly one changed line, on top of HEAD; the checkout is untouched.
    const diff = gitSync(['diff', `HEAD..${branch}`], dir);
    expect(changedLines(diff)).toEqual(['-    eu-west-1: {}', '+    eu-west-1: { state: drained }']);
    expect(gitSync(['rev-parse', `${branch}^`], dir).trim()).toBe(before);
    expect(gitSync(['log', '-1', '--format=%B', branch!], dir)).toContain('INC-9: 5xx from eu-west-1');
    expect(head()).toBe(before);
    expect(gitSync(['status', '--porcelain'], dir)).toBe('');

    // A second drain would leave one serving region: refused by the guardrail, exit 3, nothing changed.
    const refused = await drain(['us-east-2', '--now', '--reason', 'INC-9 too']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('min-healthy-regions');
    expect(refused.stderr).toContain('nothing changed');
    expect(gitSync(['branch', '--list', 'regionctl/drain-us-east-2-*'], dir)).toBe('');
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'us-east-2']);

    // The pull request merges: the controller sees the manifest caught up and ends the override.
    gitSync(['merge', '-q', '--ff-only', branch!], dir);
    await started.http('/trigger', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    await started.runtime.controller.idle();
    const status = (await started.json('/status')).regionSets[SET];
    expect(status).toMatchObject({ overrides: { drains: {}, lastEnded: { region: 'eu-west-1', why: 'merged' } }, regions: { 'eu-west-1': { desiredState: 'drained' } } });
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'us-east-2']);
  });

  it('--patch writes the change as a patch with one changed line; a bad token or no --now drains nothing', async () => {
    const { dir, cloud, drain } = await setUp();
    const patch = join(dir, 'drain.patch');

    const noNow = await drain(['eu-west-1', '--reason', 'x']);
    expect(noNow.code).toBe(1);
    expect(noNow.stderr).toContain('without --now nothing is drained. The normal path is a pull request: "regionctl drain-region FILE eu-west-1"');
    const noToken = await drain(['eu-west-1', '--now', '--reason', 'x'], { REGIONCTL_TRIGGER_TOKEN: undefined });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('REGIONCTL_TRIGGER_TOKEN is not set');
    const badToken = await drain(['eu-west-1', '--now', '--reason', 'x', '--patch', patch], { REGIONCTL_TRIGGER_TOKEN: 'not-the-token-00000000' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('answered 401: authorization invalid');
    expect(existsSync(patch)).toBe(false);
    expect(latencyRegions(cloud)).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);

    const run = await drain(['eu-west-1', '--now', '--reason', 'INC-10', '--patch', patch]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Wrote the one-line change to ${patch}.`);
    const text = readFileSync(patch, 'utf8');
    expect(changedLines(text.slice(text.indexOf('\ndiff --git'), text.lastIndexOf('\n-- \n')))).toEqual(['-    eu-west-1: {}', '+    eu-west-1: { state: drained }']);
    expect(gitSync(['branch', '--list', 'regionctl/*'], dir)).toBe('');
    // The patch applies to the checkout as it is.
    expect(gitSync(['apply', '--check', patch], dir)).toBe('');
  });
});
