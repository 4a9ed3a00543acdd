// Issue #11, item 7a: records of another owner at our names. Route 53 lets some stand beside
// ours (weighted records with other set identifiers, latency records of other Regions, failover
// roles and geolocation locations we do not write): they are left alone, shown as foreign in the
// diff, and their weight counts in the traffic share. A true clash (Route 53 would refuse the
// change) still refuses the plan with the rule and the resource, and nothing is written.

import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { renderJson, renderMarkdown, renderText } from '../../controller/plan/render.js';
import type { DnsRecord } from '../../controller/providers/types.js';
import { withRegion } from '../support/builders.js';
import {
  addForeign,
  converge,
  emptyWorld,
  expectRefusedWithoutWrites,
  foreignWeighted,
  manifest,
  NAME,
  planOf,
  recordsAt,
  worldAt,
} from './ownership-records-support.js';

const weighted = manifest({ records: [{ routing: 'weighted' }] });

describe('foreign records Route 53 lets stand beside ours are left alone', () => {
  it('an emergency drain beside a foreign weighted record plans, applies and leaves the foreign record untouched', async () => {
    const world = await worldAt(weighted);
    const blue = foreignWeighted('other:blue', 100);
    await addForeign(world, blue);
    const drained = withRegion(weighted, 'eu-west-1', { state: 'drained' });

    const plan = await planOf(world, drained);
    expect(plan.refusals).toEqual([]);
    expect(plan.summary.regions['eu-west-1']).toBe('draining');
    const result = await execute(plan, world.cloud.providers(), { clock: world.clock, maxParallelRegions: 4, regionSet: drained.name });
    expect(result.failed).toEqual([]);

    expect(recordsAt(world, 'other:blue')).toEqual([blue]);
    expect(recordsAt(world, 'global-api:eu-west-1')).toEqual([]);
    // No write ever named the foreign set identifier.
    expect(JSON.stringify(world.cloud.listChanges())).not.toContain('other:blue');
    expect((await planOf(world, drained)).steps).toEqual([]);
  });

  it('the diff shows the foreign weighted record and its share of traffic in text, JSON and Markdown', async () => {
    const world = await worldAt(weighted);
    await addForeign(world, foreignWeighted('other:blue', 50));
    const joined = withRegion(weighted, 'ap-southeast-1', { weight: 100 });
    const plan = await planOf(world, joined);
    expect(plan.refusals).toEqual([]);

    const line = '= foreign api.example.com. CNAME weighted other:blue weight 50, 14.3% of traffic (not ours, kept)';
    const share = '= traffic share of api.example.com. CNAME after this plan: ap-southeast-1 28.6%, eu-west-1 28.6%, us-east-1 28.6%, other:blue (foreign) 14.3%';
    const text = renderText(plan, joined);
    expect(text).toContain(`Records of other owners beside ours (left alone):\n  ${line}\n  ${share}\n`);
    expect(renderMarkdown(plan, joined)).toContain(`\`\`\`diff\n${line}\n${share}\n\`\`\``);
    const json = JSON.parse(renderJson(plan));
    expect(json.foreign).toEqual([{ name: NAME, type: 'CNAME', setIdentifier: 'other:blue', routing: 'weighted', weight: 50, share: 14.3 }]);
    expect(json.trafficShares[0].shares.find((entry: { owner: string }) => entry.owner === 'other:blue')).toEqual({ owner: 'other:blue', foreign: true, weight: 50, percent: 14.3 });
    // No step of the plan touches the foreign record.
    expect(JSON.stringify(plan.steps)).not.toContain('other:blue');
  });

  it('a quiet reconcile beside a foreign weighted record has no changes, reads only, and still shows the record', async () => {
    const world = await worldAt(weighted);
    await addForeign(world, foreignWeighted('other:blue', 100));
    const plan = await planOf(world, weighted);
    expect(plan.steps).toEqual([]);
    expect(plan.refusals).toEqual([]);
    expect(world.cloud.calls.writes()).toEqual([]);
    expect(renderText(plan, weighted)).toContain(
      'No changes.\n\nRecords of other owners beside ours (left alone):\n  = foreign api.example.com. CNAME weighted other:blue weight 100, 33.3% of traffic (not ours, kept)\n',
    );
  });

  it('the min-healthy guard does not count a foreign weighted record as a serving region of ours', async () => {
    const strict = manifest({ records: [{ routing: 'weighted' }], rollout: { minHealthyRegions: 2 } });
    const world = await worldAt(strict);
    await addForeign(world, foreignWeighted('other:blue', 200));
    const drained = withRegion(strict, 'eu-west-1', { state: 'drained' });
    const plan = await planOf(world, drained);
    expect(plan.refusals.map((refusal) => [refusal.rule, refusal.message])).toEqual([
      [
        'min-healthy-regions',
        'min-healthy-regions: draining eu-west-1 would leave 1 healthy serving region (us-east-1); minHealthyRegions is 2. Restore a region or lower minHealthyRegions.',
      ],
    ]);
    await expectRefusedWithoutWrites(world, plan, drained);
  });

  it('a foreign latency record of a Region this RegionSet does not serve is left alone', async () => {
    const latency = manifest();
    const world = emptyWorld();
    const north: DnsRecord = { name: NAME, type: 'CNAME', setIdentifier: 'team-b:eu-north-1', ttl: 60, region: 'eu-north-1', values: ['north.other.example.org'] };
    await addForeign(world, north);
    expect(await converge(world, latency)).toEqual([expect.any(Number), 0]);
    expect(recordsAt(world, 'team-b:eu-north-1')).toEqual([north]);
    const plan = await planOf(world, latency);
    expect(renderText(plan, latency)).toContain('= foreign api.example.com. CNAME latency team-b:eu-north-1 Region eu-north-1 (not ours, kept)');
  });

  it('a foreign failover SECONDARY beside our PRIMARY is left alone', async () => {
    const failover = manifest({ records: [{ routing: 'failover' }], regions: [{ code: 'us-east-1', failover: 'PRIMARY' }, 'eu-west-1'] });
    const world = emptyWorld();
    const standby: DnsRecord = { name: NAME, type: 'CNAME', setIdentifier: 'dr-site', ttl: 60, failover: 'SECONDARY', values: ['dr.other.example.org'] };
    await addForeign(world, standby);
    expect(await converge(world, failover)).toEqual([expect.any(Number), 0]);
    expect(recordsAt(world, 'dr-site')).toEqual([standby]);
    expect(recordsAt(world, 'global-api:us-east-1')[0]?.failover).toBe('PRIMARY');
  });

  it('a foreign geolocation record for a location this RegionSet does not route is left alone', async () => {
    const geo = manifest({
      records: [{ routing: 'geolocation' }],
      regions: [
        { code: 'us-east-1', geolocation: [{ kind: 'default' }] },
        { code: 'eu-west-1', geolocation: [{ kind: 'continent', code: 'EU' }] },
      ],
    });
    const world = emptyWorld();
    const japan: DnsRecord = { name: NAME, type: 'CNAME', setIdentifier: 'jp-partner', ttl: 60, geolocation: { countryCode: 'JP' }, values: ['jp.other.example.org'] };
    await addForeign(world, japan);
    expect(await converge(world, geo)).toEqual([expect.any(Number), 0]);
    expect(recordsAt(world, 'jp-partner')).toEqual([japan]);
  });
});

describe('a true clash with a foreign record still refuses, names the record and writes nothing', () => {
  async function refusedFresh(desired: ReturnType<typeof manifest>, foreign: DnsRecord) {
    const world = emptyWorld();
    await addForeign(world, foreign);
    const plan = await planOf(world, desired);
    expect(plan.refusals.map((refusal) => refusal.rule)).toEqual(['unowned-resource']);
    await expectRefusedWithoutWrites(world, plan, desired);
    expect(world.cloud.recordsOf('example.com.')).toContainEqual(foreign);
    return plan.refusals[0]!;
  }

  it('a simple record (no set identifier) at our name and type', async () => {
    const refusal = await refusedFresh(weighted, { name: NAME, type: 'CNAME', ttl: 300, values: ['legacy.example.org'] });
    expect(refusal.resource).toBe('record:api.example.com.:CNAME:');
    expect(refusal.message).toBe(
      "unowned-resource: record api.example.com. CNAME (simple routing, no set identifier) is not owned by RegionSet global-api: Route 53 cannot hold a simple record beside this RegionSet's weighted records. regionctl never changes records it does not own: delete or move that record, or use another name for api.example.com. in spec.dns.records.",
    );
  });

  it('a record of another routing policy at our name and type', async () => {
    const refusal = await refusedFresh(weighted, { name: NAME, type: 'CNAME', setIdentifier: 'team-b:eu-north-1', ttl: 60, region: 'eu-north-1', values: ['north.other.example.org'] });
    expect(refusal.resource).toBe('record:api.example.com.:CNAME:team-b:eu-north-1');
    expect(refusal.message).toContain(
      'is not owned by RegionSet global-api: it uses latency routing, and Route 53 cannot hold two routing policies at one name and type (this RegionSet\'s records are weighted).',
    );
  });

  it('a foreign failover record holding the role we need (PRIMARY)', async () => {
    const failover = manifest({ records: [{ routing: 'failover' }], regions: [{ code: 'us-east-1', failover: 'PRIMARY' }, { code: 'eu-west-1', failover: 'SECONDARY' }] });
    const refusal = await refusedFresh(failover, { name: NAME, type: 'CNAME', setIdentifier: 'old-primary', ttl: 60, failover: 'PRIMARY', values: ['old.other.example.org'] });
    expect(refusal.resource).toBe('record:api.example.com.:CNAME:old-primary');
    expect(refusal.message).toContain('Route 53 allows one PRIMARY failover record, and this RegionSet writes the PRIMARY.');
  });

  it('a foreign geolocation record at a location we write (the default location)', async () => {
    const geo = manifest({ records: [{ routing: 'geolocation' }], regions: [{ code: 'us-east-1', geolocation: [{ kind: 'default' }] }, { code: 'eu-west-1', geolocation: [{ kind: 'continent', code: 'EU' }] }] });
    const refusal = await refusedFresh(geo, { name: NAME, type: 'CNAME', setIdentifier: 'catch-all', ttl: 60, geolocation: { countryCode: '*' }, values: ['all.other.example.org'] });
    expect(refusal.resource).toBe('record:api.example.com.:CNAME:catch-all');
    expect(refusal.message).toContain('Route 53 allows each location once, and this RegionSet routes the default location to us-east-1.');
  });

  it('a foreign latency record for a Region we serve', async () => {
    const refusal = await refusedFresh(manifest(), { name: NAME, type: 'CNAME', setIdentifier: 'team-b:us-east-1', ttl: 60, region: 'us-east-1', values: ['east.other.example.org'] });
    expect(refusal.resource).toBe('record:api.example.com.:CNAME:team-b:us-east-1');
    expect(refusal.message).toContain('Route 53 allows one latency record per Region, and this RegionSet serves us-east-1.');
  });

  it('a foreign weighted record with another TTL (Route 53 makes weighted records of a name share one TTL)', async () => {
    const refusal = await refusedFresh(weighted, foreignWeighted('other:blue', 50, { ttl: 300 }));
    expect(refusal.resource).toBe('record:api.example.com.:CNAME:other:blue');
    expect(refusal.message).toContain('weighted records of one name and type must share one TTL, and it has TTL 300 where spec.dns.records asks for TTL 60.');
  });
});
