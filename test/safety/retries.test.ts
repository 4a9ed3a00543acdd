// Issue #11, item 3: retry scheduling. A controller runs a simulated day on the fake clock
// (timers included), with a resync every 5 minutes and a webhook every 7: a follower that
// never gets the lease, and a leader whose every reconcile fails. Retries must not pile
// up: at most one pending timer per RegionSet at every instant, a bounded number of
// attempts per hour, and no growth over the day (before the fix, every webhook and resync
// started one more retry chain: 17 → 71 attempts per 10 s within minutes).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { Controller, type ManifestSource } from '../../controller/runtime/controller.js';
import { AlwaysLeader, type Leases } from '../../controller/runtime/leases.js';
import type { TargetFactory } from '../../controller/runtime/targets.js';
import { MANIFEST, manifestRepo } from '../runtime/helpers.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
// Not multiples of the retry interval, as real pushes and cron ticks (with their lag) are not.
const RESYNC_MS = 5 * MINUTE + 700;
const WEBHOOK_MS = 7 * MINUTE + 1300;
const LEASE_MS = 30 * SECOND;
/** What `regionctl run` configures with leases (a third of the lease) and without (30 s). */
const FOLLOWER_RETRY_MS = LEASE_MS / 3;
const LEADER_RETRY_MS = 30 * SECOND;
const MAX_BACKOFF_MS = 10 * MINUTE;
/** The resync and webhook drivers sleep on the clock too: every other sleeper is a retry timer. */
const DRIVERS = 2;

let repo: ReturnType<typeof manifestRepo>;
beforeEach(() => {
  repo = manifestRepo();
});
afterEach(() => repo.remove());

/** Another replica holds the lease all day and renews it every third of the lease, as DynamoLeases does. */
class HeldByAnotherReplica implements Leases {
  attempts = 0;
  /** When the holder stops renewing (it died); Infinity: never. */
  holderDiesAt = Number.POSITIVE_INFINITY;
  constructor(private readonly clock: FakeClock) {}
  private holderExpiry(): number {
    const lastRenewal = Math.min(this.clock.now(), this.holderDiesAt);
    return Math.floor(lastRenewal / (LEASE_MS / 3)) * (LEASE_MS / 3) + LEASE_MS;
  }
  async acquire(): Promise<{ fencingToken: number } | undefined> {
    this.attempts++;
    return this.clock.now() > this.holderExpiry() ? { fencingToken: 2 } : undefined;
  }
  isHeld(): boolean {
    return this.clock.now() > this.holderExpiry();
  }
  holderExpiresAt(): number | undefined {
    return this.holderExpiry();
  }
  async renewAll(): Promise<void> {}
  async releaseAll(): Promise<void> {}
}

/** A target that cannot be reached (throttled, region outage): every reconcile ends in 'error'. */
function failingTargets(failures = Number.POSITIVE_INFINITY): TargetFactory & { opened: number } {
  const targets = {
    describe: 'unreachable',
    opened: 0,
    async open(): Promise<never> {
      targets.opened++;
      if (targets.opened <= failures) throw new Error('Rate exceeded (simulated throttling)');
      // After the failures: a target whose plan is empty (converged) is not needed here; fail differently.
      throw new Error('unexpected open');
    },
    close() {},
  };
  return targets;
}

function simulatedController(clock: FakeClock, options: { leases: Leases; targets: TargetFactory; retryMs: number }) {
  const source: ManifestSource = { sync: async () => ({ revision: 'rev-1', dir: repo.dir }) };
  let webhookDriver = true;
  const controller = new Controller({
    source,
    sourceUrl: 'https://git.example.com/infra.git',
    listManifests: async () => [MANIFEST],
    manifestGlob: 'manifests/*.yaml',
    mode: 'apply',
    targets: options.targets,
    leases: options.leases,
    retryMs: options.retryMs,
    clock,
    startResync: (onTick) => {
      let running = true;
      void (async () => {
        while (running) {
          await clock.sleep(RESYNC_MS);
          if (running) onTick();
        }
      })();
      return { stop: () => (running = false) };
    },
  });
  // Pushes arrive as webhooks every 7 minutes, each asking for a sync and a reconcile.
  void (async () => {
    while (webhookDriver) {
      await clock.sleep(WEBHOOK_MS);
      if (webhookDriver) controller.requestSync('webhook (github)');
    }
  })();
  return {
    controller,
    stop: async () => {
      webhookDriver = false;
      await controller.stop();
    },
  };
}

/**
 * Runs the controller through `hours` of fake time, from one wake-up to the next, letting
 * every reconcile finish before time moves on; returns the attempts per hour and the most
 * retry timers ever pending at once. Stops early once timers pile up (runaway growth).
 */
async function runDay(clock: FakeClock, controller: Controller, attempts: () => number, hours = 24): Promise<{ perHour: number[]; maxPendingRetries: number }> {
  controller.start();
  await controller.idle();
  const start = clock.now();
  const perHour: number[] = [];
  let maxPendingRetries = clock.pending - DRIVERS;
  let counted = attempts();
  for (let hour = 1; hour <= hours; hour++) {
    const end = start + hour * HOUR;
    for (let next = clock.nextWakeAt; next !== undefined && next <= end; next = clock.nextWakeAt) {
      await clock.advance(next - clock.now());
      await controller.idle();
      maxPendingRetries = Math.max(maxPendingRetries, clock.pending - DRIVERS);
      if (maxPendingRetries > 20) return { perHour: [...perHour, attempts() - counted], maxPendingRetries };
    }
    await clock.advance(end - clock.now());
    perHour.push(attempts() - counted);
    counted = attempts();
  }
  return { perHour, maxPendingRetries };
}

it('a follower without the lease keeps one pending look at the lease, not a retry chain per webhook or resync, over a simulated day', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
  const leases = new HeldByAnotherReplica(clock);
  const { controller, stop } = simulatedController(clock, { leases, targets: failingTargets(), retryMs: FOLLOWER_RETRY_MS });
  try {
    const { perHour, maxPendingRetries } = await runDay(clock, controller, () => leases.attempts);
    expect(maxPendingRetries).toBe(1);
    // One look per renewal the holder can make before its lease would end (at least 2/3 of
    // a lease apart), plus one per resync and per webhook, plus one at the hour's edge.
    const bound = HOUR / ((LEASE_MS * 2) / 3) + HOUR / RESYNC_MS + Math.ceil(HOUR / WEBHOOK_MS) + 1;
    expect(perHour).toHaveLength(24);
    expect(Math.max(...perHour)).toBeLessThanOrEqual(bound);
    expect(perHour[23]!).toBeLessThanOrEqual(perHour[1]! + 1);
    // Every look was answered "not the leader"; the follower never opened the target.
    const status = controller.status.get('global-api');
    expect(status?.lastOutcome).toBe('not-leader');
    expect(status?.leader).toBe(false);
  } finally {
    await stop();
  }
}, 120_000);

it('a leader whose every reconcile fails backs off to one retry per 10 minutes at most, with one pending retry, over a simulated day', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
  const targets = failingTargets();
  const { controller, stop } = simulatedController(clock, { leases: new AlwaysLeader(), targets, retryMs: LEADER_RETRY_MS });
  try {
    const { perHour, maxPendingRetries } = await runDay(clock, controller, () => targets.opened);
    expect(maxPendingRetries).toBe(1);
    // Retries at most every MAX_BACKOFF_MS once backed off, plus one attempt per resync and
    // per webhook (each also fails and pushes the retry out), plus the hour's edge.
    const bound = HOUR / MAX_BACKOFF_MS + HOUR / RESYNC_MS + Math.ceil(HOUR / WEBHOOK_MS) + 1;
    expect(perHour).toHaveLength(24);
    expect(Math.max(...perHour.slice(1))).toBeLessThanOrEqual(bound);
    expect(perHour[23]!).toBeLessThanOrEqual(perHour[1]! + 1);
    const status = controller.status.get('global-api');
    expect(status?.lastOutcome).toBe('error');
    expect(status?.lastError?.message).toContain('Rate exceeded');
  } finally {
    await stop();
  }
}, 120_000);
