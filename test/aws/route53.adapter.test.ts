// AwsDnsProvider and AwsHealthCheckProvider against responses shaped like the Route 53 API
// reference, through aws-sdk-client-mock: what moto does not emulate (PENDING changes,
// NoSuchChange, NextRecordIdentifier paging, InvalidChangeBatch message lists, throttling,
// CallerReference conflicts, checker observations, ListHealthChecks markers).
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  GetHostedZoneCommand,
  HealthCheckAlreadyExists,
  HealthCheckInUse,
  InvalidChangeBatch,
  ListHealthChecksCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  NoSuchChange,
  NoSuchHealthCheck,
  NoSuchHostedZone,
  PriorRequestNotComplete,
  Route53Client,
  Route53ServiceException,
  UpdateHealthCheckCommand,
  type HealthCheck,
  type HealthCheckObservation,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { AwsRequestError, InternalError, ManifestError, TransientError } from '../../controller/errors.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { AwsHealthCheckProvider } from '../../controller/providers/aws/healthchecks.js';
import { RateLimiter } from '../../controller/providers/aws/rate-limit.js';
import { AwsDnsProvider, InvalidChangeBatchError } from '../../controller/providers/aws/route53.js';
import type { HealthCheckConfig, RecordChange } from '../../controller/providers/types.js';
import { apiHealthCheckConfig } from '../support/builders.js';

const route53 = mockClient(Route53Client);
const ZONE = '/hostedzone/Z0123456789ABCDEFGHIJ';
let clients: AwsClients;
let dns: AwsDnsProvider;
let checks: AwsHealthCheckProvider;

const metadata = { httpStatusCode: 400, requestId: 'b25f48e8-84fd-11e6-80d9-574e0c4664cb' };

function throttling(): Route53ServiceException {
  return new Route53ServiceException({ name: 'Throttling', message: 'Rate exceeded', $fault: 'client', $metadata: metadata });
}

function priorRequestNotComplete(): PriorRequestNotComplete {
  return new PriorRequestNotComplete({ message: 'The request was rejected because Route 53 was still processing a prior request.', $metadata: metadata });
}

function weighted(name: string, setIdentifier: string, weight: number): ResourceRecordSet {
  return { Name: name, Type: 'A', SetIdentifier: setIdentifier, Weight: weight, TTL: 60, ResourceRecords: [{ Value: '192.0.2.10' }] };
}

const config: HealthCheckConfig = apiHealthCheckConfig(['eu-west-1', 'us-east-1', 'ap-southeast-1']);

/** A health check as ListHealthChecks / CreateHealthCheck return it. */
function healthCheck(id: string, callerReference: string, overrides: Partial<NonNullable<HealthCheck['HealthCheckConfig']>> = {}): HealthCheck {
  return {
    Id: id,
    CallerReference: callerReference,
    HealthCheckVersion: 1,
    HealthCheckConfig: {
      Type: 'HTTPS',
      FullyQualifiedDomainName: config.fqdn,
      Port: 443,
      ResourcePath: '/health',
      RequestInterval: 30,
      FailureThreshold: 3,
      MeasureLatency: false,
      Inverted: false,
      Disabled: false,
      EnableSNI: true,
      Regions: ['eu-west-1', 'us-east-1', 'ap-southeast-1'],
      ...overrides,
    },
  };
}

function observation(region: string, status: string): HealthCheckObservation {
  return { Region: region as HealthCheckObservation['Region'], IPAddress: '15.177.10.1', StatusReport: { Status: status, CheckedTime: new Date('2026-01-01T00:00:00Z') } };
}

function commandsSent(): string[] {
  return route53.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
}

beforeEach(() => {
  route53.reset();
  clients = new AwsClients({ maxAttempts: 1 });
  // Generous limits: these tests are about mapping; the limiter has its own tests below.
  const limiter = new RateLimiter({ ratePerSecond: 1000, burst: 1000, clock: new FakeClock() });
  dns = new AwsDnsProvider({ clients, limiter });
  checks = new AwsHealthCheckProvider({ clients, limiter });
});

afterEach(() => clients.destroy());
afterAll(() => route53.restore());

describe('AwsDnsProvider.findZone', () => {
  it('reads a zone id with GetHostedZone, with or without the /hostedzone/ prefix; an unknown id is undefined', async () => {
    route53.on(GetHostedZoneCommand).callsFake(async (input: { Id: string }) => {
      if (!input.Id.endsWith('Z0123456789ABCDEFGHIJ')) throw new NoSuchHostedZone({ message: `No hosted zone found with ID: ${input.Id}`, $metadata: metadata });
      return { HostedZone: { Id: ZONE, Name: 'example.com.', CallerReference: 'seed', Config: { PrivateZone: false } }, DelegationSet: { NameServers: ['ns-1.awsdns-01.com'] } };
    });
    expect(await dns.findZone(ZONE)).toEqual({ id: ZONE, name: 'example.com.' });
    expect(await dns.findZone('Z0123456789ABCDEFGHIJ')).toEqual({ id: ZONE, name: 'example.com.' });
    expect(await dns.findZone('Z9999999999')).toBeUndefined();
    expect(commandsSent()).toEqual(['GetHostedZone', 'GetHostedZone', 'GetHostedZone']);
  });

  it('finds a name in any spelling, prefers the public zone over a private one of the same name', async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({
      DNSName: 'example.com.',
      IsTruncated: false,
      MaxItems: 100,
      HostedZones: [
        { Id: '/hostedzone/ZPRIVATE', Name: 'example.com.', CallerReference: 'p', Config: { PrivateZone: true } },
        { Id: ZONE, Name: 'example.com.', CallerReference: 'q', Config: { PrivateZone: false } },
        { Id: '/hostedzone/ZOTHER', Name: 'example.net.', CallerReference: 'r', Config: { PrivateZone: false } },
      ],
    });
    expect(await dns.findZone('Example.COM')).toEqual({ id: ZONE, name: 'example.com.' });
    expect(route53.commandCalls(ListHostedZonesByNameCommand)[0]!.args[0].input).toMatchObject({ DNSName: 'example.com.' });
  });

  it('refuses to guess between two public zones of one name, naming both ids', async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({
      IsTruncated: false,
      MaxItems: 100,
      HostedZones: [
        { Id: '/hostedzone/ZFIRST', Name: 'example.com.', CallerReference: 'a', Config: { PrivateZone: false } },
        { Id: '/hostedzone/ZSECOND', Name: 'example.com.', CallerReference: 'b', Config: { PrivateZone: false } },
      ],
    });
    const error = await dns.findZone('example.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toBe(
      'hosted zone name example.com. matches 2 public hosted zones (/hostedzone/ZFIRST, /hostedzone/ZSECOND): give the zone id instead of its name',
    );
  });

  it('is undefined when the listing starts at another name (no zone of that name)', async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({
      IsTruncated: false,
      MaxItems: 100,
      HostedZones: [{ Id: '/hostedzone/ZOTHER', Name: 'example.net.', CallerReference: 'r', Config: { PrivateZone: false } }],
    });
    expect(await dns.findZone('example.com.')).toBeUndefined();
  });
});

describe('AwsDnsProvider.listRecords', () => {
  it('continues with StartRecordIdentifier when a page ends inside one name and type', async () => {
    const firstPage = [
      { Name: 'example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.awsdns-01.com.' }] },
      weighted('api.example.com.', 'global-api:ap-southeast-1', 10),
      weighted('api.example.com.', 'global-api:eu-west-1', 20),
    ] satisfies ResourceRecordSet[];
    const secondPage = [weighted('api.example.com.', 'global-api:us-east-1', 30), weighted('api.example.com.', 'global-api:us-west-2', 40)];
    route53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({ ResourceRecordSets: firstPage, IsTruncated: true, MaxItems: 300, NextRecordName: 'api.example.com.', NextRecordType: 'A', NextRecordIdentifier: 'global-api:us-east-1' })
      .resolvesOnce({ ResourceRecordSets: secondPage, IsTruncated: false, MaxItems: 300 });

    const records = await dns.listRecords(ZONE);
    expect(records.map((r) => `${r.name} ${r.type} ${r.setIdentifier ?? ''}`.trim())).toEqual([
      'example.com. NS',
      'api.example.com. A global-api:ap-southeast-1',
      'api.example.com. A global-api:eu-west-1',
      'api.example.com. A global-api:us-east-1',
      'api.example.com. A global-api:us-west-2',
    ]);
    const inputs = route53.commandCalls(ListResourceRecordSetsCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { HostedZoneId: ZONE, MaxItems: 300 },
      { HostedZoneId: ZONE, MaxItems: 300, StartRecordName: 'api.example.com.', StartRecordType: 'A', StartRecordIdentifier: 'global-api:us-east-1' },
    ]);
  });

  it('maps every routing field, alias targets and health check ids, keeping Route 53 spelling', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      IsTruncated: false,
      MaxItems: 300,
      ResourceRecordSets: [
        { Name: '\\052.apps.example.com.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'apps.example.com' }] },
        { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'global-api:eu-west-1', Region: 'eu-west-1', HealthCheckId: 'hc-1', AliasTarget: { HostedZoneId: 'ZLY8HYME6SFDD', DNSName: 'd-abc.execute-api.eu-west-1.amazonaws.com.', EvaluateTargetHealth: true } },
        { Name: 'eu.example.com.', Type: 'A', SetIdentifier: 'global-api:default', GeoLocation: { CountryCode: '*' }, TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] },
        { Name: 'eu.example.com.', Type: 'A', SetIdentifier: 'global-api:de', GeoLocation: { CountryCode: 'DE' }, TTL: 60, ResourceRecords: [{ Value: '192.0.2.2' }] },
        { Name: 'fo.example.com.', Type: 'TXT', SetIdentifier: 'global-api:primary', Failover: 'PRIMARY', TTL: 60, ResourceRecords: [{ Value: '"a"' }, { Value: '"b"' }] },
      ],
    });
    expect(await dns.listRecords(ZONE)).toEqual([
      { name: '\\052.apps.example.com.', type: 'CNAME', ttl: 300, values: ['apps.example.com'] },
      {
        name: 'api.example.com.', type: 'A', setIdentifier: 'global-api:eu-west-1', region: 'eu-west-1', healthCheckId: 'hc-1', values: [],
        alias: { hostedZoneId: 'ZLY8HYME6SFDD', dnsName: 'd-abc.execute-api.eu-west-1.amazonaws.com.', evaluateTargetHealth: true },
      },
      { name: 'eu.example.com.', type: 'A', setIdentifier: 'global-api:default', geolocation: { countryCode: '*' }, ttl: 60, values: ['192.0.2.1'] },
      { name: 'eu.example.com.', type: 'A', setIdentifier: 'global-api:de', geolocation: { countryCode: 'DE' }, ttl: 60, values: ['192.0.2.2'] },
      { name: 'fo.example.com.', type: 'TXT', setIdentifier: 'global-api:primary', failover: 'PRIMARY', ttl: 60, values: ['"a"', '"b"'] },
    ]);
  });

  it('stops with an InternalError instead of looping when a truncated page does not move forward', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [weighted('api.example.com.', 'global-api:eu-west-1', 1)],
      IsTruncated: true,
      MaxItems: 300,
      NextRecordName: 'api.example.com.',
      NextRecordType: 'A',
    });
    await expect(dns.listRecords(ZONE)).rejects.toBeInstanceOf(InternalError);
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(2);
  });

  it('reports throttling as a TransientError (back off and retry)', async () => {
    route53.on(ListResourceRecordSetsCommand).rejects(throttling());
    const error = await dns.listRecords(ZONE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).code).toBe('Throttling');
  });
});

describe('AwsDnsProvider.change and changeStatus', () => {
  const changes: RecordChange[] = [
    { action: 'DELETE', record: { name: 'api.example.com.', type: 'A', setIdentifier: 'global-api:us-east-1', weight: 100, ttl: 60, values: ['192.0.2.10'], healthCheckId: 'hc-old' } },
    { action: 'CREATE', record: { name: 'api.example.com.', type: 'A', setIdentifier: 'global-api:eu-west-1', region: 'eu-west-1', values: [], alias: { hostedZoneId: 'ZLY8HYME6SFDD', dnsName: 'd-abc.execute-api.eu-west-1.amazonaws.com', evaluateTargetHealth: true } } },
    { action: 'UPSERT', record: { name: 'eu.example.com.', type: 'CNAME', setIdentifier: 'global-api:default', geolocation: { countryCode: '*' }, ttl: 60, values: ['eu-west-1.api.example.com'] } },
    { action: 'UPSERT', record: { name: 'fo.example.com.', type: 'CNAME', setIdentifier: 'global-api:primary', failover: 'PRIMARY', ttl: 60, values: ['eu-west-1.api.example.com'] } },
  ];

  it('sends one batch in the given order (alias records without TTL and values) and maps PENDING → INSYNC', async () => {
    route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: new Date('2026-01-01T00:00:00Z'), Comment: 'regionctl' } });
    route53.on(GetChangeCommand).resolvesOnce({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: new Date() } }).resolves({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'INSYNC', SubmittedAt: new Date() } });

    expect(await dns.change(ZONE, changes, 'regionctl')).toEqual({ id: '/change/C2682N5HXP0BZ4', status: 'PENDING' });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input).toEqual({
      HostedZoneId: ZONE,
      ChangeBatch: {
        Comment: 'regionctl',
        Changes: [
          { Action: 'DELETE', ResourceRecordSet: { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'global-api:us-east-1', Weight: 100, TTL: 60, ResourceRecords: [{ Value: '192.0.2.10' }], HealthCheckId: 'hc-old' } },
          { Action: 'CREATE', ResourceRecordSet: { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'global-api:eu-west-1', Region: 'eu-west-1', AliasTarget: { HostedZoneId: 'ZLY8HYME6SFDD', DNSName: 'd-abc.execute-api.eu-west-1.amazonaws.com', EvaluateTargetHealth: true } } },
          { Action: 'UPSERT', ResourceRecordSet: { Name: 'eu.example.com.', Type: 'CNAME', SetIdentifier: 'global-api:default', GeoLocation: { CountryCode: '*' }, TTL: 60, ResourceRecords: [{ Value: 'eu-west-1.api.example.com' }] } },
          { Action: 'UPSERT', ResourceRecordSet: { Name: 'fo.example.com.', Type: 'CNAME', SetIdentifier: 'global-api:primary', Failover: 'PRIMARY', TTL: 60, ResourceRecords: [{ Value: 'eu-west-1.api.example.com' }] } },
        ],
      },
    });
    expect(await dns.changeStatus('/change/C2682N5HXP0BZ4')).toBe('PENDING');
    expect(await dns.changeStatus('/change/C2682N5HXP0BZ4')).toBe('INSYNC');
  });

  it('surfaces every InvalidChangeBatch message Route 53 returns', async () => {
    const messages = [
      "Tried to delete resource record set [name='api.example.com.', type='A', set-identifier='global-api:us-east-1'] but the values provided do not match the current values",
      "Tried to create resource record set [name='api.example.com.', type='A', set-identifier='global-api:eu-west-1'] but it already exists",
    ];
    route53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({ message: messages[0]!, messages, $metadata: metadata }));
    const error = await dns.change(ZONE, changes, 'regionctl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect(error).toBeInstanceOf(InvalidChangeBatchError);
    expect((error as InvalidChangeBatchError).code).toBe('InvalidChangeBatch');
    expect((error as InvalidChangeBatchError).messages).toEqual(messages);
    expect((error as Error).message).toBe(`ChangeResourceRecordSets ${ZONE} (4 changes): InvalidChangeBatch: [${messages.join(', ')}]`);
  });

  it('keeps the single-message form of InvalidChangeBatch too', async () => {
    const message = 'RRSet with DNS name api.example.org. is not permitted in zone example.com.';
    route53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({ message, $metadata: metadata }));
    const error = (await dns.change(ZONE, changes.slice(0, 1), '').catch((e: unknown) => e)) as InvalidChangeBatchError;
    expect(error.messages).toEqual([message]);
    expect(error.message).toContain(message);
    // No comment: the ChangeBatch carries none rather than an empty one.
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input.ChangeBatch).not.toHaveProperty('Comment');
  });

  it('maps PriorRequestNotComplete and Throttling to TransientError', async () => {
    route53.on(ChangeResourceRecordSetsCommand).rejectsOnce(priorRequestNotComplete()).rejectsOnce(throttling());
    for (const code of ['PriorRequestNotComplete', 'Throttling']) {
      const error = await dns.change(ZONE, changes, 'regionctl').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).code).toBe(code);
    }
  });

  it('reports an unknown change id (NoSuchChange) as an AwsRequestError', async () => {
    route53.on(GetChangeCommand).rejects(new NoSuchChange({ message: 'A change with the specified change ID does not exist.', $metadata: { httpStatusCode: 404 } }));
    const error = await dns.changeStatus('/change/CNOPE').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as AwsRequestError).code).toBe('NoSuchChange');
    expect((error as Error).message).toContain('GetChange /change/CNOPE');
  });
});

describe('AwsHealthCheckProvider', () => {
  it('lists all checks through Marker pagination (250 checks → 3 pages), leaving out types regionctl never creates', async () => {
    const all = Array.from({ length: 250 }, (_, i) => healthCheck(`hc-${String(i).padStart(3, '0')}`, `ref-${i}`));
    all[7] = { Id: 'hc-tcp', CallerReference: 'someone-else', HealthCheckVersion: 1, HealthCheckConfig: { Type: 'TCP', IPAddress: '192.0.2.44', Port: 22 } };
    route53.on(ListHealthChecksCommand).callsFake(async (input: { Marker?: string; MaxItems?: number }) => {
      const start = input.Marker ? Number(input.Marker) : 0;
      const end = start + (input.MaxItems ?? 100);
      const truncated = end < all.length;
      return { HealthChecks: all.slice(start, end), Marker: input.Marker ?? '', IsTruncated: truncated, MaxItems: input.MaxItems ?? 100, ...(truncated ? { NextMarker: String(end) } : {}) };
    });
    const listed = await checks.list();
    expect(listed).toHaveLength(249);
    expect(listed.map((c) => c.id)).not.toContain('hc-tcp');
    expect(listed[0]).toEqual({ id: 'hc-000', callerReference: 'ref-0', config });
    expect(route53.commandCalls(ListHealthChecksCommand).map((call) => call.args[0].input)).toEqual([{ MaxItems: 100 }, { MaxItems: 100, Marker: '100' }, { MaxItems: 100, Marker: '200' }]);
  });

  it('creates with the caller reference, then tags the check (ResourceType healthcheck)', async () => {
    route53.on(CreateHealthCheckCommand).resolves({ HealthCheck: healthCheck('hc-new', 'global-api:eu-west-1:abc'), Location: 'https://route53.amazonaws.com/2013-04-01/healthcheck/hc-new' });
    route53.on(ChangeTagsForResourceCommand).resolves({});
    const id = await checks.create('global-api:eu-west-1:abc', config, { 'regionctl:regionset': 'global-api', 'regionctl:region': 'eu-west-1' });
    expect(id).toBe('hc-new');
    expect(route53.commandCalls(CreateHealthCheckCommand)[0]!.args[0].input).toEqual({
      CallerReference: 'global-api:eu-west-1:abc',
      HealthCheckConfig: {
        Type: 'HTTPS', FullyQualifiedDomainName: config.fqdn, Port: 443, ResourcePath: '/health', RequestInterval: 30, FailureThreshold: 3,
        Regions: ['eu-west-1', 'us-east-1', 'ap-southeast-1'], EnableSNI: true,
      },
    });
    expect(route53.commandCalls(ChangeTagsForResourceCommand)[0]!.args[0].input).toEqual({
      ResourceType: 'healthcheck',
      ResourceId: 'hc-new',
      AddTags: [{ Key: 'regionctl:region', Value: 'eu-west-1' }, { Key: 'regionctl:regionset', Value: 'global-api' }],
    });
  });

  it('refuses more than 10 tags before creating anything', async () => {
    const tags = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    await expect(checks.create('ref', config, tags)).rejects.toThrow('at most 10 tags per health check (got 11)');
    expect(commandsSent()).toEqual([]);
  });

  it('HealthCheckAlreadyExists for the same reference and settings is a retry: returns the existing id and tags it', async () => {
    route53.on(CreateHealthCheckCommand).rejects(new HealthCheckAlreadyExists({ message: 'A health check with the specified CallerReference already exists.', $metadata: { httpStatusCode: 409 } }));
    route53.on(ListHealthChecksCommand).resolves({ HealthChecks: [healthCheck('hc-other', 'other'), healthCheck('hc-existing', 'ref-1', { Regions: ['us-east-1', 'ap-southeast-1', 'eu-west-1'], FullyQualifiedDomainName: config.fqdn.toUpperCase() })], IsTruncated: false, MaxItems: 100, Marker: '' });
    route53.on(ChangeTagsForResourceCommand).resolves({});
    expect(await checks.create('ref-1', config, { owner: 'regionctl' })).toBe('hc-existing');
    expect(commandsSent()).toEqual(['CreateHealthCheck', 'ListHealthChecks', 'ChangeTagsForResource']);
  });

  it('HealthCheckAlreadyExists with other settings names the existing check and what differs', async () => {
    route53.on(CreateHealthCheckCommand).rejects(new HealthCheckAlreadyExists({ message: 'A health check with the specified CallerReference already exists.', $metadata: { httpStatusCode: 409 } }));
    route53.on(ListHealthChecksCommand).resolves({ HealthChecks: [healthCheck('hc-existing', 'ref-1', { ResourcePath: '/status', FailureThreshold: 5 })], IsTruncated: false, MaxItems: 100, Marker: '' });
    const error = await checks.create('ref-1', config, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as AwsRequestError).code).toBe('HealthCheckAlreadyExists');
    expect((error as Error).message).toBe(
      'CreateHealthCheck: caller reference ref-1 cannot be used: health check hc-existing already uses it with other settings (path /status → /health, failureThreshold 5 → 3)',
    );
    expect(commandsSent()).not.toContain('ChangeTagsForResource');
  });

  it('HealthCheckAlreadyExists for the reference of a deleted check says it cannot be reused', async () => {
    route53.on(CreateHealthCheckCommand).rejects(new HealthCheckAlreadyExists({ message: 'A health check with the specified CallerReference already exists.', $metadata: { httpStatusCode: 409 } }));
    route53.on(ListHealthChecksCommand).resolves({ HealthChecks: [], IsTruncated: false, MaxItems: 100, Marker: '' });
    await expect(checks.create('ref-gone', config, {})).rejects.toThrow('caller reference ref-gone cannot be used: it belonged to a health check that was deleted');
  });

  it('updates the mutable settings without HealthCheckVersion; no regions resets to the default checkers', async () => {
    route53.on(UpdateHealthCheckCommand).resolves({ HealthCheck: healthCheck('hc-1', 'ref') });
    await checks.update('hc-1', { ...config, path: '/ready', failureThreshold: 2 });
    await checks.update('hc-1', { ...config, regions: [] });
    const inputs = route53.commandCalls(UpdateHealthCheckCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toEqual({
      HealthCheckId: 'hc-1', FullyQualifiedDomainName: config.fqdn, Port: 443, ResourcePath: '/ready', FailureThreshold: 2,
      Regions: ['eu-west-1', 'us-east-1', 'ap-southeast-1'], EnableSNI: true,
    });
    expect(inputs[1]).toMatchObject({ ResetElements: ['Regions'] });
    expect(inputs[1]).not.toHaveProperty('Regions');
  });

  it('delete: an already deleted check is success; one still used by a record is an error naming the check', async () => {
    route53.on(DeleteHealthCheckCommand, { HealthCheckId: 'hc-gone' }).rejects(new NoSuchHealthCheck({ message: 'A health check with id hc-gone does not exist.', $metadata: { httpStatusCode: 404 } }));
    route53.on(DeleteHealthCheckCommand, { HealthCheckId: 'hc-used' }).rejects(new HealthCheckInUse({ message: 'The health check hc-used is still referenced from resource record set api.example.com.', $metadata: metadata }));
    await expect(checks.delete('hc-gone')).resolves.toBeUndefined();
    const error = await checks.delete('hc-used').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as AwsRequestError).code).toBe('HealthCheckInUse');
    expect((error as AwsRequestError).resource).toBe('hc-used');
    expect((error as Error).message).toMatch(/^DeleteHealthCheck hc-used: health check hc-used is still used by a record set/);
  });

  it('status is healthy when more than 18% of the checkers report healthy, as Route 53 decides (r53.healthy-above-18-percent); no observation is unknown', async () => {
    const ok = 'Success: HTTP Status Code 200, OK';
    const failed = 'Failure: HTTP Status Code 503, Service Unavailable';
    const timeout = 'Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall.';
    const reports = (healthy: number, unhealthy: number): HealthCheckObservation[] => [
      ...Array.from({ length: healthy }, (_, i) => observation(`r${i}`, ok)),
      ...Array.from({ length: unhealthy }, (_, i) => observation(`f${i}`, i % 2 ? timeout : failed)),
    ];
    const cases: Array<[HealthCheckObservation[], string]> = [
      [reports(3, 13), 'healthy'], // 18.75%: a minority, yet Route 53 routes to it
      [reports(2, 14), 'unhealthy'], // 12.5%
      [reports(9, 41), 'unhealthy'], // exactly 18%
      [reports(1, 2), 'healthy'],
      [reports(0, 8), 'unhealthy'],
      [[], 'unknown'],
    ];
    for (const [observations, expected] of cases) {
      route53.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: observations });
      expect(await checks.status('hc-1'), expected).toBe(expected);
    }
  });
});

describe('Route 53 calls share one rate limiter', () => {
  it('spaces record pages and health-check calls by the shared budget', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 1, clock });
    const sharedDns = new AwsDnsProvider({ clients, limiter });
    const sharedChecks = new AwsHealthCheckProvider({ clients, limiter });
    const sentAt: Array<[string, number]> = [];
    route53.on(ListResourceRecordSetsCommand).callsFake(async (input: { StartRecordName?: string }) => {
      sentAt.push(['ListResourceRecordSets', clock.now() - start]);
      return input.StartRecordName
        ? { ResourceRecordSets: [weighted('b.example.com.', 's', 1)], IsTruncated: false, MaxItems: 300 }
        : { ResourceRecordSets: [weighted('a.example.com.', 's', 1)], IsTruncated: true, MaxItems: 300, NextRecordName: 'b.example.com.', NextRecordType: 'A' };
    });
    route53.on(GetHealthCheckStatusCommand).callsFake(async () => {
      sentAt.push(['GetHealthCheckStatus', clock.now() - start]);
      return { HealthCheckObservations: [] };
    });
    await Promise.all([sharedDns.listRecords(ZONE), sharedChecks.status('hc-1')]);
    expect(sentAt).toEqual([
      ['ListResourceRecordSets', 0],
      ['GetHealthCheckStatus', 500],
      ['ListResourceRecordSets', 1000],
    ]);
  });
});
