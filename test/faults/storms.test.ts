// Throttling and 5xx storms: a share of every call to a service is refused (seeded, so the
// same calls are refused on every run). regionctl backs off, retries, re-plans what it
// could not finish, and ends in the same state as on a quiet day, without duplicates.

import { afterAll, describe, expect, it } from 'vitest';
import { desiredState, type ScenarioManifest } from '../apply/desired.js';
import { acceptedCalls, convergedWorld, expectConverged, faultedCalls, FIVE_MORE, matrix, printMatrix, reconcileUntilConverged, THREE, type FaultWorld } from './world.js';

interface Storm {
  name: string;
  arm(w: FaultWorld): void;
  /** Error codes the storm answers with. */
  codes: string[];
}

const storms: Storm[] = [
  {
    name: 'Route 53 throttling, 30% of calls',
    arm: (w) => {
      w.cloud.faults.throttle('route53:*', { probability: 0.3 });
    },
    codes: ['Throttling'],
  },
  {
    name: 'Route 53 PriorRequestNotComplete, 40% of changes + throttling 20%',
    arm: (w) => {
      w.cloud.faults.inject('ChangeResourceRecordSets', 'priorRequestNotComplete', { probability: 0.4 });
      for (const operation of ['ListHostedZonesByName', 'GetHostedZone', 'ListResourceRecordSets', 'ChangeResourceRecordSets', 'GetChange']) {
        w.cloud.faults.throttle(operation, { probability: 0.2 });
      }
    },
    codes: ['PriorRequestNotComplete', 'Throttling'],
  },
  {
    name: 'CloudFormation throttling, 30% of calls',
    arm: (w) => {
      w.cloud.faults.throttle('cloudformation:*', { probability: 0.3 });
    },
    codes: ['Throttling'],
  },
  {
    name: '5xx (ServiceUnavailable) on every service, 25% of calls',
    arm: (w) => {
      w.cloud.faults.unavailable('*', { probability: 0.25 });
    },
    codes: ['ServiceUnavailable'],
  },
];

interface Change {
  name: string;
  before: ScenarioManifest;
  after: ScenarioManifest;
  replicas: string[];
}

const changes: Change[] = [
  { name: 'add a region', before: { regions: THREE }, after: { regions: { ...THREE, 'us-west-2': '{}' } }, replicas: ['us-east-1', 'eu-west-1', 'ap-southeast-1', 'us-west-2'] },
  {
    name: 'add 5 regions at once',
    before: { regions: THREE },
    after: { regions: { ...THREE, ...FIVE_MORE }, maxParallelRegions: 5 },
    replicas: ['us-east-1', 'eu-west-1', 'ap-southeast-1', ...Object.keys(FIVE_MORE)],
  },
  { name: 'drain a region', before: { regions: THREE }, after: { regions: { ...THREE, 'ap-southeast-1': '{ state: drained }' } }, replicas: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] },
  { name: 'remove a region', before: { regions: THREE }, after: { regions: { 'us-east-1': '{}', 'eu-west-1': '{}' } }, replicas: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] },
];

const cases = storms.flatMap((storm) => changes.map((change) => ({ storm, change, label: `${change.name} / ${storm.name}` })));

describe('fault suite: API storms', () => {
  afterAll(() => printMatrix('API storms'));

  it.each(cases)('$label: converges with no duplicate or stray resource', async ({ storm, change }) => {
    const w = await convergedWorld(change.before);
    const after = await desiredState(change.after);
    const checksBefore = w.cloud.toJSON().healthChecks.length;
    storm.arm(w);

    const report = await reconcileUntilConverged(w, after);
    const refused = faultedCalls(w, storm.codes);
    w.cloud.faults.clear();

    expect(report.refusals).toEqual([]);
    expect(report.converged, JSON.stringify(report)).toBe(true);
    expect(refused, 'the storm hit calls').toBeGreaterThan(0);
    expectConverged(w, after, { replicas: change.replicas });
    // Only what the change needs was written: no stack or health check made twice.
    const joining = after.regions.length - Object.keys(change.before.regions).length;
    // Stacks are created by executing a change set (no update happens in these changes).
    expect(acceptedCalls(w, 'ExecuteChangeSet') + acceptedCalls(w, 'DeleteStack')).toBe(Math.abs(joining));
    // Health checks made (deleted ones included): CreateHealthCheck itself may be accepted more
    // than once, since a retry after a refused tagging call replays it with the same CallerReference.
    expect(w.cloud.toJSON().healthChecks.length - checksBefore).toBe(Math.max(0, joining));

    const applies = report.reconciles - 1 - report.planningErrors.length;
    matrix.push({
      case: change.name,
      fault: storm.name,
      outcome:
        `converged after ${applies} apply(ies); ${refused} calls refused and retried` +
        (report.planningErrors.length ? `; ${report.planningErrors.length} reconcile(s) could not read the live state, retried at resync` : '') +
        (report.failures.length ? `; ${report.failures.length} step(s) out of retries, re-planned` : ''),
    });
  });
});
