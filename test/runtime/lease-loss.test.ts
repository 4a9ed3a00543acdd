// A replica that loses its RegionSet's lease in the middle of an apply (renewal failed,
// another replica took over) must stop starting steps at once: only the holder writes.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '../../controller/runtime/logger.js';
import type { Leases } from '../../controller/runtime/leases.js';
import { reconcileRegionSet } from '../../controller/runtime/reconciler.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import { MANIFEST, manifestRepo, sandboxWorld } from './helpers.js';

let repo: ReturnType<typeof manifestRepo>;
beforeEach(() => {
  repo = manifestRepo();
});
afterEach(() => repo.remove());

/** Held until `loseAfterWrites` write calls reached the cloud. */
class LeaseLostAfter implements Leases {
  held = true;
  async acquire() {
    return this.held ? { fencingToken: 7 } : undefined;
  }
  isHeld() {
    return this.held;
  }
  async renewAll() {}
  async releaseAll() {}
}

it('stops starting steps as soon as the lease is lost, and reports not-leader', async () => {
  const world = sandboxWorld();
  const leases = new LeaseLostAfter();
  // The targets report every AWS call (the metrics hook): lose the lease at the 3rd write.
  const writes = new Set(['ExecuteChangeSet', 'UpdateTable', 'ChangeResourceRecordSets', 'CreateHealthCheck']);
  let seen = 0;
  const targets = new SandboxTargets({
    cloud: world.cloud,
    onCall: (call) => {
      if (writes.has(call.operation) && ++seen === 3) leases.held = false;
    },
  });
  const outcome = await reconcileRegionSet(
    { regionSet: 'global-api', root: repo.dir, file: MANIFEST, revision: 'rev-1', reasons: ['test'] },
    { mode: 'apply', targets, leases, logger: silentLogger(), isSuspended: () => false },
  );
  expect(outcome.kind).toBe('not-leader');
  expect(outcome.apply?.notStarted).toBeGreaterThan(0);
  // Steps already running finish (AWS has their requests); nothing new starts: no record was written.
  const writesAfterLoss = world.cloud.calls.writes().slice(3);
  expect(writesAfterLoss.map((call) => call.operation)).not.toContain('ChangeResourceRecordSets');
  expect(world.cloud.recordsOf('example.com.').filter((r) => r.name === 'api.example.com.')).toEqual([]);
});
