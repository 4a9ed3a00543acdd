// The sandbox's Route 53 API: the same `send(operation, input)` interface the AWS adapters
// call on the SDK (providers/aws/api.ts). Every call goes through invokeApi (hook, faults,
// call log) and answers in the SDK's shapes, or throws AWS's error codes and messages.

import type { Route53Api, Route53Operation, Route53Ops } from '../aws/api.js';
import { awsError } from './aws-error.js';
import { invokeApi, type SandboxContext } from './context.js';
import type { SandboxHealthChecks } from './healthchecks.js';
import type { SandboxRecords } from './route53.js';

const WRITES: ReadonlySet<string> = new Set([
  'ChangeResourceRecordSets',
  'CreateHealthCheck',
  'UpdateHealthCheck',
  'DeleteHealthCheck',
  'ChangeTagsForResource',
  'CreateHostedZone',
  'DeleteHostedZone',
]);

/**
 * Real Route 53 operations that regionctl never sends but the conformance corpus uses to set
 * up (r53.* cases create their zone): served beside the narrowed API, outside its types.
 */
type ExtraHandlers = Record<string, (input: Record<string, unknown>) => unknown>;

type Handlers = { [Op in Route53Operation]: (input: Route53Ops[Op][0]) => Route53Ops[Op][1] };

export class SandboxRoute53Api implements Route53Api {
  private readonly handlers: Handlers;
  private readonly extras: ExtraHandlers;

  constructor(
    private readonly ctx: SandboxContext,
    records: SandboxRecords,
    checks: SandboxHealthChecks,
  ) {
    this.handlers = {
      GetHostedZone: (input) => records.getHostedZone(input),
      ListHostedZonesByName: (input) => records.listHostedZonesByName(input),
      ListResourceRecordSets: (input) => records.listResourceRecordSets(input),
      ChangeResourceRecordSets: (input) => records.changeResourceRecordSets(input),
      GetChange: (input) => records.getChange(input),
      ListHealthChecks: (input) => checks.listHealthChecks(input),
      CreateHealthCheck: (input) => checks.createHealthCheck(input),
      UpdateHealthCheck: (input) => checks.updateHealthCheck(input),
      DeleteHealthCheck: (input) => checks.deleteHealthCheck(input),
      GetHealthCheckStatus: (input) => checks.getHealthCheckStatus(input),
      ChangeTagsForResource: (input) => checks.changeTagsForResource(input),
    };
    this.extras = {
      CreateHostedZone: (input) => records.createHostedZone(input),
      DeleteHostedZone: (input) => records.deleteHostedZone(input),
      GetHealthCheck: (input) => checks.getHealthCheck(input),
    };
  }

  send<Op extends Route53Operation>(operation: Op, input: Route53Ops[Op][0]): Promise<Route53Ops[Op][1]> {
    // Route 53 is global: its calls carry no region, as before.
    return invokeApi(this.ctx, { service: 'route53', operation, write: WRITES.has(operation) }, () => {
      const handler = (this.handlers[operation] ?? this.extras[operation as string]) as ((input: Route53Ops[Op][0]) => Route53Ops[Op][1]) | undefined;
      // Not an AWS rule: an operation the sandbox does not serve.
      if (!handler) throw awsError('InvalidAction', `The action ${String(operation)} is not valid for this web service.`);
      // A structured copy: the caller's request objects never alias the sandbox's state.
      return structuredClone(handler(structuredClone(input)));
    });
  }
}
