// Route 53 quotas as a guardrail: a plan that would leave more records in the hosted zone,
// or more health checks in the account, than AWS allows by default is refused as a whole
// before its first write, instead of failing halfway with some regions switched over.
// Default quotas from the AWS documentation, "Quotas on Route 53"
// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html):
//   records (resource record sets) per hosted zone: 10,000
//   health checks per AWS account: 200
import type { LiveState } from '../providers/types.js';
import { dnsNameKey } from '../dns-name.js';
import type { Plan, Refusal } from './types.js';

const ROUTE53_RECORDS_PER_ZONE = 10_000;
const ROUTE53_HEALTH_CHECKS_PER_ACCOUNT = 200;

interface Route53Quotas {
  recordsPerZone: number;
  healthChecksPerAccount: number;
}

const DEFAULT_ROUTE53_QUOTAS: Route53Quotas = {
  recordsPerZone: ROUTE53_RECORDS_PER_ZONE,
  healthChecksPerAccount: ROUTE53_HEALTH_CHECKS_PER_ACCOUNT,
};

/**
 * What the plan would leave live (the zone's records and the account's health checks, plus
 * creates, minus deletes) against the quotas. Only a plan that grows a count past its quota
 * is refused: one that shrinks or keeps it (a drain, a removal) always goes ahead.
 */
export function route53Quotas(plan: Plan, live: LiveState, quotas: Route53Quotas = DEFAULT_ROUTE53_QUOTAS): Refusal[] {
  const records = new Set(live.records.map((r) => recordKey(r.name, r.type, r.setIdentifier)));
  // Live checks by id and the plan's new ones by caller reference (two sets: no prefixed key per check).
  const liveChecks = new Set(live.healthChecks.map((check) => check.id));
  const newChecks = new Set<string>();
  const recordsBefore = records.size;
  const checksBefore = liveChecks.size;
  // Planning speed: when even every record step adding a record stays within the quota,
  // the records need no counting (the count can only be lower).
  const recordAdds = plan.steps.reduce((sum, step) => sum + (step.payload.kind === 'record' && step.payload.change !== 'DELETE' ? 1 : 0), 0);
  const countRecords = recordsBefore + recordAdds > quotas.recordsPerZone;
  for (const step of plan.steps) {
    const payload = step.payload;
    if (payload.kind === 'record') {
      if (!countRecords) continue;
      const key = recordKey(payload.record.name, payload.record.type, payload.record.setIdentifier);
      if (payload.change === 'DELETE') records.delete(key);
      else records.add(key);
    } else if (payload.kind === 'healthcheck-create') newChecks.add(payload.callerReference);
    else if (payload.kind === 'healthcheck-delete') liveChecks.delete(payload.id);
  }

  const checksAfter = liveChecks.size + newChecks.size;
  const refusals: Refusal[] = [];
  const zone = live.zone?.name ?? 'the hosted zone';
  if (records.size > quotas.recordsPerZone && records.size > recordsBefore) {
    refusals.push({
      rule: 'route53-quota',
      resource: `zone:${zone}`,
      message:
        `route53-quota: this plan would leave ${records.size} records in ${zone} (now ${recordsBefore}), over Route 53's quota of ${quotas.recordsPerZone} records per hosted zone. ` +
        'Remove records or regions from the manifest, or ask AWS for a quota increase (Service Quotas, Amazon Route 53).',
    });
  }
  if (checksAfter > quotas.healthChecksPerAccount && checksAfter > checksBefore) {
    refusals.push({
      rule: 'route53-quota',
      resource: 'healthchecks',
      message:
        `route53-quota: this plan would leave ${checksAfter} health checks in the account (now ${checksBefore}), over Route 53's quota of ${quotas.healthChecksPerAccount} health checks per account. ` +
        'Delete unused health checks, remove health checks or regions from the manifest, or ask AWS for a quota increase (Service Quotas, Amazon Route 53).',
    });
  }
  return refusals;
}

function recordKey(name: string, type: string, setIdentifier: string | undefined): string {
  return `${dnsNameKey(name)}|${type}|${setIdentifier ?? ''}`;
}
