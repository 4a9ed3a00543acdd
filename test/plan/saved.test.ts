// The live-state fingerprint of saved plans (plan/saved.ts): stable under the order AWS
// lists things in, changed by anything the planner reads, and explained resource by resource.
import { describe, expect, it } from 'vitest';
import type { LiveHealthCheck } from '../../controller/providers/types.js';
import { fingerprintLiveState, liveChanges } from '../../controller/plan/saved.js';
import { desiredState, liveFor } from '../support/builders.js';

const desired = desiredState();

describe('fingerprintLiveState', () => {
  it('does not depend on the order records, replicas or health checks are listed in', () => {
    const live = liveFor(desired).build();
    const shuffled = liveFor(desired).build();
    shuffled.records.reverse();
    shuffled.healthChecks.reverse();
    for (const table of Object.values(shuffled.tables)) table?.replicas.reverse();
    expect(fingerprintLiveState(shuffled, desired)).toEqual(fingerprintLiveState(live, desired));
    expect(liveChanges(fingerprintLiveState(live, desired), fingerprintLiveState(shuffled, desired))).toEqual([]);
  });

  it('names each resource that moved, with its state before and now', () => {
    const saved = fingerprintLiveState(liveFor(desired).build(), desired);
    const now = fingerprintLiveState(
      liveFor(desired).stackStatus('eu-west-1', 'UPDATE_IN_PROGRESS').setWeight('api.example.com.', 'us-east-2', 7).removeStack('ap-southeast-1').build(),
      desired,
    );
    expect(now.fingerprint).not.toBe(saved.fingerprint);
    const moved = liveChanges(saved, now);
    expect(moved).toContain('stack global-api in eu-west-1 CREATE_COMPLETE → UPDATE_IN_PROGRESS');
    expect(moved).toContain('stack global-api in ap-southeast-1 is gone (was CREATE_COMPLETE)');
    expect(moved.find((line) => line.startsWith('record api.example.com. CNAME (global-api:us-east-2)'))).toMatch(/→ weight 7,/);
    // Stacks first: what a person looks at first.
    expect(moved[0]).toMatch(/^stack /);
  });

  it("leaves out health checks of other owners elsewhere in the account, but not the RegionSet's own", () => {
    const live = liveFor(desired).build();
    const foreign: LiveHealthCheck = {
      id: 'other-team-check',
      callerReference: 'someone-else-1',
      config: { protocol: 'HTTPS', fqdn: 'other.example.org', port: 443, path: '/', interval: 30, failureThreshold: 3, regions: [] },
    };
    const withForeign = liveFor(desired).addHealthCheck(foreign).build();
    expect(fingerprintLiveState(withForeign, desired).fingerprint).toBe(fingerprintLiveState(live, desired).fingerprint);
    const ownChanged = liveFor(desired).healthCheckConfig('api.example.com.', 'eu-west-1', { path: '/other' }).build();
    expect(liveChanges(fingerprintLiveState(live, desired), fingerprintLiveState(ownChanged, desired))).toEqual([
      expect.stringMatching(/^health check \S+ HTTPS \S+:443\/health → HTTPS \S+:443\/other$/),
    ]);
  });
});
