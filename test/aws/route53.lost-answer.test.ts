// Issue 12 item 8 on the AWS code path: AwsDnsProvider.change after a ChangeResourceRecordSets
// whose answer was lost (the SDK's TimeoutError, a reset connection). The zone is re-read and
// the batch is resent only when none of it took effect; a CREATE sent twice would be refused
// (r53.create-existing-record).
import { ChangeResourceRecordSetsCommand, InvalidChangeBatch, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsRequestError, TransientError } from '../../controller/errors.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { AwsDnsProvider } from '../../controller/providers/aws/route53.js';
import type { DnsRecord, RecordChange } from '../../controller/providers/types.js';

const route53 = mockClient(Route53Client);
const ZONE = '/hostedzone/Z0123456789ABCDEFGHIJ';
let clients: AwsClients;
let dns: AwsDnsProvider;

function timeout(): Error {
  const error = new Error('Request did not complete within 30000 ms');
  error.name = 'TimeoutError';
  return error;
}

function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

const wildcard: DnsRecord = { name: '*.api.example.com.', type: 'A', ttl: 60, values: ['192.0.2.10'], setIdentifier: 'eu-west-1', weight: 100 };
/** The same record as ListResourceRecordSets spells it (octal-escaped wildcard). */
const wildcardListed: ResourceRecordSet = { Name: '\\052.api.example.com.', Type: 'A', SetIdentifier: 'eu-west-1', Weight: 100, TTL: 60, ResourceRecords: [{ Value: '192.0.2.10' }] };

beforeEach(() => {
  route53.reset();
  clients = new AwsClients();
  dns = new AwsDnsProvider({ clients });
});

afterAll(() => {
  route53.restore();
});

describe('AwsDnsProvider.change when the answer is lost', () => {
  it('reports a batch the re-read zone already shows as applied, without sending it again', async () => {
    route53.on(ChangeResourceRecordSetsCommand).rejects(timeout());
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [wildcardListed], IsTruncated: false, MaxItems: 300 });

    const result = await dns.change(ZONE, [{ action: 'CREATE', record: wildcard }], 'regionctl test');

    expect(result.status).toBe('INSYNC');
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(1);
  });

  it('gives a retryable error when the re-read zone shows nothing of the batch', async () => {
    route53.on(ChangeResourceRecordSetsCommand).rejects(connectionReset());
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 300 });

    const error = await dns.change(ZONE, [{ action: 'CREATE', record: wildcard }], '').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/not applied; sending it again/);
  });

  it('refuses with the next step when the zone shows only part of the batch', async () => {
    const old: DnsRecord = { ...wildcard, values: ['192.0.2.9'] };
    const changes: RecordChange[] = [
      { action: 'DELETE', record: old },
      { action: 'CREATE', record: wildcard },
    ];
    route53.on(ChangeResourceRecordSetsCommand).rejects(timeout());
    // The old record is gone but the new one is not there: another value was written meanwhile.
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [{ ...wildcardListed, ResourceRecords: [{ Value: '192.0.2.99' }] }],
      IsTruncated: false,
      MaxItems: 300,
    });

    const error = await dns.change(ZONE, changes, '').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as AwsRequestError).code).toBe('ChangeOutcomeUnknown');
    expect((error as Error).message).toMatch(/not visible: CREATE \*\.api\.example\.com\. A \(eu-west-1\)\).*`regionctl diff`/);
  });

  it('does not re-read the zone for an answer AWS did give (InvalidChangeBatch)', async () => {
    route53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({ message: 'Tried to create resource record set but it already exists', $metadata: { httpStatusCode: 400 } }));

    await expect(dns.change(ZONE, [{ action: 'CREATE', record: wildcard }], '')).rejects.toMatchObject({ code: 'InvalidChangeBatch' });
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('does not resend when the zone cannot be re-read either: the outcome is reported unknown', async () => {
    route53.on(ChangeResourceRecordSetsCommand).rejects(timeout());
    route53.on(ListResourceRecordSetsCommand).rejects(connectionReset());

    const error = await dns.change(ZONE, [{ action: 'CREATE', record: wildcard }], '').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as AwsRequestError).code).toBe('ChangeOutcomeUnknown');
    expect((error as Error).message).toMatch(/could not be read .*it is not sent again\. Run `regionctl diff`/);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
  });
});
