// Issue 12 item 8 (Route 53 half): a ChangeResourceRecordSets whose answer is lost (the request
// timed out after Route 53 applied it) is never sent again blindly. A second CREATE of the same
// record would be refused ("Tried to create resource record set ... but it already exists",
// r53.create-existing-record), so the adapter re-reads the zone's records first and only
// resends a batch that did not take effect.
import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { joinRegion, makePlan, RECORD, world, type World } from './helpers.js';

/**
 * ap-southeast-1 joined at weight 100 on a sandbox where `lose` made one call lose its request
 * or its answer: the apply succeeds. The world after it and the outcomes of `operation`'s calls.
 */
async function joinLosing(operation: string, lose: (w: World) => void): Promise<{ w: World; outcomes: string[] }> {
  const w = world();
  const plan = makePlan(joinRegion('ap-southeast-1', w.zoneId, { ramp: [100] }));
  lose(w);
  const result = await execute(plan, w.cloud.providers(), w.options());
  expect(result.failed).toEqual([]);
  return { w, outcomes: w.cloud.calls.entries.filter((call) => call.operation === operation).map((call) => call.outcome) };
}

describe('a timed-out record change is retried only after re-reading the records', () => {
  it('does not resend a change Route 53 applied before the answer was lost', async () => {
    const { w, outcomes } = await joinLosing('ChangeResourceRecordSets', (w) => w.cloud.faults.answerLost('ChangeResourceRecordSets'));
    // Each batch once: the one whose answer was lost was found applied, not sent again.
    expect(outcomes.filter((outcome) => outcome === 'ok').length).toBe(outcomes.length - 1);
    expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual(['TimeoutError']);
    expect(w.cloud.calls.count('ListResourceRecordSets')).toBeGreaterThan(0);
    expect(w.cloud.recordsOf('example.com.').filter((r) => r.name === RECORD && r.setIdentifier === 'ap-southeast-1')).toHaveLength(1);
  });

  it('resends a change that timed out before Route 53 applied it', async () => {
    const { w, outcomes } = await joinLosing('ChangeResourceRecordSets', (w) => w.cloud.faults.requestLost('ChangeResourceRecordSets'));
    expect(outcomes[0]).toBe('TimeoutError');
    expect(outcomes.slice(1).every((outcome) => outcome === 'ok')).toBe(true);
    expect(w.cloud.recordsOf('example.com.').find((r) => r.name === RECORD && r.setIdentifier === 'ap-southeast-1')?.weight).toBe(100);
  });

  it('retries a timed-out CreateHealthCheck with the same CallerReference: one check, no error', async () => {
    const { w, outcomes } = await joinLosing('CreateHealthCheck', (w) => w.cloud.faults.answerLost('CreateHealthCheck'));
    // The retry is safe: Route 53 returns the check the lost answer made (r53.healthcheck-caller-reference).
    expect(outcomes).toEqual(['TimeoutError', 'ok']);
    expect(w.cloud.listHealthChecks()).toHaveLength(1);
  });
});
