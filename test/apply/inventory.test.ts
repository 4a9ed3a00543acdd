// The inventory TXT record is read back through the Route 53 API, which shows a change
// as soon as it is accepted: work in a new region must not wait for DNS propagation.
import { expect, it } from 'vitest';
import { execute, type ExecEvent } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState } from './desired.js';

it('starts a joining region right after the inventory change is accepted, not after INSYNC', async () => {
  const clock = new FakeClock();
  const cloud = new SandboxCloud({ clock, latencies: { dnsChange: 60_000 } });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'us-east-1');
  const desired = await desiredState({ regions: { 'us-east-1': '{}', 'eu-west-1': '{}' } });
  const { plan } = await planReconcile(desired, cloud.providers(), { now: clock.now() });
  const events: ExecEvent[] = [];
  const result = await execute(plan, cloud.providers(), { clock, maxParallelRegions: 2, onEvent: (e) => events.push(e) });
  expect(result.failed).toEqual([]);

  const inventoryDone = events.find((e) => e.type === 'step-done' && e.step?.action === 'inventory.update')!;
  const firstStack = events.find((e) => e.type === 'step-start' && e.step?.action === 'stack.create')!;
  expect(inventoryDone.elapsedMs).toBeLessThan(60_000);
  expect(firstStack.elapsedMs).toBeLessThan(60_000);
  // Records, by contrast, are done only once INSYNC.
  const recordSent = events.find((e) => e.type === 'batch-sent' && e.stepIds?.some((id) => id.includes('record.create')))!;
  const recordDone = events.find((e) => e.type === 'step-done' && e.step?.action === 'record.create')!;
  expect(recordDone.elapsedMs - recordSent.elapsedMs).toBeGreaterThanOrEqual(60_000);
});
