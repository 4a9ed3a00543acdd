// The controller: keeps the source synced, knows the RegionSets of the current revision,
// and schedules one reconcile per RegionSet on start-up, webhook, resync and manual
// trigger. Syncs coalesce like reconciles (one at a time, a burst → one more), and a
// failed sync keeps the last good revision (reconciles still run on it: the resync
// catches drift even while git is down) and is retried with the source's backoff. A
// RegionSet has at most one pending retry: after an error (backing off), or, on a
// follower, at the end of the holder's lease (scheduleRetry).

import type { Clock } from '../clock.js';
import type { ControlState, ControlStore, HistoryEntry } from '../providers/types.js';
import { historyEntry, RegionSetControl } from './control.js';
import { AlwaysLeader, type Leases } from './leases.js';
import { silentLogger, type Logger } from './logger.js';
import { ControllerMetrics } from './metrics.js';
import type { ReconcileOutcome, RunMode } from './outcome.js';
import { reconcileRegionSet, type ReconcileRequest } from './reconciler.js';
import { redactPaths } from './redact-paths.js';
import { Scheduler } from './scheduler.js';
import { Timers } from './timers.js';
import { BreakGlass, type DrainAnswer, type DrainRequest } from './drains.js';
import { SyncWindowGate, type SyncWindowOverride } from './sync-window.js';
import { StatusStore } from './status.js';
import type { TargetFactory } from '../targets/types.js';
import { discoverRegionSets, type IndexedRegionSet } from './discovery.js';
import { controlEvent, outcomeEvent, type RuntimeEvent } from '../notify/events.js';

export interface ManifestSource {
  /** Brings the files to the newest revision; throws (keeping the last good files) on failure. */
  sync(): Promise<{ revision: string; dir: string }>;
  /** After a failure, how long to wait before the next attempt. */
  nextRetryDelayMs?(): number;
}

export type ListManifests = (dir: string, glob: string) => Promise<string[]>;

export interface ResyncHandle {
  stop(): void;
}

export interface ControllerOptions {
  source: ManifestSource;
  /** Shown in /status and logs: no credentials in it. */
  sourceUrl: string;
  branch?: string;
  listManifests: ListManifests;
  /** Glob of manifest files relative to the source root; files of another kind are skipped. */
  manifestGlob: string;
  mode: RunMode;
  targets: TargetFactory;
  leases?: Leases;
  logger?: Logger;
  metrics?: ControllerMetrics;
  /** Scrubs configured secrets from messages kept in /status. */
  scrub?: (text: string) => string;
  /** RegionSets suspended from the start, in this process (REGIONCTL_SUSPEND). */
  suspended?: Iterable<string>;
  /** Shared suspension and history (runtime/control.ts); default: in memory, this instance only. */
  control?: ControlStore;
  /** History entries kept per RegionSet (REGIONCTL_HISTORY_LIMIT, default 50). */
  historyLimit?: number;
  /** RegionSets reconciled at once (default 4). */
  concurrency?: number;
  /** Starts the periodic resync; absent: no resync. */
  startResync?: (onTick: () => void) => ResyncHandle;
  /** Shutdown bound for the running steps (default 30 s). */
  shutdownTimeoutMs?: number;
  /** Executor poll interval override (emulators). */
  pollMs?: number;
  /**
   * First retry of a RegionSet whose reconcile failed (default 30 s); it doubles with each
   * failure in a row up to maxRetryMs and is reset by a reconcile that does not fail. Also
   * the next look at a lease another replica holds when the lease table cannot say when it ends.
   */
  retryMs?: number;
  /** Longest wait between retries of a failing RegionSet (default 10 min). */
  maxRetryMs?: number;
  /** Wall clock (injectable for tests). */
  now?: () => number;
  /** Drives the controller's timers (retries) and, without `now`, its wall clock; default: real timers. */
  clock?: Clock;
  /** The one event path (notifications, tests): apply started/succeeded/failed, plan refused, drift, converged, suspend/resume. Must not block; a listener that throws is logged. */
  notify?: (event: RuntimeEvent) => void;
}

/** A RegionSet whose inventory is in a zone the manifests use, but that no file declares any more. */
interface Orphan {
  file?: string;
  since: string;
}

export interface StopResult {
  /** True when the running reconciles finished within the bound. */
  drained: boolean;
  stillRunning: string[];
}

const SOURCE_KEY = 'source';
const DEFAULT_RETRY_MS = 30_000;
const DEFAULT_MAX_RETRY_MS = 10 * 60_000;
/** A follower never looks at the lease more often than this (clock skew between replicas). */
const MIN_LEASE_LOOK_MS = 1_000;

interface PendingRetry {
  cancel(): void;
  reason: string;
}

export class Controller {
  readonly status: StatusStore;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  private readonly leases: Leases;
  private readonly syncs: Scheduler;
  private readonly reconciles: Scheduler;
  private readonly control: RegionSetControl;
  private readonly shutdown = new AbortController();
  private readonly timers: Timers;
  private readonly breakGlass: BreakGlass;
  private readonly syncWindows: SyncWindowGate;
  /** At most one pending retry per RegionSet: each outcome replaces it, a success clears it. */
  private readonly retries = new Map<string, PendingRetry>();
  /** Failed reconciles in a row per RegionSet, for the backoff. */
  private readonly failures = new Map<string, number>();
  private index = new Map<string, IndexedRegionSet>();
  /** Files of the last revision seen, and for each file the files it replaced in one change (renames). */
  private files: Set<string> | undefined;
  private renamedFrom = new Map<string, Set<string>>();
  /** Inventories seen in the zones by the last reconciles, by RegionSet name. */
  private readonly inventories = new Map<string, { zone: string; file?: string }>();
  private readonly zoneListedAt = new Map<string, number>();
  private readonly orphans = new Map<string, Orphan>();
  private root: string | undefined;
  private revision: string | undefined;
  private resync: ResyncHandle | undefined;
  private stopping: Promise<StopResult> | undefined;

  constructor(private readonly options: ControllerOptions) {
    this.logger = options.logger ?? silentLogger();
    this.metrics = options.metrics ?? new ControllerMetrics();
    this.leases = options.leases ?? new AlwaysLeader();
    this.timers = new Timers(options.clock);
    this.control = new RegionSetControl({ ...(options.control ? { store: options.control } : {}), ...(options.suspended ? { suspended: options.suspended } : {}), ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}) });
    this.syncWindows = new SyncWindowGate({ now: () => this.now(), override: (name) => this.control.state(name)?.syncWindowOverride, metrics: this.metrics });
    this.status = new StatusStore({
      mode: options.mode,
      // A local source is a path: /status shows its last segment only.
      sourceUrl: redactPaths(options.sourceUrl),
      ...(options.branch ? { branch: options.branch } : {}),
      now: () => this.now(),
      isLeader: (name) => this.leases.isHeld(name),
      redact: (text) => redactPaths(text, this.root),
      syncWindows: (name) => this.syncWindows.status(name),
    });
    this.breakGlass = new BreakGlass({ control: this.control, status: this.status, metrics: this.metrics, logger: this.logger, timers: this.timers, targets: options.targets, now: () => this.now(), requestReconcile: (name, reason) => this.requestReconcile(name, reason), scrub: (text) => this.scrub(text) });
    this.syncs = new Scheduler({ concurrency: 1, run: (_key, reasons) => this.syncAndSchedule(reasons), onError: (_key, error) => this.bug('sync', error) });
    this.reconciles = new Scheduler({
      concurrency: options.concurrency ?? 4,
      run: (name, reasons) => this.reconcile(name, reasons),
      onError: (name, error) => this.bug(`reconcile of ${name}`, error),
    });
  }

  get ready(): boolean {
    return this.status.isReady;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** The first sync and reconcile of every RegionSet, then the periodic resync. */
  start(): void {
    this.logger.info({ source: this.options.sourceUrl, branch: this.options.branch, glob: this.options.manifestGlob, mode: this.options.mode, target: this.options.targets.describe }, 'controller starting');
    this.requestSync('start-up');
    this.resync = this.options.startResync?.(() => this.requestSync('resync'));
  }

  /** Sync the source, then reconcile every RegionSet (webhook, resync, manual trigger). */
  requestSync(reason: string): boolean {
    return this.syncs.request(SOURCE_KEY, reason);
  }

  /** Reconcile one RegionSet at the current revision, without a sync; false when unknown. */
  requestReconcile(name: string, reason: string): boolean {
    if (!this.index.has(name)) return false;
    return this.reconciles.request(name, reason);
  }

  knows(name: string): boolean {
    return this.index.has(name);
  }

  isSuspended(name: string): boolean {
    return this.control.isSuspended(name);
  }

  /** Suspends in the shared store (every replica skips it from its next reconcile on) and records it in history. */
  async suspend(name: string, who: { reason: string; by: string }): Promise<ControlState> {
    return this.setControl(name, { suspended: true, ...who, at: this.now() });
  }

  /** Resumes in the shared store and reconciles at once, so the RegionSet catches up with the revision. */
  async resume(name: string, who: { reason: string; by: string }): Promise<ControlState> {
    const state = await this.setControl(name, { suspended: false, ...who, at: this.now() });
    this.requestReconcile(name, `resume by ${who.by}`);
    return state;
  }

  /** Break-glass drain of one region (POST /drain, runtime/drains.ts): guardrails checked, shared state written, reconciled at once. */
  async drain(name: string, request: DrainRequest): Promise<DrainAnswer> {
    const entry = this.index.get(name);
    if (!entry || this.root === undefined || this.revision === undefined) return { status: 404, body: { error: `no RegionSet ${name} in the current revision` } };
    return this.breakGlass.drain(name, { root: this.root, file: entry.file, revision: this.revision, mode: this.options.mode, suspended: this.isSuspended(name) }, request);
  }

  /** History of one RegionSet, or of every RegionSet of the current revision; oldest first. */
  async history(name?: string): Promise<Record<string, HistoryEntry[]>> {
    const names = name !== undefined ? [name] : [...this.index.keys()].sort();
    const entries = await Promise.all(names.map((regionSet) => this.control.history(regionSet)));
    return Object.fromEntries(names.map((regionSet, i) => [regionSet, entries[i] ?? []]));
  }

  /** Lifts the RegionSet's sync windows until `until` (an emergency), in the shared store and history; reconciles at once. */
  async overrideSyncWindows(name: string, request: { reason: string; by: string; forMs: number }): Promise<SyncWindowOverride> {
    const override = { reason: request.reason, by: request.by, at: this.now(), until: this.now() + request.forMs };
    await this.control.overrideSyncWindows(name, override);
    this.logger.warn({ regionSet: name, by: override.by, reason: override.reason, until: new Date(override.until).toISOString() }, 'sync windows overridden');
    this.requestReconcile(name, `sync-window override by ${override.by}`);
    return override;
  }

  private async setControl(name: string, state: ControlState): Promise<ControlState> {
    const changed = this.control.isSuspended(name) !== state.suspended;
    await this.control.set(name, state);
    if (changed) this.emit(controlEvent(state.suspended ? 'suspended' : 'resumed', name, this.revision, state.at));
    this.showSuspension(name);
    this.logger.info({ regionSet: name, by: state.by, reason: state.reason, store: this.control.store.describe }, state.suspended ? 'suspended' : 'resumed');
    return state;
  }

  private showSuspension(name: string): void {
    const suspended = this.control.isSuspended(name);
    const state = this.control.state(name);
    this.status.setSuspended(name, suspended, state?.by ? state : undefined);
    this.metrics.recordSuspended(name, suspended);
    this.breakGlass.show(name);
  }

  /** A listener that throws is logged; reconciling goes on. */
  private emit(event: RuntimeEvent): void {
    try { this.options.notify?.(event); } catch (error) { this.logger.warn({ err: error, event: event.type }, 'an event listener failed; reconciling goes on'); }
  }

  /** Resolves when no sync and no reconcile runs or waits (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.syncs.idle();
      await this.reconciles.idle();
      if (!this.syncs.isScheduled(SOURCE_KEY) && this.reconciles.running.length === 0) return;
    }
  }

  /**
   * Graceful shutdown: no new events, no new step (the executor's signal is aborted), the
   * running steps get `shutdownTimeoutMs` to finish, then the leases are released.
   */
  stop(): Promise<StopResult> {
    this.stopping ??= (async () => {
      this.logger.info('shutting down: no new events; running steps may finish');
      this.resync?.stop();
      this.timers.stop();
      this.shutdown.abort(new Error('shutting down'));
      const bound = this.options.shutdownTimeoutMs ?? 30_000;
      const [syncs, reconciles] = await Promise.all([this.syncs.drain(bound), this.reconciles.drain(bound)]);
      const stillRunning = [...syncs.stillRunning, ...reconciles.stillRunning];
      if (stillRunning.length) this.logger.warn({ stillRunning }, `still running after ${bound} ms; exiting anyway (the next start continues from the live state)`);
      try {
        await this.leases.releaseAll();
      } catch (error) {
        this.logger.warn({ err: error }, 'releasing leases failed; they expire on their own');
      }
      this.options.targets.close();
      this.logger.info('stopped');
      return { drained: stillRunning.length === 0, stillRunning };
    })();
    return this.stopping;
  }

  private async syncAndSchedule(reasons: string[]): Promise<void> {
    const reason = reasons.join(', ');
    try {
      const { revision, dir } = await this.options.source.sync();
      const index = await discoverRegionSets(dir, {
        listManifests: this.options.listManifests,
        manifestGlob: this.options.manifestGlob,
        targets: this.options.targets,
        logger: this.logger,
        scrub: (text) => this.scrub(text),
      });
      const changed = revision !== this.revision;
      this.trackRenames(index);
      this.root = dir;
      this.revision = revision;
      this.index = index;
      this.status.recordSync(revision);
      this.updateOrphans(revision);
      this.status.retain([...index.keys(), ...this.orphans.keys()]);
      this.syncWindows.retain(index.keys());
      for (const [name, entry] of index) {
        this.status.regionSet(name, entry.file);
        this.showSuspension(name);
      }
      this.metrics.recordSourceSync(this.now());
      this.logger.info({ revision, regionSets: [...index.keys()], reason }, changed ? 'source synced: new revision' : 'source synced');
    } catch (error) {
      const message = this.scrub(error instanceof Error ? error.message : String(error));
      this.status.recordSyncFailure(message);
      this.metrics.recordSourceFailure();
      const delay = this.options.source.nextRetryDelayMs?.() ?? 30_000;
      this.logger.warn({ err: error, retryInMs: delay, lastGoodRevision: this.revision }, 'source sync failed; keeping the last good revision');
      this.timers.later(delay, () => this.requestSync('retry after a failed sync'));
      if (this.revision === undefined) return;
    }
    for (const name of this.index.keys()) this.reconciles.request(name, reason);
  }

  /** Remembers, across revisions, which files replaced deleted ones in the same change (a `git mv`). */
  private trackRenames(index: Map<string, IndexedRegionSet>): void {
    const current = new Set([...index.values()].map((entry) => entry.file));
    const previous = this.files;
    this.files = current;
    for (const file of [...this.renamedFrom.keys()]) if (!current.has(file)) this.renamedFrom.delete(file);
    if (!previous) return;
    const deleted = [...previous].filter((file) => !current.has(file));
    if (deleted.length === 0) return;
    for (const file of current) {
      if (previous.has(file)) continue;
      const set = this.renamedFrom.get(file) ?? new Set<string>();
      for (const gone of deleted) set.add(gone);
      this.renamedFrom.set(file, set);
    }
  }

  /**
   * RegionSets whose inventory the reconciles saw in a zone but that no file declares: they
   * are orphaned (reported, never deleted; `regionctl prune-regionset` removes them).
   */
  private updateOrphans(revision: string): void {
    const declared = new Set([...this.index.values()].map((entry) => (entry.name ?? '').toLowerCase()));
    for (const [name, inventory] of this.inventories) {
      if (declared.has(name.toLowerCase())) {
        if (this.orphans.delete(name)) {
          this.status.clearOrphan(name);
          this.logger.info({ regionSet: name }, 'RegionSet is declared again: no longer orphaned');
        }
        continue;
      }
      if (this.orphans.has(name)) continue;
      const orphan: Orphan = { since: revision, ...(inventory.file ? { file: inventory.file } : {}) };
      this.orphans.set(name, orphan);
      const message = `no manifest declares RegionSet ${name} at revision ${revision}${inventory.file ? ` (its last file was ${inventory.file})` : ''}; its resources are kept and no longer reconciled. Restore the file, or remove them with \`regionctl prune-regionset ${name}\``;
      this.logger.warn({ regionSet: name, lastFile: inventory.file ?? null, revision }, `RegionSet orphaned: ${message}`);
      this.status.recordOrphan(name, inventory.file ?? '', message);
    }
    for (const name of [...this.orphans.keys()]) if (!this.inventories.has(name)) this.orphans.delete(name);
    this.metrics.recordOrphans(this.orphans.size);
  }

  private async reconcile(name: string, reasons: string[]): Promise<void> {
    const entry = this.index.get(name);
    if (!entry || this.root === undefined || this.revision === undefined) return;
    const request: ReconcileRequest = {
      regionSet: name,
      root: this.root,
      file: entry.file,
      revision: this.revision,
      reasons,
      ...(entry.blockedBy ? { blockedBy: entry.blockedBy } : {}),
      ...(entry.name !== undefined && !entry.blockedBy && this.files
        ? { ownership: { revisionFiles: this.files, renamedFrom: this.renamedFrom.get(entry.file) ?? new Set<string>(), line: entry.line ?? 1, column: entry.column ?? 1 } }
        : {}),
    };
    // The shared suspension and drains, read at every reconcile: a suspend through another replica, or before a restart, holds here.
    const startedAt = this.now();
    try {
      await this.control.refresh(name);
    } catch (error) {
      const message = this.scrub(error instanceof Error ? error.message : String(error));
      this.logger.warn({ regionSet: name, err: error }, 'cannot read the suspension state: not reconciling until it can be read');
      const base = { regionSet: name, reconcileId: 'control', revision: this.revision, mode: this.options.mode, reasons, file: entry.file, startedAt };
      await this.record({ ...base, kind: 'error', finishedAt: this.now(), error: { name: 'ControlStoreError', message: `suspension state unreadable (${this.control.store.describe}): ${message}` } });
      return;
    }
    this.showSuspension(name);
    if (!this.control.isSuspended(name)) this.status.markReconciling(name, entry.file, this.revision, reasons);
    const drains = this.breakGlass.drains(name);
    const outcome = await reconcileRegionSet(drains ? { ...request, drains } : request, {
      mode: this.options.mode,
      targets: this.options.targets,
      leases: this.leases,
      logger: this.logger,
      isSuspended: (regionSet) => this.control.isSuspended(regionSet),
      syncWindow: (regionSet, windows) => this.syncWindows.check(regionSet, windows),
      signal: this.shutdown.signal,
      ...(this.options.pollMs !== undefined ? { pollMs: this.options.pollMs } : {}),
      scrub: (text) => this.scrub(text),
      now: () => this.now(),
      notify: (event) => this.emit(event),
    });
    await this.breakGlass.settle(outcome);
    await this.record(outcome);
  }

  /** Resolves once the history entry is written (inside the reconcile's slot, so idle() waits for it). */
  private async record(outcome: ReconcileOutcome): Promise<void> {
    this.status.record(outcome);
    if (outcome.inventories) {
      // The newest zone listing is the whole truth for its zone: inventories gone from it (pruned) are forgotten.
      const { zone, found } = outcome.inventories;
      if (outcome.startedAt >= (this.zoneListedAt.get(zone) ?? 0)) {
        this.zoneListedAt.set(zone, outcome.startedAt);
        for (const [name, seen] of [...this.inventories]) if (seen.zone === zone) this.inventories.delete(name);
        for (const inventory of found) this.inventories.set(inventory.regionSet, { zone, ...(inventory.file ? { file: inventory.file } : {}) });
      }
      if (this.revision !== undefined) this.updateOrphans(this.revision);
    }
    this.metrics.recordReconcile(outcome);
    const event = outcomeEvent(outcome);
    if (event) this.emit(event);
    this.scheduleRetry(outcome);
    const entry = historyEntry(outcome);
    if (!entry) return;
    try {
      await this.control.append(outcome.regionSet, entry);
    } catch (error) {
      this.metrics.recordHistoryFailure();
      this.logger.warn({ regionSet: outcome.regionSet, err: error }, 'history entry not written; reconciling goes on');
    }
  }

  /**
   * Errors pass (throttling, outages) and leases change hands: try again without waiting
   * for the resync, but with one pending retry per RegionSet whatever triggered the
   * reconcile (every webhook and resync used to start a chain of its own). Errors back off
   * exponentially; a follower looks again when the holder's lease would end, not on a timer.
   */
  private scheduleRetry(outcome: ReconcileOutcome): void {
    const name = outcome.regionSet;
    this.retries.get(name)?.cancel();
    this.retries.delete(name);
    if (outcome.kind === 'interrupted') return;
    if (outcome.kind !== 'error') this.failures.delete(name);
    let delay: number;
    let reason: string;
    if (outcome.kind === 'error') {
      const failures = (this.failures.get(name) ?? 0) + 1;
      this.failures.set(name, failures);
      const first = this.options.retryMs ?? DEFAULT_RETRY_MS;
      delay = Math.min(first * 2 ** Math.min(failures - 1, 30), Math.max(first, this.options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS));
      reason = 'retry after an error';
    } else if (outcome.kind === 'not-leader') {
      const expiresAt = this.leases.holderExpiresAt?.(name);
      delay = expiresAt === undefined ? (this.options.retryMs ?? DEFAULT_RETRY_MS) : Math.max(MIN_LEASE_LOOK_MS, expiresAt - this.now() + 1);
      reason = 'lease check';
    } else if (outcome.syncWindow && !outcome.syncWindow.open && outcome.syncWindow.opensAt !== undefined) {
      // Wake when the window opens: what it held back is applied then, not at the next resync.
      [delay, reason] = [Math.max(0, outcome.syncWindow.opensAt - this.now()), 'sync window opened'];
    } else {
      return;
    }
    const retry: PendingRetry = {
      reason,
      cancel: this.timers.later(delay, () => {
        if (this.retries.get(name) === retry) this.retries.delete(name);
        this.requestReconcile(name, reason);
      }),
    };
    this.retries.set(name, retry);
  }

  private scrub(text: string): string {
    return this.options.scrub ? this.options.scrub(text) : text;
  }

  private now(): number {
    if (this.options.now) return this.options.now();
    return this.options.clock ? this.options.clock.now() : Date.now();
  }

  private bug(what: string, error: unknown): void {
    this.logger.error({ err: error }, `${what} failed unexpectedly`);
  }
}
