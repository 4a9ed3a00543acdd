// A conformance target made of the real SDK clients pointed at moto: every case marked
// `moto: true` must give AWS's outcome through the same SDK the AWS adapters use.
import * as cloudFormation from '@aws-sdk/client-cloudformation';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as route53 from '@aws-sdk/client-route-53';
import type { ApiTarget, ConformanceTarget } from './runner.js';

interface SdkClient {
  send(command: unknown): Promise<unknown>;
  destroy(): void;
}
type CommandClass = new (input: Record<string, unknown>) => unknown;

/** Wraps a client so that `send('DescribeStacks', input)` sends `new DescribeStacksCommand(input)`. */
function byOperationName(client: SdkClient, commands: Record<string, unknown>): ApiTarget {
  return {
    async send(operation, input) {
      const Command = commands[`${operation}Command`] as CommandClass | undefined;
      if (!Command) throw new Error(`the SDK has no ${operation}Command`);
      const { $metadata: _metadata, ...output } = (await client.send(new Command(input))) as Record<string, unknown>;
      return output;
    },
  };
}

export interface SdkTarget extends ConformanceTarget {
  destroy(): void;
}

export function sdkTarget(endpoint: string, pauseMs = 100): SdkTarget {
  const config = (region: string) => ({ region, endpoint, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const clients = new Map<string, SdkClient>();
  const client = (key: string, make: () => SdkClient): SdkClient => {
    if (!clients.has(key)) clients.set(key, make());
    return clients.get(key)!;
  };
  return {
    cloudFormation: (region) => byOperationName(client(`cfn ${region}`, () => new cloudFormation.CloudFormationClient(config(region))), cloudFormation),
    dynamodb: (region) => byOperationName(client(`ddb ${region}`, () => new dynamodb.DynamoDBClient(config(region))), dynamodb),
    route53: () => byOperationName(client('route53', () => new route53.Route53Client(config('us-east-1'))), route53),
    pause: () => new Promise((resolve) => setTimeout(resolve, pauseMs)),
    maxPolls: 100,
    destroy: () => clients.forEach((each) => each.destroy()),
  };
}
