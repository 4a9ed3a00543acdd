// Issue 12 item 8 below the adapter: the SDK's own retry must not resend a
// ChangeResourceRecordSets whose answer was lost (r53.create-existing-record would refuse the
// second CREATE); reads and CallerReference-protected creates keep the SDK's retries.
import { ChangeResourceRecordSetsCommand, GetChangeCommand, Route53Client } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { addNoBlindRetry, RESPONSE_LOST } from '../../controller/providers/aws/no-blind-retry.js';
import { AwsDnsProvider } from '../../controller/providers/aws/route53.js';

/** A Route 53 client whose every HTTP request times out; counts the requests sent. */
function timingOutClient(): { client: Route53Client; sent: () => number } {
  let sent = 0;
  const requestHandler = {
    handle: async () => {
      sent += 1;
      throw Object.assign(new Error('Request did not complete within 30000 ms'), { name: 'TimeoutError' });
    },
  };
  const client = new Route53Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 3,
    retryStrategy: undefined,
    requestHandler,
  });
  addNoBlindRetry(client);
  return { client, sent: () => sent };
}

const batch = {
  HostedZoneId: 'Z0123456789ABCDEFGHIJ',
  ChangeBatch: { Changes: [{ Action: 'CREATE' as const, ResourceRecordSet: { Name: 'api.example.com.', Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] } }] },
};

describe('no blind SDK retry of a record change', () => {
  it('sends a timed-out ChangeResourceRecordSets once and reports the answer lost', async () => {
    const { client, sent } = timingOutClient();
    const error = await client.send(new ChangeResourceRecordSetsCommand(batch)).catch((e: unknown) => e);
    expect((error as Error).name).toBe(RESPONSE_LOST);
    expect(sent()).toBe(1);
  });

  it('still lets the SDK retry a timed-out read', async () => {
    const { client, sent } = timingOutClient();
    await expect(client.send(new GetChangeCommand({ Id: '/change/C1' }))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sent()).toBe(3);
  });

  it('is installed on the Route 53 client regionctl builds', () => {
    const clients = new AwsClients();
    const names = (clients.route53().middlewareStack as unknown as { identify: () => string[] }).identify();
    expect(names.some((n) => n.startsWith('regionctlNoBlindRetry'))).toBe(true);
    clients.destroy();
  });

  it('makes the adapter re-read the zone (a ResponseLost answer counts as lost)', async () => {
    const { client } = timingOutClient();
    const route53Api = { send: (_op: string, input: unknown) => client.send(new ChangeResourceRecordSetsCommand(input as typeof batch)) };
    const reads: string[] = [];
    const dns = new AwsDnsProvider({
      clients: {
        route53Api: () => ({
          send: async (op: string, input: unknown) => {
            if (op === 'ListResourceRecordSets') {
              reads.push(op);
              return { ResourceRecordSets: [], IsTruncated: false, MaxItems: 300 };
            }
            return route53Api.send(op, input);
          },
        }) as never,
      },
    });
    await expect(dns.change(batch.HostedZoneId, [{ action: 'CREATE', record: { name: 'api.example.com.', type: 'A', ttl: 60, values: ['192.0.2.1'] } }], '')).rejects.toMatchObject({
      name: 'TransientError',
    });
    expect(reads).toEqual(['ListResourceRecordSets']);
  });
});
