import { describe, expect, it } from 'vitest';
import type { HealthCheckConfig } from '../../controller/providers/types.js';
import { expectAwsError, makeCloud, stackInput } from './helpers.js';

const config = (overrides: Partial<HealthCheckConfig> = {}): HealthCheckConfig => ({
  protocol: 'HTTPS',
  fqdn: 'api.example.com',
  port: 443,
  path: '/healthz',
  interval: 30,
  failureThreshold: 3,
  regions: [],
  ...overrides,
});

describe('sandbox Route 53 health checks', () => {
  it('creates idempotently for the same caller reference and settings', async () => {
    const { cloud, healthChecks } = makeCloud();
    const id = await healthChecks.create('ref-1', config(), { owner: 'regionctl' });
    expect(await healthChecks.create('ref-1', config(), { owner: 'regionctl' })).toBe(id);
    expect(await healthChecks.list()).toEqual([{ id, callerReference: 'ref-1', config: config() }]);
    expect(cloud.listHealthChecks()[0]?.tags).toEqual({ owner: 'regionctl' });
  });

  it('refuses the same caller reference with other settings, or the reference of a deleted check', async () => {
    const { healthChecks } = makeCloud();
    const id = await healthChecks.create('ref-1', config(), {});
    await expectAwsError(healthChecks.create('ref-1', config({ path: '/other' }), {}), 'HealthCheckAlreadyExists');
    await healthChecks.delete(id);
    await expectAwsError(healthChecks.create('ref-1', config(), {}), 'HealthCheckAlreadyExists');
    expect(await healthChecks.list()).toEqual([]);
  });

  it('validates interval, failure threshold, checker regions and tags', async () => {
    const { healthChecks } = makeCloud();
    await expectAwsError(healthChecks.create('r1', config({ interval: 15 as 10 }), {}), 'InvalidInput', /RequestInterval/);
    await expectAwsError(healthChecks.create('r2', config({ failureThreshold: 0 }), {}), 'InvalidInput', /failureThreshold/);
    await expectAwsError(healthChecks.create('r3', config({ failureThreshold: 11 }), {}), 'InvalidInput', /failureThreshold/);
    await expectAwsError(healthChecks.create('r4', config({ regions: ['us-east-1', 'eu-west-1'] }), {}), 'InvalidInput', /at least 3/);
    await expectAwsError(healthChecks.create('r5', config({ regions: ['us-east-1', 'eu-west-1', 'eu-central-1'] }), {}), 'InvalidInput', /eu-central-1/);
    const tags = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    await expectAwsError(healthChecks.create('r6', config(), tags), 'InvalidInput', /at most 10 tags/);
    await healthChecks.create('ok', config({ interval: 10, failureThreshold: 1, regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] }), {});
    expect(await healthChecks.list()).toHaveLength(1);
  });

  it('updates mutable settings but not the protocol or the interval (UpdateHealthCheck has no field for them)', async () => {
    const { healthChecks } = makeCloud();
    const id = await healthChecks.create('ref', config(), {});
    await healthChecks.update(id, config({ path: '/v2/health', failureThreshold: 5 }));
    expect((await healthChecks.list())[0]?.config).toEqual(config({ path: '/v2/health', failureThreshold: 5 }));
    await healthChecks.update(id, config({ protocol: 'HTTP', interval: 10, path: '/v2/health', failureThreshold: 5 }));
    expect((await healthChecks.list())[0]?.config).toEqual(config({ path: '/v2/health', failureThreshold: 5 }));
    await expectAwsError(healthChecks.update('missing', config()), 'NoSuchHealthCheck');
  });

  it('deletes a check still referenced by a record, as Route 53 does (r53.delete-healthcheck-in-use)', async () => {
    const { cloud, dns, healthChecks } = makeCloud('instant');
    const zone = cloud.seedZone('example.com');
    const id = await healthChecks.create('ref', config(), {});
    const record = { name: 'api.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'], setIdentifier: 'us', weight: 1, healthCheckId: id };
    await dns.change(zone.id, [{ action: 'CREATE', record }], '');
    await healthChecks.delete(id);
    await expectAwsError(healthChecks.status(id), 'NoSuchHealthCheck');
    // The record keeps pointing at the deleted check: its routing is now unpredictable.
    expect((await dns.listRecords(zone.id)).find((r) => r.name === 'api.example.com.')?.healthCheckId).toBe(id);
    await dns.change(zone.id, [{ action: 'DELETE', record }], '');
  });

  it('turns healthy one interval after creation once a complete stack serves its fqdn', async () => {
    const { clock, stacks, healthChecks } = makeCloud();
    await stacks.create(stackInput());
    await clock.advance(90_000);
    const fqdn = (await stacks.describe('us-east-1', 'orders'))!.outputs.ApiDomain!;
    const id = await healthChecks.create('ref', config({ fqdn }), {});
    expect(await healthChecks.status(id)).toBe('unhealthy');
    await clock.advance(30_000);
    expect(await healthChecks.status(id)).toBe('healthy');
    const stranger = await healthChecks.create('ref-2', config({ fqdn: 'nobody.example.com' }), {});
    await clock.advance(30_000);
    expect(await healthChecks.status(stranger)).toBe('unhealthy');
  });

  it('is unhealthy while the stack is still being created or was rolled back', async () => {
    const { clock, cloud, stacks, healthChecks } = makeCloud();
    cloud.faults.fail('StackCreate', { region: 'eu-west-1' });
    await stacks.create(stackInput({ region: 'eu-west-1' }));
    await stacks.create(stackInput({ region: 'us-east-1' }));
    await clock.advance(90_000);
    const east = (await stacks.describe('us-east-1', 'orders'))!.outputs.ApiDomain!;
    const eastCheck = await healthChecks.create('east', config({ fqdn: east }), {});
    await clock.advance(30_000);
    expect(await healthChecks.status(eastCheck)).toBe('healthy');
    // The rolled-back stack never published outputs, so nothing serves an eu-west-1 name.
    expect((await stacks.describe('eu-west-1', 'orders'))?.status).toBe('ROLLBACK_COMPLETE');
    const westCheck = await healthChecks.create('west', config({ fqdn: east.replace('us-east-1', 'eu-west-1') }), {});
    await clock.advance(30_000);
    expect(await healthChecks.status(westCheck)).toBe('unhealthy');
  });

  it('follows setHealth by id or by fqdn, and falls back to the derived status when cleared', async () => {
    const { clock, cloud, healthChecks } = makeCloud();
    const id = await healthChecks.create('ref', config({ fqdn: 'Api.Example.com' }), {});
    cloud.setHealth(id, 'healthy');
    expect(await healthChecks.status(id)).toBe('healthy');
    cloud.setHealth(id, undefined);
    cloud.setHealth('api.example.com', 'healthy');
    expect(await healthChecks.status(id)).toBe('healthy');
    cloud.setHealth('api.example.com', undefined);
    await clock.advance(60_000);
    expect(await healthChecks.status(id)).toBe('unhealthy');
  });
});
