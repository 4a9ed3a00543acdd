// Prometheus metrics of the controller, on a registry of its own (never prom-client's
// global one) so that several controllers in one process — tests — do not collide.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReconcileOutcome } from './outcome.js';

export interface AwsCallReport {
  service: string;
  operation: string;
  /** 'ok' or the AWS error code. */
  outcome: string;
}

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop lag) too; default true. */
  processMetrics?: boolean;
}

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly reconcileDuration: Histogram<'regionset' | 'outcome'>;
  private readonly reconciles: Counter<'regionset' | 'outcome'>;
  private readonly planSteps: Gauge<'regionset' | 'action'>;
  private readonly driftDetected: Gauge<'regionset'>;
  private readonly refusals: Counter<'regionset' | 'rule'>;
  private readonly lastSuccess: Gauge<'regionset'>;
  private readonly awsCalls: Counter<'service' | 'operation' | 'outcome'>;
  private readonly leaseCalls: Counter<'operation' | 'outcome'>;
  private readonly sourceFetchFailures: Counter;
  private readonly sourceLastSync: Gauge;
  private readonly webhookDuplicates: Counter<'source'>;
  private readonly orphaned: Gauge;
  private readonly notifications: Counter<'provider' | 'event' | 'outcome'>;
  private readonly suspendedSets: Gauge<'regionset'>;
  private readonly historyFailures: Counter;
  private readonly drainOverrides: Gauge<'regionset' | 'region'>;
  private readonly drainsEnded: Counter<'regionset' | 'why'>;
  /** Regions drained by override at the last look, so that a cleared one drops to 0. */
  private readonly lastDrains = new Map<string, string[]>();
  private readonly syncWindowOpen: Gauge<'regionset'>;
  private readonly syncWindowOpensAt: Gauge<'regionset'>;
  /** Actions set in each RegionSet's last plan, so that actions gone from the next plan drop to 0. */
  private readonly lastActions = new Map<string, Set<string>>();

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers });
    this.reconcileDuration = new Histogram({
      name: 'regionctl_reconcile_duration_seconds',
      help: 'Wall-clock time of one reconcile of one RegionSet, by outcome',
      labelNames: ['regionset', 'outcome'],
      // From a quiet reconcile (a few reads) to a region joining (stack create, replica copy).
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.reconciles = counter(
      'regionctl_reconcile_total',
      'Reconciles by RegionSet and outcome (converged, applied, drift, refused, apply-failed, stalled, error, interrupted, suspended, not-leader)',
      ['regionset', 'outcome'],
    );
    this.planSteps = gauge('regionctl_plan_steps', 'Steps of the last plan of each RegionSet, by action', ['regionset', 'action']);
    this.driftDetected = gauge(
      'regionctl_drift_detected',
      '1 when the last plan of the RegionSet found differences that were not applied (plan-only, refused or failed), else 0',
      ['regionset'],
    );
    this.refusals = counter('regionctl_plan_refusals_total', 'Guardrail refusals of plans, by rule', ['regionset', 'rule']);
    this.lastSuccess = gauge('regionctl_last_successful_reconcile_timestamp_seconds', 'Unix time of the last reconcile of the RegionSet that left it Ready', ['regionset']);
    this.awsCalls = counter('regionctl_aws_calls_total', 'AWS API calls by service, operation and outcome (ok or the AWS error code)', ['service', 'operation', 'outcome']);
    // Apart from the managed cloud's calls: a follower makes lease calls only.
    this.leaseCalls = counter(
      'regionctl_lease_calls_total',
      'Calls to the lease table (leader election) by operation and outcome (ok or the AWS error code)',
      ['operation', 'outcome'],
    );
    this.sourceFetchFailures = counter('regionctl_source_fetch_failures_total', 'Failed syncs of the manifest source (the last good revision is kept)');
    this.sourceLastSync = gauge('regionctl_source_last_sync_timestamp_seconds', 'Unix time of the last successful sync of the manifest source');
    this.webhookDuplicates = counter(
      'regionctl_webhook_duplicates_total',
      'Webhook deliveries ignored as replays of a delivery id already handled within the window, by sender',
      ['source'],
    );
    this.orphaned = gauge(
      'regionctl_orphaned_regionsets',
      'RegionSets whose inventory is live in a zone the manifests use but that no manifest declares (kept, not reconciled)',
    );
    this.notifications = counter(
      'regionctl_notifications_total',
      'Notifications by configured provider, event and outcome (delivered; failed after the retries or refused by the receiver; dropped: the queue was full or the controller stopped)',
      ['provider', 'event', 'outcome'],
    );
    this.suspendedSets = gauge(
      'regionctl_suspended',
      '1 while the RegionSet is suspended (shared control state or REGIONCTL_SUSPEND), else 0; the reason is in /status',
      ['regionset'],
    );
    this.syncWindowOpen = gauge('regionctl_sync_window_open', '1 when the RegionSet\'s sync windows allow applying now (or an override lifts them), 0 inside a closed window', ['regionset']);
    this.syncWindowOpensAt = gauge('regionctl_sync_window_next_open_timestamp_seconds', 'Closed sync window: when applying opens again (Unix seconds); 0 while open or when it does not open within a year', ['regionset']);
    this.historyFailures = counter('regionctl_history_write_failures_total', 'History entries that could not be written to the control store (reconciling goes on)');
    this.drainOverrides = gauge('regionctl_drain_override', '1 while a break-glass drain (regionctl drain --now) keeps the region of the RegionSet at zero traffic, else 0', ['regionset', 'region']);
    this.drainsEnded = counter('regionctl_drain_overrides_ended_total', 'Break-glass drains that ended: merged (the manifest caught up) or expired (traffic follows the manifest again)', ['regionset', 'why']);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'regionctl_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  recordReconcile(outcome: ReconcileOutcome): void {
    const regionset = outcome.regionSet;
    const labels = { regionset, outcome: outcome.kind };
    this.reconciles.inc(labels);
    // Skips cost nothing and say nothing about reconcile speed.
    if (outcome.kind === 'suspended' || outcome.kind === 'not-leader') return;
    this.reconcileDuration.observe(labels, Math.max(0, outcome.finishedAt - outcome.startedAt) / 1000);

    const plan = outcome.plan;
    if (!plan) return;
    const previous = this.lastActions.get(regionset) ?? new Set<string>();
    const current = new Set(Object.keys(plan.stepsByAction));
    for (const action of previous) if (!current.has(action)) this.planSteps.set({ regionset, action }, 0);
    for (const [action, count] of Object.entries(plan.stepsByAction)) this.planSteps.set({ regionset, action }, count ?? 0);
    this.lastActions.set(regionset, current);

    for (const refusal of plan.refusals) this.refusals.inc({ regionset, rule: refusal.rule });
    const drift = outcome.kind === 'drift' || outcome.kind === 'refused' || outcome.kind === 'apply-failed';
    this.driftDetected.set({ regionset }, drift ? 1 : 0);
    if (outcome.kind === 'converged' || outcome.kind === 'applied') this.lastSuccess.set({ regionset }, outcome.finishedAt / 1000);
  }

  recordAwsCall(call: AwsCallReport): void {
    this.awsCalls.inc({ service: call.service, operation: call.operation, outcome: call.outcome });
  }

  recordLeaseCall(call: AwsCallReport): void {
    this.leaseCalls.inc({ operation: call.operation, outcome: call.outcome });
  }

  recordSourceFailure(): void {
    this.sourceFetchFailures.inc();
  }

  recordWebhookDuplicate(source: string): void {
    this.webhookDuplicates.inc({ source });
  }

  recordOrphans(count: number): void {
    this.orphaned.set(count);
  }

  recordNotification(provider: string, event: string, outcome: string): void {
    this.notifications.inc({ provider, event, outcome });
  }

  recordSuspended(regionset: string, suspended: boolean): void {
    this.suspendedSets.set({ regionset }, suspended ? 1 : 0);
  }

  recordDrains(regionset: string, regions: string[]): void {
    for (const region of this.lastDrains.get(regionset) ?? []) if (!regions.includes(region)) this.drainOverrides.set({ regionset, region }, 0);
    for (const region of regions) this.drainOverrides.set({ regionset, region }, 1);
    this.lastDrains.set(regionset, regions);
  }

  recordDrainEnded(regionset: string, why: string): void {
    this.drainsEnded.inc({ regionset, why });
  }

  recordSyncWindow(regionset: string, open: boolean, opensAt: number | undefined): void {
    this.syncWindowOpen.set({ regionset }, open ? 1 : 0);
    this.syncWindowOpensAt.set({ regionset }, open || opensAt === undefined ? 0 : opensAt / 1000);
  }

  recordHistoryFailure(): void {
    this.historyFailures.inc();
  }

  recordSourceSync(at: number): void {
    this.sourceLastSync.set(at / 1000);
  }
}
