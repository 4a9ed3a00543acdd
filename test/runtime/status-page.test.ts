// The status page at GET /: server-rendered HTML of /status and /history, answered like the
// other read endpoints (GET and HEAD, 405 otherwise), with a Content-Security-Policy that
// allows its own <style> only; user input (reasons, messages, names) renders as text.
import { describe, expect, it } from 'vitest';
import { renderStatusPage } from '../../controller/runtime/status-page.js';
import type { ControllerStatus } from '../../controller/runtime/status.js';
import type { ControlStore } from '../../controller/providers/types.js';
import { runtimeHarness, sandboxWorld, useWeightedRouting } from './helpers.js';

const TOKEN = 'status-page-token-5d81e0';
const harness = runtimeHarness();

async function started() {
  useWeightedRouting(harness.repo);
  const { cloud } = sandboxWorld();
  const started = await harness.start(harness.config({ triggerToken: TOKEN }), { sandboxCloud: cloud });
  await started.runtime.controller.idle();
  return started;
}

describe('GET /', () => {
  it('serves the RegionSet, its regions with traffic, weight and health, the last plan and the history as HTML with a CSP', async () => {
    const { http } = await started();
    const response = await http('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    const page = await response.text();
    expect(page).toContain(`<style nonce="${nonce}">`);
    expect(page).not.toMatch(/<script|<link|src=/);
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('<meta http-equiv="refresh" content="10">');
    expect(page).toMatch(/<h2>global-api /);
    for (const [region, weight] of [['eu-west-1', 200], ['us-east-2', 100], ['ap-southeast-1', 50]] as const) {
      const row = new RegExp(`<tr data-region="${region}">.*?</tr>`).exec(page)?.[0] ?? '';
      expect(row).toContain('>serving<');
      expect(row).toContain(`<td class="num">${weight}</td>`);
      expect(row).toContain('>healthy<');
    }
    expect(page).toMatch(/Last plan<\/h3>\n<p class="plan">\d+ steps/);
    expect(page).toMatch(/<ol class="history"><li><strong>applied<\/strong>/);

    expect((await http('/?refresh=2')).headers.get('content-type')).toMatch(/^text\/html/);
    expect(await (await http('/?refresh=2')).text()).toContain('content="2"');
    expect(await (await http('/?refresh=0')).text()).toContain('content="10"');
    expect((await http('/status.html')).status).toBe(200);
    const head = await http('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await http('/', { method: 'POST' })).status).toBe(405);
  });

  it('shows a suspension reason with markup in it as text', async () => {
    const { http } = await started();
    const reason = `<script>alert(1)</script><img src=x onerror="alert(2)"> & 'quotes'`;
    const suspend = await http('/suspend?regionSet=global-api', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason, by: '"><b>eve' }) });
    expect(suspend.status).toBe(200);
    const page = await (await http('/')).text();
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>eve');
    expect(page).toContain('Suspended by &quot;&gt;&lt;b&gt;eve <time');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; &#39;quotes&#39;');
  });
});

describe('GET / when the history cannot be read', () => {
  it('shows the status and says the history is missing, instead of failing', async () => {
    useWeightedRouting(harness.repo);
    const { cloud } = sandboxWorld();
    const control: ControlStore = {
      describe: 'a store whose reads fail',
      getControl: async () => undefined,
      putControl: async () => {},
      appendHistory: async () => {},
      history: async () => {
        throw new Error('ProvisionedThroughputExceededException: rate of requests exceeds the allowed throughput');
      },
    };
    const { runtime, http } = await harness.start(harness.config(), { sandboxCloud: cloud, control });
    await runtime.controller.idle();
    const response = await http('/');
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('History could not be read: ProvisionedThroughputExceededException');
    expect(page.match(/<tr data-region=/g)).toHaveLength(3);
  });
});

describe('renderStatusPage', () => {
  const hostile = '"><svg onload=alert(1)>';
  const status: ControllerStatus = {
    mode: 'apply',
    ready: true,
    source: { url: `https://git.example/${hostile}`, branch: hostile, observedRevision: 'abc123def4567890', observedAt: '2026-01-01T00:00:00.000Z', consecutiveFailures: 1, lastError: { at: '2026-01-01T00:00:00.000Z', message: hostile } },
    regionSets: {
      'global-api': {
        name: 'global-api',
        file: `manifests/${hostile}.yaml`,
        mode: 'apply',
        suspended: false,
        conditions: [{ type: 'Ready', status: 'False', reason: hostile, message: hostile, lastTransitionTime: '2026-01-01T00:00:00.000Z' }],
        regions: { 'eu-west-1': { desiredState: 'active', lastTransition: 'joining', lastPlanSteps: { 'stack.create': 1 }, traffic: 'joining', weight: { desired: 100 } } },
        lastError: { at: '2026-01-01T00:00:00.000Z', reason: 'PlanRefused', message: hostile },
        lastPlan: { revision: 'abc123', reconcileId: 'r1', at: '2026-01-01T00:00:00.000Z', steps: 1, stepsByAction: { 'stack.create': 1 }, create: 1, update: 0, delete: 0, route53ChangeBatches: 0, regions: { 'eu-west-1': 'joining' }, refusals: [{ rule: 'min-healthy-regions', resource: hostile, message: hostile }] },
        // What the freeze-window feature adds: rendered when present.
        ...({ syncWindows: [{ kind: 'deny', schedule: '0 22 * * 5', duration: '60h', timeZone: 'Europe/Berlin', description: hostile, active: true, nextChange: '2026-01-05T06:00:00.000Z' }], syncWindowOpen: false } as object),
      },
    },
  };

  it('escapes every value from the manifest, the source, the history and the freeze windows', () => {
    const page = renderStatusPage({ status, history: { 'global-api': [{ kind: 'suspend', at: Date.UTC(2026, 0, 1), trigger: hostile, by: hostile, reason: hostile }] }, now: Date.UTC(2026, 0, 1, 0, 5), refreshSeconds: 10 }, 'n0nce');
    expect(page).not.toContain('<svg');
    expect(page.split('&quot;&gt;&lt;svg onload=alert(1)&gt;').length - 1).toBeGreaterThanOrEqual(10);
    expect(page).toContain('<code>0 22 * * 5</code>');
    expect(page).toContain('Europe/Berlin');
    expect(page).toContain('<span class="badge warn">closed</span>');
    expect(page).toMatch(/<td class="num">100 <span class="muted small">\(no record\)<\/span><\/td>/);
  });
});
