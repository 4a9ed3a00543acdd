// Route 53 record batches and health checks as AWS answers them. localstack records little
// of Route 53, so most expectations quote the API reference or AWS's error text as it appears
// in public issue threads.
import { R53_API, R53_GUIDE, issue, projectNote, reference, snapshot } from './sources.js';
import type { ApiCall, ConformanceCase, FieldCheck, Outcome } from './types.js';

const ZONE = 'z${run}.example.com';
const MOTO_LENIENT_BATCH = 'moto 5.2.5 does not validate record batches the way Route 53 does';

function call(operation: string, input: Record<string, unknown>, expect: Outcome, extra: Partial<ApiCall> = {}): ApiCall {
  return { service: 'route53', operation, input, expect, ...extra };
}
const ok = (...checks: FieldCheck[]): Outcome => ({ ok: checks });
const fails = (code: string, message?: string | RegExp, httpStatus?: number): Outcome => ({ error: { code, message, httpStatus } });

const createZone: ApiCall = call('CreateHostedZone', { Name: ZONE, CallerReference: 'zone-${run}' }, ok({ path: 'HostedZone.Id', present: true }), {
  save: { zoneId: 'HostedZone.Id' },
});

type RecordSet = Record<string, unknown>;
const a = (name: string, value = '192.0.2.1', extra: RecordSet = {}): RecordSet => ({ Name: `${name}.${ZONE}.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: value }], ...extra });

function change(changes: Array<[string, RecordSet]>, expect: Outcome, note?: string): ApiCall {
  return call(
    'ChangeResourceRecordSets',
    { HostedZoneId: '${zoneId}', ChangeBatch: { Changes: changes.map(([Action, ResourceRecordSet]) => ({ Action, ResourceRecordSet })) } },
    expect,
    { note },
  );
}

/**
 * AWS's batch-error text as a pattern: Route 53 wraps it in brackets today, older answers
 * (2015) had none; the zone's unique `${run}` part matches any word.
 */
function batchError(text: string): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\$\\\{run\\\}/g, '\\w+');
  return new RegExp(`^\\[?${escaped}\\]?$`);
}

const listRecords = (checks: FieldCheck[], input: Record<string, unknown> = {}): ApiCall => call('ListResourceRecordSets', { HostedZoneId: '${zoneId}', ...input }, ok(...checks));

const CHANGE_RRSETS = `${R53_API}/API_ChangeResourceRecordSets.html`;
const HEALTH_CONFIG = {
  Type: 'HTTPS',
  FullyQualifiedDomainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
  Port: 443,
  ResourcePath: '/health',
  RequestInterval: 30,
  FailureThreshold: 3,
  Regions: ['ap-southeast-1', 'eu-west-1', 'us-east-1'],
};
const createCheck = (reference = 'hc-${run}', config: Record<string, unknown> = HEALTH_CONFIG): ApiCall =>
  call('CreateHealthCheck', { CallerReference: reference, HealthCheckConfig: config }, ok({ path: 'HealthCheck.Id', present: true }), { save: { checkId: 'HealthCheck.Id' } });
const HEALTH_CHECK_EXISTS = 'A different health check has already been created with the specified caller reference.';

export const route53Cases: ConformanceCase[] = [
  {
    id: 'r53.create-existing-record',
    title: 'CREATE of an existing record set is InvalidChangeBatch "… but it already exists"',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(CHANGE_RRSETS, 'CREATE: Creates a resource record set that has the specified values.'),
      issue('https://github.com/barnybug/cli53/issues/36', 'Tried to create resource record set sub.domain.com., type A but it already exists'),
    ],
    moto: { false: 'moto 5.2.5 accepts a CREATE of an existing record set' },
    steps: [
      createZone,
      change([['CREATE', a('www')]], ok({ path: 'ChangeInfo.Id', present: true })),
      change([['CREATE', a('www', '192.0.2.2')]], fails('InvalidChangeBatch', batchError(`Tried to create resource record set [name='www.z\${run}.example.com.', type='A'] but it already exists`), 400)),
    ],
  },
  {
    id: 'r53.delete-missing-record',
    title: 'DELETE of a missing record set is InvalidChangeBatch "… but it was not found"',
    service: 'route53',
    region: 'us-east-1',
    sources: [issue('https://github.com/boto/boto/issues/2887', "<Code>InvalidChangeBatch</Code><Message>Tried to delete resource record set [name='k.bestwestdays.net.', type='A'] but it was not found</Message>")],
    moto: { false: 'moto 5.2.5 answers InvalidInput "Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], ...] but found none" for this DELETE' },
    steps: [createZone, change([['DELETE', a('gone')]], fails('InvalidChangeBatch', batchError(`Tried to delete resource record set [name='gone.z\${run}.example.com.', type='A'] but it was not found`), 400))],
  },
  {
    id: 'r53.delete-values-mismatch',
    title: 'DELETE must repeat the current values exactly; a different TTL is "… values provided do not match"',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      issue(
        'https://github.com/kubernetes-sigs/external-dns/issues/732',
        "InvalidChangeBatch: Tried to delete resource record set [name='flex-579-opus.k8s.domain2.com.au.', type='A'] but the values provided do not match the current values",
      ),
      reference(CHANGE_RRSETS, 'DELETE: Deletes an existing resource record set that has the specified values.'),
    ],
    moto: { false: 'moto 5.2.5 answers InvalidInput "Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], ...] but found none" for this DELETE' },
    steps: [
      createZone,
      change([['CREATE', a('www')]], ok()),
      change([['DELETE', a('www', '192.0.2.1', { TTL: 300 })]], fails('InvalidChangeBatch', batchError(`Tried to delete resource record set [name='www.z\${run}.example.com.', type='A'] but the values provided do not match the current values`), 400)),
      listRecords([{ path: 'ResourceRecordSets', contains: { Name: `www.${ZONE}.`, Type: 'A', TTL: 60 } }]),
    ],
  },
  {
    id: 'r53.atomic-batch',
    title: 'A batch is atomic: one failing change leaves every other change of the batch unapplied',
    service: 'route53',
    region: 'us-east-1',
    sources: [reference(CHANGE_RRSETS, 'Change batches are considered transactional changes. Route 53 validates the changes in the request and then either makes all or none of the changes in the change batch request.')],
    moto: { false: 'moto 5.2.5 applies the valid changes of a failing batch' },
    steps: [
      createZone,
      change([['CREATE', a('www')]], ok()),
      change([['CREATE', a('new')], ['CREATE', a('www', '192.0.2.9')]], fails('InvalidChangeBatch', undefined, 400)),
      listRecords([{ path: 'ResourceRecordSets', lacks: { Name: `new.${ZONE}.` } }]),
    ],
  },
  {
    id: 'r53.wildcard-octal-escape',
    title: 'A wildcard name comes back from ListResourceRecordSets as \\052',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        `${R53_GUIDE}/DomainNameFormat.html`,
        'If your domain name contains any of the following characters, you must specify the characters by using escape codes in the format \\three-digit octal code',
      ),
      issue('https://github.com/crossplane-contrib/provider-aws/pull/1370', 'For a record *.crossplane.io, the string for its name returned by Route53 API is \\052.crossplane.io.'),
    ],
    moto: { false: 'moto 5.2.5 returns the asterisk as sent' },
    steps: [
      createZone,
      change([['CREATE', { Name: `*.api.${ZONE}.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }]], ok()),
      listRecords([
        { path: 'ResourceRecordSets', contains: { Name: `\\052.api.${ZONE}.`, Type: 'A' } },
        { path: 'ResourceRecordSets', lacks: { Name: `*.api.${ZONE}.` } },
      ]),
      change([['DELETE', { Name: `*.api.${ZONE}.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }]], ok(), 'the unescaped spelling names the same record'),
    ],
  },
  {
    id: 'r53.routing-policy-coexistence',
    title: 'Weighted and simple records cannot share a name and type, in either order',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      issue(
        'https://github.com/kubernetes-sigs/external-dns/issues/3141',
        'InvalidChangeBatch: [RRSet with DNS name cname-echo-server.dev.example.internal., type TXT, SetIdentifier bananas cannot be created as a non-weighted set exists with the same name and type., …',
      ),
      projectNote('a simple record cannot coexist with weighted ones ("RRSet with DNS name x., type CNAME cannot be created as other RRSets exist with the same name and type.")'),
    ],
    moto: { false: 'moto 5.2.5 does not validate routing policies' },
    steps: [
      createZone,
      change([['CREATE', { Name: `app.${ZONE}.`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'a.example.net' }] }]], ok()),
      change(
        [['CREATE', { Name: `app.${ZONE}.`, Type: 'CNAME', TTL: 60, SetIdentifier: 'eu-west-1', Weight: 10, ResourceRecords: [{ Value: 'b.example.net' }] }]],
        fails('InvalidChangeBatch', batchError(`RRSet with DNS name app.z\${run}.example.com., type CNAME, SetIdentifier eu-west-1 cannot be created as a non-weighted set exists with the same name and type.`), 400),
        'weighted over simple',
      ),
      change([['CREATE', { Name: `web.${ZONE}.`, Type: 'CNAME', TTL: 60, SetIdentifier: 'eu-west-1', Weight: 10, ResourceRecords: [{ Value: 'b.example.net' }] }]], ok()),
      change(
        [['CREATE', { Name: `web.${ZONE}.`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'a.example.net' }] }]],
        fails('InvalidChangeBatch', batchError(`RRSet with DNS name web.z\${run}.example.com., type CNAME cannot be created as other RRSets exist with the same name and type.`), 400),
        'simple over weighted',
      ),
    ],
  },
  {
    id: 'r53.weighted-records',
    title: 'Weighted records of one name share it by SetIdentifier and come back with Weight and SetIdentifier',
    service: 'route53',
    region: 'us-east-1',
    sources: [reference(`${R53_API}/API_ResourceRecordSet.html`, 'SetIdentifier: Resource record sets that have a routing policy other than simple: An identifier that differentiates among multiple resource record sets that have the same combination of name and type.')],
    moto: true,
    steps: [
      createZone,
      change(
        [
          ['CREATE', a('api', '192.0.2.1', { SetIdentifier: 'eu-west-1', Weight: 10 })],
          ['CREATE', a('api', '192.0.2.2', { SetIdentifier: 'us-east-1', Weight: 0 })],
        ],
        ok(),
      ),
      listRecords([
        { path: 'ResourceRecordSets', contains: { Name: `api.${ZONE}.`, SetIdentifier: 'eu-west-1', Weight: 10 } },
        { path: 'ResourceRecordSets', contains: { Name: `api.${ZONE}.`, SetIdentifier: 'us-east-1', Weight: 0 } },
      ]),
    ],
  },
  {
    id: 'r53.weighted-ttl-shared',
    title: 'Weighted records of one name and type share one TTL: the last TTL given applies to all of them',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      // Quoted from the Japanese edition, whose text was read verbatim; the English page says the same.
      reference(
        'https://docs.aws.amazon.com/ja_jp/Route53/latest/DeveloperGuide/resource-record-sets-values-weighted.html',
        'この加重レコードのグループに含まれるすべてのレコードについて、[TTL] に同じ値を指定する必要があります。… 同じ名前とタイプの複数の加重レコードを作成し、[TTL] に異なる値を指定すると、Route 53 は、すべてのレコードの [TTL] の値を指定した最後の値に変更します。 (All weighted records of the group must have the same TTL; given different TTLs, Route 53 changes the TTL of all of them to the last value specified.)',
      ),
    ],
    moto: { false: 'moto 5.2.5 keeps each record\'s own TTL' },
    steps: [
      createZone,
      change([['CREATE', a('api', '192.0.2.1', { SetIdentifier: 'eu-west-1', Weight: 10, TTL: 60 })]], ok()),
      change([['CREATE', a('api', '192.0.2.2', { SetIdentifier: 'us-east-1', Weight: 10, TTL: 300 })]], ok()),
      listRecords([
        { path: 'ResourceRecordSets', contains: { Name: `api.${ZONE}.`, SetIdentifier: 'eu-west-1', TTL: 300 } },
        { path: 'ResourceRecordSets', contains: { Name: `api.${ZONE}.`, SetIdentifier: 'us-east-1', TTL: 300 } },
      ]),
    ],
  },
  {
    id: 'r53.double-delete-in-batch',
    title: 'One batch cannot delete the same record set twice',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        'https://docs.aws.amazon.com/sdkfornet1/latest/apidocs/html/M_Amazon_Route53_AmazonRoute53Client_ChangeResourceRecordSets.htm',
        'Due to the nature of transactional changes, you cannot delete the same resource record set more than once in a single change batch. If you attempt to delete the same change batch more than once, Route 53 returns an InvalidChangeBatch error.',
      ),
    ],
    moto: { false: MOTO_LENIENT_BATCH },
    steps: [
      createZone,
      change([['CREATE', a('www')]], ok()),
      change([['DELETE', a('www')], ['DELETE', a('www')]], fails('InvalidChangeBatch', undefined, 400)),
      listRecords([{ path: 'ResourceRecordSets', contains: { Name: `www.${ZONE}.`, Type: 'A' } }]),
    ],
  },
  {
    id: 'r53.batch-record-limit',
    title: 'More than 1,000 ResourceRecord elements in one request are refused; UPSERT counts twice',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        CHANGE_RRSETS,
        'ChangeResourceRecordSets: Creates, changes, or deletes a resource record set … Change batches are considered transactional changes.',
      ),
      projectNote('Limits per request: 1,000 ResourceRecord elements and 32,000 characters of values; UPSERT counts twice.'),
      reference(
        'https://docs.aws.amazon.com/sdkfornet1/latest/apidocs/html/T_Amazon_Route53_Model_ChangeResourceRecordSetsRequest.htm',
        'A request cannot contain more than 1000 ResourceRecord elements. The sum of the number of characters (including spaces) in all Value elements in a request cannot exceed 32,000 characters.',
      ),
    ],
    moto: true,
    steps: [
      createZone,
      change([['CREATE', { Name: `many.${ZONE}.`, Type: 'A', TTL: 60, ResourceRecords: Array.from({ length: 600 }, (_, i) => ({ Value: `10.0.${Math.floor(i / 250)}.${i % 250}` })) }]], ok(), '600 elements by CREATE'),
      change([['UPSERT', { Name: `many.${ZONE}.`, Type: 'A', TTL: 60, ResourceRecords: Array.from({ length: 600 }, (_, i) => ({ Value: `10.1.${Math.floor(i / 250)}.${i % 250}` })) }]], fails('InvalidChangeBatch', undefined, 400), '600 elements by UPSERT count 1,200'),
      listRecords([{ path: 'ResourceRecordSets', contains: { Name: `many.${ZONE}.`, 'ResourceRecords.0.Value': '10.0.0.0' } }]),
    ],
  },
  {
    id: 'r53.batch-character-limit',
    title: 'More than 32,000 characters of values in one request are refused; UPSERT counts twice',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        CHANGE_RRSETS,
        'The sum of the number of characters (including spaces) in all Value elements in a request cannot exceed 32,000 characters.',
      ),
      projectNote('Limits per request: 1,000 ResourceRecord elements and 32,000 characters of values; UPSERT counts twice.'),
    ],
    moto: { false: 'moto 5.2.5 does not count the characters of values' },
    steps: [
      createZone,
      change([['CREATE', { Name: `txt.${ZONE}.`, Type: 'TXT', TTL: 60, ResourceRecords: Array.from({ length: 80 }, (_, i) => ({ Value: `"${String(i).padStart(3, '0')}${'x'.repeat(245)}"` })) }]], ok(), '20,000 characters by CREATE'),
      change([['UPSERT', { Name: `txt.${ZONE}.`, Type: 'TXT', TTL: 60, ResourceRecords: Array.from({ length: 80 }, (_, i) => ({ Value: `"${String(i).padStart(3, '0')}${'y'.repeat(245)}"` })) }]], fails('InvalidChangeBatch', undefined, 400), '20,000 characters by UPSERT count 40,000'),
    ],
  },
  {
    id: 'r53.change-pending-to-insync',
    title: 'A change is PENDING when accepted and INSYNC later, read by GetChange',
    service: 'route53',
    region: 'us-east-1',
    sources: [reference(`${R53_API}/API_GetChange.html`, 'PENDING indicates that the changes in this request have not propagated to all Amazon Route 53 DNS servers managing the hosted zone. This is the initial status of all change batch requests. INSYNC indicates that the changes have propagated to all Route 53 DNS servers managing the hosted zone.')],
    moto: { false: 'moto 5.2.5 answers INSYNC at once' },
    steps: [
      createZone,
      { ...change([['CREATE', a('www')]], ok({ path: 'ChangeInfo.Status', equals: 'PENDING' })), save: { changeId: 'ChangeInfo.Id' } },
      call('GetChange', { Id: '${changeId}' }, ok({ path: 'ChangeInfo.Status', equals: 'INSYNC' }), { until: { path: 'ChangeInfo.Status', equals: 'INSYNC' } }),
    ],
  },
  {
    id: 'r53.no-such-change',
    title: 'GetChange with an unknown id is NoSuchChange (404)',
    service: 'route53',
    region: 'us-east-1',
    sources: [reference(`${R53_API}/API_GetChange.html`, 'NoSuchChange: A change with the specified change ID does not exist.')],
    moto: { false: 'moto 5.2.5 answers every GetChange with INSYNC, known id or not' },
    steps: [call('GetChange', { Id: 'C0000000NOSUCHCHANGE' }, fails('NoSuchChange', undefined, 404))],
  },
  {
    id: 'r53.no-such-hosted-zone',
    title: 'DeleteHostedZone with an unknown id is NoSuchHostedZone naming the id',
    service: 'route53',
    region: 'us-east-1',
    sources: [snapshot('route53/test_route53', 'TestRoute53::test_delete_hosted_zone', 'no-such-hosted-zone-error')],
    moto: true,
    steps: [call('DeleteHostedZone', { Id: 'ZNOSUCH${run}' }, fails('NoSuchHostedZone', 'No hosted zone found with ID: ZNOSUCH${run}', 404))],
  },
  {
    id: 'r53.hosted-zone-not-empty',
    title: 'DeleteHostedZone refuses a zone holding records other than its SOA and NS: HostedZoneNotEmpty',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        `${R53_API}/API_DeleteHostedZone.html`,
        'If you try to delete a hosted zone that contains other resource record sets, the request fails, and Route 53 returns a HostedZoneNotEmpty error.',
      ),
    ],
    moto: true,
    steps: [
      createZone,
      change([['CREATE', a('www')]], ok()),
      call('DeleteHostedZone', { Id: '${zoneId}' }, fails('HostedZoneNotEmpty', undefined, 400)),
      change([['DELETE', a('www')]], ok()),
      call('DeleteHostedZone', { Id: '${zoneId}' }, ok({ path: 'ChangeInfo.Id', present: true })),
    ],
  },
  {
    id: 'r53.list-order-and-paging',
    title: 'ListResourceRecordSets sorts by name with labels reversed, then type, and pages with NextRecordName/Type',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        `${R53_API}/API_ListResourceRecordSets.html`,
        'ListResourceRecordSets sorts results first by DNS name with the labels reversed, for example: com.example.www. Note the trailing dot, which can change the sort order when the record name contains characters that appear before . (decimal 46) in the ASCII table. … When multiple records have the same DNS name, ListResourceRecordSets sorts results by the record type.',
      ),
    ],
    moto: true,
    steps: [
      createZone,
      change(
        [
          ['CREATE', a('z')],
          ['CREATE', a('a.b')],
          ['CREATE', { Name: `a.b.${ZONE}.`, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"x"' }] }],
        ],
        ok(),
      ),
      listRecords([
        { path: 'ResourceRecordSets.0.Type', equals: 'NS' },
        { path: 'ResourceRecordSets.1.Type', equals: 'SOA' },
        { path: 'ResourceRecordSets.2.Name', equals: `a.b.${ZONE}.` },
        { path: 'ResourceRecordSets.2.Type', equals: 'A' },
        { path: 'ResourceRecordSets.3.Type', equals: 'TXT' },
        { path: 'ResourceRecordSets.4.Name', equals: `z.${ZONE}.` },
      ]),
      listRecords([{ path: 'IsTruncated', equals: true }, { path: 'ResourceRecordSets', length: 3 }, { path: 'NextRecordName', equals: `a.b.${ZONE}.` }, { path: 'NextRecordType', equals: 'TXT' }], { MaxItems: 3 }),
      listRecords([{ path: 'ResourceRecordSets.0.Type', equals: 'TXT' }, { path: 'ResourceRecordSets', length: 2 }, { path: 'IsTruncated', equals: false }], { StartRecordName: `a.b.${ZONE}.`, StartRecordType: 'TXT' }),
    ],
  },
  {
    id: 'r53.failover-alias',
    title: 'A failover alias record keeps EvaluateTargetHealth and has no TTL',
    service: 'route53',
    region: 'us-east-1',
    sources: [reference(`${R53_API}/API_AliasTarget.html`, 'EvaluateTargetHealth: … When EvaluateTargetHealth is true, an alias resource record set inherits the health of the referenced Amazon Web Services resource, such as an ELB load balancer or another resource record set in the hosted zone.')],
    moto: true,
    steps: [
      createZone,
      change(
        [
          ['CREATE', { Name: `api.${ZONE}.`, Type: 'A', SetIdentifier: 'primary', Failover: 'PRIMARY', AliasTarget: { HostedZoneId: 'Z2FDTNDATAQYW2', DNSName: 'd-abc.execute-api.eu-west-1.amazonaws.com.', EvaluateTargetHealth: true } }],
          ['CREATE', { Name: `api.${ZONE}.`, Type: 'A', SetIdentifier: 'secondary', Failover: 'SECONDARY', AliasTarget: { HostedZoneId: 'Z2FDTNDATAQYW2', DNSName: 'd-def.execute-api.us-east-1.amazonaws.com.', EvaluateTargetHealth: true } }],
        ],
        ok(),
      ),
      listRecords([
        { path: 'ResourceRecordSets', contains: { Name: `api.${ZONE}.`, Failover: 'PRIMARY', 'AliasTarget.EvaluateTargetHealth': true } },
        { path: 'ResourceRecordSets', contains: { Name: `api.${ZONE}.`, Failover: 'SECONDARY', 'AliasTarget.EvaluateTargetHealth': true } },
        { path: 'ResourceRecordSets', lacks: { Name: `api.${ZONE}.`, Failover: 'PRIMARY', TTL: 60 } },
      ]),
    ],
  },
  {
    id: 'r53.healthcheck-caller-reference',
    title: 'CreateHealthCheck is idempotent per CallerReference; other settings under the same reference are HealthCheckAlreadyExists (409)',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(`${R53_API}/API_CreateHealthCheck.html`, 'If you send a CreateHealthCheck request with the same CallerReference and settings as a previous request, and if the health check doesn\'t exist, Amazon Route 53 creates the health check. If the health check does exist, Route 53 returns the health check configuration in the response.'),
      issue('https://github.com/hashicorp/terraform/issues/8679', `HealthCheckAlreadyExists: ${HEALTH_CHECK_EXISTS} status code: 409`),
    ],
    moto: { false: 'moto 5.2.5 ignores CallerReference and creates a second check' },
    steps: [
      createCheck(),
      call('CreateHealthCheck', { CallerReference: 'hc-${run}', HealthCheckConfig: HEALTH_CONFIG }, ok({ path: 'HealthCheck.Id', equals: '${checkId}' }), { note: 'same reference, same settings' }),
      call('CreateHealthCheck', { CallerReference: 'hc-${run}', HealthCheckConfig: { ...HEALTH_CONFIG, Port: 8443 } }, fails('HealthCheckAlreadyExists', HEALTH_CHECK_EXISTS, 409)),
    ],
  },
  {
    id: 'r53.healthcheck-deleted-reference',
    title: 'The CallerReference of a deleted health check cannot be used again',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(`${R53_API}/API_CreateHealthCheck.html`, 'If you send a CreateHealthCheck request with the same CallerReference as a deleted health check, regardless of the settings, Route 53 returns a HealthCheckAlreadyExists error.'),
    ],
    moto: { false: 'moto 5.2.5 ignores CallerReference' },
    steps: [
      createCheck(),
      call('DeleteHealthCheck', { HealthCheckId: '${checkId}' }, ok()),
      call('CreateHealthCheck', { CallerReference: 'hc-${run}', HealthCheckConfig: HEALTH_CONFIG }, fails('HealthCheckAlreadyExists', undefined, 409)),
    ],
  },
  {
    id: 'r53.request-interval-immutable',
    title: 'RequestInterval and Type are fixed at creation: UpdateHealthCheck has no such fields and they stay',
    service: 'route53',
    region: 'us-east-1',
    sources: [reference(`${R53_API}/API_HealthCheckConfig.html`, 'RequestInterval: … You can\'t change the value of RequestInterval after you create a health check.')],
    moto: true,
    steps: [
      createCheck(),
      call('UpdateHealthCheck', { HealthCheckId: '${checkId}', FailureThreshold: 5 }, ok({ path: 'HealthCheck.HealthCheckConfig.FailureThreshold', equals: 5 })),
      call('GetHealthCheck', { HealthCheckId: '${checkId}' }, ok({ path: 'HealthCheck.HealthCheckConfig.RequestInterval', equals: 30 }, { path: 'HealthCheck.HealthCheckConfig.Type', equals: 'HTTPS' })),
    ],
  },
  {
    id: 'r53.healthcheck-tags-limit',
    title: 'A health check carries at most 10 tags: ten are accepted, an eleventh (in the same or a later request) is InvalidInput',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        `${R53_API}/API_ChangeTagsForResource.html`,
        'AddTags: … You can add a maximum of 10 tags to a health check or a hosted zone. … Array Members: Minimum number of 1 item. Maximum number of 10 items.',
      ),
    ],
    moto: { false: 'moto 5.2.5 accepts an eleventh tag on a health check' },
    steps: [
      createCheck(),
      call(
        'ChangeTagsForResource',
        { ResourceType: 'healthcheck', ResourceId: '${checkId}', AddTags: Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) },
        ok(),
      ),
      call('ChangeTagsForResource', { ResourceType: 'healthcheck', ResourceId: '${checkId}', AddTags: [{ Key: 'k10', Value: 'v' }] }, fails('InvalidInput', undefined, 400), {
        note: 'an eleventh tag on a check that has ten',
      }),
      call(
        'ChangeTagsForResource',
        { ResourceType: 'healthcheck', ResourceId: '${checkId}', AddTags: Array.from({ length: 11 }, (_, i) => ({ Key: `n${i}`, Value: 'v' })) },
        fails('InvalidInput', undefined, 400),
        { note: 'eleven tags in one request' },
      ),
    ],
  },
  {
    id: 'r53.reset-regions',
    title: 'ResetElements [Regions] puts the checker regions back to the default, the same as a check created without Regions',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(`${R53_API}/API_UpdateHealthCheck.html`, 'ResetElements: A complex type that contains one ResettableElementName element for each element that you want to reset to the default value. … Regions: Route 53 resets the Regions list to the default set of regions.'),
    ],
    moto: true,
    steps: [
      call('CreateHealthCheck', { CallerReference: 'default-${run}', HealthCheckConfig: { ...HEALTH_CONFIG, Regions: undefined } }, ok(), { save: { defaultRegions: '?HealthCheck.HealthCheckConfig.Regions' }, note: 'absent Regions means the default list' }),
      createCheck(),
      call('UpdateHealthCheck', { HealthCheckId: '${checkId}', ResetElements: ['Regions'] }, ok({ path: 'HealthCheck.HealthCheckConfig.Regions', equals: '${defaultRegions}' })),
    ],
  },
  {
    id: 'r53.delete-healthcheck-in-use',
    title: 'Route 53 deletes a health check that a record still references (routing then becomes unpredictable)',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        `${R53_API}/API_DeleteHealthCheck.html`,
        'Amazon Route 53 does not prevent you from deleting a health check even if the health check is associated with one or more resource record sets. If you delete a health check and you don\'t update the associated resource record sets, the future status of the health check can\'t be predicted and may change.',
      ),
    ],
    moto: true,
    steps: [
      createZone,
      createCheck(),
      change([['CREATE', a('api', '192.0.2.1', { SetIdentifier: 'primary', Failover: 'PRIMARY', HealthCheckId: '${checkId}' })]], ok()),
      call('DeleteHealthCheck', { HealthCheckId: '${checkId}' }, ok()),
      call('GetHealthCheck', { HealthCheckId: '${checkId}' }, fails('NoSuchHealthCheck', undefined, 404)),
      listRecords([{ path: 'ResourceRecordSets', contains: { Name: `api.${ZONE}.`, HealthCheckId: '${checkId}' } }]),
    ],
  },
  {
    id: 'r53.healthy-above-18-percent',
    title: 'A health check is healthy when more than 18% of its checkers report healthy, unhealthy at 18% or fewer',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        `${R53_GUIDE}/dns-failover-determining-health-of-endpoints.html`,
        'If more than 18% of health checkers report that an endpoint is healthy, Route 53 considers it healthy. If 18% of health checkers or fewer report that an endpoint is healthy, Route 53 considers it unhealthy.',
      ),
    ],
    moto: { false: 'checker observations are AWS-side (control steps); moto reports every check as Success' },
    steps: [
      createCheck(),
      { service: 'control', operation: 'setCheckerReports', input: { HealthCheckId: '${checkId}', Healthy: 2, Unhealthy: 8 } },
      { service: 'control', operation: 'healthCheckStatus', input: { HealthCheckId: '${checkId}' }, expect: ok({ path: 'Status', equals: 'Healthy' }), note: '20% healthy' },
      { service: 'control', operation: 'setCheckerReports', input: { HealthCheckId: '${checkId}', Healthy: 9, Unhealthy: 41 } },
      { service: 'control', operation: 'healthCheckStatus', input: { HealthCheckId: '${checkId}' }, expect: ok({ path: 'Status', equals: 'Unhealthy' }), note: 'exactly 18% healthy' },
      { service: 'control', operation: 'setCheckerReports', input: { HealthCheckId: '${checkId}', Healthy: 1, Unhealthy: 15 } },
      { service: 'control', operation: 'healthCheckStatus', input: { HealthCheckId: '${checkId}' }, expect: ok({ path: 'Status', equals: 'Unhealthy' }), note: '6% healthy' },
    ],
  },
  {
    id: 'r53.healthcheck-status-observations',
    title: 'GetHealthCheckStatus returns one observation per checker with Region, IPAddress and StatusReport',
    service: 'route53',
    region: 'us-east-1',
    sources: [reference(`${R53_API}/API_GetHealthCheckStatus.html`, 'HealthCheckObservations: A list that contains one HealthCheckObservation element for each Amazon Route 53 health checker that is reporting a status about the health check endpoint.')],
    moto: true,
    steps: [
      createCheck(),
      call('GetHealthCheckStatus', { HealthCheckId: '${checkId}' }, ok({ path: 'HealthCheckObservations', present: true })),
    ],
  },
  {
    id: 'r53.latency-one-per-region',
    title: 'One latency record per name, type and region: a second one for the same region is InvalidChangeBatch',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      issue(
        'https://github.com/hashicorp/terraform-provider-aws/issues/1668',
        'InvalidChangeBatch: [RRSet with DNS name xyz.com., type A, SetIdentifier xyz.com, and Region Name=eu-west-1 cannot be created because a latency RRSet with the same name, type and region already exists.]',
      ),
      reference(`${R53_API}/API_ResourceRecordSet.html`, 'Region: Latency-based resource record sets only: The Amazon EC2 Region where you created the resource that this resource record set refers to.'),
    ],
    moto: { false: 'moto 5.2.5 accepts a second latency record for the same name, type and region' },
    steps: [
      createZone,
      change([['CREATE', a('api', '192.0.2.1', { SetIdentifier: 'one', Region: 'eu-west-1' })]], ok()),
      change(
        [['CREATE', a('api', '192.0.2.2', { SetIdentifier: 'two', Region: 'eu-west-1' })]],
        fails('InvalidChangeBatch', batchError(`RRSet with DNS name api.z\${run}.example.com., type A, SetIdentifier two, and Region Name=eu-west-1 cannot be created because a latency RRSet with the same name, type and region already exists.`), 400),
      ),
      change([['CREATE', a('api', '192.0.2.2', { SetIdentifier: 'two', Region: 'us-east-1' })]], ok(), 'another region is accepted'),
    ],
  },
  {
    id: 'r53.geolocation-records',
    title: 'Geolocation records: two for one location are refused; a continent code that is not two letters is InvalidInput',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(`${R53_API}/API_ResourceRecordSet.html`, "GeoLocation: … You can't create two geolocation resource record sets that specify the same geographic location."),
      issue(
        'https://github.com/kubernetes-sigs/external-dns/issues/1541',
        "InvalidInput: Invalid XML ; cvc-length-valid: Value 'Default' with length = '7' is not facet-valid with respect to length '2' for type 'ContinentCode'.",
      ),
    ],
    moto: { false: 'moto 5.2.5 accepts a second geolocation record for the same location' },
    steps: [
      createZone,
      change([['CREATE', a('geo', '192.0.2.1', { SetIdentifier: 'europe', GeoLocation: { ContinentCode: 'EU' } })]], ok()),
      change([['CREATE', a('geo', '192.0.2.2', { SetIdentifier: 'europe-2', GeoLocation: { ContinentCode: 'EU' } })]], fails('InvalidChangeBatch', undefined, 400)),
      change(
        [['CREATE', a('geo', '192.0.2.3', { SetIdentifier: 'default', GeoLocation: { ContinentCode: 'Default' } })]],
        fails('InvalidInput', "Invalid XML ; cvc-length-valid: Value 'Default' with length = '7' is not facet-valid with respect to length '2' for type 'ContinentCode'.", 400),
      ),
      change([['CREATE', a('geo', '192.0.2.3', { SetIdentifier: 'default', GeoLocation: { CountryCode: '*' } })]], ok(), 'CountryCode * is the default location'),
    ],
  },
  {
    id: 'r53.list-paging-identifier',
    title: 'ListResourceRecordSets pages between records of one name and type with NextRecordIdentifier / StartRecordIdentifier',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        `${R53_API}/API_ListResourceRecordSets.html`,
        'NextRecordIdentifier: Resource record sets that have a routing policy other than simple: If results were truncated for a given DNS name and type, the value of SetIdentifier for the next resource record set that has the current DNS name and type.',
      ),
    ],
    moto: { false: 'moto 5.2.5 leaves NextRecordIdentifier out of a page truncated between records of one name and type' },
    steps: [
      createZone,
      change(
        [
          ['CREATE', a('api', '192.0.2.1', { SetIdentifier: 'a', Weight: 10 })],
          ['CREATE', a('api', '192.0.2.2', { SetIdentifier: 'b', Weight: 20 })],
        ],
        ok(),
      ),
      listRecords(
        [
          { path: 'IsTruncated', equals: true },
          { path: 'NextRecordName', equals: `api.${ZONE}.` },
          { path: 'NextRecordType', equals: 'A' },
          { path: 'NextRecordIdentifier', present: true },
        ],
        { StartRecordName: `api.${ZONE}.`, StartRecordType: 'A', MaxItems: 1 },
      ),
      listRecords([{ path: 'ResourceRecordSets.0.SetIdentifier', equals: 'b' }, { path: 'ResourceRecordSets.0.Weight', equals: 20 }], {
        StartRecordName: `api.${ZONE}.`,
        StartRecordType: 'A',
        StartRecordIdentifier: 'b',
        MaxItems: 1,
      }),
    ],
  },
  {
    id: 'r53.rate-limit-errors',
    title: 'Over the rate limit Route 53 answers Throttling "Rate exceeded"; during a prior change PriorRequestNotComplete (HTTP 400, retry later)',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      issue(
        'https://github.com/pcorliss/ruby_route_53/issues/13',
        '<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2011-05-05/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>',
      ),
      issue(
        'https://github.com/pcorliss/ruby_route_53/issues/34',
        '<Error><Type>Sender</Type><Code>PriorRequestNotComplete</Code><Message>The request was rejected because Route 53 was still processing a prior request.</Message></Error>',
      ),
      issue(
        'https://github.com/boto/botocore/pull/682',
        'If you submit more than five requests per second, Amazon Route 53 returns an HTTP 400 error (Bad request). The response header also includes a Code element with a value of Throttling and a Message element with a value of Rate exceeded.',
      ),
    ],
    moto: { false: 'the rate limit cannot be reached on purpose; the refusal is caused by a control step (moto 5.2.5 never throttles)' },
    steps: [
      createZone,
      { service: 'control', operation: 'overRateLimit', input: { Operation: 'ChangeResourceRecordSets', Code: 'PriorRequestNotComplete' } },
      change([['CREATE', a('www')]], fails('PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.', 400)),
      listRecords([{ path: 'ResourceRecordSets', lacks: { Name: `www.${ZONE}.` } }]),
      change([['CREATE', a('www')]], ok(), 'the same batch later is accepted'),
      { service: 'control', operation: 'overRateLimit', input: { Operation: 'ListResourceRecordSets', Code: 'Throttling' } },
      call('ListResourceRecordSets', { HostedZoneId: '${zoneId}' }, fails('Throttling', 'Rate exceeded', 400)),
    ],
  },
  {
    id: 'r53.healthcheck-config-limits',
    title: 'CreateHealthCheck refuses a RequestInterval other than 10 or 30, a FailureThreshold outside 1–10 and fewer than 3 checker regions (InvalidInput)',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        'https://docs.aws.amazon.com/sdkfornet/latest/apidocs/items/TRoute53HealthCheckConfigNET35.html',
        'FailureThreshold: The number of consecutive health checks that an endpoint must pass or fail for Amazon Route 53 to change the current status of the endpoint from unhealthy to healthy or vice versa. Valid values are integers between 1 and 10.',
      ),
      reference(`${R53_API}/API_HealthCheckConfig.html`, 'RequestInterval: … Valid Range: Minimum value of 10. Maximum value of 30. … Regions: … Array Members: Minimum number of 3 items.'),
    ],
    moto: { false: 'moto 5.2.5 accepts these health check settings' },
    steps: [
      call('CreateHealthCheck', { CallerReference: 'hc-interval-${run}', HealthCheckConfig: { ...HEALTH_CONFIG, RequestInterval: 20 } }, fails('InvalidInput', undefined, 400)),
      call('CreateHealthCheck', { CallerReference: 'hc-threshold-${run}', HealthCheckConfig: { ...HEALTH_CONFIG, FailureThreshold: 11 } }, fails('InvalidInput', undefined, 400)),
      call('CreateHealthCheck', { CallerReference: 'hc-regions-${run}', HealthCheckConfig: { ...HEALTH_CONFIG, Regions: ['us-east-1', 'eu-west-1'] } }, fails('InvalidInput', undefined, 400)),
      createCheck(),
    ],
  },
  {
    id: 'r53.hosted-zone-caller-reference',
    title: 'CreateHostedZone with a CallerReference already used is HostedZoneAlreadyExists (409); the first zone stays',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference(
        `${R53_API}/API_CreateHostedZone.html`,
        'HostedZoneAlreadyExists: The hosted zone you\'re trying to create already exists. Amazon Route 53 returns this error when a hosted zone has already been created with the specified CallerReference. HTTP Status Code: 409',
      ),
    ],
    moto: { false: 'moto 5.2.5 creates a second zone with a CallerReference already used' },
    steps: [
      createZone,
      call('CreateHostedZone', { Name: `other.${ZONE}`, CallerReference: 'zone-${run}' }, fails('HostedZoneAlreadyExists', undefined, 409)),
      call('GetHostedZone', { Id: '${zoneId}' }, ok({ path: 'HostedZone.CallerReference', equals: 'zone-${run}' })),
    ],
  },
  {
    id: 'r53.no-such-health-check',
    title: 'GetHealthCheck and DeleteHealthCheck on a deleted health check are NoSuchHealthCheck',
    service: 'route53',
    region: 'us-east-1',
    sources: [
      reference('https://docs.aws.amazon.com/botocore/latest/reference/services/route53/client/exceptions/NoSuchHealthCheck.html', 'NoSuchHealthCheck: No health check exists with the specified ID.'),
      reference(
        'https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/Route53/MRoute53GetHealthCheckGetHealthCheckRequest.html',
        'GetHealthCheck … Exceptions: … NoSuchHealthCheckException No health check exists with the specified ID.',
      ),
    ],
    moto: { false: 'moto 5.2.5 answers GetHealthCheck with NoSuchHealthCheck but deletes an already deleted health check without an error' },
    steps: [
      createCheck('hc-gone-${run}'),
      call('DeleteHealthCheck', { HealthCheckId: '${checkId}' }, ok()),
      call('GetHealthCheck', { HealthCheckId: '${checkId}' }, fails('NoSuchHealthCheck')),
      call('DeleteHealthCheck', { HealthCheckId: '${checkId}' }, fails('NoSuchHealthCheck')),
    ],
  },
];
