// The status store's condition transitions and the metrics families, fed the same
// outcomes the reconciler returns.
import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from '../../controller/runtime/metrics.js';
import type { OutcomeKind, PlanReport, ReconcileOutcome } from '../../controller/runtime/outcome.js';
import { condition, StatusStore } from '../../controller/runtime/status.js';

let clock = Date.UTC(2026, 0, 1);
const now = () => clock;

function planWith(steps: Record<string, number>, refusals: PlanReport['refusals'] = []): PlanReport {
  const total = Object.values(steps).reduce((a, b) => a + b, 0);
  return {
    steps: total,
    stepsByAction: steps,
    stepsByRegion: total ? { 'eu-west-1': steps } : {},
    summary: { steps: total, create: total, update: 0, delete: 0, regions: total ? { 'eu-west-1': 'joining', 'us-east-2': 'unchanged' } : { 'eu-west-1': 'unchanged', 'us-east-2': 'unchanged' }, route53ChangeBatches: total ? 1 : 0 },
    refusals,
  };
}

function outcome(kind: OutcomeKind, extra: Partial<ReconcileOutcome> = {}): ReconcileOutcome {
  clock += 1_000;
  return {
    regionSet: 'global-api',
    reconcileId: `r${clock}`,
    revision: 'abc123',
    mode: 'apply',
    kind,
    reasons: ['webhook'],
    file: 'manifests/global-api.yaml',
    startedAt: clock - 500,
    finishedAt: clock,
    desiredRegions: { 'eu-west-1': 'active', 'us-east-2': 'active' },
    fencingToken: 0,
    ...extra,
  };
}

const store = () => new StatusStore({ mode: 'apply', sourceUrl: 'https://git.example/org/repo.git', branch: 'main', now });

describe('StatusStore', () => {
  it('moves lastAppliedRevision only when the live state matches the revision', () => {
    const status = store();
    status.record(outcome('applied', { plan: planWith({ 'stack.create': 1 }), apply: { completed: 1, failed: [], skipped: 0, notStarted: 0, aborted: false, elapsedMs: 9 } }));
    expect(status.get('global-api')!.lastAppliedRevision).toBe('abc123');
    const failed = { completed: 1, failed: [{ stepId: 'eu-west-1:stack.create', message: 'rolled back' }], skipped: 2, notStarted: 0, aborted: false, elapsedMs: 9 };
    status.record(outcome('apply-failed', { revision: 'def456', plan: planWith({ 'stack.create': 1 }), apply: failed }));
    status.record(outcome('refused', { revision: 'def456', plan: planWith({ 'record.delete': 1 }, [{ rule: 'min-healthy-regions', resource: 'x', message: 'no' }]) }));
    expect(status.get('global-api')!.lastAppliedRevision).toBe('abc123');
    status.record(outcome('converged', { revision: 'def456', plan: planWith({}) }));
    expect(status.get('global-api')!.lastAppliedRevision).toBe('def456');
  });

  it('starts Unknown, then Ready after an apply, with per-region state and the last plan', () => {
    const status = store();
    status.markReconciling('global-api', 'manifests/global-api.yaml', 'abc123', ['start-up']);
    const set = status.get('global-api')!;
    expect(condition(set, 'Ready')?.status).toBe('Unknown');
    expect(condition(set, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Progressing' });

    status.record(outcome('applied', { plan: planWith({ 'stack.create': 1, 'record.create': 1 }), apply: { completed: 2, failed: [], skipped: 0, notStarted: 0, aborted: false, elapsedMs: 9 } }));
    const after = status.snapshot().regionSets['global-api']!;
    expect(condition(after, 'Ready')).toMatchObject({ status: 'True', reason: 'ReconciliationSucceeded' });
    expect(condition(after, 'Reconciling')?.status).toBe('False');
    expect(condition(after, 'DriftDetected')?.status).toBe('False');
    expect(condition(after, 'ApplyFailed')?.status).toBe('False');
    expect(after.lastPlan).toMatchObject({ steps: 2, stepsByAction: { 'stack.create': 1, 'record.create': 1 }, regions: { 'eu-west-1': 'joining' } });
    expect(after.regions['eu-west-1']).toEqual({ desiredState: 'active', lastTransition: 'joining', lastPlanSteps: { 'stack.create': 1, 'record.create': 1 }, traffic: 'serving' });
    expect(after.lastSuccessfulReconcileTime).toBe(new Date(clock).toISOString());
    expect(after.lastAppliedRevision).toBe('abc123');
    // JSON all the way down.
    expect(JSON.parse(JSON.stringify(status.snapshot()))).toEqual(status.snapshot());
  });

  it("a region's traffic follows whether its plan was carried out; its health stays as last observed", () => {
    const status = store();
    const refusal = [{ rule: 'min-healthy-regions' as const, resource: 'x', message: 'no' }];
    status.record(outcome('refused', { plan: planWith({ 'stack.create': 1 }, refusal), regionsObserved: { 'eu-west-1': { health: 'unhealthy' } } }));
    let regions = status.snapshot().regionSets['global-api']!.regions;
    expect(regions['eu-west-1']).toMatchObject({ traffic: 'joining', health: 'unhealthy', healthObservedAt: new Date(clock).toISOString() });
    expect(regions['us-east-2']).toMatchObject({ traffic: 'serving' });
    expect(regions['us-east-2']!.health).toBeUndefined();
    const observedAt = regions['eu-west-1']!.healthObservedAt;

    status.record(outcome('applied', { plan: planWith({ 'stack.create': 1 }), apply: { completed: 1, failed: [], skipped: 0, notStarted: 0, aborted: false, elapsedMs: 9 }, regionsObserved: { 'eu-west-1': { weight: { desired: 100, live: 100 } } } }));
    regions = status.snapshot().regionSets['global-api']!.regions;
    expect(regions['eu-west-1']).toMatchObject({ traffic: 'serving', weight: { desired: 100, live: 100 }, health: 'unhealthy', healthObservedAt: observedAt });

    const draining = { ...planWith({ 'record.delete': 1 }), summary: { ...planWith({ 'record.delete': 1 }).summary, regions: { 'eu-west-1': 'draining' as const, 'us-east-2': 'unchanged' as const } } };
    status.record(outcome('drift', { mode: 'plan-only', plan: draining, desiredRegions: { 'eu-west-1': 'drained', 'us-east-2': 'active' } }));
    expect(status.snapshot().regionSets['global-api']!.regions['eu-west-1']).toMatchObject({ desiredState: 'drained', traffic: 'draining' });
    status.record(outcome('applied', { plan: draining, desiredRegions: { 'eu-west-1': 'drained', 'us-east-2': 'active' } }));
    expect(status.snapshot().regionSets['global-api']!.regions['eu-west-1']).toMatchObject({ desiredState: 'drained', traffic: 'drained' });
  });

  it('an invalid manifest stalls with file:line:col and keeps the last plan and regions', () => {
    const status = store();
    status.record(outcome('converged', { plan: planWith({}) }));
    const before = status.snapshot().regionSets['global-api']!;
    status.record(
      outcome('stalled', {
        revision: 'def456',
        issues: [{ file: 'manifests/global-api.yaml', line: 12, column: 7, rule: 'schema', message: 'weight must be at most 255' }],
      }),
    );
    const set = status.snapshot().regionSets['global-api']!;
    expect(condition(set, 'Stalled')).toMatchObject({ status: 'True', reason: 'ManifestInvalid', message: 'manifests/global-api.yaml:12:7: weight must be at most 255' });
    expect(condition(set, 'Ready')).toMatchObject({ status: 'False', reason: 'ManifestInvalid' });
    expect(set.lastError).toMatchObject({ reason: 'ManifestInvalid', location: 'manifests/global-api.yaml:12:7' });
    expect(set.lastPlan).toEqual(before.lastPlan);
    expect(set.regions).toEqual(before.regions);
    expect(set.lastAppliedRevision).toBe('abc123');
    expect(set.lastAttemptedRevision).toBe('def456');

    // The next good revision clears it.
    status.record(outcome('converged', { revision: 'fed789', plan: planWith({}) }));
    const fixed = status.snapshot().regionSets['global-api']!;
    expect(condition(fixed, 'Stalled')?.status).toBe('False');
    expect(condition(fixed, 'Ready')?.status).toBe('True');
    expect(fixed.lastError).toBeUndefined();
  });

  it('plan-only drift, refusals and failed steps each say so', () => {
    const status = new StatusStore({ mode: 'plan-only', sourceUrl: '/repo', now });
    status.record(outcome('drift', { mode: 'plan-only', plan: planWith({ 'record.update': 2 }) }));
    let set = status.get('global-api')!;
    expect(condition(set, 'DriftDetected')).toMatchObject({ status: 'True', reason: 'DriftDetected', message: 'live state differs from the manifest: 2 record.update' });
    expect(condition(set, 'Ready')).toMatchObject({ status: 'False', reason: 'DriftDetected' });

    status.record(outcome('refused', { plan: planWith({ 'record.delete': 1 }, [{ rule: 'min-healthy-regions', resource: 'api.example.com.', message: 'would leave 1 healthy region' }]) }));
    set = status.get('global-api')!;
    expect(condition(set, 'Ready')).toMatchObject({ status: 'False', reason: 'PlanRefused' });
    expect(set.lastPlan?.refusals).toHaveLength(1);

    status.record(outcome('apply-failed', { plan: planWith({ 'stack.create': 1 }), apply: { completed: 0, failed: [{ stepId: 'eu-west-1:stack.create', message: 'ROLLBACK_COMPLETE' }], skipped: 1, notStarted: 0, aborted: false, elapsedMs: 5 } }));
    set = status.get('global-api')!;
    expect(condition(set, 'ApplyFailed')).toMatchObject({ status: 'True', reason: 'StepsFailed', message: 'eu-west-1:stack.create: ROLLBACK_COMPLETE' });
    expect(set.lastError?.reason).toBe('ApplyFailed');
  });

  it('moves lastTransitionTime only when a condition flips', () => {
    const status = store();
    status.record(outcome('converged', { plan: planWith({}) }));
    const first = condition(status.get('global-api'), 'Ready')!.lastTransitionTime;
    status.record(outcome('converged', { plan: planWith({}) }));
    expect(condition(status.get('global-api'), 'Ready')!.lastTransitionTime).toBe(first);
    status.record(outcome('error', { error: { name: 'TransientError', message: 'Rate exceeded' } }));
    const flipped = condition(status.get('global-api'), 'Ready')!;
    expect(flipped).toMatchObject({ status: 'False', reason: 'TransientError', message: 'Rate exceeded' });
    expect(flipped.lastTransitionTime).not.toBe(first);
    expect(condition(status.get('global-api'), 'Stalled')?.status).toBe('False');
  });

  it('records the source revision, keeps it through failed syncs, and is ready only after a sync', () => {
    const status = store();
    expect(status.isReady).toBe(false);
    status.recordSync('abc123');
    status.recordSyncFailure('fetch failed');
    const { source, ready } = status.snapshot();
    expect(ready).toBe(true);
    expect(source).toMatchObject({ observedRevision: 'abc123', consecutiveFailures: 1, lastError: { message: 'fetch failed' } });
  });
});

describe('ControllerMetrics', () => {
  it('exposes every family after a reconcile, on its own registry', async () => {
    const metrics = new ControllerMetrics({ processMetrics: false });
    metrics.recordReconcile(outcome('applied', { plan: planWith({ 'stack.create': 1 }) }));
    metrics.recordReconcile(outcome('refused', { plan: planWith({ 'record.delete': 1 }, [{ rule: 'min-healthy-regions', resource: 'x', message: 'no' }]) }));
    metrics.recordAwsCall({ service: 'cloudformation', operation: 'DescribeStacks', outcome: 'ok' });
    metrics.recordAwsCall({ service: 'route53', operation: 'ChangeResourceRecordSets', outcome: 'Throttling' });
    metrics.recordSourceFailure();
    const text = await metrics.text();
    for (const family of [
      'regionctl_reconcile_duration_seconds',
      'regionctl_reconcile_total',
      'regionctl_plan_steps',
      'regionctl_drift_detected',
      'regionctl_plan_refusals_total',
      'regionctl_last_successful_reconcile_timestamp_seconds',
      'regionctl_aws_calls_total',
      'regionctl_source_fetch_failures_total',
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    expect(text).toContain('regionctl_reconcile_total{regionset="global-api",outcome="applied"} 1');
    expect(text).toContain('regionctl_reconcile_duration_seconds_count{regionset="global-api",outcome="applied"} 1');
    expect(text).toContain('regionctl_plan_refusals_total{regionset="global-api",rule="min-healthy-regions"} 1');
    expect(text).toContain('regionctl_aws_calls_total{service="route53",operation="ChangeResourceRecordSets",outcome="Throttling"} 1');
    expect(text).toContain('regionctl_drift_detected{regionset="global-api"} 1');
    // The action of the earlier plan drops to 0 instead of lingering.
    expect(text).toContain('regionctl_plan_steps{regionset="global-api",action="stack.create"} 0');
    expect(text).toContain('regionctl_plan_steps{regionset="global-api",action="record.delete"} 1');
    expect(text).toContain('regionctl_source_fetch_failures_total 1');

    // Two controllers in one process do not collide (no global registry).
    expect(() => new ControllerMetrics({ processMetrics: false })).not.toThrow();
  });
});
