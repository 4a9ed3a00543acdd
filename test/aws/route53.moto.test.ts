// AwsDnsProvider and AwsHealthCheckProvider over real HTTP against moto: wire shapes of
// every call, the routing fields and alias targets round-tripped, pagination by name and
// type, foreign records left alone. Moto is lenient (see reference/aws.md), so what only
// AWS does is covered by route53.adapter.test.ts:
// - moto has no StartRecordIdentifier: a page that ends inside one name and type is
//   re-listed from the start of that name and type, so the 350-record listing here uses
//   one set identifier per name (pages end between names, which moto pages correctly);
// - moto's DELETE with a SetIdentifier removes every record set of the zone with that
//   identifier, whatever the name, so each RegionSet here owns one routing policy;
// - moto ignores CallerReference: a second CreateHealthCheck with the same reference makes
//   a second check, so idempotency is an adapter test; GetHealthCheckStatus is always "Success".
import { CreateHostedZoneCommand, ListTagsForResourceCommand } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { AwsRequestError } from '../../controller/errors.js';
import { AwsClients, type AwsCall } from '../../controller/providers/aws/clients.js';
import { AwsHealthCheckProvider } from '../../controller/providers/aws/healthchecks.js';
import { RateLimiter } from '../../controller/providers/aws/rate-limit.js';
import { AwsDnsProvider } from '../../controller/providers/aws/route53.js';
import type { DnsRecord, HealthCheckConfig, RecordChange } from '../../controller/providers/types.js';
import { apiHealthCheckConfig } from '../support/builders.js';
import { useMoto } from '../support/moto.js';

const calls: AwsCall[] = [];
let clients: AwsClients;
let dns: AwsDnsProvider;
let checks: AwsHealthCheckProvider;

async function createZone(name: string, reference: string): Promise<string> {
  const created = await clients.route53().send(new CreateHostedZoneCommand({ Name: name, CallerReference: reference }));
  return created.HostedZone!.Id!;
}

function sent(operation: string): AwsCall[] {
  return calls.filter((call) => call.operation === operation);
}

const create = (record: DnsRecord): RecordChange => ({ action: 'CREATE', record });
const upsert = (record: DnsRecord): RecordChange => ({ action: 'UPSERT', record });
const remove = (record: DnsRecord): RecordChange => ({ action: 'DELETE', record });
const key = (r: DnsRecord) => `${r.name} ${r.type} ${r.setIdentifier ?? ''}`.trim();

const healthCheckConfig: HealthCheckConfig = apiHealthCheckConfig(['ap-southeast-1', 'eu-west-1', 'us-east-1']);

useMoto((moto) => {
  clients = new AwsClients({ endpointUrl: moto.endpoint, maxAttempts: 1, onCall: (call) => calls.push(call) });
  // Generous budget on real time: the limiter's pacing has its own virtual-time tests.
  const limiter = new RateLimiter({ ratePerSecond: 200, burst: 200 });
  dns = new AwsDnsProvider({ clients, limiter });
  checks = new AwsHealthCheckProvider({ clients, limiter });
  return () => clients.destroy();
});

describe('AwsDnsProvider on moto', () => {
  it('finds a zone by name (any spelling) and by id', async () => {
    const id = await createZone('find.example.com', 'find-1');
    expect(id).toMatch(/^\/hostedzone\//);
    expect(await dns.findZone('Find.Example.com')).toEqual({ id, name: 'find.example.com.' });
    expect(await dns.findZone('find.example.com.')).toEqual({ id, name: 'find.example.com.' });
    expect(await dns.findZone(id)).toEqual({ id, name: 'find.example.com.' });
    expect(await dns.findZone('missing.example.com')).toBeUndefined();
    expect(await dns.findZone('/hostedzone/ZDOESNOTEXIST')).toBeUndefined();
  });

  it('refuses to pick between two public zones of the same name', async () => {
    const first = await createZone('twice.example.com', 'twice-1');
    const second = await createZone('twice.example.com', 'twice-2');
    await expect(dns.findZone('twice.example.com')).rejects.toThrow(`matches 2 public hosted zones (${first}, ${second})`);
  });

  it('creates, re-weights and deletes weighted, latency (alias), failover and geolocation records; foreign records stay as they were', async () => {
    const zoneId = await createZone('example.com', 'records-1');
    const healthCheckId = await checks.create('records-test:eu-west-1', healthCheckConfig, {});

    const foreign: DnsRecord[] = [
      // In Route 53 order (names by reversed labels).
      { name: 'api.example.com.', type: 'A', setIdentifier: 'other-team:blue', weight: 50, ttl: 60, values: ['198.51.100.7'] },
      { name: 'www.example.com.', type: 'CNAME', ttl: 300, values: ['example.com'] },
    ];
    await dns.change(zoneId, foreign.map(create), 'another tool');
    const foreignBefore = (await dns.listRecords(zoneId)).filter((r) => foreign.some((f) => key(f) === key(r)));
    expect(foreignBefore).toEqual(foreign);

    const ours: DnsRecord[] = [
      { name: 'api.example.com.', type: 'A', setIdentifier: 'global-api:eu-west-1', weight: 10, ttl: 60, values: ['192.0.2.10'], healthCheckId },
      { name: 'api.example.com.', type: 'A', setIdentifier: 'global-api:us-east-1', weight: 90, ttl: 60, values: ['192.0.2.20'] },
      {
        name: 'lat.example.com.', type: 'A', setIdentifier: 'latency-api:eu-west-1', region: 'eu-west-1', values: [],
        alias: { hostedZoneId: 'ZLY8HYME6SFDD', dnsName: 'd-abc123.execute-api.eu-west-1.amazonaws.com.', evaluateTargetHealth: true },
      },
      {
        name: 'lat.example.com.', type: 'A', setIdentifier: 'latency-api:us-east-1', region: 'us-east-1', values: [],
        alias: { hostedZoneId: 'Z1UJRXOUMOOFQ8', dnsName: 'd-def456.execute-api.us-east-1.amazonaws.com.', evaluateTargetHealth: false },
      },
      { name: 'fo.example.com.', type: 'CNAME', setIdentifier: 'failover-api:eu-west-1', failover: 'PRIMARY', ttl: 60, values: ['eu-west-1.example.com'], healthCheckId },
      { name: 'fo.example.com.', type: 'CNAME', setIdentifier: 'failover-api:us-east-1', failover: 'SECONDARY', ttl: 60, values: ['us-east-1.example.com'] },
      { name: 'geo.example.com.', type: 'CNAME', setIdentifier: 'geo-api:eu-west-1:country-DE', geolocation: { countryCode: 'DE' }, ttl: 60, values: ['eu-west-1.example.com'] },
      { name: 'geo.example.com.', type: 'CNAME', setIdentifier: 'geo-api:us-east-1:default', geolocation: { countryCode: '*' }, ttl: 60, values: ['us-east-1.example.com'] },
      { name: 'geo.example.com.', type: 'CNAME', setIdentifier: 'geo-api:eu-west-1:continent-EU', geolocation: { continentCode: 'EU' }, ttl: 60, values: ['eu-west-1.example.com'] },
    ];
    const created = await dns.change(zoneId, ours.map(create), 'regionctl global-api: join');
    expect(created.id).toBeTruthy();
    expect(['PENDING', 'INSYNC']).toContain(created.status);
    expect(await dns.changeStatus(created.id)).toBe('INSYNC');

    const live = await dns.listRecords(zoneId);
    for (const record of ours) expect(live.find((r) => key(r) === key(record)), key(record)).toEqual(record);

    // Re-weight: one region takes half the traffic.
    const reweighted = ours.slice(0, 2).map((r) => ({ ...r, weight: 50 }));
    await dns.change(zoneId, reweighted.map(upsert), 'regionctl global-api: ramp');
    const afterRamp = await dns.listRecords(zoneId);
    expect(afterRamp.filter((r) => r.setIdentifier?.startsWith('global-api:'))).toEqual(reweighted);

    // A DELETE must repeat the live values; a stale copy is refused and deletes nothing.
    const stale = { ...ours[4]!, values: ['stale.example.com'] };
    const refused = await dns.change(zoneId, [remove(stale)], 'stale delete').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AwsRequestError);
    expect((await dns.listRecords(zoneId)).some((r) => key(r) === key(ours[4]!))).toBe(true);

    // Delete exactly what is live (as listed), one RegionSet at a time.
    const owned = (prefix: string) => afterRamp.filter((r) => r.setIdentifier?.startsWith(prefix));
    for (const prefix of ['global-api:', 'latency-api:', 'failover-api:', 'geo-api:']) {
      expect(owned(prefix).length, prefix).toBeGreaterThan(0);
      await dns.change(zoneId, owned(prefix).map(remove), `regionctl ${prefix} remove`);
    }
    const after = await dns.listRecords(zoneId);
    expect(after.filter((r) => /^(global|latency|failover|geo)-api:/.test(r.setIdentifier ?? ''))).toEqual([]);
    expect(after.filter((r) => foreign.some((f) => key(f) === key(r)))).toEqual(foreignBefore);
    expect(after.map((r) => r.type).sort()).toEqual(['A', 'CNAME', 'NS', 'SOA']);
  });

  it('lists 350 weighted records completely, in Route 53 order, through pagination', async () => {
    const zoneId = await createZone('bulk.example.org', 'bulk-1');
    const records: DnsRecord[] = Array.from({ length: 350 }, (_, i) => ({
      name: `w-${String(i).padStart(3, '0')}.bulk.example.org.`,
      type: 'A',
      setIdentifier: `global-api:eu-west-1`,
      weight: i % 256,
      ttl: 60,
      values: [`10.0.${Math.floor(i / 250)}.${i % 250}`],
    }));
    // Created in reverse, so the order listed is Route 53's, not the order written.
    await dns.change(zoneId, [...records].reverse().map(create), 'bulk');
    const before = sent('ListResourceRecordSets').length;
    const listed = await dns.listRecords(zoneId);
    expect(sent('ListResourceRecordSets').length - before).toBe(2);
    expect(listed.map((r) => `${r.name} ${r.type}`)).toEqual(['bulk.example.org. NS', 'bulk.example.org. SOA', ...records.map((r) => `${r.name} A`)]);
    expect(listed.slice(2)).toEqual(records);
  });
});

describe('AwsHealthCheckProvider on moto', () => {
  it('creates with tags, lists, updates path and threshold, reports status, deletes', async () => {
    const reference = 'global-api:api.example.com:eu-west-1:20260101';
    const tags = { 'regionctl:regionset': 'global-api', 'regionctl:record': 'api.example.com', 'regionctl:region': 'eu-west-1' };
    const id = await checks.create(reference, healthCheckConfig, tags);

    const tagged = await clients.route53().send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id }));
    expect(Object.fromEntries((tagged.ResourceTagSet?.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual(tags);

    const listed = (await checks.list()).filter((c) => c.callerReference === reference);
    expect(listed).toEqual([{ id, callerReference: reference, config: healthCheckConfig }]);

    await checks.update(id, { ...healthCheckConfig, path: '/ready', failureThreshold: 5 });
    expect((await checks.list()).find((c) => c.id === id)?.config).toEqual({ ...healthCheckConfig, path: '/ready', failureThreshold: 5 });

    // Moto always reports one successful checker; this proves the response shape only.
    expect(await checks.status(id)).toBe('healthy');

    await checks.delete(id);
    expect((await checks.list()).some((c) => c.id === id)).toBe(false);
    // Deleting again is not an error: the check is gone, which is what was asked.
    await expect(checks.delete(id)).resolves.toBeUndefined();
  });

});
