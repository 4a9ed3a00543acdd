// Issue #11, item 6 (quotas): Route 53's default quotas ("Quotas on Route 53",
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html) are
// 10,000 records per hosted zone and 200 health checks per account. A plan that would grow
// either count past its quota used to start and fail halfway (some regions switched, the
// rest not); it is now refused as a whole by the route53-quota guardrail, naming the quota,
// the count and the next step. Plans that shrink a count (a drain, a removal) still run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan } from '../../controller/plan/plan.js';
import type { DnsRecord, LiveHealthCheck, LiveState } from '../../controller/providers/types.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { AlwaysLeader } from '../../controller/runtime/leases.js';
import { silentLogger } from '../../controller/runtime/logger.js';
import { reconcileRegionSet } from '../../controller/runtime/reconciler.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import { NOW } from '../plan/helpers.js';
import { desiredState, liveFor, withoutRegion, withRegion, ZONE } from '../support/builders.js';
import { MANIFEST, manifestRepo, sandboxWorld } from '../runtime/helpers.js';

const desired = desiredState();

/** Records of someone else filling the zone. */
function fillerRecords(count: number): DnsRecord[] {
  return Array.from({ length: count }, (_, i) => ({ name: `host-${i}.${ZONE}`, type: 'A', ttl: 300, values: ['192.0.2.1'] }) as DnsRecord);
}

/** Health checks of other tools in the same account. */
function fillerChecks(count: number): LiveHealthCheck[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `other-check-${i}`,
    callerReference: `other-${i}`,
    config: { fqdn: `host-${i}.example.org`, protocol: 'HTTPS', port: 443, path: '/', interval: 30, failureThreshold: 3, regions: [] },
  }) as LiveHealthCheck);
}

function liveWith(records: number, checks: number): LiveState {
  const live = liveFor(desired).build();
  live.records.push(...fillerRecords(records - live.records.length));
  live.healthChecks.push(...fillerChecks(checks - live.healthChecks.length));
  return live;
}

describe('Route 53 default quotas (Quotas on Route 53: 10,000 records per hosted zone, 200 health checks per account)', () => {
  const refusals = [
    {
      name: 'refuses adding a region when the zone would hold 10,001 records (quota 10,000 per hosted zone)',
      live: { records: 10_000, checks: 10 },
      resource: 'zone:example.com.',
      message:
        "route53-quota: this plan would leave 10001 records in example.com. (now 10000), over Route 53's quota of 10000 records per hosted zone. " +
        'Remove records or regions from the manifest, or ask AWS for a quota increase (Service Quotas, Amazon Route 53).',
    },
    {
      name: 'refuses adding a region when the account would hold 201 health checks (quota 200 per account)',
      live: { records: 100, checks: 200 },
      resource: 'healthchecks',
      message:
        "route53-quota: this plan would leave 201 health checks in the account (now 200), over Route 53's quota of 200 health checks per account. " +
        'Delete unused health checks, remove health checks or regions from the manifest, or ask AWS for a quota increase (Service Quotas, Amazon Route 53).',
    },
  ];
  for (const { name, live, resource, message } of refusals) {
    it(name, () => {
      const result = plan(withRegion(desired, 'eu-central-1'), liveWith(live.records, live.checks), { now: NOW });
      expect(result.refusals).toEqual([{ rule: 'route53-quota', resource, message }]);
    });
  }

  it('allows a plan that ends exactly at the quotas (10,000 records, 200 health checks)', () => {
    const live = liveWith(9_999, 199);
    const result = plan(withRegion(desired, 'eu-central-1'), live, { now: NOW });
    expect(result.steps.some((s) => s.action === 'record.create')).toBe(true);
    expect(result.refusals).toEqual([]);
  });

  it('does not refuse removing a region from a zone and account already over the quotas (the counts shrink)', () => {
    const live = liveWith(10_500, 250);
    const result = plan(withoutRegion(desired, 'eu-west-1'), live, { now: NOW });
    expect(result.steps.some((s) => s.action === 'record.delete')).toBe(true);
    expect(result.refusals).toEqual([]);
  });

  it('does not refuse a plan that changes nothing in a zone over the quota', () => {
    const live = liveWith(10_500, 250);
    const result = plan(desired, live, { now: NOW });
    expect(result.steps).toEqual([]);
    expect(result.refusals).toEqual([]);
  });
});

describe('the quota refusal through the controller', () => {
  let repo: ReturnType<typeof manifestRepo>;
  beforeEach(() => {
    repo = manifestRepo();
  });
  afterEach(() => repo.remove());

  it('a reconcile that would create the 201st health check is refused: no AWS write, cloud unchanged', async () => {
    const world = sandboxWorld();
    const options = { mode: 'apply' as const, targets: new SandboxTargets({ cloud: world.cloud }), leases: new AlwaysLeader(), logger: silentLogger(), isSuspended: () => false };
    const request = (revision: string) => ({ regionSet: 'global-api', root: repo.dir, file: MANIFEST, revision, reasons: ['test'] });
    expect((await reconcileRegionSet(request('rev-1'), options)).kind).toBe('applied');

    // 197 health checks of other tools beside the example's 3: the account is at 200.
    const state = world.cloud.toJSON();
    const own = state.healthChecks.filter((c) => !c.deleted);
    expect(own).toHaveLength(3);
    for (let i = 0; i < 197; i++) state.healthChecks.push({ ...own[0]!, id: `OTHER${i}`, callerReference: `other-tool-${i}`, tags: { owner: 'other-tool' } });
    const cloud = SandboxCloud.fromJSON(JSON.parse(JSON.stringify(state)), { clock: world.clock });
    const before = JSON.stringify(cloud.toJSON());

    repo.edit('    ap-southeast-1: {}\n', '    ap-southeast-1: {}\n    eu-central-1: {}\n');
    const outcome = await reconcileRegionSet(request('rev-2'), { ...options, targets: new SandboxTargets({ cloud }) });
    expect(outcome.kind).toBe('refused');
    expect(outcome.plan?.refusals.map((r) => r.message)).toEqual([expect.stringMatching(/^route53-quota: this plan would leave 201 health checks in the account \(now 200\), over Route 53's quota of 200 health checks per account\. /)]);
    expect(cloud.calls.writes()).toEqual([]);
    expect(JSON.stringify(cloud.toJSON())).toBe(before);
    expect(readFileSync(join(repo.dir, MANIFEST), 'utf8')).toContain('eu-central-1');
  });
});
