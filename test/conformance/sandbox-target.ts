// The one place the conformance corpus meets the sandbox: a fresh, empty sandbox account on
// a fake clock, whose per-service APIs (`cloud.api`) take the same `send(operation, input)`
// calls as the SDK clients pointed at moto. CloudFormation, Route 53 and DynamoDB are served
// at the API level.
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import type { ApiTarget, ConformanceTarget } from './runner.js';

/** Sandbox time that passes between two polls of an `until` step (AWS's waiters poll like this). */
const POLL_MS = 5_000;

export interface SandboxConformanceTarget extends ConformanceTarget {
  cloud: SandboxCloud;
  clock: FakeClock;
}

export function sandboxTarget(): SandboxConformanceTarget {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const cloud = new SandboxCloud({ clock });
  return {
    cloud,
    clock,
    cloudFormation: (region) => cloud.api.cloudFormationApi(region) as unknown as ApiTarget,
    dynamodb: (region) => cloud.api.dynamodbApi(region) as unknown as ApiTarget,
    route53: () => cloud.api.route53Api() as unknown as ApiTarget,
    async control(operation, input) {
      if (operation === 'advanceTime') {
        await clock.advance(Number(input['Milliseconds'] ?? 0));
        return {};
      }
      if (operation === 'setCheckerReports') {
        cloud.setCheckerReports(String(input['HealthCheckId']), Number(input['Healthy'] ?? 0), Number(input['Unhealthy'] ?? 0));
        return {};
      }
      if (operation === 'healthCheckStatus') {
        return { Status: cloud.healthCheckStatus(String(input['HealthCheckId'])) };
      }
      if (operation === 'failResourceDeletion') {
        // The resource refuses deletion until a DeleteStack retains it (cfn.delete-failed-retain).
        const stack = cloud.stackRecord(String(input['Region']), String(input['StackName']));
        stack.failDeletion = [...(stack.failDeletion ?? []), String(input['LogicalResourceId'])];
        return {};
      }
      if (operation === 'failResourceUpdate') {
        // The next update fails on the resource, and its rollback too with AndRollback (cfn.update-rollback-failed).
        const stack = cloud.stackRecord(String(input['Region']), String(input['StackName']));
        stack.failUpdate = { logicalId: String(input['LogicalResourceId']), andRollback: input['AndRollback'] === true };
        return {};
      }
      if (operation === 'failStackCreation') {
        // The next stack creation in the region fails and rolls back (cfn.rollback-complete-not-updatable).
        cloud.faults.fail('StackCreate', { region: String(input['Region']) });
        return {};
      }
      if (operation === 'overRateLimit') {
        // AWS's rate limit is hit by traffic no case can send on purpose: the next call of the
        // operation gets the refusal through fault injection (r53.rate-limit-errors).
        const kind = input['Code'] === 'PriorRequestNotComplete' ? 'priorRequestNotComplete' : 'throttle';
        cloud.faults.inject(String(input['Operation']), kind);
        return {};
      }
      throw new Error(`the sandbox has no control operation ${operation} yet`);
    },
    // A replica takes the sandbox's replicaCreate latency (5 min): poll for up to 20 sandbox minutes.
    maxPolls: 240,
    pause: async () => {
      await clock.advance(POLL_MS);
    },
  };
}
