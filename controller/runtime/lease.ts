// Leader election per RegionSet on a lease store with conditional writes (DynamoDB in
// production: providers/aws/leases.ts; the sandbox's model: providers/sandbox/leases.ts),
// so that several replicas can share many RegionSets and only the holder of a RegionSet's
// lease applies to it (the others serve status).
//
// The fencing token only ever grows: a takeover adds one (atomically, in the same
// conditional write), a renewal by the holder keeps it, and a release expires the item
// instead of deleting it so that the next holder still gets a higher token.
//
// Expiry compares wall clocks of different replicas: keep them NTP-synchronised, and the
// lease duration well above the worst skew.

import { hostname } from 'node:os';
import { realClock, type Clock } from '../clock.js';
import type { LeaseStore } from '../providers/types.js';

/**
 * What the runtime asks of leader election. The always-leader implementation (no lease
 * table) lives with the runtime (leases.ts); this module brings the one on a lease store.
 */
export interface Leases {
  /** Takes or renews the RegionSet's lease; undefined when another replica holds it. */
  acquire(regionSet: string): Promise<{ fencingToken: number } | undefined>;
  /** True while this replica may apply to the RegionSet. */
  isHeld(regionSet: string): boolean;
  /**
   * When another replica's lease on the RegionSet ends unless renewed (ms since epoch), as
   * last seen by acquire; undefined when unknown. A follower looks again then instead of
   * polling.
   */
  holderExpiresAt?(regionSet: string): number | undefined;
  renewAll(): Promise<void>;
  releaseAll(): Promise<void>;
}

const DEFAULT_LEASE_SECONDS = 30;

export interface StoreLeasesOptions {
  store: LeaseStore;
  /** Who we are in the store; unique per replica (default hostname-pid). */
  instanceId?: string;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  /** Wall clock shared (within skew) with the other replicas; realClock in production. */
  clock?: Clock;
  /**
   * The holder stops counting on its lease this long before it expires, so that it has
   * stopped applying before another replica (whose clock may run a little ahead) can take
   * over. Default a tenth of the lease, at most 2 s.
   */
  safetyMarginMs?: number;
  /** A lease we held was taken or found expired: stop applying to that RegionSet. */
  onLost?: (regionSet: string) => void;
  /** A renewal failed for another reason than losing the lease (network, throttling). */
  onError?: (regionSet: string, error: Error) => void;
}

interface HeldLease {
  fencingToken: number;
  /** Our own clock's idea of when the lease ends if we do not renew it. */
  expiresAt: number;
}

function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}`;
}

export class StoreLeases implements Leases {
  readonly instanceId: string;
  readonly leaseMs: number;
  readonly safetyMarginMs: number;
  private readonly store: LeaseStore;
  private readonly clock: Clock;
  private readonly held = new Map<string, HeldLease>();
  /** Expiry of other replicas' leases, from the item a failed acquire returned. */
  private readonly others = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: StoreLeasesOptions) {
    this.store = options.store;
    this.instanceId = options.instanceId ?? defaultInstanceId();
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_SECONDS * 1000;
    this.clock = options.clock ?? realClock;
    this.safetyMarginMs = options.safetyMarginMs ?? Math.min(2000, Math.floor(this.leaseMs / 10));
    if (!(this.leaseMs > 0)) throw new Error(`lease duration must be positive (got ${this.leaseMs} ms)`);
  }

  /**
   * Takes the RegionSet's lease when it is free, expired or already ours; renews it when
   * we hold it. Returns undefined when another replica holds it (not an error).
   */
  async acquire(regionSet: string): Promise<{ fencingToken: number } | undefined> {
    if (this.isHeld(regionSet)) {
      if (await this.renew(regionSet)) return { fencingToken: this.held.get(regionSet)!.fencingToken };
      return undefined;
    }
    const now = this.clock.now();
    const expiresAt = now + this.leaseMs;
    const result = await this.store.take(regionSet, this.instanceId, now, expiresAt);
    if (!result.taken) {
      if (result.holderExpiresAt !== undefined) this.others.set(regionSet, result.holderExpiresAt);
      else this.others.delete(regionSet);
      return undefined;
    }
    this.held.set(regionSet, { fencingToken: result.fencingToken, expiresAt });
    this.others.delete(regionSet);
    return { fencingToken: result.fencingToken };
  }

  /** The holder's expiry seen by our last failed acquire; without it, at most one lease from now. */
  holderExpiresAt(regionSet: string): number | undefined {
    if (this.isHeld(regionSet)) return undefined;
    return this.others.get(regionSet) ?? this.clock.now() + this.leaseMs;
  }

  /** True while we hold the lease by our own clock, less the safety margin; false once it may pass to another. */
  isHeld(regionSet: string): boolean {
    const lease = this.held.get(regionSet);
    return lease !== undefined && this.clock.now() < lease.expiresAt - this.safetyMarginMs;
  }

  /** The fencing token of a lease we hold, to tag logs and status. */
  fencingToken(regionSet: string): number | undefined {
    return this.isHeld(regionSet) ? this.held.get(regionSet)!.fencingToken : undefined;
  }

  /** Extends every lease we hold; a lease another replica took is dropped (onLost). Never throws. */
  async renewAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((regionSet) => this.renew(regionSet)));
  }

  /** Gives every lease up so another replica can take over at once (on SIGTERM). Never throws. */
  async releaseAll(): Promise<void> {
    this.stop();
    await Promise.all([...this.held.keys()].map((regionSet) => this.release(regionSet)));
  }

  /** Gives one lease up: expires it (keeping its fencing token) if it is still ours. */
  async release(regionSet: string): Promise<void> {
    const lease = this.held.get(regionSet);
    if (!lease) return;
    this.held.delete(regionSet);
    try {
      // Expired, not deleted: the fencing token must only ever grow. Already someone else's: nothing to give up.
      await this.store.extend(regionSet, this.instanceId, lease.fencingToken, 0);
    } catch (error) {
      // It expires on its own.
      this.options.onError?.(regionSet, error as Error);
    }
  }

  /** Renews every held lease each third of the lease duration (real time) until stop(). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renewAll(), Math.max(1, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(regionSet: string): Promise<boolean> {
    const lease = this.held.get(regionSet);
    if (!lease) return false;
    const expiresAt = this.clock.now() + this.leaseMs;
    try {
      // The token in the condition: a lease lost and retaken by the same id in between is not ours to extend.
      if (!(await this.store.extend(regionSet, this.instanceId, lease.fencingToken, expiresAt))) {
        this.held.delete(regionSet);
        this.options.onLost?.(regionSet);
        return false;
      }
      lease.expiresAt = expiresAt;
      return true;
    } catch (error) {
      // Keep the lease until our own expiry: a blip must not make us step down early.
      this.options.onError?.(regionSet, error as Error);
      return this.isHeld(regionSet);
    }
  }
}

export interface LeaseSettings {
  table: string;
  leaseMs: number;
  instanceId: string;
  /** Region of the lease table. */
  region: string;
}

/**
 * The lease settings from the environment, or undefined when REGIONCTL_LEASE_TABLE is not
 * set (then every replica leads: run one). REGIONCTL_LEASE_SECONDS (default 30),
 * REGIONCTL_INSTANCE_ID (default hostname-pid), REGIONCTL_LEASE_REGION (default
 * AWS_REGION, then us-east-1).
 */
export function leaseSettingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): LeaseSettings | undefined {
  const table = env['REGIONCTL_LEASE_TABLE']?.trim();
  if (!table) return undefined;
  const secondsText = env['REGIONCTL_LEASE_SECONDS']?.trim();
  const seconds = secondsText ? Number(secondsText) : DEFAULT_LEASE_SECONDS;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`REGIONCTL_LEASE_SECONDS must be a positive number of seconds (got "${secondsText}")`);
  }
  return {
    table,
    leaseMs: Math.round(seconds * 1000),
    instanceId: env['REGIONCTL_INSTANCE_ID']?.trim() || defaultInstanceId(),
    region: env['REGIONCTL_LEASE_REGION']?.trim() || env['AWS_REGION']?.trim() || env['AWS_DEFAULT_REGION']?.trim() || 'us-east-1',
  };
}

/**
 * Leases on a store as `regionctl run` uses them: renewal started; close() stops renewing
 * and closes the store's connections (call it after releaseAll()).
 */
function openStoreLeases(
  settings: LeaseSettings,
  opened: { store: LeaseStore; close(): void },
  options: Pick<StoreLeasesOptions, 'clock' | 'onLost' | 'onError'> = {},
): StoreLeases & { close(): void } {
  const leases = new StoreLeases({
    store: opened.store,
    instanceId: settings.instanceId,
    leaseMs: settings.leaseMs,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onLost ? { onLost: options.onLost } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  leases.start();
  return Object.assign(leases, {
    close: () => {
      leases.stop();
      opened.close();
    },
  });
}

/**
 * DynamoDB leases for `regionctl run`: the lease table's store on the shared AWS client
 * settings (endpoint, retries, timeouts, call metrics). Loads the AWS SDK.
 */
export async function openDynamoLeases(
  settings: LeaseSettings,
  options: Pick<StoreLeasesOptions, 'clock' | 'onLost' | 'onError'> & { endpointUrl?: string; profile?: string; onCall?: (call: { service: string; operation: string; outcome: string }) => void } = {},
): Promise<StoreLeases & { close(): void }> {
  const { openAwsLeaseStore } = await import('../providers/aws/leases.js');
  const opened = openAwsLeaseStore({
    table: settings.table,
    region: settings.region,
    ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  return openStoreLeases(settings, opened, options);
}
