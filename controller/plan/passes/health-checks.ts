// Route 53 health checks, one per (health-checked record, region that is not drained):
// created, updated in place, or replaced when a field cannot change. Hands on the check each
// record set uses and the live checks kept (the removals pass deletes the other owned ones).

import { usesDefaultCheckerRegions } from '../../route53-health.js';
import type { HealthCheckConfig } from '../../providers/types.js';
import { callerReference, healthCheckKey, healthCheckTags, indexOwnedHealthChecks } from '../identity.js';
import { pick } from '../record-diff.js';
import type { ValueRef } from '../types.js';
import { need, outputValue, StepList, type HealthCheckUse, type Pass } from '../context.js';

export const healthChecksPass: Pass = (context, facts) => {
  const { stackReady, outputsKnown } = need(facts, 'health checks', 'stackReady', 'outputsKnown');
  const { rs, desired } = context;
  const list = new StepList();
  const healthChecks = new Map<string, HealthCheckUse>();
  const keptChecks = new Set<string>();
  const checksByKey = indexOwnedHealthChecks(context.live.healthChecks, rs, [...context.owned]);
  for (const record of desired.dns.records) {
    const wanted = record.healthCheck;
    if (!wanted) continue;
    const checkerRegions = [...wanted.regions].sort();
    for (const region of desired.regions) {
      if (region.state === 'drained') continue;
      const code = region.code;
      // The checked host may be another output than the record's value (healthCheck.target).
      const fqdn = outputValue(context, outputsKnown, code, wanted.targetOutput);
      const config = {
        protocol: wanted.protocol,
        port: wanted.port,
        path: wanted.path,
        interval: wanted.interval,
        failureThreshold: wanted.failureThreshold,
        regions: checkerRegions.slice(),
        fqdn,
      };
      const current = (checksByKey.get(healthCheckKey(record.name, code)) ?? [])[0];
      const resource = `healthcheck:${record.name}:${code}`;
      const key = `${record.name}|${code}`;
      const ready = stackReady.get(code) ?? [];
      const create = (reason: string, before?: Record<string, unknown>) => {
        const reference = callerReference(rs, record.name, code, context.options.now);
        const id = list.add({
          id: `${code}:healthcheck.create:${record.name}`,
          action: 'healthcheck.create',
          region: code,
          resource,
          dependsOn: ready,
          reason,
          ...(before ? { before } : {}),
          after: { ...config },
          payload: { kind: 'healthcheck-create', callerReference: reference, config, tags: healthCheckTags(rs, record.name, code) },
        });
        healthChecks.set(key, { ref: { callerReference: reference }, deps: [id] });
      };
      if (!current) {
        create(`no health check for ${record.name} in ${code}`);
        continue;
      }
      const live = current.config;
      if (live.protocol !== config.protocol || live.interval !== config.interval) {
        // Type and request interval cannot change: a new check replaces the old one.
        create(`protocol or interval changed (cannot be changed in place): replace health check ${current.id}`, { protocol: live.protocol, interval: live.interval, id: current.id });
        continue;
      }
      const differences = healthCheckDifferences(live, config);
      if (differences.length > 0 && !('literal' in fqdn)) {
        // The endpoint is known only after the stack is (re)created: replace instead of updating.
        create(`endpoint changes with the stack: replace health check ${current.id}`, { id: current.id, fqdn: live.fqdn });
        continue;
      }
      keptChecks.add(current.id);
      healthChecks.set(key, { ref: { id: current.id }, deps: [] });
      if (differences.length === 0) continue;
      const updated: HealthCheckConfig = { ...config, fqdn: (fqdn as { literal: string }).literal };
      list.add({
        id: `${code}:healthcheck.update:${record.name}`,
        action: 'healthcheck.update',
        region: code,
        resource,
        dependsOn: ready,
        reason: `${differences.join(', ')} changed`,
        before: pick(live, differences),
        after: pick(updated, differences),
        payload: { kind: 'healthcheck-update', id: current.id, config: updated },
      });
    }
  }
  return { steps: list.steps, facts: { healthChecks, keptChecks } };
};

function healthCheckDifferences(live: HealthCheckConfig, wanted: Omit<HealthCheckConfig, 'fqdn'> & { fqdn: ValueRef }): string[] {
  const differences: string[] = [];
  if ('literal' in wanted.fqdn ? live.fqdn.toLowerCase() !== wanted.fqdn.literal.toLowerCase() : true) differences.push('fqdn');
  if (live.port !== wanted.port) differences.push('port');
  if (live.path !== wanted.path) differences.push('path');
  if (live.failureThreshold !== wanted.failureThreshold) differences.push('failureThreshold');
  // No regions wanted means Route 53's default set: checker regions dropped from the manifest
  // are reset to it (the adapter sends ResetElements: ['Regions']; r53.reset-regions).
  if (wanted.regions.length === 0 ? !usesDefaultCheckerRegions(live.regions) : [...live.regions].sort().join(',') !== wanted.regions.join(',')) differences.push('regions');
  return differences;
}
