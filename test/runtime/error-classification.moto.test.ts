// Issue 13 item 3: one error classification for the CLI, the executor and the controller.
// The case from the issue: the AWS Route 53 adapter raises a ManifestError when the
// manifest names a hosted zone by a name that two public zones share (the user must give
// the zone id). Before, the CLI printed "internal error" with a stack trace and the
// controller reported "Stalled False Retrying" and retried forever; it is a user error.
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { classifyError, ManifestError } from '../../controller/errors.js';
import { Controller } from '../../controller/runtime/controller.js';
import { AlwaysLeader } from '../../controller/runtime/leases.js';
import { openTargets } from '../../controller/targets/index.js';
import { CLI } from '../support/cli.js';
import { startMoto, type Moto } from '../support/moto.js';
import { MANIFEST, manifestRepo } from './helpers.js';

let moto: Moto;
let repo: ReturnType<typeof manifestRepo>;

beforeAll(async () => {
  moto = await startMoto();
  repo = manifestRepo();
  // Two public zones named like the manifest's spec.dns.zone (Route 53 allows it).
  const route53 = new Route53Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  for (const reference of ['twin-1', 'twin-2']) await route53.send(new CreateHostedZoneCommand({ Name: 'example.com.', CallerReference: reference }));
  route53.destroy();
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  repo?.remove();
});

function regionctl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...moto.env, REGIONCTL_POLL_INTERVAL_MS: '50' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it('classifies errors by what the caller should do', () => {
  expect(classifyError(new ManifestError('bad zone'))).toMatchObject({ kind: 'user', message: 'bad zone', exitCode: 1, retry: false, condition: { stalled: true } });
  expect(classifyError(new TypeError('x is undefined'))).toMatchObject({ kind: 'internal', message: 'internal error: TypeError: x is undefined', condition: { stalled: true, reason: 'InternalError' } });
});

it('the CLI reports a ManifestError raised by the Route 53 adapter as one line and exit 1, without a stack trace', async () => {
  const diff = await regionctl(['diff', join(repo.dir, MANIFEST)]);
  expect(diff.code).toBe(1);
  expect(diff.stdout).toBe('');
  expect(diff.stderr).toMatch(/^regionctl diff: hosted zone name example\.com\. matches 2 public hosted zones \(.+\): give the zone id instead of its name\n$/);
  expect(diff.stderr).not.toContain('internal error');
}, 60_000);

it('the controller reports it as Stalled True with the message and sets no retry timer', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1), false);
  const targets = await openTargets({ kind: 'aws', endpointUrl: moto.endpoint, changeSetPollMs: 50 });
  const controller = new Controller({
    source: { sync: async () => ({ revision: 'rev-1', dir: repo.dir }) },
    sourceUrl: 'https://git.example.com/infra.git',
    listManifests: async () => [MANIFEST],
    manifestGlob: 'manifests/*.yaml',
    mode: 'apply',
    targets,
    leases: new AlwaysLeader(),
    retryMs: 30_000,
    clock,
  });
  const saved = { ...process.env };
  Object.assign(process.env, moto.env);
  try {
    controller.start();
    await controller.idle();
    const status = controller.status.get('global-api')!;
    expect(status.lastOutcome).toBe('stalled');
    expect(status.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', message: expect.stringMatching(/hosted zone name example\.com\. matches 2 public hosted zones .*give the zone id/) });
    // No retry: only a new revision (a fixed manifest) reconciles it again.
    expect(clock.pending).toBe(0);
  } finally {
    await controller.stop();
    targets.close();
    process.env = saved;
  }
}, 60_000);
