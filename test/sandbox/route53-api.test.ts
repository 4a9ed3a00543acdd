// The sandbox serves Route 53 at the API level: the AWS adapters (providers/aws/route53.ts,
// healthchecks.ts) run over it unchanged, and raw calls get AWS's shapes, pages and errors.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../controller/errors.js';
import { AwsHealthCheckProvider } from '../../controller/providers/aws/healthchecks.js';
import { AwsDnsProvider } from '../../controller/providers/aws/route53.js';
import { expectAwsError, makeCloud } from './helpers.js';

function zoneCloud() {
  const made = makeCloud('instant');
  const zone = made.cloud.seedZone('example.com');
  return { ...made, zone, route53: made.cloud.api.route53Api() };
}

const aRecord = (name: string, value = '192.0.2.1') => ({ Name: name, Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: value }] });

describe('one adapter code path for the sandbox and AWS', () => {
  it('cloud.providers() is the AWS adapters over the sandbox API, sending SDK-shaped requests', async () => {
    const { cloud, dns, healthChecks, zone, route53 } = zoneCloud();
    expect(dns).toBeInstanceOf(AwsDnsProvider);
    expect(healthChecks).toBeInstanceOf(AwsHealthCheckProvider);
    const send = vi.spyOn(route53, 'send');
    await dns.listRecords(zone.id);
    await dns.change(zone.id, [{ action: 'CREATE', record: { name: '*.api.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] } }], 'wildcard');
    expect(send.mock.calls).toEqual([
      ['ListResourceRecordSets', { HostedZoneId: zone.id, MaxItems: 300 }],
      [
        'ChangeResourceRecordSets',
        {
          HostedZoneId: zone.id,
          ChangeBatch: { Comment: 'wildcard', Changes: [{ Action: 'CREATE', ResourceRecordSet: aRecord('*.api.example.com') }] },
        },
      ],
    ]);
    expect(cloud.calls.entries.map((c) => c.operation)).toEqual(['ListResourceRecordSets', 'ChangeResourceRecordSets']);
  });

  const root = mkdtempSync(join(tmpdir(), 'regionctl-no-sdk-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a sandbox apply and diff never load the AWS SDK (an @aws-sdk import would fail the run)', () => {
    cpSync('manifests', join(root, 'manifests'), { recursive: true });
    const hook = `export async function resolve(specifier, context, next) {
      if (specifier.startsWith('@aws-sdk/')) throw new Error('the sandbox path loaded ' + specifier);
      return next(specifier, context);
    }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const regionctl = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', `data:text/javascript,${encodeURIComponent(register)}`, join(process.cwd(), 'dist/controller/cli.js'), ...args, '--sandbox', join(root, 'state.json'), '--sandbox-speed', '100000'],
        { encoding: 'utf8' },
      );
    const manifest = join(root, 'manifests/global-api.yaml');
    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).not.toMatch(/the sandbox path loaded/);
    expect(apply.status).toBe(0);
    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stderr).not.toMatch(/the sandbox path loaded/);
    expect(diff.status).toBe(0);
    // Several manifests (a folder) on the sandbox: still no SDK.
    const many = regionctl('diff', join(root, 'manifests'));
    expect(many.stderr).not.toMatch(/the sandbox path loaded/);
    expect(many.stdout.match(/^RegionSet /gm)?.length).toBeGreaterThan(1);
    expect(many.status).toBe(0);
  }, 120_000);
});

describe('sandbox Route 53 API: record sets', () => {
  it('pages ListResourceRecordSets at 300, each page starting where the last one said', async () => {
    const { zone, route53 } = zoneCloud();
    const changes = Array.from({ length: 650 }, (_, i) => ({ Action: 'CREATE' as const, ResourceRecordSet: aRecord(`r${String(i).padStart(3, '0')}.example.com`) }));
    await route53.send('ChangeResourceRecordSets', { HostedZoneId: zone.id, ChangeBatch: { Changes: changes } });
    const first = await route53.send('ListResourceRecordSets', { HostedZoneId: zone.id });
    expect(first).toMatchObject({ IsTruncated: true, MaxItems: 300, NextRecordType: 'A' });
    expect(first.ResourceRecordSets).toHaveLength(300);
    const names: string[] = first.ResourceRecordSets!.map((r) => `${r.Name} ${r.Type}`);
    let page = first;
    while (page.IsTruncated) {
      page = await route53.send('ListResourceRecordSets', { HostedZoneId: zone.id, StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType });
      names.push(...page.ResourceRecordSets!.map((r) => `${r.Name} ${r.Type}`));
    }
    expect(names).toHaveLength(652);
    expect(new Set(names).size).toBe(652);
    expect(names.slice(0, 3)).toEqual(['example.com. NS', 'example.com. SOA', 'r000.example.com. A']);
    await expectAwsError(route53.send('ListResourceRecordSets', { HostedZoneId: zone.id, StartRecordType: 'A' }), 'InvalidInput');
  });

  it('returns a wildcard as \\052 and accepts either spelling back', async () => {
    const { zone, route53, dns } = zoneCloud();
    await route53.send('ChangeResourceRecordSets', { HostedZoneId: zone.id, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: aRecord('*.API.example.com') }] } });
    const listed = await route53.send('ListResourceRecordSets', { HostedZoneId: zone.id, StartRecordName: '*.api.example.com', StartRecordType: 'A', MaxItems: 1 });
    expect(listed.ResourceRecordSets).toEqual([aRecord('\\052.api.example.com.')]);
    // The spelling Route 53 returned deletes it, as the literal `*` would.
    await dns.change(zone.id, [{ action: 'DELETE', record: { name: '\\052.api.example.com.', type: 'A', ttl: 60, values: ['192.0.2.1'] } }], '');
    expect((await dns.listRecords(zone.id)).map((r) => r.name)).toEqual(['example.com.', 'example.com.']);
  });

  it('lists hosted zones by name from DNSName on, with Route 53 paging fields', async () => {
    const { cloud, route53 } = zoneCloud();
    cloud.seedZone('a.example.com');
    cloud.seedZone('example.org');
    const all = await route53.send('ListHostedZonesByName', {});
    expect(all.HostedZones!.map((z) => z.Name)).toEqual(['example.com.', 'a.example.com.', 'example.org.']);
    expect(all.HostedZones![0]).toMatchObject({ Id: expect.stringMatching(/^\/hostedzone\/Z/), Config: { PrivateZone: false }, ResourceRecordSetCount: 2 });
    const page = await route53.send('ListHostedZonesByName', { DNSName: 'a.example.com', MaxItems: 1 });
    expect(page).toMatchObject({ IsTruncated: true, NextDNSName: 'example.org.', MaxItems: 1 });
    expect(page.HostedZones!.map((z) => z.Name)).toEqual(['a.example.com.']);
    await expectAwsError(route53.send('GetHostedZone', { Id: '/hostedzone/ZNOSUCHZONE' }), 'NoSuchHostedZone', 'No hosted zone found with ID: ZNOSUCHZONE');
  });

  it('refuses a whole batch with every reason in InvalidChangeBatch.messages, and changes nothing', async () => {
    const { cloud, zone, route53 } = zoneCloud();
    const error = (await route53
      .send('ChangeResourceRecordSets', {
        HostedZoneId: zone.id,
        ChangeBatch: {
          Changes: [
            { Action: 'CREATE', ResourceRecordSet: aRecord('new.example.com') },
            { Action: 'DELETE', ResourceRecordSet: aRecord('missing-1.example.com') },
            { Action: 'DELETE', ResourceRecordSet: aRecord('missing-2.example.com') },
          ],
        },
      })
      .catch((e: unknown) => e)) as Error & { messages?: string[]; $fault?: string };
    expect(error).toMatchObject({ name: 'InvalidChangeBatch', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    expect(error.messages).toEqual([
      "Tried to delete resource record set [name='missing-1.example.com.', type='A'] but it was not found",
      "Tried to delete resource record set [name='missing-2.example.com.', type='A'] but it was not found",
    ]);
    expect(cloud.recordsOf('example.com')).toHaveLength(2);
  });
});

describe('sandbox Route 53 API: health checks and faults', () => {
  const config = { Type: 'HTTPS' as const, FullyQualifiedDomainName: 'api.example.com', Port: 443, ResourcePath: '/healthz', RequestInterval: 30, FailureThreshold: 3 };

  it('reports one observation per checker region, and resets checker regions to the default with ResetElements', async () => {
    const { cloud, route53 } = zoneCloud();
    const made = await route53.send('CreateHealthCheck', { CallerReference: 'ref-1', HealthCheckConfig: { ...config, Regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] } });
    const id = made.HealthCheck!.Id!;
    expect(made.HealthCheck).toMatchObject({ CallerReference: 'ref-1', HealthCheckVersion: 1, HealthCheckConfig: { Regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] } });
    cloud.setHealth(id, 'healthy');
    const status = await route53.send('GetHealthCheckStatus', { HealthCheckId: id });
    expect(status.HealthCheckObservations!.map((o) => o.Region)).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
    expect(status.HealthCheckObservations!.every((o) => o.StatusReport?.Status?.startsWith('Success'))).toBe(true);
    const updated = await route53.send('UpdateHealthCheck', { HealthCheckId: id, ResetElements: ['Regions'] });
    expect(updated.HealthCheck?.HealthCheckVersion).toBe(2);
    expect(updated.HealthCheck?.HealthCheckConfig?.Regions).toBeUndefined();
    const listed = await route53.send('ListHealthChecks', {});
    expect(listed.HealthChecks!.map((h) => h.Id)).toEqual([id]);
  });

  it('throws faults as the SDK does (name = code, $fault, HTTP status); the adapter maps them', async () => {
    const { cloud, zone, route53, dns } = zoneCloud();
    cloud.faults.throttle('ListResourceRecordSets', { times: 1 });
    await expectAwsError(route53.send('ListResourceRecordSets', { HostedZoneId: zone.id }), 'Throttling', 'Rate exceeded');
    cloud.faults.unavailable('route53:*', { times: 1 });
    const mapped = await dns.listRecords(zone.id).catch((e: unknown) => e);
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped).toMatchObject({ code: 'ServiceUnavailable' });
    expect(cloud.calls.failures().map((c) => c.outcome)).toEqual(['Throttling', 'ServiceUnavailable']);
  });
});
