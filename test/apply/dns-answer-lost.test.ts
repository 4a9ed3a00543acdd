// Issue 12 item 8 (Route 53 half): a ChangeResourceRecordSets whose answer is lost (the request
// timed out after Route 53 applied it) is never sent again blindly. A second CREATE of the same
// record would be refused ("Tried to create resource record set ... but it already exists",
// r53.create-existing-record), so the adapter re-reads the zone's records first and only
// resends a batch that did not take effect.
import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { joinRegion, makePlan, RECORD, world } from './helpers.js';

describe('a timed-out record change is retried only after re-reading the records', () => {
  it('does not resend a change Route 53 applied before the answer was lost', async () => {
    const w = world();
    const plan = makePlan(joinRegion('ap-southeast-1', w.zoneId, { ramp: [100] }));
    w.cloud.faults.answerLost('ChangeResourceRecordSets');

    const result = await execute(plan, w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    const sent = w.cloud.calls.entries.filter((call) => call.operation === 'ChangeResourceRecordSets');
    // Each batch once: the one whose answer was lost was found applied, not sent again.
    expect(sent.filter((call) => call.outcome === 'ok').length).toBe(sent.length - 1);
    expect(sent.filter((call) => call.outcome !== 'ok').map((call) => call.outcome)).toEqual(['TimeoutError']);
    expect(w.cloud.calls.count('ListResourceRecordSets')).toBeGreaterThan(0);
    expect(w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD && r.setIdentifier === 'ap-southeast-1')).toHaveLength(1);
  });

  it('resends a change that timed out before Route 53 applied it', async () => {
    const w = world();
    const plan = makePlan(joinRegion('ap-southeast-1', w.zoneId, { ramp: [100] }));
    w.cloud.faults.requestLost('ChangeResourceRecordSets');

    const result = await execute(plan, w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    const outcomes = w.cloud.calls.entries.filter((call) => call.operation === 'ChangeResourceRecordSets').map((call) => call.outcome);
    expect(outcomes[0]).toBe('TimeoutError');
    expect(outcomes.slice(1).every((outcome) => outcome === 'ok')).toBe(true);
    expect(w.cloud.recordsOf('example.com.').find((r) => r.name === RECORD && r.setIdentifier === 'ap-southeast-1')?.weight).toBe(100);
  });

  it('retries a timed-out CreateHealthCheck with the same CallerReference: one check, no error', async () => {
    const w = world();
    const plan = makePlan(joinRegion('ap-southeast-1', w.zoneId, { ramp: [100] }));
    w.cloud.faults.answerLost('CreateHealthCheck');

    const result = await execute(plan, w.cloud.providers(), w.options());

    expect(result.failed).toEqual([]);
    const creates = w.cloud.calls.entries.filter((call) => call.operation === 'CreateHealthCheck').map((call) => call.outcome);
    // The retry is safe: Route 53 returns the check the lost answer made (r53.healthcheck-caller-reference).
    expect(creates).toEqual(['TimeoutError', 'ok']);
    expect(w.cloud.listHealthChecks()).toHaveLength(1);
  });
});
