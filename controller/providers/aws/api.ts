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

export interface CloudFormationOps {
  DescribeStacks: [Cfn.DescribeStacksCommandInput, Out<Cfn.DescribeStacksCommandOutput>];
  CreateChangeSet: [Cfn.CreateChangeSetCommandInput, Out<Cfn.CreateChangeSetCommandOutput>];
  DescribeChangeSet: [Cfn.DescribeChangeSetCommandInput, Out<Cfn.DescribeChangeSetCommandOutput>];
  ExecuteChangeSet: [Cfn.ExecuteChangeSetCommandInput, Out<Cfn.ExecuteChangeSetCommandOutput>];
  DeleteChangeSet: [Cfn.DeleteChangeSetCommandInput, Out<Cfn.DeleteChangeSetCommandOutput>];
  ListChangeSets: [Cfn.ListChangeSetsCommandInput, Out<Cfn.ListChangeSetsCommandOutput>];
  DeleteStack: [Cfn.DeleteStackCommandInput, Out<Cfn.DeleteStackCommandOutput>];
  ContinueUpdateRollback: [Cfn.ContinueUpdateRollbackCommandInput, Out<Cfn.ContinueUpdateRollbackCommandOutput>];
  ListStackResources: [Cfn.ListStackResourcesCommandInput, Out<Cfn.ListStackResourcesCommandOutput>];
  UpdateTerminationProtection: [Cfn.UpdateTerminationProtectionCommandInput, Out<Cfn.UpdateTerminationProtectionCommandOutput>];
}

export interface DynamoDbOps {
  DescribeTable: [Ddb.DescribeTableCommandInput, Out<Ddb.DescribeTableCommandOutput>];
  UpdateTable: [Ddb.UpdateTableCommandInput, Out<Ddb.UpdateTableCommandOutput>];
  DescribeTableReplicaAutoScaling: [Ddb.DescribeTableReplicaAutoScalingCommandInput, Out<Ddb.DescribeTableReplicaAutoScalingCommandOutput>];
}

export interface Route53Ops {
  GetHostedZone: [R53.GetHostedZoneCommandInput, Out<R53.GetHostedZoneCommandOutput>];
  ListHostedZonesByName: [R53.ListHostedZonesByNameCommandInput, Out<R53.ListHostedZonesByNameCommandOutput>];
  ListResourceRecordSets: [R53.ListResourceRecordSetsCommandInput, Out<R53.ListResourceRecordSetsCommandOutput>];
  ChangeResourceRecordSets: [R53.ChangeResourceRecordSetsCommandInput, Out<R53.ChangeResourceRecordSetsCommandOutput>];
  GetChange: [R53.GetChangeCommandInput, Out<R53.GetChangeCommandOutput>];
  ListHealthChecks: [R53.ListHealthChecksCommandInput, Out<R53.ListHealthChecksCommandOutput>];
  CreateHealthCheck: [R53.CreateHealthCheckCommandInput, Out<R53.CreateHealthCheckCommandOutput>];
  UpdateHealthCheck: [R53.UpdateHealthCheckCommandInput, Out<R53.UpdateHealthCheckCommandOutput>];
  DeleteHealthCheck: [R53.DeleteHealthCheckCommandInput, Out<R53.DeleteHealthCheckCommandOutput>];
  GetHealthCheckStatus: [R53.GetHealthCheckStatusCommandInput, Out<R53.GetHealthCheckStatusCommandOutput>];
  ChangeTagsForResource: [R53.ChangeTagsForResourceCommandInput, Out<R53.ChangeTagsForResourceCommandOutput>];
}

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
