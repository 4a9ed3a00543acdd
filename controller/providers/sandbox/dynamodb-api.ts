// The sandbox's DynamoDB API for one region: the interface the AWS table adapter calls on
// the SDK (providers/aws/api.ts), with every call through invokeApi (hook, faults, call log).

import type { CreateTableInput, DynamoDbApi, DynamoDbOperation, DynamoDbOps } from '../aws/api.js';
import { awsError } from './aws-error.js';
import { invokeApi, type SandboxContext } from './context.js';
import type { SandboxTables } from './tables.js';

type Handlers = { [Op in DynamoDbOperation]: (input: DynamoDbOps[Op][0]) => DynamoDbOps[Op][1] };

export class SandboxDynamoDbApi implements DynamoDbApi {
  private readonly handlers: Handlers;
  /** Setup operations regionctl never sends, served for the conformance corpus (ddb.create-duplicate-table, ddb.delete-missing-table). */
  private readonly extra: Record<string, (input: never) => unknown>;

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
    this.extra = {
      CreateTable: (input: CreateTableInput) => tables.createTable(region, input),
      DeleteTable: (input: { TableName?: string }) => tables.deleteTable(region, input),
    };
  }

  send<Op extends DynamoDbOperation>(operation: Op, input: DynamoDbOps[Op][0]): Promise<DynamoDbOps[Op][1]> {
    const write = operation === 'UpdateTable' || operation in this.extra;
    return invokeApi(this.ctx, { service: 'dynamodb', operation, region: this.region, write }, () => {
      const handler = (this.handlers[operation] ?? this.extra[operation as string]) as ((input: DynamoDbOps[Op][0]) => DynamoDbOps[Op][1]) | undefined;
      // Not an AWS rule: an operation the sandbox does not serve.
      if (!handler) throw awsError('UnknownOperationException', `The sandbox does not serve DynamoDB ${String(operation)}.`);
      return structuredClone(handler(structuredClone(input)));
    });
  }
}
