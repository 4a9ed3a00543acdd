// The runtime emits notifications where outcomes are known: a reconcile that applies sends
// apply-started then apply-succeeded with the revision; suspend and resume are announced;
// a receiver that always fails never holds up the reconcile, and its failures are counted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNotifyConfig } from '../../controller/notify/config.js';
import { startRuntime, type Runtime } from '../../controller/runtime/main.js';
import { metricSum } from '../e2e/support.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { captureLines, manifestRepo, runtimeConfig, sandboxWorld } from '../runtime/helpers.js';

const REVISION = 'fedcba9876543210fedcba9876543210fedcba98';
let repo: ReturnType<typeof manifestRepo>;
let runtime: Runtime | undefined;
const receivers: Receiver[] = [];
beforeEach(() => {
  repo = manifestRepo();
});
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  repo.remove();
});

async function start(yaml: string, env: Record<string, string>) {
  const loaded = await parseNotifyConfig(yaml, 'notify.yaml', { env });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const { cloud } = sandboxWorld();
  const logs = captureLines();
  runtime = await startRuntime(
    runtimeConfig(repo.dir, { logLevel: 'info', notify: loaded.value }),
    { sandboxCloud: cloud, source: { sync: async () => ({ revision: REVISION, dir: repo.dir }) }, logDestination: logs.stream },
  );
  return { runtime, logs };
}

describe('notifications from the running controller', () => {
  it('announces apply-started then apply-succeeded with the commit, and suspend/resume', async () => {
    const ops = await startReceiver();
    receivers.push(ops);
    const { runtime } = await start(`providers:\n  ops: { type: webhook, url: "${ops.url}" }\nroutes:\n  - regionSets: [global-api]\n    providers: [ops]\n`, {});
    await runtime.controller.idle();
    await runtime.controller.suspend('global-api', { reason: 'notify test', by: 'test' });
    await runtime.controller.resume('global-api', { reason: 'notify test', by: 'test' });
    await runtime.controller.idle();
    await runtime.stop();

    const events = ops.requests.map((r) => JSON.parse(r.body) as { type: string; revision?: string; regionSet: string; summary?: { steps: number; completed?: number } });
    expect(events.map((e) => e.type)).toEqual(['apply-started', 'apply-succeeded', 'suspended', 'resumed']);
    expect(events.every((e) => e.regionSet === 'global-api' && e.revision === REVISION)).toBe(true);
    expect(events[1]!.summary!.completed).toBe(events[0]!.summary!.steps);
    expect(events[0]!.summary!.steps).toBeGreaterThan(0);
  });

  it('a receiver that always fails: the reconcile still applies and every failed delivery is counted', async () => {
    const dead = await startReceiver(() => ({ status: 503 }));
    receivers.push(dead);
    const { runtime, logs } = await start(`providers:\n  dead:\n    type: webhook\n    urlFromEnv: DEAD_URL\n    retries: 2\n    backoff: 10ms\nroutes:\n  - providers: [dead]\n`, { DEAD_URL: `${dead.url}/secret-path-x9` });
    await runtime.controller.idle();
    expect(runtime.controller.status.get('global-api')!.lastOutcome).toBe('applied');
    await runtime.stop();

    expect(dead.requests).toHaveLength(6);
    const metrics = await runtime.controller.metrics.text();
    expect(metricSum(metrics, 'regionctl_notifications_total', { provider: 'dead', event: 'apply-started', outcome: 'failed' })).toBe(1);
    expect(metricSum(metrics, 'regionctl_notifications_total', { provider: 'dead', event: 'apply-succeeded', outcome: 'failed' })).toBe(1);
    expect(logs.text()).not.toContain('secret-path-x9');
  });
});
