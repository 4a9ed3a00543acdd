import { describe, expect, it } from 'vitest';
import { plan } from '../../controller/plan/plan.js';
import { renderJson, renderMarkdown, renderText } from '../../controller/plan/render.js';
import { desiredState, liveFor, withoutRegion, withRegion } from '../support/builders.js';
import { NOW } from './helpers.js';

const weighted = desiredState({ records: [{ routing: 'weighted' }] });
const lines = (text: string) => text.split('\n');

describe('renderText', () => {
  it('says exactly "No changes." under the RegionSet heading when converged', () => {
    const result = plan(weighted, liveFor(weighted).build(), { now: NOW });
    expect(renderText(result, weighted)).toBe('RegionSet global-api (manifests/global-api.yaml)\n\nNo changes.\n');
  });

  it('shows a joining region grouped under its name, values known after apply, and the ramp on one line', () => {
    const desired = withRegion(weighted, 'eu-central-1', { weight: 200 });
    const text = renderText(plan(desired, liveFor(weighted).build(), { now: NOW }), desired);
    expect(text).toContain('eu-central-1 (joining):\n');
    expect(text).toContain('  + stack global-api  template ');
    expect(text).toContain('  + replica orders\n');
    expect(text).toContain('  + health check api.example.com.  HTTPS (known after apply):443/health every 30s, 3 failures\n');
    expect(text).toContain('  … wait until api.example.com. is healthy\n');
    expect(text).toContain('  + record api.example.com. CNAME (weighted)  weight 0 → 20 → 100 → 200 (each after health holds 2m)\n');
    expect(text).not.toContain('@');
    expect(text).toContain('RegionSet-wide:\n  ~ inventory _regionctl.global-api.example.com. TXT  regions ap-southeast-1, eu-west-1, us-east-2 → ap-southeast-1, eu-central-1, eu-west-1, us-east-2\n');
    expect(lines(text).at(-2)).toBe('Plan: 4 to create, 1 to update, 0 to delete; 4 Route 53 change batches.');
  });

  it('shows a drain as weight before → after, the wait and the deletes', () => {
    const desired = withRegion(weighted, 'eu-west-1', { state: 'drained' });
    const text = renderText(plan(desired, liveFor(weighted).build(), { now: NOW }), desired);
    expect(text).toContain('eu-west-1 (draining):\n  ~ record api.example.com. CNAME (weighted)  weight 100 → 0\n  … drain 5m: ');
    expect(text).toContain('  - record api.example.com. CNAME (weighted)\n');
    expect(text).toMatch(/ {2}- health check api\.example\.com\. \(hc-[0-9a-f]+\)\n/);
  });

  it('shows parameter changes before → after', () => {
    const desired = withRegion(weighted, 'us-east-2', { parameters: { Stage: 'canary' } });
    const text = renderText(plan(desired, liveFor(weighted).build(), { now: NOW }), desired);
    expect(text).toContain('us-east-2 (staying):\n  ~ stack global-api  Stage: prod → canary\n');
  });

  it('puts refusals in their own section above the steps, and notes below', () => {
    const desired = withoutRegion(weighted, 'eu-west-1');
    const live = liveFor(weighted).unhealthy('ap-southeast-1').build();
    const text = renderText(plan(desired, live, { now: NOW }), desired);
    const refused = text.indexOf('REFUSED: this plan will not be applied (1 guardrail):\n  ✗ min-healthy-regions: removing eu-west-1 would leave 1 healthy serving region (us-east-2)');
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(text.indexOf('eu-west-1 (leaving):'));
    expect(text).toContain('Notes:\n  - replica orders in eu-west-1 kept: removeReplicas is false\n');
    expect(text).toContain('Refused: nothing will be applied.');
  });

  it('renders a full drain-and-remove plan (snapshot)', () => {
    const desired = withoutRegion(desiredState({ records: [{ routing: 'weighted' }], tables: [{ name: 'orders', removeReplicas: true }] }), 'eu-west-1');
    const text = renderText(plan(desired, liveFor({ ...desired, regions: weighted.regions }).build(), { now: NOW }), desired);
    expect(text).toMatchInlineSnapshot(`
      "RegionSet global-api (manifests/global-api.yaml)

      eu-west-1 (leaving):
        ~ record api.example.com. CNAME (weighted)  weight 100 → 0
        … drain 5m: clients move off eu-west-1 before its records and health checks go (drainWait, at least the record TTL)
        - record api.example.com. CNAME (weighted)
        - health check api.example.com. (hc-1d750a8a)
        - stack global-api
        - replica orders  (deletes this region's copy of the data)

      RegionSet-wide:
        ~ inventory _regionctl.global-api.example.com. TXT  regions ap-southeast-1, eu-west-1, us-east-2 → ap-southeast-1, us-east-2

      Plan: 0 to create, 1 to update, 4 to delete; 3 Route 53 change batches.
      "
    `);
  });

  // Issue 12 item 9: the recovery paths, as a reviewer reads them in the diff.
  it('shows a DELETE_FAILED stack deleted retaining the resources that failed, with a note that they stay in the account', () => {
    const desired = withoutRegion(weighted, 'eu-west-1');
    const live = liveFor(weighted).stack('eu-west-1', { status: 'DELETE_FAILED', failedResources: ['LogsBucket'] }).build();
    const text = renderText(plan(desired, live, { now: NOW }), desired);
    expect(text).toContain('  - stack global-api  DELETE_FAILED: delete retaining LogsBucket (left in the account)\n');
    expect(text).toMatch(/Notes:\n(?:.*\n)*  - stack global-api in eu-west-1 is DELETE_FAILED: deleting it retains LogsBucket .*stay in the account.*delete it with its own service/);
  });

  it('shows the continued rollback with what it skips, and the update\'s resource preview as coming after the rollback', () => {
    const desired = desiredState({ records: [{ routing: 'weighted' }], stack: { templateBody: 'v2' } });
    const live = liveFor(weighted).stack('eu-west-1', { status: 'UPDATE_ROLLBACK_FAILED', failedResources: ['Function'] }).build();
    const text = renderText(plan(desired, live, { now: NOW, stackPreviews: {} }), desired);
    expect(text).toContain('  ~ stack global-api  continue the failed rollback (UPDATE_ROLLBACK_FAILED → UPDATE_ROLLBACK_COMPLETE), skipping Function (could not roll back)\n');
    expect(text).toMatch(/ {2}~ stack global-api {2}template .*\n {6}resource-level preview after the rollback completes \(AWS refuses change sets in UPDATE_ROLLBACK_FAILED\)\n/);
    expect(text).toContain('continuing the rollback skips Function');
  });
});

describe('renderMarkdown', () => {
  const withRemovals = desiredState({ records: [{ routing: 'weighted' }], tables: [{ name: 'orders', removeReplicas: true }] });

  it('leads with a marker for CI and one summary line of regions, traffic per region, replicas and data-loss risk', () => {
    const desired = withRegion(withoutRegion(withRemovals, 'eu-west-1'), 'eu-central-1');
    const md = renderMarkdown(plan(desired, liveFor(withRemovals).build(), { now: NOW }), desired);
    expect(lines(md).slice(0, 4)).toEqual([
      '<!-- regionctl diff: global-api -->',
      '### regionctl diff: `global-api` (`manifests/global-api.yaml`)',
      '',
      '**1 region joining** (eu-central-1) · **1 region leaving** (eu-west-1) · traffic: eu-central-1 0 → 100, eu-west-1 100 → 0 · replicas: +orders in eu-central-1, -orders in eu-west-1 · ⚠️ **DATA-LOSS RISK: 1 replica deleted**',
    ]);
  });

  it('flags a replica deletion loudly in a warning block that names table and region', () => {
    const desired = withoutRegion(withRemovals, 'eu-west-1');
    const md = renderMarkdown(plan(desired, liveFor(withRemovals).build(), { now: NOW }), desired);
    expect(md).toContain('> [!WARNING]\n> **Data loss:** this plan deletes table replicas (removeReplicas: true).');
    expect(md).toContain('> - `orders` in `eu-west-1`\n');
  });

  it('says there is no data-loss risk when replicas are kept, and notes why', () => {
    const desired = withoutRegion(weighted, 'eu-west-1');
    const md = renderMarkdown(plan(desired, liveFor(weighted).build(), { now: NOW }), desired);
    expect(md).toContain('traffic: eu-west-1 100 → 0 · no replica added or removed · no data-loss risk');
    expect(md).not.toContain('[!WARNING]');
    expect(md).toContain('- replica orders in eu-west-1 kept: removeReplicas is false');
  });

  it('shows a re-weighted staying region as its weight before → after', () => {
    const desired = withRegion(weighted, 'us-east-2', { weight: 200 });
    const md = renderMarkdown(plan(desired, liveFor(weighted).build(), { now: NOW }), desired);
    expect(md).toContain('no region joins or leaves · traffic: us-east-2 100 → 200 · no replica added or removed · no data-loss risk');
  });

  it('says a latency region starts or stops serving', () => {
    const latency = desiredState({ records: [{ routing: 'latency' }] });
    const joining = withRegion(latency, 'eu-central-1');
    expect(renderMarkdown(plan(joining, liveFor(latency).build(), { now: NOW }), joining)).toContain('traffic: eu-central-1 starts serving (latency)');
    const draining = withRegion(latency, 'eu-west-1', { state: 'drained' });
    expect(renderMarkdown(plan(draining, liveFor(latency).build(), { now: NOW }), draining)).toContain('traffic: eu-west-1 stops serving (latency)');
  });

  it('folds a region with many lines into <details> with its size, and keeps short ones open', () => {
    const desired = withRegion(weighted, 'eu-central-1');
    const result = plan(desired, liveFor(weighted).build(), { now: NOW });
    const joining = result.steps.find((s) => s.region === 'eu-central-1' && s.action === 'stack.create')!;
    joining.after = { ...joining.after, resourceChanges: Array.from({ length: 6 }, (_, i) => ({ action: 'Add', logicalId: `R${i}`, resourceType: 'AWS::SNS::Topic', replacement: 'False' })) };
    const md = renderMarkdown(result, desired);
    expect(md).toContain('<details><summary><b>eu-central-1 (joining)</b>: 5 steps, 6 stack resource changes</summary>\n\n```diff\n');
    expect(md).toContain('#### RegionSet-wide\n\n```diff\n~ inventory');
  });

  it('puts refusals in a caution block under the summary', () => {
    const desired = withoutRegion(weighted, 'eu-west-1');
    const md = renderMarkdown(plan(desired, liveFor(weighted).unhealthy('ap-southeast-1').build(), { now: NOW }), desired);
    expect(md).toContain('> [!CAUTION]\n> **Refused: this plan will not be applied.**\n> - min-healthy-regions: removing eu-west-1');
  });

  it('says No changes. when converged', () => {
    expect(renderMarkdown(plan(weighted, liveFor(weighted).build(), { now: NOW }), weighted)).toBe(
      '<!-- regionctl diff: global-api -->\n### regionctl diff: `global-api` (`manifests/global-api.yaml`)\n\nNo changes.\n',
    );
  });
});

describe('renderJson', () => {
  it('is the plan itself, stable across runs', () => {
    const desired = withRegion(weighted, 'eu-central-1');
    const result = plan(desired, liveFor(weighted).build(), { now: NOW });
    expect(JSON.parse(renderJson(result))).toEqual(result);
    expect(renderJson(result)).toBe(renderJson(plan(desired, liveFor(weighted).build(), { now: NOW })));
  });
});
