// AWS SDK clients: one per service and region, created on first use and cached. The
// endpoint comes from --endpoint-url when given, otherwise the SDK itself honours
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>; credentials from the default chain.
// Every call is reported to onCall (metrics, API-call budgets in tests and benchmarks).
// Every request has a connection and a request timeout: without them a hung endpoint
// would hang a reconcile forever.

import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Route53Client } from '@aws-sdk/client-route-53';

export type AwsService = 'cloudformation' | 'dynamodb' | 'route53';

export interface AwsCall {
  service: AwsService;
  /** AWS operation name, e.g. DescribeStacks. */
  operation: string;
  region: string;
  /** 'ok' or the AWS error code. */
  outcome: string;
}

export interface AwsOptions {
  /** Explicit endpoint for every service (the CLI's --endpoint-url); wins over the environment. */
  endpointUrl?: string;
  /** SDK retry attempts per call (AWS_MAX_ATTEMPTS otherwise, default 3). */
  maxAttempts?: number;
  /** SDK retry mode (AWS_RETRY_MODE otherwise, default standard). */
  retryMode?: 'standard' | 'adaptive';
  /** Per HTTP attempt: how long until the whole answer must have arrived. Default 30 s. */
  requestTimeoutMs?: number;
  /** Per HTTP attempt: how long until the TCP connection must be up. Default 5 s. */
  connectionTimeoutMs?: number;
  onCall?: (call: AwsCall) => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

type AnyClient = CloudFormationClient | DynamoDBClient | Route53Client;

// Route 53 is a global service whose API lives in us-east-1.
export const ROUTE53_REGION = 'us-east-1';

export class AwsClients {
  private readonly cache = new Map<string, AnyClient>();

  constructor(private readonly options: AwsOptions = {}) {}

  cloudFormation(region: string): CloudFormationClient {
    return this.get('cloudformation', region, (config) => new CloudFormationClient(config));
  }

  dynamodb(region: string): DynamoDBClient {
    return this.get('dynamodb', region, (config) => new DynamoDBClient(config));
  }

  route53(): Route53Client {
    return this.get('route53', ROUTE53_REGION, (config) => new Route53Client(config));
  }

  private get<T extends AnyClient>(service: AwsService, region: string, make: (config: Record<string, unknown>) => T): T {
    const key = `${service}:${region}`;
    const cached = this.cache.get(key);
    if (cached) return cached as T;
    const config: Record<string, unknown> = { region };
    if (this.options.endpointUrl) config['endpoint'] = this.options.endpointUrl;
    if (this.options.maxAttempts !== undefined) config['maxAttempts'] = this.options.maxAttempts;
    if (this.options.retryMode) config['retryMode'] = this.options.retryMode;
    // The SDK builds its NodeHttpHandler from these options (@smithy/node-http-handler is
    // not a direct dependency). throwOnRequestTimeout: without it the handler only logs a
    // warning when requestTimeout passes and keeps waiting.
    config['requestHandler'] = {
      requestTimeout: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      connectionTimeout: this.options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    };
    const client = make(config);
    this.countCalls(client, service, region);
    this.cache.set(key, client);
    return client;
  }

  /** One report per operation (after the SDK's own retries), with its outcome. */
  private countCalls(client: AnyClient, service: AwsService, region: string): void {
    const onCall = this.options.onCall;
    if (!onCall) return;
    (client.middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        try {
          const result = await next(args);
          onCall({ service, operation, region, outcome: 'ok' });
          return result;
        } catch (error) {
          onCall({ service, operation, region, outcome: errorCode(error) });
          throw error;
        }
      },
      { step: 'initialize', name: 'regionctlCallCounter' },
    );
  }

  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }
}

export function errorCode(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string };
  return e?.Code ?? e?.name ?? e?.code ?? 'Error';
}
