// Break-glass drains through the running controller (issue 15 item 7; POST /drain, `regionctl
// drain REGION --now`): the override is checked against the guardrails on the overlaid
// manifest, written to the shared control state (ControlState.drains, so every replica and a
// restart keep it), recorded in history, and applied by one reconcile requested at once. Each
// reconcile plans the manifest with the drains in force (plan/overrides.ts); the drains it
// reports as ended (the manifest caught up, or expired) are cleared here, in history too. A
// timer asks for a reconcile when a drain expires, so traffic returns without waiting for the
// resync.

import path from 'node:path';
import { formatMs, parseDuration } from '../manifest/duration.js';
import { isAwsRegion } from '../manifest/regions.js';
import { jsonObjectBody } from './json-body.js';
import { overlayDrains, type DrainOverride, type DrainOverrides, type EndedOverride } from '../plan/overrides.js';
import type { ControlState } from '../providers/types.js';
import type { TargetFactory } from '../targets/types.js';
import type { RegionSetControl } from './control.js';
import type { Logger } from './logger.js';
import type { ControllerMetrics } from './metrics.js';
import type { ReconcileOutcome, RunMode } from './outcome.js';
import type { StatusStore } from './status.js';
import type { Timers } from './timers.js';

export const DEFAULT_DRAIN_MS = 4 * 3_600_000;
/** An override is for an emergency: the pull request should be merged well before this. */
export const MAX_DRAIN_MS = 48 * 3_600_000;
const MAX_DRAIN_BODY_BYTES = 4096;

export interface DrainRequest {
  region: string;
  reason: string;
  by: string;
  forMs: number;
}

/** What POST /drain answers. */
export interface DrainAnswer {
  status: 202 | 400 | 404 | 409 | 503;
  body: Record<string, unknown>;
}

/** Where the RegionSet stands in this controller when the drain is asked for. */
export interface DrainContext {
  root: string;
  file: string;
  revision: string;
  mode: RunMode;
  suspended: boolean;
}

export interface BreakGlassOptions {
  control: RegionSetControl;
  status: StatusStore;
  metrics: ControllerMetrics;
  logger: Logger;
  timers: Timers;
  targets: TargetFactory;
  now(): number;
  requestReconcile(name: string, reason: string): boolean;
  scrub(text: string): string;
}

/** The JSON body of POST /drain: {"region", "reason", "by"?, "for"?}; the X-Regionctl-Actor header names who when "by" is absent. */
export function parseDrainRequest(body: Buffer | 'too-large', actor: string | undefined): DrainRequest | string {
  const parsed = jsonObjectBody(body, MAX_DRAIN_BODY_BYTES, '{"region": "eu-west-1", "reason": "...", "for": "4h"}');
  if (typeof parsed === 'string') return parsed;
  const { region, reason, by, for: duration } = parsed;
  if (typeof region !== 'string' || !isAwsRegion(region)) return 'region must be an AWS region code such as eu-west-1';
  if (typeof reason !== 'string' || !reason.trim()) return 'a drain needs a reason: send {"reason": "..."} (regionctl drain REGION --now --reason TEXT)';
  if (by !== undefined && typeof by !== 'string') return 'by must be a string';
  if (duration !== undefined && typeof duration !== 'string') return 'for must be a duration such as 4h or 90m';
  const forMs = duration === undefined ? DEFAULT_DRAIN_MS : parseDuration(duration);
  if (forMs === undefined || forMs <= 0 || forMs > MAX_DRAIN_MS) return `for must be a duration from 1s to ${formatMs(MAX_DRAIN_MS)} such as 4h (got ${JSON.stringify(duration)})`;
  return { region, reason: reason.slice(0, 500), by: (by || actor || 'token holder').slice(0, 200), forMs };
}

export class BreakGlass {
  /** Expiry timers already set, by RegionSet|region|until. */
  private readonly expiries = new Set<string>();

  constructor(private readonly options: BreakGlassOptions) {}

  /** The drains in force as last read from the shared state (planned on top of the manifest). */
  drains(name: string): DrainOverrides | undefined {
    return this.options.control.state(name)?.drains;
  }

  /** Checks, records and applies one break-glass drain; never throws. */
  async drain(name: string, where: DrainContext, request: DrainRequest): Promise<DrainAnswer> {
    const { region } = request;
    if (where.mode !== 'apply') return refused(409, `the controller runs in plan-only mode: it never changes traffic, so ${region} cannot be drained through it`);
    if (where.suspended) return refused(409, `${name} is suspended: a drain would not be applied. Resume it first (regionctl resume ${name}), or drain through a pull request (regionctl drain-region ${where.file} ${region})`);
    const { loadManifestFile } = await import('../manifest/load.js');
    const loaded = await loadManifestFile(path.join(where.root, where.file), { root: where.root });
    if (!loaded.ok) return refused(409, `${where.file} does not load at revision ${where.revision} (${loaded.errors.length} error(s)); nothing can be planned until it is fixed`);
    const manifestRegion = loaded.value.regions.find((candidate) => candidate.code === region);
    if (!manifestRegion) return refused(404, `${region} is not in spec.regions of ${where.file}; it takes no traffic of ${name}`);
    if (manifestRegion.state !== 'active') return refused(409, `${region} is already ${manifestRegion.state} in ${where.file}: it takes no traffic, nothing to drain`);

    const now = this.options.now();
    const override: DrainOverride = { until: now + request.forMs, reason: request.reason, by: request.by, at: now };
    let current: ControlState | undefined;
    try {
      current = await this.options.control.refresh(name);
    } catch (error) {
      return refused(503, `control state not readable, nothing changed: ${this.message(error)}; try again`);
    }
    const drains = { ...current?.drains, [region]: override };

    // The guardrails on the manifest as the reconcile will plan it: refused here, nothing is written.
    const overlaid = { ...overlayDrains(loaded.value, drains, now).desired, ownerFile: where.file };
    let target: Awaited<ReturnType<TargetFactory['open']>> | undefined;
    try {
      target = await this.options.targets.open(overlaid);
      const { planReconcile } = await import('../reconcile.js');
      const { plan } = await planReconcile(overlaid, target.providers, { now: target.clock.now() });
      if (plan.refusals.length > 0) {
        const rules = plan.refusals.map((refusal) => refusal.message).join('; ');
        this.options.logger.warn({ regionSet: name, region, by: request.by, refusals: plan.refusals.map((r) => r.rule) }, `drain --now refused: ${rules}`);
        return { status: 409, body: { error: `drain of ${region} refused, nothing changed: ${rules}`, refusals: plan.refusals } };
      }
    } catch (error) {
      return refused(503, `cannot plan the drain of ${region}, nothing changed: ${this.message(error)}`);
    } finally {
      await target?.release();
    }

    try {
      await this.options.control.update(name, (stored) => ({ ...(stored ?? { suspended: false, reason: '', by: '', at: 0 }), drains: { ...stored?.drains, [region]: override } }));
    } catch (error) {
      return refused(503, `control state not written, nothing changed: ${this.message(error)}; try again`);
    }
    await this.history(name, { kind: 'drain', at: now, trigger: 'manual (drain --now)', by: request.by, reason: request.reason, region, until: override.until });
    this.options.logger.warn({ regionSet: name, region, by: request.by, reason: request.reason, until: new Date(override.until).toISOString() }, `break-glass drain of ${region}: traffic moves off it now`);
    this.show(name);
    this.options.requestReconcile(name, `drain --now of ${region} by ${request.by}`);
    return {
      status: 202,
      body: { regionSet: name, region, reason: request.reason, by: request.by, at: new Date(now).toISOString(), until: new Date(override.until).toISOString(), file: where.file, revision: where.revision },
    };
  }

  /** After a reconcile: the drains it found ended are removed from the shared state and recorded. */
  async settle(outcome: ReconcileOutcome): Promise<void> {
    const ended = outcome.overrides?.ended ?? [];
    if (ended.length === 0) return;
    const name = outcome.regionSet;
    try {
      // Only the override that ended: a newer drain of the same region (another `at`) stays.
      await this.options.control.update(name, (stored) => {
        const drains = { ...stored?.drains };
        for (const end of ended) if (drains[end.region]?.at === end.override.at) delete drains[end.region];
        const { drains: _old, ...rest } = stored ?? { suspended: false, reason: '', by: '', at: 0 };
        return Object.keys(drains).length > 0 ? { ...rest, drains } : rest;
      });
    } catch (error) {
      this.options.logger.warn({ regionSet: name, err: error }, 'ended drain overrides not cleared from the control state; the next reconcile tries again');
      return;
    }
    const now = this.options.now();
    for (const end of ended) {
      const reason = endText(end, outcome.revision, outcome.file);
      this.options.logger.info({ regionSet: name, region: end.region, why: end.why }, `drain override ended: ${reason}`);
      this.options.metrics.recordDrainEnded(name, end.why);
      this.options.status.recordDrainEnded(name, { region: end.region, why: end.why, at: now, message: reason });
      await this.history(name, { kind: 'drain-ended', at: now, trigger: end.why === 'merged' ? `revision ${outcome.revision}` : 'expiry', by: end.override.by, reason, region: end.region, until: end.override.until });
    }
    this.show(name);
  }

  /** /status, the metric, and a reconcile when each drain expires. */
  show(name: string): void {
    const drains = this.drains(name) ?? {};
    this.options.status.setDrains(name, drains);
    this.options.metrics.recordDrains(name, Object.keys(drains));
    const now = this.options.now();
    for (const [region, override] of Object.entries(drains)) {
      const key = `${name}|${region}|${override.until}`;
      if (this.expiries.has(key)) continue;
      this.expiries.add(key);
      this.options.timers.later(Math.max(0, override.until - now) + 1, () => {
        this.expiries.delete(key);
        this.options.requestReconcile(name, `drain override of ${region} expired`);
      });
    }
  }

  private async history(name: string, entry: Parameters<RegionSetControl['append']>[1]): Promise<void> {
    try {
      await this.options.control.append(name, entry);
    } catch (error) {
      this.options.metrics.recordHistoryFailure();
      this.options.logger.warn({ regionSet: name, err: error }, 'history entry not written; reconciling goes on');
    }
  }

  private message(error: unknown): string {
    return this.options.scrub(error instanceof Error ? error.message : String(error));
  }
}

function endText(end: EndedOverride, revision: string, file: string): string {
  if (end.why === 'merged') return `${file} at revision ${revision.slice(0, 12)} no longer has ${end.region} active: the manifest caught up, the override is cleared`;
  return `the drain of ${end.region} expired at ${new Date(end.override.until).toISOString()} without the manifest catching up: traffic follows the manifest again`;
}

function refused(status: DrainAnswer['status'], error: string): DrainAnswer {
  return { status, body: { error } };
}
