// regionctl run's configuration: flags over environment over defaults; every mistake is one
// UsageError naming the setting.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../controller/commands/args.js';
import { configFrom, parseListen } from '../../controller/commands/run.js';

describe('regionctl run configuration', () => {
  it('has sensible defaults and reads secrets from the environment only', async () => {
    const config = await configFrom({}, { REGIONCTL_GIT_URL: '/repo', REGIONCTL_GIT_TOKEN: 'tok-123456', REGIONCTL_WEBHOOK_SECRET_GITHUB: 'gh-secret', REGIONCTL_SUSPEND: 'a, b' });
    expect(config).toMatchObject({
      sourceUrl: '/repo',
      branch: 'main',
      manifestGlob: 'manifests/*.yaml',
      mode: 'apply',
      resync: '*/5 * * * *',
      host: '0.0.0.0',
      port: 8080,
      logLevel: 'info',
      shutdownTimeoutMs: 30_000,
      gitToken: 'tok-123456',
      webhookSecrets: { github: 'gh-secret' },
      suspended: ['a', 'b'],
    });
    expect(config.sandbox).toBeUndefined();
  });

  it('flags win over the environment', async () => {
    const config = await configFrom(
      { mode: 'plan-only', listen: '127.0.0.1:0', resync: '30s', sandbox: '/tmp/s.json', 'shutdown-timeout': '5' },
      { REGIONCTL_GIT_URL: '/repo', REGIONCTL_MODE: 'apply', REGIONCTL_RESYNC: 'off' },
    );
    expect(config).toMatchObject({ mode: 'plan-only', host: '127.0.0.1', port: 0, resync: '30s', sandbox: '/tmp/s.json', shutdownTimeoutMs: 5_000 });
    expect((await configFrom({}, { REGIONCTL_GIT_URL: '/repo', REGIONCTL_RESYNC: 'off', REGIONCTL_SHUTDOWN_TIMEOUT: '2m' })).resync).toBe(false);
  });

  it.each([
    [{}, /no source/],
    [{ REGIONCTL_GIT_URL: '/repo', REGIONCTL_MODE: 'yolo' }, /REGIONCTL_MODE/],
    [{ REGIONCTL_GIT_URL: '/repo', REGIONCTL_RESYNC: 'every tuesday' }, /REGIONCTL_RESYNC/],
    [{ REGIONCTL_GIT_URL: '/repo', REGIONCTL_LISTEN: 'localhost' }, /REGIONCTL_LISTEN/],
    [{ REGIONCTL_GIT_URL: '/repo', REGIONCTL_SANDBOX_SPEED: '10' }, /needs REGIONCTL_SANDBOX/],
    [{ REGIONCTL_GIT_URL: '/repo', REGIONCTL_MANIFESTS: '../*.yaml' }, /REGIONCTL_MANIFESTS/],
    [{ REGIONCTL_GIT_URL: '/repo', REGIONCTL_SHUTDOWN_TIMEOUT: 'soon' }, /REGIONCTL_SHUTDOWN_TIMEOUT/],
    [{ REGIONCTL_GIT_URL: '/repo', REGIONCTL_LOG_LEVEL: 'loud' }, /REGIONCTL_LOG_LEVEL/],
    [{ REGIONCTL_GIT_URL: '/repo', REGIONCTL_LEASE_TABLE: 'leases', REGIONCTL_LEASE_SECONDS: '-1' }, /REGIONCTL_LEASE_SECONDS/],
  ])('refuses %o', async (env, message) => {
    const error = await configFrom({}, env as NodeJS.ProcessEnv).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('--profile and --region: the AWS profile, the default region, and the lease table region unless REGIONCTL_LEASE_REGION', async () => {
    const env = { REGIONCTL_GIT_URL: '/repo', REGIONCTL_LEASE_TABLE: 'leases', AWS_REGION: 'us-east-1' };
    const config = await configFrom({ profile: 'ops', region: 'eu-west-1' }, env);
    expect(config).toMatchObject({ profile: 'ops', region: 'eu-west-1', leases: { table: 'leases', region: 'eu-west-1' } });
    expect((await configFrom({ region: 'eu-west-1' }, { ...env, REGIONCTL_LEASE_REGION: 'us-west-2' })).leases?.region).toBe('us-west-2');
    expect((await configFrom({}, env)).leases?.region).toBe('us-east-1');
    await expect(configFrom({ region: 'eu-wset-1' }, env)).rejects.toThrow(/--region "eu-wset-1" is not an AWS region code; did you mean eu-west-1\?/);
    await expect(configFrom({ profile: 'ops', sandbox: '/tmp/s.json' }, env)).rejects.toThrow(/--profile and --region apply to AWS, not to the sandbox/);
  });

  it('parses listen addresses', () => {
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseListen(':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(() => parseListen('host:99999')).toThrow(UsageError);
  });
});
