// Issue #11, item 4, in the controller: replicas (or a replica and a CLI apply) sharing one
// sandbox state file must not overwrite each other. Each reconcile takes the file's lock
// and loads the file under it; a reconcile that starts while another replica writes waits.
// Before, each replica saved its own loaded copy after every write, and the last to save
// erased the other's stacks, records and health checks from the file.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockStateFile } from '../../controller/providers/sandbox/index.js';
import { AlwaysLeader } from '../../controller/runtime/leases.js';
import { silentLogger } from '../../controller/runtime/logger.js';
import { reconcileRegionSet } from '../../controller/runtime/reconciler.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import { MANIFEST, manifestRepo } from '../runtime/helpers.js';
import { regionSetCensus } from '../support/cli.js';

const REGIONS = ['ap-southeast-1', 'eu-west-1', 'us-east-2'];
let repo: ReturnType<typeof manifestRepo>;
let state: string;

beforeEach(() => {
  repo = manifestRepo();
  state = join(repo.dir, 'sandbox.json');
  const example = readFileSync(join(repo.dir, MANIFEST), 'utf8');
  for (const name of ['alpha', 'beta']) {
    repo.write(
      `manifests/${name}.yaml`,
      example.replaceAll('name: global-api', `name: ${name}`).replaceAll('api.example.com.', `${name}.example.com.`).replaceAll('orders', `orders-${name}`),
    );
  }
});
afterEach(() => repo.remove());

/** One controller replica's view of the file (its own SandboxTargets), 100,000x time unless told. */
function replica(notices: string[] = [], onWrite?: () => void, speed = 100_000) {
  return new SandboxTargets({
    path: state,
    speed,
    onLockNotice: (message) => notices.push(message),
    onCall: (call) => {
      if (/^(Create|Update|Delete|Change|Execute)/.test(call.operation)) onWrite?.();
    },
  });
}

function reconcile(name: string, targets: SandboxTargets, revision = 'rev-1') {
  return reconcileRegionSet(
    { regionSet: name, root: repo.dir, file: name === 'global-api' ? MANIFEST : `manifests/${name}.yaml`, revision, reasons: ['test'] },
    { mode: 'apply', targets, leases: new AlwaysLeader(), logger: silentLogger(), isSuspended: () => false },
  );
}

function census(name: string) {
  const { stacks, records, checks } = regionSetCensus(state, name);
  return { stacks, records, checks: checks.length };
}

describe('controller replicas sharing one sandbox state file', () => {
  it('a replica reconciling while another writes the file waits for its lock: both RegionSets are whole in the file', async () => {
    const noticesB: string[] = [];
    let startB: (() => void) | undefined;
    const firstWriteOfA = new Promise<void>((resolve) => (startB = resolve));
    // A is slower (1,000x time: its apply takes about a second), so the two overlap.
    const a = reconcile('alpha', replica([], () => startB?.(), 1000));
    // B starts only once A is writing, so A holds the lock: B must wait, then load A's writes.
    await firstWriteOfA;
    const b = reconcile('beta', replica(noticesB));
    const [outcomeA, outcomeB] = await Promise.all([a, b]);
    expect(outcomeA.kind).toBe('applied');
    expect(outcomeB.kind).toBe('applied');
    expect(noticesB).toEqual([expect.stringMatching(new RegExp(`waiting for the sandbox lock on .*sandbox\\.json held by pid ${process.pid} \\(regionctl run\\)`))]);
    expect(census('alpha')).toEqual({ stacks: REGIONS, records: REGIONS, checks: 3 });
    expect(census('beta')).toEqual({ stacks: REGIONS, records: REGIONS, checks: 3 });
    // No lock is left once no reconcile has the cloud open.
    expect(() => readFileSync(`${state}.lock`)).toThrow(/ENOENT/);
  });

  it('a replica that finds the file locked past the bounded wait reports an error for the reconcile and writes nothing', async () => {
    const first = await reconcile('global-api', replica());
    expect(first.kind).toBe('applied');
    repo.edit('    ap-southeast-1: {}\n', '    ap-southeast-1: {}\n    sa-east-1: {}\n');
    const before = readFileSync(state, 'utf8');
    const held = await lockStateFile(state, { command: 'regionctl apply (test holder)', waitMs: 0 });
    const previous = process.env['REGIONCTL_SANDBOX_LOCK_WAIT_MS'];
    process.env['REGIONCTL_SANDBOX_LOCK_WAIT_MS'] = '200';
    try {
      const outcome = await reconcile('global-api', replica(), 'rev-2');
      expect(outcome.kind).toBe('error');
      expect(outcome.error?.message).toMatch(new RegExp(`sandbox\\.json is locked by pid ${process.pid} \\(regionctl apply \\(test holder\\)`));
      expect(outcome.error?.message).not.toContain('\n');
      expect(readFileSync(state, 'utf8')).toBe(before);
    } finally {
      if (previous === undefined) delete process.env['REGIONCTL_SANDBOX_LOCK_WAIT_MS'];
      else process.env['REGIONCTL_SANDBOX_LOCK_WAIT_MS'] = previous;
      held.release();
    }
  });

  it('a read-only state file makes the reconcile an error naming it, before any write', async () => {
    const first = await reconcile('global-api', replica());
    expect(first.kind).toBe('applied');
    repo.edit('    ap-southeast-1: {}\n', '    ap-southeast-1: {}\n    sa-east-1: {}\n');
    const before = readFileSync(state, 'utf8');
    chmodSync(state, 0o444);
    try {
      const outcome = await reconcile('global-api', replica(), 'rev-2');
      expect(outcome.kind).toBe('error');
      expect(outcome.error?.message).toMatch(/sandbox state .*sandbox\.json is read-only/);
      expect(readFileSync(state, 'utf8')).toBe(before);
    } finally {
      chmodSync(state, 0o644);
    }
  });

  it('a truncated state file makes the reconcile an error naming it; the file is not replaced by an empty cloud', async () => {
    const first = await reconcile('alpha', replica());
    expect(first.kind).toBe('applied');
    const truncated = readFileSync(state, 'utf8').slice(0, 500);
    writeFileSync(state, truncated);
    const outcome = await reconcile('alpha', replica());
    expect(outcome.kind).toBe('error');
    expect(outcome.error?.message).toMatch(/sandbox state .*sandbox\.json is not valid JSON/);
    expect(readFileSync(state, 'utf8')).toBe(truncated);
  });
});
