// The sandbox's DynamoDB API for one region: the interface the AWS table adapter calls on
// the SDK (providers/aws/api.ts), with every call through invokeApi (hook, faults, call log).

import type { DynamoDbApi, DynamoDbOperation, DynamoDbOps } from '../aws/api.js';
import { awsError } from './aws-error.js';
import { invokeApi, type SandboxContext } from './context.js';
import type { SandboxTables } from './tables.js';

type Handlers = { [Op in DynamoDbOperation]: (input: DynamoDbOps[Op][0]) => DynamoDbOps[Op][1] };

export class SandboxDynamoDbApi implements DynamoDbApi {
  private readonly handlers: Handlers;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly region: string,
    tables: SandboxTables,
  ) {
    this.handlers = {
      DescribeTable: (input) => tables.describeTable(region, input),
      UpdateTable: (input) => tables.updateTable(region, input),
      DescribeTableReplicaAutoScaling: (input) => tables.describeTableReplicaAutoScaling(region, input),
    };
  }

  send<Op extends DynamoDbOperation>(operation: Op, input: DynamoDbOps[Op][0]): Promise<DynamoDbOps[Op][1]> {
    return invokeApi(this.ctx, { service: 'dynamodb', operation, region: this.region, write: operation === 'UpdateTable' }, () => {
      const handler = this.handlers[operation] as ((input: DynamoDbOps[Op][0]) => DynamoDbOps[Op][1]) | undefined;
      if (!handler) throw awsError('UnknownOperationException', `The sandbox does not serve DynamoDB ${String(operation)}.`);
      return structuredClone(handler(structuredClone(input)));
    });
  }
}
