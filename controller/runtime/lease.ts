// Leader election per RegionSet on a DynamoDB table with conditional writes, so that
// several replicas can share many RegionSets and only the holder of a RegionSet's lease
// applies to it (the others serve status).
//
// The table (create it before starting the controller, or call ensureLeaseTable):
//   partition key `pk` (S), nothing else; on-demand billing is plenty (each replica
//   writes once per RegionSet every leaseSeconds/3: the holder renews, the others try to
//   take over and fail the condition, which still costs a write unit).
// IAM: dynamodb:UpdateItem on the table (ensureLeaseTable also needs CreateTable and DescribeTable).
// One item per RegionSet:
//   { pk: <RegionSet name>, holder: <instance id>, expiresAt: <ms since epoch>, fencingToken: <number> }
//
// The fencing token only ever grows: a takeover adds one (atomically, in the same
// conditional write), a renewal by the holder keeps it, and a release expires the item
// instead of deleting it so that the next holder still gets a higher token.
//
// Expiry compares wall clocks of different replicas: keep them NTP-synchronised, and the
// lease duration well above the worst skew.
//
// Import this module only when a lease table is configured: it loads the AWS SDK.

import { hostname } from 'node:os';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { realClock, type Clock } from '../clock.js';
import { errorCode } from '../providers/aws/clients.js';
import { mapAwsError } from '../providers/aws/errors.js';

/**
 * What the runtime asks of leader election. The always-leader implementation (no lease
 * table) lives with the runtime; this module brings the DynamoDB one.
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

export const DEFAULT_LEASE_SECONDS = 30;

export interface DynamoLeasesOptions {
  client: DynamoDBClient;
  table: string;
  /** Who we are in the table; unique per replica (default hostname-pid). */
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

const LOST = 'ConditionalCheckFailedException';

export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}`;
}

export class DynamoLeases implements Leases {
  readonly instanceId: string;
  readonly leaseMs: number;
  readonly safetyMarginMs: number;
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly clock: Clock;
  private readonly held = new Map<string, HeldLease>();
  /** Expiry of other replicas' leases, from the item a failed acquire returned. */
  private readonly others = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DynamoLeasesOptions) {
    this.client = options.client;
    this.table = options.table;
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
    let output: UpdateItemCommandOutput;
    try {
      // UpdateItem rather than PutItem: ADD raises the token in the same conditional
      // write, so two replicas taking over at once can never end up with the same token.
      // `holder = :me` lets a restarted replica with the same id take its lease back at
      // once; it still gets a new token, since this process never held it.
      output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: regionSet } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR holder = :me',
          UpdateExpression: 'SET holder = :me, expiresAt = :expiresAt ADD fencingToken :one',
          ExpressionAttributeValues: {
            ':now': { N: String(now) },
            ':me': { S: this.instanceId },
            ':expiresAt': { N: String(expiresAt) },
            ':one': { N: '1' },
          },
          ReturnValues: 'ALL_NEW',
          // On a failed condition DynamoDB returns the holder's item: its expiry says when to look again.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (errorCode(error) === LOST) {
        const seen = Number((error as { Item?: Record<string, { N?: string }> }).Item?.['expiresAt']?.N);
        if (Number.isFinite(seen)) this.others.set(regionSet, seen);
        else this.others.delete(regionSet);
        return undefined;
      }
      throw mapAwsError(error, `acquire lease ${regionSet} in table ${this.table}`, this.table);
    }
    const fencingToken = Number(output.Attributes?.['fencingToken']?.N);
    if (!Number.isFinite(fencingToken)) throw new Error(`lease table ${this.table} returned no fencingToken for ${regionSet}`);
    this.held.set(regionSet, { fencingToken, expiresAt });
    this.others.delete(regionSet);
    return { fencingToken };
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
      // Expired, not deleted: the fencing token must only ever grow.
      await this.setExpiry(regionSet, lease.fencingToken, 0);
    } catch (error) {
      // Already someone else's: nothing to give up. Anything else: it expires on its own.
      if (errorCode(error) !== LOST) this.options.onError?.(regionSet, mapAwsError(error, `release lease ${regionSet}`, this.table));
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

  /** Moves the expiry of a lease this replica holds with this token; fails with ConditionalCheckFailed otherwise. */
  private async setExpiry(regionSet: string, fencingToken: number, expiresAt: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: regionSet } },
        ConditionExpression: 'holder = :me AND fencingToken = :token',
        UpdateExpression: 'SET expiresAt = :expiresAt',
        ExpressionAttributeValues: {
          ':me': { S: this.instanceId },
          ':token': { N: String(fencingToken) },
          ':expiresAt': { N: String(expiresAt) },
        },
      }),
    );
  }

  private async renew(regionSet: string): Promise<boolean> {
    const lease = this.held.get(regionSet);
    if (!lease) return false;
    const expiresAt = this.clock.now() + this.leaseMs;
    try {
      // The token in the condition: a lease lost and retaken by the same id in between is not ours to extend.
      await this.setExpiry(regionSet, lease.fencingToken, expiresAt);
      lease.expiresAt = expiresAt;
      return true;
    } catch (error) {
      if (errorCode(error) === LOST) {
        this.held.delete(regionSet);
        this.options.onLost?.(regionSet);
        return false;
      }
      // Keep the lease until our own expiry: a blip must not make us step down early.
      this.options.onError?.(regionSet, mapAwsError(error, `renew lease ${regionSet}`, this.table));
      return this.isHeld(regionSet);
    }
  }
}

/** Creates the lease table (pk: S, on demand) unless it exists, and waits until it is ACTIVE. */
export async function ensureLeaseTable(client: DynamoDBClient, table: string, timeoutMs = 60_000): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (errorCode(error) !== 'ResourceInUseException') throw mapAwsError(error, `create lease table ${table}`, table);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    if (described.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`lease table ${table} is not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
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
 * DynamoDB leases as `regionctl run` uses them: a client of its own for the lease table's
 * region (AWS_ENDPOINT_URL and credentials from the SDK's usual chain), renewal started.
 * close() stops renewing and closes the client; call it after releaseAll().
 */
export function openDynamoLeases(
  settings: LeaseSettings,
  options: Pick<DynamoLeasesOptions, 'clock' | 'onLost' | 'onError'> & { endpointUrl?: string } = {},
): DynamoLeases & { close(): void } {
  const client = new DynamoDBClient({ region: settings.region, ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}) });
  const leases = new DynamoLeases({
    client,
    table: settings.table,
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
      client.destroy();
    },
  });
}
