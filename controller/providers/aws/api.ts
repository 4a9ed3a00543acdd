// The AWS operations regionctl calls, narrowed to what the adapters use: one interface per
// service whose `send(operation, input)` takes and returns the SDK's own shapes. Types
// only (no SDK code is loaded by this module): the AWS side (clients.ts) maps each
// operation to its SDK command; the sandbox implements the same interfaces in memory, so
// the adapters (stacks.ts, tables.ts, route53.ts, healthchecks.ts) run unchanged on both.

import type * as Cfn from '@aws-sdk/client-cloudformation';
import type * as Ddb from '@aws-sdk/client-dynamodb';
import type * as R53 from '@aws-sdk/client-route-53';

/** A response without the SDK's transport metadata (the sandbox has no HTTP exchange). */
type Out<T> = Omit<T, '$metadata'>;

/** An operation's [input, output], as the SDK's command class for it (`<Name>Command`) declares them. */
type Operation<Sdk, Name extends string> = Sdk[`${Name}Command` & keyof Sdk] extends abstract new (
  ...args: never[]
) => { resolveMiddleware(...args: never[]): (args: { input: infer I }) => Promise<{ output: infer O }> }
  ? [I, Out<O>]
  : never;

/** The named operations of one SDK client package, each with its [input, output]. */
type Operations<Sdk, Names extends string> = { [Name in Names]: Operation<Sdk, Name> };

export type CloudFormationOps = Operations<
  typeof Cfn,
  | 'DescribeStacks'
  | 'CreateChangeSet'
  | 'DescribeChangeSet'
  | 'ExecuteChangeSet'
  | 'DeleteChangeSet'
  | 'ListChangeSets'
  | 'DeleteStack'
  | 'ContinueUpdateRollback'
  | 'ListStackResources'
  | 'UpdateTerminationProtection'
>;

export type DynamoDbOps = Operations<typeof Ddb, 'DescribeTable' | 'UpdateTable' | 'DescribeTableReplicaAutoScaling'>;

export type Route53Ops = Operations<
  typeof R53,
  | 'GetHostedZone'
  | 'ListHostedZonesByName'
  | 'ListResourceRecordSets'
  | 'ChangeResourceRecordSets'
  | 'GetChange'
  | 'ListHealthChecks'
  | 'CreateHealthCheck'
  | 'UpdateHealthCheck'
  | 'DeleteHealthCheck'
  | 'GetHealthCheckStatus'
  | 'ChangeTagsForResource'
>;

/** One service's API: an operation name fixes its input and output types. */
export interface ServiceApi<Ops extends { [Op in keyof Ops]: [unknown, unknown] }> {
  send<Op extends keyof Ops & string>(operation: Op, input: Ops[Op][0]): Promise<Ops[Op][1]>;
}

export type CloudFormationApi = ServiceApi<CloudFormationOps>;
export type DynamoDbApi = ServiceApi<DynamoDbOps>;
export type Route53Api = ServiceApi<Route53Ops>;

export type CloudFormationOperation = keyof CloudFormationOps;
export type DynamoDbOperation = keyof DynamoDbOps;
export type Route53Operation = keyof Route53Ops;

/** Where the adapters get their APIs: SDK clients (AwsClients) or the sandbox (SandboxCloud.api). */
export interface AwsApis {
  cloudFormationApi(region: string): CloudFormationApi;
  dynamodbApi(region: string): DynamoDbApi;
  /** Route 53 is global: one API for the partition. */
  route53Api(): Route53Api;
}

// The wire shapes the sandbox serves, re-exported so that it names them without importing
// an SDK package (types only: nothing is loaded; the dependency rules keep @aws-sdk here).
export type { HealthCheck, HealthCheckConfig as SdkHealthCheckConfig, HealthCheckRegion, HostedZone, ResourceRecordSet, RRType } from '@aws-sdk/client-route-53';
export type { StreamViewType, TableDescription } from '@aws-sdk/client-dynamodb';
/** Setup operations the sandbox serves for the conformance corpus only (the adapters never send them). */
export type { AttributeDefinition, CreateTableInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
export type { Change, ExecutionStatus, Parameter, Stack, StackResource, StackResourceSummary, Tag } from '@aws-sdk/client-cloudformation';
