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
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DesiredState } from '../../controller/manifest/types.js';
import { StoreLeases } from '../../controller/runtime/lease.js';
import { DynamoLeaseStore } from '../../controller/providers/aws/leases.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import type { RuntimeTarget, TargetFactory } from '../../controller/targets/index.js';
import { MANIFEST, manifestRepo, sandboxWorld } from '../runtime/helpers.js';

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

/** Another replica holds the lease all day and renews it every third of the lease, as StoreLeases does. */
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

/**
 * A target that cannot be reached (throttled, region outage) while `down`: every reconcile
 * ends in 'error'. Up, it is the sandbox cloud (`up`), where the example converges.
 */
function flakyTargets(clock: FakeClock, up?: SandboxTargets): TargetFactory & { opened: number; openedAt: number[]; down: boolean } {
  const targets = {
    describe: 'flaky',
    opened: 0,
    openedAt: [] as number[],
    down: true,
    async open(desired: DesiredState): Promise<RuntimeTarget> {
      targets.opened++;
      targets.openedAt.push(clock.now());
      if (targets.down || !up) throw new Error('Rate exceeded (simulated throttling)');
      return up.open(desired);
    },
    close() {},
  };
  return targets;
}

/** Moves the clock to the next wake-up and lets the reconciles it started finish. */
async function step(clock: FakeClock, controller: Controller): Promise<void> {
  const next = clock.nextWakeAt;
  if (next === undefined) throw new Error('nothing is scheduled');
  await clock.advance(next - clock.now());
  await controller.idle();
}

/** A controller on the fake clock; with events, a resync every RESYNC_MS and a webhook every WEBHOOK_MS. */
function simulatedController(clock: FakeClock, options: { leases: Leases; targets: TargetFactory; retryMs: number; events?: boolean }) {
  const source: ManifestSource = { sync: async () => ({ revision: 'rev-1', dir: repo.dir }) };
  const events = options.events ?? true;
  let driving = events;
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
    ...(events
      ? {
          startResync: (onTick: () => void) => {
            void (async () => {
              while (driving) {
                await clock.sleep(RESYNC_MS);
                if (driving) onTick();
              }
            })();
            return { stop: () => (driving = false) };
          },
        }
      : {}),
  });
  // Pushes arrive as webhooks, each asking for a sync and a reconcile.
  if (events) {
    void (async () => {
      while (driving) {
        await clock.sleep(WEBHOOK_MS);
        if (driving) controller.requestSync('webhook (github)');
      }
    })();
  }
  return {
    controller,
    drivers: events ? DRIVERS : 0,
    stop: async () => {
      driving = false;
      await controller.stop();
    },
  };
}

/**
 * Runs the controller through `hours` of fake time, from one wake-up to the next, letting
 * every reconcile finish before time moves on; returns the attempts per hour and the most
 * retry timers ever pending at once. Stops early once timers pile up (runaway growth).
 */
async function runDay(clock: FakeClock, controller: Controller, attempts: () => number, hours = 24, drivers = DRIVERS): Promise<{ perHour: number[]; maxPendingRetries: number }> {
  controller.start();
  await controller.idle();
  const start = clock.now();
  const perHour: number[] = [];
  let maxPendingRetries = clock.pending - drivers;
  let counted = attempts();
  for (let hour = 1; hour <= hours; hour++) {
    const end = start + hour * HOUR;
    for (let next = clock.nextWakeAt; next !== undefined && next <= end; next = clock.nextWakeAt) {
      await clock.advance(next - clock.now());
      await controller.idle();
      maxPendingRetries = Math.max(maxPendingRetries, clock.pending - drivers);
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
  const { controller, stop } = simulatedController(clock, { leases, targets: flakyTargets(clock), retryMs: FOLLOWER_RETRY_MS });
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
  const targets = flakyTargets(clock);
  const { controller, stop } = simulatedController(clock, { leases: new AlwaysLeader(), targets, retryMs: LEADER_RETRY_MS });
  try {
    const { perHour, maxPendingRetries } = await runDay(clock, controller, () => targets.opened);
    expect(maxPendingRetries).toBe(1);
    // Retries at most every MAX_BACKOFF_MS once backed off, plus one attempt per resync and
    // per webhook (each also fails and pushes the retry out), plus the hour's edge.
    const bound = HOUR / MAX_BACKOFF_MS + HOUR / RESYNC_MS + Math.ceil(HOUR / WEBHOOK_MS) + 1;
    expect(perHour).toHaveLength(24);
    expect(Math.max(...perHour.slice(1))).toBeLessThanOrEqual(bound);
    // The first hour also holds the backoff's way up: 30 s, 60 s … 480 s, then 600 s.
    expect(perHour[0]!).toBeLessThanOrEqual(bound + Math.ceil(Math.log2(MAX_BACKOFF_MS / LEADER_RETRY_MS)) + 1);
    expect(perHour[23]!).toBeLessThanOrEqual(perHour[1]! + 1);
    const status = controller.status.get('global-api');
    expect(status?.lastOutcome).toBe('error');
    expect(status?.lastError?.message).toContain('Rate exceeded');
  } finally {
    await stop();
  }
}, 120_000);

it('errors back off 30 s, 60 s, 120 s … up to 10 minutes, and the first reconcile that succeeds clears the retry and resets the backoff', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
  const world = sandboxWorld();
  const targets = flakyTargets(clock, new SandboxTargets({ cloud: world.cloud }));
  const { controller, stop } = simulatedController(clock, { leases: new AlwaysLeader(), targets, retryMs: LEADER_RETRY_MS, events: false });
  try {
    controller.start();
    await controller.idle();
    while (targets.opened < 9) await step(clock, controller);
    const gaps = targets.openedAt.slice(1).map((at, i) => (at - targets.openedAt[i]!) / SECOND);
    expect(gaps).toEqual([30, 60, 120, 240, 480, 600, 600, 600]);
    expect(clock.pending).toBe(1);
    expect(world.cloud.calls.writes()).toEqual([]);

    // The outage ends: the next retry applies, and nothing stays scheduled.
    targets.down = false;
    await step(clock, controller);
    expect(controller.status.get('global-api')?.lastOutcome).toBe('applied');
    expect(clock.pending).toBe(0);

    // A new failure starts again at 30 s.
    targets.down = true;
    const before = clock.now();
    controller.requestReconcile('global-api', 'manual trigger');
    await controller.idle();
    await step(clock, controller);
    expect(targets.openedAt.at(-1)! - before).toBe(LEADER_RETRY_MS);
    expect(clock.pending).toBe(1);
  } finally {
    await stop();
  }
});

it('webhooks reaching a follower while it waits for the lease are answered not-leader and add no timer', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
  const leases = new HeldByAnotherReplica(clock);
  const targets = flakyTargets(clock);
  const { controller, stop } = simulatedController(clock, { leases, targets, retryMs: FOLLOWER_RETRY_MS, events: false });
  try {
    controller.start();
    await controller.idle();
    for (let i = 0; i < 10; i++) {
      expect(controller.requestReconcile('global-api', 'webhook (github)')).toBe(true);
      await controller.idle();
    }
    expect(leases.attempts).toBe(11);
    expect(controller.status.get('global-api')?.lastOutcome).toBe('not-leader');
    // One look scheduled, right after the holder's lease would end; the follower never touched the target.
    expect(clock.pending).toBe(1);
    expect(clock.nextWakeAt).toBe(leases.holderExpiresAt()! + 1);
    expect(targets.opened).toBe(0);
  } finally {
    await stop();
  }
});

it('a follower takes the RegionSet over right when a dead holder\'s lease ends, having looked once per lease term meanwhile', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
  const world = sandboxWorld();
  const leases = new HeldByAnotherReplica(clock);
  leases.holderDiesAt = clock.now() + 5 * MINUTE + 3 * SECOND;
  const targets = flakyTargets(clock, new SandboxTargets({ cloud: world.cloud }));
  targets.down = false;
  const { controller, stop } = simulatedController(clock, { leases, targets, retryMs: FOLLOWER_RETRY_MS, events: false });
  try {
    controller.start();
    await controller.idle();
    while (targets.opened === 0) await step(clock, controller);
    const lastExpiry = leases.holderExpiresAt()!;
    // Taken over 1 ms after the lease ended (the condition is expiresAt < now), not a poll interval later.
    expect(targets.openedAt[0]! - lastExpiry).toBe(1);
    // Looked at most once per 2/3 of a lease while the holder lived (the old poll looked every 10 s: 31 times).
    expect(leases.attempts).toBeLessThanOrEqual(Math.ceil((lastExpiry - Date.UTC(2026, 0, 1)) / ((LEASE_MS * 2) / 3)) + 1);
    const status = controller.status.get('global-api');
    expect(status?.lastOutcome).toBe('applied');
    expect(status?.leader).toBe(true);
    expect(clock.pending).toBe(0);
  } finally {
    await stop();
  }
});

it('StoreLeases on DynamoDB learns when the holder\'s lease ends from the failed conditional write, and assumes a full lease when DynamoDB does not say', async () => {
  const dynamodb = mockClient(DynamoDBClient);
  try {
    const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
    const leases = new StoreLeases({ store: new DynamoLeaseStore(new DynamoDBClient({ region: 'us-east-1' }), 'leases'), instanceId: 'replica-b', leaseMs: LEASE_MS, clock });
    const holderExpiry = clock.now() + 17 * SECOND;
    dynamodb
      .on(UpdateItemCommand)
      .rejectsOnce(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: { httpStatusCode: 400 },
          Item: { pk: { S: 'global-api' }, holder: { S: 'replica-a' }, expiresAt: { N: String(holderExpiry) }, fencingToken: { N: '4' } },
        }),
      )
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } }));
    expect(await leases.acquire('global-api')).toBeUndefined();
    expect(leases.holderExpiresAt('global-api')).toBe(holderExpiry);
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]!.args[0].input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');

    expect(await leases.acquire('global-api')).toBeUndefined();
    expect(leases.holderExpiresAt('global-api')).toBe(clock.now() + LEASE_MS);
  } finally {
    dynamodb.restore();
  }
});

it('a RegionSet whose manifest is invalid (stalled) keeps no retry timer however many webhooks arrive: a person must fix it', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
  repo.edit('    us-east-2: {}\n', '    us-east-2: { weight: 900 }\n');
  const targets = flakyTargets(clock);
  const { controller, stop } = simulatedController(clock, { leases: new AlwaysLeader(), targets, retryMs: LEADER_RETRY_MS, events: false });
  try {
    controller.start();
    await controller.idle();
    for (let i = 0; i < 5; i++) {
      controller.requestSync('webhook (github)');
      await controller.idle();
    }
    expect(controller.status.get('global-api')?.lastOutcome).toBe('stalled');
    expect(clock.pending).toBe(0);
    expect(targets.opened).toBe(0);
  } finally {
    await stop();
  }
});

it('a follower whose lease table cannot tell when the holder\'s lease ends looks once per retry interval, still with one timer', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
  const leases = new HeldByAnotherReplica(clock);
  // A Leases implementation without holderExpiresAt (e.g. a custom lock service).
  const blind: Leases = { acquire: () => leases.acquire(), isHeld: () => leases.isHeld(), renewAll: async () => {}, releaseAll: async () => {} };
  const { controller, stop } = simulatedController(clock, { leases: blind, targets: flakyTargets(clock), retryMs: FOLLOWER_RETRY_MS });
  try {
    const { perHour, maxPendingRetries } = await runDay(clock, controller, () => leases.attempts, 3);
    expect(maxPendingRetries).toBe(1);
    expect(Math.max(...perHour)).toBeLessThanOrEqual(HOUR / FOLLOWER_RETRY_MS + HOUR / RESYNC_MS + Math.ceil(HOUR / WEBHOOK_MS) + 1);
  } finally {
    await stop();
  }
}, 60_000);
