// AwsStackProvider with the SDK mocked (aws-sdk-client-mock), for what moto does not emulate:
// in-progress and failed statuses, change sets that fail or need polling, throttling,
// termination protection and client tokens. Responses follow the CloudFormation API
// reference shapes and AWS's own error messages (see /work/shared/reference/aws.md).

import {
  AlreadyExistsException,
  CloudFormationClient,
  CloudFormationServiceException,
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  InvalidChangeSetStatusException,
  ListChangeSetsCommand,
  ListStackResourcesCommand,
  TokenAlreadyExistsException,
  UpdateTerminationProtectionCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { AwsRequestError, TransientError, WaitingError } from '../../controller/errors.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { AwsStackProvider, changeSetNameFor } from '../../controller/providers/aws/stacks.js';
import type { StackInput } from '../../controller/providers/types.js';

const cfn = mockClient(CloudFormationClient);
const REGION = 'eu-west-1';
const NAME = 'global-api';
const STACK_ID = `arn:aws:cloudformation:${REGION}:123456789012:stack/${NAME}/5b1a7a20-0c8e-11f0-9a4e-0a1b2c3d4e5f`;
const TOKEN = 'rc-0123456789abcdef0123456789abcdef';
const CHANGE_SET = `regionctl-${TOKEN}`;
const POLL_MS = 2_000;

let clients: AwsClients;
let clock: FakeClock;
let stacks: AwsStackProvider;

beforeEach(() => {
  cfn.reset();
  clients?.destroy();
  clients = new AwsClients();
  clock = new FakeClock();
  stacks = new AwsStackProvider({ clients, clock, changeSetPollMs: POLL_MS, changeSetTimeoutMs: 60_000 });
});

afterAll(() => {
  clients.destroy();
  cfn.restore();
});

/** An error as the SDK raises it for CloudFormation's query protocol. */
function awsError(code: string, message: string, status = 400): CloudFormationServiceException {
  return new CloudFormationServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

function liveStack(overrides: Partial<Stack> = {}): Stack {
  return {
    StackId: STACK_ID,
    StackName: NAME,
    CreationTime: new Date('2026-01-01T00:00:00Z'),
    StackStatus: 'CREATE_COMPLETE',
    Parameters: [
      { ParameterKey: 'Stage', ParameterValue: 'prod' },
      { ParameterKey: 'TableName', ParameterValue: 'orders' },
    ],
    Tags: [{ Key: 'regionctl:owner', Value: 'global-api' }],
    Outputs: [],
    EnableTerminationProtection: false,
    ...overrides,
  };
}

function input(overrides: Partial<StackInput> = {}): StackInput {
  return {
    region: REGION,
    name: NAME,
    templateBody: 'Resources: {}',
    parameters: { Stage: 'beta', TableName: 'orders' },
    capabilities: ['CAPABILITY_IAM'],
    tags: { 'regionctl:owner': 'global-api' },
    terminationProtection: false,
    clientToken: TOKEN,
    ...overrides,
  };
}

/** The operations sent, in order (e.g. CreateChangeSet, DescribeChangeSet, ...). */
function operations(): string[] {
  return cfn.calls().map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''));
}

const NO_CHANGES_REASON = "The submitted information didn't contain changes. Submit different information to create a change set.";

describe('describe', () => {
  it('maps status, reason, tags, parameters, every output, termination protection, id and the resources that failed to roll back', async () => {
    // Two pages: the resources that could not roll back are UPDATE_FAILED (cfn.update-rollback-failed-skip).
    cfn
      .on(ListStackResourcesCommand, { StackName: STACK_ID })
      .resolves({
        StackResourceSummaries: [
          { LogicalResourceId: 'Api', ResourceType: 'AWS::ApiGateway::RestApi', ResourceStatus: 'UPDATE_COMPLETE', LastUpdatedTimestamp: new Date() },
          { LogicalResourceId: 'Function', ResourceType: 'AWS::Lambda::Function', ResourceStatus: 'UPDATE_FAILED', LastUpdatedTimestamp: new Date() },
        ],
        NextToken: 'page-2',
      })
      .on(ListStackResourcesCommand, { StackName: STACK_ID, NextToken: 'page-2' })
      .resolves({
        StackResourceSummaries: [{ LogicalResourceId: 'Alias', ResourceType: 'AWS::Lambda::Alias', ResourceStatus: 'UPDATE_FAILED', LastUpdatedTimestamp: new Date() }],
      });
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        liveStack({
          StackStatus: 'UPDATE_ROLLBACK_FAILED',
          StackStatusReason: 'The following resource(s) failed to update during rollback: [Function].',
          EnableTerminationProtection: true,
          Outputs: [
            { OutputKey: 'ApiDomainName', OutputValue: 'd-abc123.execute-api.eu-west-1.amazonaws.com', Description: 'Host name' },
            { OutputKey: 'ApiHostedZoneId', OutputValue: 'ZLY8HYME6SFDD' },
            { OutputKey: 'HealthCheckPath', OutputValue: '/health', ExportName: 'global-api-health' },
          ],
        }),
      ],
    });

    const live = await stacks.describe(REGION, NAME);

    expect(live).toEqual({
      region: REGION,
      name: NAME,
      id: STACK_ID,
      status: 'UPDATE_ROLLBACK_FAILED',
      statusReason: 'The following resource(s) failed to update during rollback: [Function].',
      tags: { 'regionctl:owner': 'global-api' },
      parameters: { Stage: 'prod', TableName: 'orders' },
      outputs: { ApiDomainName: 'd-abc123.execute-api.eu-west-1.amazonaws.com', ApiHostedZoneId: 'ZLY8HYME6SFDD', HealthCheckPath: '/health' },
      terminationProtection: true,
      failedResources: ['Alias', 'Function'],
    });
    expect(cfn.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({ StackName: NAME });
    expect(operations()).toEqual(['DescribeStacks', 'ListStackResources', 'ListStackResources']);
  });

  it('names the resources that failed to delete of a DELETE_FAILED stack (cfn.delete-failed-retain)', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ StackStatus: 'DELETE_FAILED', StackStatusReason: 'The following resource(s) failed to delete: [Bucket]. ' })] });
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        { LogicalResourceId: 'Bucket', ResourceType: 'AWS::S3::Bucket', ResourceStatus: 'DELETE_FAILED', LastUpdatedTimestamp: new Date() },
        { LogicalResourceId: 'Queue', ResourceType: 'AWS::SQS::Queue', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: new Date() },
      ],
    });

    expect(await stacks.describe(REGION, NAME)).toMatchObject({ status: 'DELETE_FAILED', failedResources: ['Bucket'] });
  });

  it('reads no resources of a stack in any other state (a quiet reconcile pays one call per stack)', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ StackStatus: 'UPDATE_COMPLETE' })] });

    expect(await stacks.describe(REGION, NAME)).not.toHaveProperty('failedResources');
    expect(operations()).toEqual(['DescribeStacks']);
  });

  it.each(['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'REVIEW_IN_PROGRESS'] as const)(
    'reads %s as it is',
    async (status) => {
      cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ StackStatus: status, StackStatusReason: 'User Initiated' })] });

      expect(await stacks.describe(REGION, NAME)).toMatchObject({ status, statusReason: 'User Initiated' });
    },
  );

  it('finds nothing when AWS says the stack does not exist, or it is DELETE_COMPLETE', async () => {
    cfn.on(DescribeStacksCommand).rejectsOnce(awsError('ValidationError', `Stack with id ${NAME} does not exist`));
    expect(await stacks.describe(REGION, NAME)).toBeUndefined();

    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ StackStatus: 'DELETE_COMPLETE' })] });
    expect(await stacks.describe(REGION, NAME)).toBeUndefined();
  });

  it('reports throttling as a transient error', async () => {
    cfn.on(DescribeStacksCommand).rejects(awsError('Throttling', 'Rate exceeded'));

    const error = await stacks.describe(REGION, NAME).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).code).toBe('Throttling');
    expect((error as Error).message).toContain(`DescribeStacks ${NAME} in ${REGION}`);
  });
});

describe('create', () => {
  it('creates a CREATE change set, polls it on the clock until ready, executes it with the client token; no termination protection yet (item 6)', async () => {
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_PENDING', ExecutionStatus: 'UNAVAILABLE' })
      .resolvesOnce({ Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' })
      .resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
    cfn.on(ExecuteChangeSetCommand).resolves({});
    cfn.on(UpdateTerminationProtectionCommand).resolves({ StackId: STACK_ID });

    await stacks.create(input({ terminationProtection: true }));

    // Protection waits for CREATE_COMPLETE (the executor sets it): a failed first create stays deletable.
    expect(operations()).toEqual(['CreateChangeSet', 'DescribeChangeSet', 'DescribeChangeSet', 'DescribeChangeSet', 'ExecuteChangeSet']);
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input).toEqual({
      StackName: NAME,
      ChangeSetName: CHANGE_SET,
      ChangeSetType: 'CREATE',
      TemplateBody: 'Resources: {}',
      Parameters: [
        { ParameterKey: 'Stage', ParameterValue: 'beta' },
        { ParameterKey: 'TableName', ParameterValue: 'orders' },
      ],
      Capabilities: ['CAPABILITY_IAM'],
      Tags: [{ Key: 'regionctl:owner', Value: 'global-api' }],
    });
    expect(cfn.commandCalls(ExecuteChangeSetCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ChangeSetName: CHANGE_SET, ClientRequestToken: TOKEN });
    expect(cfn.commandCalls(UpdateTerminationProtectionCommand)).toHaveLength(0);
    await stacks.setTerminationProtection(REGION, NAME, true);
    expect(cfn.commandCalls(UpdateTerminationProtectionCommand)[0]?.args[0].input).toEqual({ StackName: NAME, EnableTerminationProtection: true });
  });

  it('after a crash, reuses the change set the earlier attempt made with the same token', async () => {
    cfn.on(CreateChangeSetCommand).rejects(new AlreadyExistsException({ message: `ChangeSet [${CHANGE_SET}] already exists`, $metadata: { httpStatusCode: 400 } }));
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
    cfn.on(ExecuteChangeSetCommand).resolves({});

    await stacks.create(input());

    expect(operations()).toEqual(['CreateChangeSet', 'DescribeChangeSet', 'DescribeChangeSet', 'ExecuteChangeSet']);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)[0]?.args[0].input).toMatchObject({ ChangeSetName: CHANGE_SET, ClientRequestToken: TOKEN });
  });

  it('after a crash that followed ExecuteChangeSet, does not execute again', async () => {
    cfn.on(CreateChangeSetCommand).rejects(awsError('ValidationError', `Stack [${NAME}] already exists and cannot be created again with the changeSet [${CHANGE_SET}].`));
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'EXECUTE_COMPLETE' });

    await stacks.create(input());

    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('reports an existing stack with AWS message when the name is not our change set', async () => {
    cfn.on(CreateChangeSetCommand).rejects(awsError('ValidationError', `Stack [${NAME}] already exists and cannot be created again with the changeSet [${CHANGE_SET}].`));
    cfn.on(DescribeChangeSetCommand).rejects(awsError('ChangeSetNotFound', `ChangeSet [${CHANGE_SET}] does not exist`));

    const error = await stacks.create(input()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toBe(
      `CreateChangeSet ${NAME} in ${REGION}: ValidationError: Stack [${NAME}] already exists and cannot be created again with the changeSet [${CHANGE_SET}].`,
    );
  });

  it('deletes a change set that FAILED and reports its reason', async () => {
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: 'Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template' });
    cfn.on(DeleteChangeSetCommand).resolves({});

    const error = await stacks.create(input()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toContain('Unresolved resource dependencies [Missing]');
    expect((error as Error).message).toContain(`${NAME} in ${REGION}`);
    expect(cfn.commandCalls(DeleteChangeSetCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ChangeSetName: CHANGE_SET });
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('gives up waiting for a slow change set with a WaitingError (the next run reuses it)', async () => {
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' });

    const error = await stacks.create(input()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WaitingError);
    expect(cfn.commandCalls(DescribeChangeSetCommand)).toHaveLength(60_000 / POLL_MS + 1);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('reports ExecuteChangeSet refusals with AWS message, stack and region', async () => {
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
    cfn.on(ExecuteChangeSetCommand).rejects(
      new InvalidChangeSetStatusException({ message: `ChangeSet [${CHANGE_SET}] cannot be executed in its current status of [OBSOLETE]`, $metadata: { httpStatusCode: 400 } }),
    );

    const error = await stacks.create(input()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toBe(
      `ExecuteChangeSet ${NAME} in ${REGION}: InvalidChangeSetStatusException: ChangeSet [${CHANGE_SET}] cannot be executed in its current status of [OBSOLETE]`,
    );
  });
});

describe('update', () => {
  it('answers no-changes for a change set that FAILED with "didn\'t contain changes", and deletes it', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack()] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: NO_CHANGES_REASON });
    cfn.on(DeleteChangeSetCommand).resolves({});

    expect(await stacks.update(input())).toBe('no-changes');

    expect(operations()).toEqual(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet']);
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input).toMatchObject({ ChangeSetType: 'UPDATE', ChangeSetName: CHANGE_SET });
    expect(cfn.commandCalls(DeleteChangeSetCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ChangeSetName: CHANGE_SET });
  });

  it('answers no-changes for "No updates are to be performed."', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack()] });
    cfn.on(CreateChangeSetCommand).rejects(awsError('ValidationError', 'No updates are to be performed.'));

    expect(await stacks.update(input())).toBe('no-changes');
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('executes a ready change set with the client token and answers started', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE' })] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
    cfn.on(ExecuteChangeSetCommand).resolves({});

    expect(await stacks.update(input())).toBe('started');

    expect(cfn.commandCalls(ExecuteChangeSetCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ChangeSetName: CHANGE_SET, ClientRequestToken: TOKEN });
    expect(cfn.commandCalls(UpdateTerminationProtectionCommand)).toHaveLength(0);
  });

  it('turns termination protection on or off when it differs from the live stack, even without other changes', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ EnableTerminationProtection: true })] });
    cfn.on(CreateChangeSetCommand).rejects(awsError('ValidationError', 'No updates are to be performed.'));
    cfn.on(UpdateTerminationProtectionCommand).resolves({ StackId: STACK_ID });

    expect(await stacks.update(input({ terminationProtection: false }))).toBe('no-changes');

    expect(cfn.commandCalls(UpdateTerminationProtectionCommand)[0]?.args[0].input).toEqual({ StackName: NAME, EnableTerminationProtection: false });
  });

  it('reports a change set that FAILED for another reason with that reason, after deleting it', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack()] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: 'Parameter Stage failed to satisfy constraint: Must match pattern ^[a-z0-9-]{1,32}$' });
    cfn.on(DeleteChangeSetCommand).resolves({});

    const error = await stacks.update(input({ parameters: { Stage: 'Beta!' } })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toBe(
      `CreateChangeSet ${NAME} in ${REGION}: change set ${CHANGE_SET} FAILED: Parameter Stage failed to satisfy constraint: Must match pattern ^[a-z0-9-]{1,32}$`,
    );
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('waits (WaitingError) while the stack is busy, without creating a change set', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ StackStatus: 'UPDATE_IN_PROGRESS' })] });

    const error = await stacks.update(input()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WaitingError);
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('waits (WaitingError) when AWS refuses the change set because an operation started meanwhile', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack()] });
    cfn.on(CreateChangeSetCommand).rejects(awsError('ValidationError', `Stack:${STACK_ID} is in UPDATE_IN_PROGRESS state and can not be updated.`));

    const error = await stacks.update(input()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WaitingError);
    expect((error as Error).message).toContain('UPDATE_IN_PROGRESS');
  });

  it('reports ROLLBACK_COMPLETE refusals as AWS request errors (delete and create again)', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ StackStatus: 'ROLLBACK_COMPLETE' })] });
    cfn.on(CreateChangeSetCommand).rejects(awsError('ValidationError', `Stack:${STACK_ID} is in ROLLBACK_COMPLETE state and can not be updated.`));

    const error = await stacks.update(input()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as AwsRequestError).code).toBe('ValidationError');
  });
});

describe('delete and continueUpdateRollback', () => {
  it('sends the client token with DeleteStack', async () => {
    cfn.on(DeleteStackCommand).resolves({});

    await stacks.delete(REGION, NAME, TOKEN);

    expect(cfn.commandCalls(DeleteStackCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ClientRequestToken: TOKEN });
  });

  it('sends RetainResources when told which resources to retain', async () => {
    cfn.on(DeleteStackCommand).resolves({});

    await stacks.delete(REGION, NAME, TOKEN, ['Bucket', 'Queue']);

    expect(cfn.commandCalls(DeleteStackCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ClientRequestToken: TOKEN, RetainResources: ['Bucket', 'Queue'] });
  });

  it('waits (WaitingError) when DeleteStack finds the stack busy, in AWS\'s wording (cfn.delete-busy-stack)', async () => {
    cfn.on(DeleteStackCommand).rejects(awsError('ValidationError', `Stack [${STACK_ID}] cannot be deleted while in status UPDATE_IN_PROGRESS`));

    expect(await stacks.delete(REGION, NAME, TOKEN).catch((e: unknown) => e)).toBeInstanceOf(WaitingError);
  });

  it('reports termination protection with AWS message and how to turn it off', async () => {
    cfn.on(DeleteStackCommand).rejects(awsError('ValidationError', `Stack [${NAME}] cannot be deleted while TerminationProtection is enabled`));

    const error = await stacks.delete(REGION, NAME, TOKEN).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toContain(`DeleteStack ${NAME} in ${REGION}: ValidationError: Stack [${NAME}] cannot be deleted while TerminationProtection is enabled`);
    expect((error as Error).message).toContain('terminationProtection to false');
    expect((error as Error).message).toContain(`--no-enable-termination-protection --stack-name ${NAME} --region ${REGION}`);
  });

  it('reports a token reused for another request with AWS message', async () => {
    cfn.on(DeleteStackCommand).rejects(new TokenAlreadyExistsException({ message: `Another DeleteStack request with token ${TOKEN} is in progress`, $metadata: { httpStatusCode: 400 } }));

    const error = await stacks.delete(REGION, NAME, TOKEN).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as AwsRequestError).code).toBe('TokenAlreadyExistsException');
    expect((error as Error).message).toContain(`${NAME} in ${REGION}`);
  });

  it('sends the client token with ContinueUpdateRollback', async () => {
    cfn.on(ContinueUpdateRollbackCommand).resolves({});

    await stacks.continueUpdateRollback(REGION, NAME, TOKEN);

    expect(cfn.commandCalls(ContinueUpdateRollbackCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ClientRequestToken: TOKEN });
  });

  it('sends ResourcesToSkip when told which resources to skip', async () => {
    cfn.on(ContinueUpdateRollbackCommand).resolves({});

    await stacks.continueUpdateRollback(REGION, NAME, TOKEN, ['Function']);

    expect(cfn.commandCalls(ContinueUpdateRollbackCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ClientRequestToken: TOKEN, ResourcesToSkip: ['Function'] });
  });
});

describe('previewChanges', () => {
  it('reads every page of the change set, maps resource changes, and deletes the change set', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack()] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' })
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        ExecutionStatus: 'AVAILABLE',
        Changes: [
          { Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'Function', ResourceType: 'AWS::Lambda::Function', Replacement: 'False', Scope: ['Properties'] } },
          { Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'HttpApi', ResourceType: 'AWS::ApiGatewayV2::Api', Replacement: 'Conditional' } },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        ExecutionStatus: 'AVAILABLE',
        Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'CustomDomain', ResourceType: 'AWS::ApiGatewayV2::DomainName' } }],
      });
    cfn.on(DeleteChangeSetCommand).resolves({});

    const changes = await stacks.previewChanges(input({ clientToken: 'preview' }));

    expect(changes).toEqual([
      { action: 'Modify', logicalId: 'Function', resourceType: 'AWS::Lambda::Function', replacement: 'False' },
      { action: 'Modify', logicalId: 'HttpApi', resourceType: 'AWS::ApiGatewayV2::Api', replacement: 'Conditional' },
      { action: 'Add', logicalId: 'CustomDomain', resourceType: 'AWS::ApiGatewayV2::DomainName' },
    ]);
    const describes = cfn.commandCalls(DescribeChangeSetCommand).map((c) => c.args[0].input.NextToken);
    expect(describes).toEqual([undefined, undefined, 'page-2']);
    const created = cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input;
    expect(created?.ChangeSetType).toBe('UPDATE');
    expect(cfn.commandCalls(DeleteChangeSetCommand)[0]?.args[0].input).toEqual({ StackName: NAME, ChangeSetName: created?.ChangeSetName });
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('answers [] for a change set without changes', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack()] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: NO_CHANGES_REASON });
    cfn.on(DeleteChangeSetCommand).resolves({});

    expect(await stacks.previewChanges(input({ clientToken: 'preview' }))).toEqual([]);
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
  });

  it('for a new stack, uses a CREATE change set and deletes the empty REVIEW_IN_PROGRESS stack it made', async () => {
    cfn
      .on(DescribeStacksCommand, { StackName: NAME })
      .rejects(awsError('ValidationError', `Stack with id ${NAME} does not exist`))
      .on(DescribeStacksCommand, { StackName: STACK_ID })
      .resolves({ Stacks: [liveStack({ StackStatus: 'REVIEW_IN_PROGRESS', Parameters: [], Outputs: [] })] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'FunctionRole', ResourceType: 'AWS::IAM::Role' } }],
    });
    cfn.on(DeleteChangeSetCommand).resolves({});
    cfn.on(ListChangeSetsCommand).resolves({ Summaries: [] });
    cfn.on(DeleteStackCommand).resolves({});

    expect(await stacks.previewChanges(input({ clientToken: 'preview' }))).toEqual([{ action: 'Add', logicalId: 'FunctionRole', resourceType: 'AWS::IAM::Role' }]);

    expect(cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType).toBe('CREATE');
    expect(operations()).toEqual(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet', 'DescribeStacks', 'ListChangeSets', 'DeleteStack']);
    expect(cfn.commandCalls(DeleteStackCommand)[0]?.args[0].input).toEqual({ StackName: STACK_ID });
  });

  it('for a new stack, leaves the REVIEW_IN_PROGRESS stack when another change set waits in it', async () => {
    cfn
      .on(DescribeStacksCommand, { StackName: NAME })
      .rejects(awsError('ValidationError', `Stack with id ${NAME} does not exist`))
      .on(DescribeStacksCommand, { StackName: STACK_ID })
      .resolves({ Stacks: [liveStack({ StackStatus: 'REVIEW_IN_PROGRESS' })] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [] });
    cfn.on(DeleteChangeSetCommand).resolves({});
    cfn.on(ListChangeSetsCommand).resolves({ Summaries: [{ StackId: STACK_ID, StackName: NAME, ChangeSetName: CHANGE_SET, Status: 'CREATE_COMPLETE' }] });

    await stacks.previewChanges(input({ clientToken: 'preview' }));

    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('for a stack left in REVIEW_IN_PROGRESS, previews a CREATE and keeps that stack', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack({ StackStatus: 'REVIEW_IN_PROGRESS' })] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [] });
    cfn.on(DeleteChangeSetCommand).resolves({});

    await stacks.previewChanges(input({ clientToken: 'preview' }));

    expect(cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType).toBe('CREATE');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('still deletes its change set when the change set FAILED, and reports the reason', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [liveStack()] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'arn:cs', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: 'Requires capabilities : [CAPABILITY_IAM]' });
    cfn.on(DeleteChangeSetCommand).resolves({});

    const error = await stacks.previewChanges(input({ capabilities: [], clientToken: 'preview' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).message).toContain('Requires capabilities : [CAPABILITY_IAM]');
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
  });
});

describe('change set names', () => {
  it('are regionctl-<token>, kept within AWS limits and distinct for distinct tokens', () => {
    expect(changeSetNameFor(TOKEN)).toBe(CHANGE_SET);
    const long = changeSetNameFor('x'.repeat(200));
    const otherLong = changeSetNameFor(`${'x'.repeat(199)}y`);
    const odd = changeSetNameFor('token_with.odd/chars');
    for (const name of [long, otherLong, odd]) {
      expect(name.length).toBeLessThanOrEqual(128);
      expect(name).toMatch(/^regionctl-[-a-zA-Z0-9]*$/);
    }
    expect(long).not.toBe(otherLong);
  });
});
