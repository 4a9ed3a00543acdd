import { describe, expect, it } from 'vitest';
import { toRecordSet } from '../../controller/providers/aws/route53.js';
import type { DnsRecord, RecordChange } from '../../controller/providers/types.js';
import { expectAwsError, makeCloud } from './helpers.js';

// Zone lookups, listing and change status go through the adapter (providers().dns) as
// regionctl calls them; the batch rules are sent to the sandbox's Route 53 API as raw
// ChangeResourceRecordSets requests, so that fields the adapter would never send (a TTL on
// an alias) reach the sandbox too, and the errors are asserted as the SDK would throw them.
/** The record set as sent, TTL included even beside an alias (the adapter would drop it). */
const wire = (record: DnsRecord) => ({ ...toRecordSet(record), ...(record.ttl !== undefined ? { TTL: record.ttl } : {}) });

function zoneCloud(latencies?: 'instant') {
  const made = makeCloud(latencies);
  const zone = made.cloud.seedZone('example.com');
  const route53 = made.cloud.api.route53Api();
  const change = async (zoneId: string, changes: RecordChange[], comment: string) => {
    const out = await route53.send('ChangeResourceRecordSets', {
      HostedZoneId: zoneId,
      ChangeBatch: { ...(comment ? { Comment: comment } : {}), Changes: changes.map((c) => ({ Action: c.action, ResourceRecordSet: wire(c.record) })) },
    });
    return { id: out.ChangeInfo!.Id!, status: out.ChangeInfo!.Status! };
  };
  return { ...made, zone, route53, change };
}

const a = (name: string, values = ['192.0.2.1'], extra: Partial<DnsRecord> = {}): DnsRecord => ({ name, type: 'A', ttl: 60, values, ...extra });
const create = (record: DnsRecord): RecordChange => ({ action: 'CREATE', record });
const del = (record: DnsRecord): RecordChange => ({ action: 'DELETE', record });
const upsert = (record: DnsRecord): RecordChange => ({ action: 'UPSERT', record });

describe('sandbox Route 53: zones and listing', () => {
  it('finds a seeded zone by name with or without the trailing dot, or by id', async () => {
    const { dns, change, zone } = zoneCloud();
    expect(zone.id).toMatch(/^\/hostedzone\/Z[A-Z0-9]+$/);
    expect(await dns.findZone('example.com')).toEqual({ id: zone.id, name: 'example.com.' });
    expect(await dns.findZone('example.com.')).toEqual(zone);
    expect(await dns.findZone(zone.id)).toEqual(zone);
    expect(await dns.findZone(zone.id.replace('/hostedzone/', ''))).toEqual(zone);
    expect(await dns.findZone('other.com')).toBeUndefined();
  });

  it('lists records in Route 53 order (reversed labels, then type), SOA and NS included', async () => {
    const { dns, change, zone } = zoneCloud();
    await change(zone.id, [
      create(a('b.api.example.com')),
      create(a('api.example.com')),
      create({ name: 'api.example.com', type: 'AAAA', ttl: 60, values: ['2001:db8::1'] }),
      create(a('a.example.com')),
      create({ name: 'z.example.com', type: 'TXT', ttl: 60, values: ['"hello"'] }),
    ], 'seed');
    const listed = (await dns.listRecords(zone.id)).map((r) => `${r.name} ${r.type}`);
    expect(listed).toEqual([
      'example.com. NS',
      'example.com. SOA',
      'a.example.com. A',
      'api.example.com. A',
      'api.example.com. AAAA',
      'b.api.example.com. A',
      'z.example.com. TXT',
    ]);
  });

  it('spells names as Route 53 does: lower case, trailing dot, * as \\052', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await change(zone.id, [create(a('*.Apps.Example.com'))], '');
    expect((await dns.listRecords(zone.id)).map((r) => r.name)).toContain('\\052.apps.example.com.');
    await change(zone.id, [del(a('\\052.apps.example.com.'))], '');
  });

  it('goes PENDING then INSYNC after the latency; an unknown change id is NoSuchChange', async () => {
    const { clock, dns, zone } = zoneCloud();
    const submitted = await dns.change(zone.id, [create(a('api.example.com'))], 'first');
    expect(submitted).toEqual({ id: expect.stringMatching(/^\/change\/C[A-Z0-9]+$/), status: 'PENDING' });
    await clock.advance(29_999);
    expect(await dns.changeStatus(submitted.id)).toBe('PENDING');
    await clock.advance(1);
    expect(await dns.changeStatus(submitted.id)).toBe('INSYNC');
    await expectAwsError(dns.changeStatus('/change/CNOSUCHCHANGE'), 'NoSuchChange');
  });

  it('refuses changes to an unknown zone', async () => {
    const { dns, change } = zoneCloud();
    await expectAwsError(change('/hostedzone/ZNOPE', [create(a('api.example.com'))], ''), 'NoSuchHostedZone');
  });
});

describe('sandbox Route 53: change batches', () => {
  it('refuses CREATE of an existing record', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await change(zone.id, [create(a('x.example.com'))], '');
    await expectAwsError(
      change(zone.id, [create(a('x.example.com', ['192.0.2.9']))], ''),
      'InvalidChangeBatch',
      "[Tried to create resource record set [name='x.example.com.', type='A'] but it already exists]",
    );
  });

  it('refuses DELETE of a missing record', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await expectAwsError(
      change(zone.id, [del(a('x.example.com'))], ''),
      'InvalidChangeBatch',
      "[Tried to delete resource record set [name='x.example.com.', type='A'] but it was not found]",
    );
  });

  it('refuses DELETE unless every value matches exactly', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    const weighted = a('x.example.com', ['192.0.2.1'], { setIdentifier: 'y', weight: 10 });
    await change(zone.id, [create(weighted)], '');
    const mismatch = "[Tried to delete resource record set [name='x.example.com.', type='A', set-identifier='y'] but the values provided do not match the current values]";
    await expectAwsError(change(zone.id, [del({ ...weighted, ttl: 300 })], ''), 'InvalidChangeBatch', mismatch);
    await expectAwsError(change(zone.id, [del({ ...weighted, weight: 11 })], ''), 'InvalidChangeBatch', mismatch);
    await expectAwsError(change(zone.id, [del({ ...weighted, values: ['192.0.2.2'] })], ''), 'InvalidChangeBatch', mismatch);
    await change(zone.id, [del(weighted)], '');
    expect(await dns.listRecords(zone.id)).toHaveLength(2);
  });

  it('refuses DELETE of an alias record whose target differs', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    const alias: DnsRecord = { name: 'api.example.com', type: 'A', values: [], alias: { hostedZoneId: 'Z1UJRXOUMOOFQ8', dnsName: 'd-abc.execute-api.us-east-1.amazonaws.com', evaluateTargetHealth: true } };
    await change(zone.id, [create(alias)], '');
    await expectAwsError(
      change(zone.id, [del({ ...alias, alias: { ...alias.alias!, evaluateTargetHealth: false } })], ''),
      'InvalidChangeBatch',
      /but the values provided do not match the current values/,
    );
  });

  it('applies a batch all or nothing: one bad change leaves the zone untouched', async () => {
    const { cloud, dns, change, zone } = zoneCloud('instant');
    await change(zone.id, [create(a('existing.example.com'))], '');
    const before = cloud.recordsOf('example.com');
    await expectAwsError(
      change(zone.id, [create(a('new-1.example.com')), upsert(a('existing.example.com', ['192.0.2.7'])), del(a('missing.example.com'))], ''),
      'InvalidChangeBatch',
      /missing\.example\.com\..*was not found/,
    );
    expect(cloud.recordsOf('example.com')).toEqual(before);
    expect(cloud.listChanges()).toHaveLength(1);
  });

  it('refuses two changes to the same record in one batch, except DELETE then CREATE', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await expectAwsError(
      change(zone.id, [upsert(a('x.example.com')), upsert(a('x.example.com', ['192.0.2.2']))], ''),
      'InvalidChangeBatch',
      "[The request contains an invalid set of changes for a resource record set 'A x.example.com.']",
    );
  });

  it('accepts DELETE then CREATE of the same record in one batch (a replace)', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await change(zone.id, [create(a('x.example.com'))], '');
    await change(zone.id, [del(a('x.example.com')), create(a('x.example.com', ['192.0.2.5']))], '');
    expect((await dns.listRecords(zone.id)).find((r) => r.name === 'x.example.com.')?.values).toEqual(['192.0.2.5']);
  });

  it('lets a batch switch a name from simple to weighted routing, which single changes could not', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await change(zone.id, [create(a('x.example.com'))], '');
    await expectAwsError(
      change(zone.id, [create(a('x.example.com', ['192.0.2.2'], { setIdentifier: 'blue', weight: 1 }))], ''),
      'InvalidChangeBatch',
      // AWS's wording for a weighted record over a simple one (r53.routing-policy-coexistence).
      '[RRSet with DNS name x.example.com., type A, SetIdentifier blue cannot be created as a non-weighted set exists with the same name and type.]',
    );
    await change(zone.id, [
      del(a('x.example.com')),
      create(a('x.example.com', ['192.0.2.2'], { setIdentifier: 'blue', weight: 1 })),
      create(a('x.example.com', ['192.0.2.3'], { setIdentifier: 'green', weight: 0 })),
    ], 'switch');
    expect((await dns.listRecords(zone.id)).filter((r) => r.name === 'x.example.com.').map((r) => r.setIdentifier)).toEqual(['blue', 'green']);
  });

  it('requires SetIdentifier with a routing policy and forbids it without one', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await expectAwsError(change(zone.id, [create(a('x.example.com', undefined, { weight: 5 }))], ''), 'InvalidInput', /Missing field 'SetIdentifier'/);
    await expectAwsError(change(zone.id, [create(a('x.example.com', undefined, { setIdentifier: 'lonely' }))], ''), 'InvalidInput', /SetIdentifier/);
  });

  it('keeps SetIdentifier unique per name and type, and one routing policy per name and type', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await change(zone.id, [create(a('x.example.com', undefined, { setIdentifier: 'one', weight: 1 }))], '');
    await expectAwsError(change(zone.id, [create(a('x.example.com', ['192.0.2.9'], { setIdentifier: 'one', weight: 2 }))], ''), 'InvalidChangeBatch', /already exists/);
    await expectAwsError(
      change(zone.id, [create(a('x.example.com', undefined, { setIdentifier: 'two', region: 'eu-west-1' }))], ''),
      'InvalidChangeBatch',
      /different routing policy/,
    );
  });

  it('refuses a simple CNAME next to weighted CNAMEs with the AWS message', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    const cname = (extra: Partial<DnsRecord> = {}): DnsRecord => ({ name: 'x.example.com', type: 'CNAME', ttl: 60, values: ['a.example.net'], ...extra });
    await change(zone.id, [create(cname({ setIdentifier: 'blue', weight: 1 }))], '');
    await expectAwsError(
      change(zone.id, [create(cname())], ''),
      'InvalidChangeBatch',
      '[RRSet with DNS name x.example.com., type CNAME cannot be created as other RRSets exist with the same name and type.]',
    );
  });

  it('keeps weights within 0-255 and gives all weighted records of a name and type the last TTL given (r53.weighted-ttl-shared)', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await expectAwsError(change(zone.id, [create(a('x.example.com', undefined, { setIdentifier: 'a', weight: 256 }))], ''), 'InvalidInput', /less than or equal to 255/);
    await expectAwsError(change(zone.id, [create(a('x.example.com', undefined, { setIdentifier: 'a', weight: -1 }))], ''), 'InvalidInput', /greater than or equal to 0/);
    await change(zone.id, [create(a('x.example.com', undefined, { setIdentifier: 'a', weight: 255 }))], '');
    await change(zone.id, [create(a('x.example.com', ['192.0.2.2'], { setIdentifier: 'b', weight: 0, ttl: 300 }))], '');
    const weighted = (await dns.listRecords(zone.id)).filter((r) => r.name === 'x.example.com.');
    expect(weighted.map((r) => [r.setIdentifier, r.ttl])).toEqual([['a', 300], ['b', 300]]);
  });

  it('allows one latency record per region, one PRIMARY and one SECONDARY, each geolocation once', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await change(zone.id, [create(a('lat.example.com', undefined, { setIdentifier: 'us', region: 'us-east-1' }))], '');
    await expectAwsError(change(zone.id, [create(a('lat.example.com', ['192.0.2.2'], { setIdentifier: 'us2', region: 'us-east-1' }))], ''), 'InvalidChangeBatch', /Region Name=us-east-1 cannot be created because a latency RRSet with the same name, type and region already exists/);
    await change(zone.id, [create(a('lat.example.com', ['192.0.2.2'], { setIdentifier: 'eu', region: 'eu-west-1' }))], '');

    await change(zone.id, [
      create(a('fo.example.com', undefined, { setIdentifier: 'p', failover: 'PRIMARY' })),
      create(a('fo.example.com', ['192.0.2.2'], { setIdentifier: 's', failover: 'SECONDARY' })),
    ], '');
    await expectAwsError(change(zone.id, [create(a('fo.example.com', ['192.0.2.3'], { setIdentifier: 'p2', failover: 'PRIMARY' }))], ''), 'InvalidChangeBatch', /failover PRIMARY/);

    await change(zone.id, [create(a('geo.example.com', undefined, { setIdentifier: 'de', geolocation: { countryCode: 'DE' } }))], '');
    await expectAwsError(change(zone.id, [create(a('geo.example.com', ['192.0.2.2'], { setIdentifier: 'de2', geolocation: { countryCode: 'DE' } }))], ''), 'InvalidChangeBatch', /location/);
    await change(zone.id, [create(a('geo.example.com', ['192.0.2.2'], { setIdentifier: 'default', geolocation: { countryCode: '*' } }))], '');
  });

  it('allows one value per CNAME, no CNAME at the apex, and no CNAME beside other types', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await expectAwsError(change(zone.id, [create({ name: 'example.com', type: 'CNAME', ttl: 60, values: ['a.example.net'] })], ''), 'InvalidChangeBatch', '[RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com.]');
    await expectAwsError(change(zone.id, [create({ name: 'x.example.com', type: 'CNAME', ttl: 60, values: ['a.example.net', 'b.example.net'] })], ''), 'InvalidChangeBatch', /more than one value/);
    await change(zone.id, [create(a('x.example.com'))], '');
    await expectAwsError(change(zone.id, [create({ name: 'x.example.com', type: 'CNAME', ttl: 60, values: ['a.example.net'] })], ''), 'InvalidChangeBatch', /conflicting RRSet of type A/);
  });

  it('refuses a TTL on alias records and requires TTL and values otherwise', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    const alias = { hostedZoneId: 'Z1UJRXOUMOOFQ8', dnsName: 'd-abc.execute-api.us-east-1.amazonaws.com', evaluateTargetHealth: false };
    await expectAwsError(change(zone.id, [create({ name: 'x.example.com', type: 'A', ttl: 60, values: [], alias })], ''), 'InvalidInput', /found more than one/);
    await expectAwsError(change(zone.id, [create({ name: 'x.example.com', type: 'A', values: ['192.0.2.1'] })], ''), 'InvalidInput', /found none/);
    await change(zone.id, [create({ name: 'x.example.com', type: 'A', values: [], alias })], '');
  });

  it('requires an in-zone alias target to exist', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    const alias = { hostedZoneId: zone.id, dnsName: 'target.example.com', evaluateTargetHealth: false };
    await expectAwsError(change(zone.id, [create({ name: 'x.example.com', type: 'A', values: [], alias })], ''), 'InvalidChangeBatch', /but that target was not found/);
    await change(zone.id, [create(a('target.example.com')), create({ name: 'x.example.com', type: 'A', values: [], alias })], '');
  });

  it('requires the health check of a record to exist', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    await expectAwsError(change(zone.id, [create(a('x.example.com', undefined, { setIdentifier: 'a', weight: 1, healthCheckId: 'nope' }))], ''), 'NoSuchHealthCheck');
  });

  it('refuses records outside the zone and deleting the zone apex SOA', async () => {
    const { cloud, dns, change, zone } = zoneCloud('instant');
    await expectAwsError(change(zone.id, [create(a('x.example.org'))], ''), 'InvalidChangeBatch', '[RRSet with DNS name x.example.org. is not permitted in zone example.com.]');
    const soa = cloud.recordsOf('example.com').find((r) => r.type === 'SOA')!;
    await expectAwsError(change(zone.id, [del(soa)], ''), 'InvalidChangeBatch', /must contain exactly one SOA record/);
  });

  it('limits a batch to 1,000 values and 32,000 value characters, counting UPSERT twice', async () => {
    const { dns, change, zone } = zoneCloud('instant');
    const ips = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => `10.${(i + offset) >> 8}.${(i + offset) & 255}.1`);
    const big = (name: string, values: string[]): DnsRecord => ({ name, type: 'A', ttl: 60, values });
    await change(zone.id, [create(big('a.example.com', ips(500))), create(big('b.example.com', ips(500)))], '');
    await expectAwsError(change(zone.id, [create(big('c.example.com', ips(501)))].concat([create(big('d.example.com', ips(500)))]), ''), 'InvalidChangeBatch', /1000/);
    await expectAwsError(change(zone.id, [upsert(big('a.example.com', ips(501)))], ''), 'InvalidChangeBatch', /1000/);
    const longTxt = (n: number) => `"${'x'.repeat(n - 2)}"`;
    const txt = (name: string, n: number): DnsRecord => ({ name, type: 'TXT', ttl: 60, values: Array.from({ length: 8 }, () => longTxt(n)) });
    await change(zone.id, [create(txt('t1.example.com', 250)), create(txt('t2.example.com', 250))], '');
    await expectAwsError(change(zone.id, [upsert(txt('t1.example.com', 2001))], ''), 'InvalidChangeBatch', /32000/);
  });
});
