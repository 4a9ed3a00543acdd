// AWS SDK clients: one per service and region, created on first use and cached. The
// endpoint comes from --endpoint-url when given, otherwise the SDK itself honours
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>; credentials from the default chain.
// Every call is reported to onCall (metrics, API-call budgets in tests and benchmarks).
// Every request has a connection and a request timeout: without them a hung endpoint
// would hang a reconcile forever.

import { credentialsFailureCode, toCredentialsError } from '../../errors.js';
import { partitionOf, route53RegionOf, type Partition } from '../../partition.js';
import * as Cfn from '@aws-sdk/client-cloudformation';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import * as Ddb from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as R53 from '@aws-sdk/client-route-53';
import { Route53Client } from '@aws-sdk/client-route-53';
import type {
  AwsApis,
  CloudFormationApi,
  CloudFormationOperation,
  DynamoDbApi,
  DynamoDbOperation,
  Route53Api,
  Route53Operation,
} from './api.js';
import { errorCode } from './errors.js';
import { addNoBlindRetry } from './no-blind-retry.js';

export { errorCode } from './errors.js';

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
  /** A region of the manifest: its partition decides Route 53's endpoint region. */
  homeRegion?: string;
  /** The shared-config profile (the CLI's --profile): the SDK's credential chain as with AWS_PROFILE. */
  profile?: string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

type AnyClient = CloudFormationClient | DynamoDBClient | Route53Client;

// Route 53 is a global service whose API lives in us-east-1 in the aws partition; aws-cn and
// aws-us-gov have their own (route53RegionOf in partition.ts).
export const ROUTE53_REGION = route53RegionOf('aws');

/** SDK command class per operation of api.ts (the only operations the adapters send). */
type CommandClass = new (input: never) => unknown;

const CLOUDFORMATION_COMMANDS: Record<CloudFormationOperation, CommandClass> = {
  DescribeStacks: Cfn.DescribeStacksCommand,
  CreateChangeSet: Cfn.CreateChangeSetCommand,
  DescribeChangeSet: Cfn.DescribeChangeSetCommand,
  ExecuteChangeSet: Cfn.ExecuteChangeSetCommand,
  DeleteChangeSet: Cfn.DeleteChangeSetCommand,
  ListChangeSets: Cfn.ListChangeSetsCommand,
  DeleteStack: Cfn.DeleteStackCommand,
  ContinueUpdateRollback: Cfn.ContinueUpdateRollbackCommand,
  ListStackResources: Cfn.ListStackResourcesCommand,
  UpdateTerminationProtection: Cfn.UpdateTerminationProtectionCommand,
};

const DYNAMODB_COMMANDS: Record<DynamoDbOperation, CommandClass> = {
  DescribeTable: Ddb.DescribeTableCommand,
  UpdateTable: Ddb.UpdateTableCommand,
  DescribeTableReplicaAutoScaling: Ddb.DescribeTableReplicaAutoScalingCommand,
};

const ROUTE53_COMMANDS: Record<Route53Operation, CommandClass> = {
  GetHostedZone: R53.GetHostedZoneCommand,
  ListHostedZonesByName: R53.ListHostedZonesByNameCommand,
  ListResourceRecordSets: R53.ListResourceRecordSetsCommand,
  ChangeResourceRecordSets: R53.ChangeResourceRecordSetsCommand,
  GetChange: R53.GetChangeCommand,
  ListHealthChecks: R53.ListHealthChecksCommand,
  CreateHealthCheck: R53.CreateHealthCheckCommand,
  UpdateHealthCheck: R53.UpdateHealthCheckCommand,
  DeleteHealthCheck: R53.DeleteHealthCheckCommand,
  GetHealthCheckStatus: R53.GetHealthCheckStatusCommand,
  ChangeTagsForResource: R53.ChangeTagsForResourceCommand,
};

/** An api.ts interface over one SDK client: operation name → command → client.send. */
function apiOver<Api>(client: AnyClient, commands: Record<string, CommandClass>): Api {
  const send = (operation: string, input: unknown) => {
    const Command = commands[operation];
    if (!Command) throw new Error(`regionctl: no SDK command mapped for ${operation}`);
    return (client.send as (command: unknown) => Promise<unknown>)(new Command(input as never));
  };
  return { send } as Api;
}

export class AwsClients implements AwsApis {
  private readonly apis = new Map<string, unknown>();

  private readonly cache = new Map<string, AnyClient>();

  /** The partition of the manifest's regions: options.homeRegion, else the first regional client's. */
  private partition: Partition | undefined;

  constructor(private readonly options: AwsOptions = {}) {
    if (options.homeRegion) this.partition = partitionOf(options.homeRegion);
  }

  cloudFormation(region: string): CloudFormationClient {
    this.partition ??= partitionOf(region);
    return this.get('cloudformation', region, (config) => new CloudFormationClient(config));
  }

  dynamodb(region: string): DynamoDBClient {
    this.partition ??= partitionOf(region);
    return this.get('dynamodb', region, (config) => new DynamoDBClient(config));
  }

  /** Route 53's endpoint region, derived from the partition (aws-cn: cn-northwest-1, aws-us-gov: us-gov-west-1). */
  route53Region(): string {
    return route53RegionOf(this.partition ?? 'aws');
  }

  route53(): Route53Client {
    return this.get('route53', this.route53Region(), (config) => new Route53Client(config));
  }

  cloudFormationApi(region: string): CloudFormationApi {
    return this.api(`cloudformation:${region}`, () => apiOver<CloudFormationApi>(this.cloudFormation(region), CLOUDFORMATION_COMMANDS));
  }

  dynamodbApi(region: string): DynamoDbApi {
    return this.api(`dynamodb:${region}`, () => apiOver<DynamoDbApi>(this.dynamodb(region), DYNAMODB_COMMANDS));
  }

  route53Api(): Route53Api {
    return this.api('route53', () => apiOver<Route53Api>(this.route53(), ROUTE53_COMMANDS));
  }

  private api<T>(key: string, make: () => T): T {
    let api = this.apis.get(key) as T | undefined;
    if (api === undefined) {
      api = make();
      this.apis.set(key, api);
    }
    return api;
  }

  private get<T extends AnyClient>(service: AwsService, region: string, make: (config: Record<string, unknown>) => T): T {
    const key = `${service}:${region}`;
    const cached = this.cache.get(key);
    if (cached) return cached as T;
    const config: Record<string, unknown> = { region };
    if (this.options.profile !== undefined) config['profile'] = this.options.profile;
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
    this.explainCredentialFailures(client, region);
    this.countCalls(client, service, region);
    // A record change whose answer is lost is re-read, not resent by the SDK (issue 12 item 8).
    if (service === 'route53') addNoBlindRetry(client);
    this.cache.set(key, client);
    return client;
  }

  /** Credentials the SDK could not find, or AWS rejected, become one CredentialsError naming the profile and what to do. */
  private explainCredentialFailures(client: AnyClient, region: string): void {
    const profile = this.options.profile;
    (client.middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        try {
          return await next(args);
        } catch (error) {
          if (credentialsFailureCode(error) === undefined) throw error;
          throw toCredentialsError(error, { region, ...(profile !== undefined ? { profile } : {}) });
        }
      },
      { step: 'initialize', name: 'regionctlCredentialsErrors', priority: 'high' },
    );
  }

  /**
   * The SDK's credential chain, resolved once (with this region's client): a CredentialsError
   * when it finds none. Returns the account when the credentials name it.
   */
  async checkCredentials(region: string): Promise<{ accountId?: string }> {
    try {
      // accountId: given by SSO, web identity, process credentials and AWS_ACCOUNT_ID (saved plans record it).
      const identity = (await this.cloudFormation(region).config.credentials()) as { accountId?: string };
      return identity.accountId ? { accountId: identity.accountId } : {};
    } catch (error) {
      throw toCredentialsError(error, this.options.profile !== undefined ? { profile: this.options.profile } : {});
    }
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
    this.apis.clear();
  }
}
