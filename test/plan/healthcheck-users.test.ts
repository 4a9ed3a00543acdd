// Route 53 deletes a health check that a record still references, and the record's routing
// then becomes unpredictable (r53.delete-healthcheck-in-use). The planner deletes a check only
// after every record of the zone that uses it — ours or anyone's — is changed or deleted by
// the same plan; otherwise it keeps the check and says which record holds it.
import { describe, expect, it } from 'vitest';
import { plan } from '../../controller/plan/plan.js';
import { DEFAULT_HEALTH_CHECK, desiredState, healthCheckId, liveFor, withRegion } from '../support/builders.js';
import { expectOrder, expectWellFormed, ids, NOW } from './helpers.js';

const weighted = desiredState({ records: [{ routing: 'weighted' }] });
const drained = withRegion(weighted, 'eu-west-1', { state: 'drained' });
const checkOf = (region: string) => `${region}:healthcheck.delete:api.example.com.:${healthCheckId('api.example.com.', region)}`;

describe('deleting a health check that a record uses', () => {
  it('deletes our own record first, then the check', () => {
    const result = plan(drained, liveFor(weighted).build(), { now: NOW });
    expectWellFormed(result);
    expectOrder(result, 'eu-west-1:record.delete:api.example.com.:CNAME', checkOf('eu-west-1'));
  });

  it('keeps the check, with a note naming the record, while a record this plan does not touch still uses it', () => {
    const live = liveFor(weighted).build();
    const id = healthCheckId('api.example.com.', 'eu-west-1');
    live.records.push({ name: 'legacy.example.com.', type: 'A', ttl: 60, values: ['192.0.2.7'], setIdentifier: 'old', failover: 'PRIMARY', healthCheckId: id });

    const result = plan(drained, live, { now: NOW });

    expectWellFormed(result);
    expect(ids(result)).not.toContain(checkOf('eu-west-1'));
    expect(ids(result)).toContain('eu-west-1:record.delete:api.example.com.:CNAME');
    expect(result.notes).toContainEqual(expect.stringMatching(new RegExp(`health check ${id} .*kept: record legacy\\.example\\.com\\. A \\(old\\) still uses it.*remove the health check from the record, then run apply again`)));
  });
});

describe('checker regions dropped from the manifest', () => {
  const CHOSEN = ['eu-west-1', 'us-east-1', 'us-west-2'];
  const withChosen = desiredState({ records: [{ healthCheck: { ...DEFAULT_HEALTH_CHECK, regions: CHOSEN } }] });
  const latency = desiredState();

  it('go back to Route 53 default set: an update whose payload sends no regions (the adapter resets them with ResetElements)', () => {
    const result = plan(latency, liveFor(withChosen).build(), { now: NOW });
    expectWellFormed(result);
    const updates = result.steps.filter((s) => s.action === 'healthcheck.update');
    expect(updates).toHaveLength(latency.regions.length);
    for (const update of updates) expect(update.payload).toMatchObject({ config: { regions: [] } });
  });

  it('are left alone when the live check already uses the default set', () => {
    const result = plan(latency, liveFor(latency).build(), { now: NOW });
    expect(result.steps.filter((s) => s.action === 'healthcheck.update')).toEqual([]);
  });
});
