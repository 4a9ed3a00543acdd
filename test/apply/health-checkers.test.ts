// Ramp gating follows Route 53's own verdict: a health check is healthy when MORE than 18% of
// its checkers report healthy (r53.healthy-above-18-percent). A region whose endpoint a
// minority of checkers can reach still receives traffic from Route 53, so the ramp goes on;
// at 18% or fewer Route 53 stops routing to it, so the ramp rolls back.
import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import type { Step } from '../../controller/plan/types.js';
import { joinRegion, makePlan, RECORD, world } from './helpers.js';

function reportsFrom(w: ReturnType<typeof world>, afterStep: string, healthy: number, unhealthy: number) {
  return (event: { type: string; step?: Step }) => {
    if (event.type === 'step-done' && event.step?.id === afterStep) {
      w.cloud.setCheckerReports(w.cloud.peekStack('ap-southeast-1', 'global-api')!.outputs['ApiDomainName']!, healthy, unhealthy);
    }
  };
}

describe('ramp gating by the share of healthy checkers', () => {
  it('proceeds to full weight with 3 of 16 checkers healthy (18.75%)', async () => {
    const w = world();
    const plan = makePlan(joinRegion('ap-southeast-1', w.zoneId, { ramp: [20, 100] }));

    const result = await execute(plan, w.cloud.providers(), w.options({ onEvent: reportsFrom(w, 'ap-southeast-1:healthcheck.create', 3, 13) }));

    expect(result.failed).toEqual([]);
    const record = w.cloud.recordsOf('example.com.').find((r) => r.name === RECORD);
    expect(record?.weight).toBe(100);
  });

  it('rolls back to weight 0 and stops with 2 of 16 checkers healthy (12.5%)', async () => {
    const w = world();
    const plan = makePlan(joinRegion('ap-southeast-1', w.zoneId, { ramp: [20, 100] }));

    const result = await execute(plan, w.cloud.providers(), w.options({ onEvent: reportsFrom(w, 'ap-southeast-1:record.ramp:20', 2, 14) }));

    expect(result.failed).toEqual([
      { stepId: 'ap-southeast-1:health.wait:20', message: 'health check of api.example.com. in ap-southeast-1 failed at weight 20; rolled back to weight 0' },
    ]);
    expect(result.skipped).toEqual([{ stepId: 'ap-southeast-1:record.ramp:100', causedBy: 'ap-southeast-1:health.wait:20' }]);
    expect(w.cloud.recordsOf('example.com.').find((r) => r.name === RECORD)?.weight).toBe(0);
  });
});
