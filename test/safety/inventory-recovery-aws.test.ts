// Issue #11, item 7b on AWS: the scan that rebuilds a lost inventory lists a region's stacks
// with DescribeStacks (no stack name, every page) and keeps those tagged with the RegionSet.
// The SDK is mocked (aws-sdk-client-mock), as in test/aws/stacks.adapter.test.ts.

import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { AwsRequestError } from '../../controller/errors.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { AwsStackProvider } from '../../controller/providers/aws/stacks.js';

const cfn = mockClient(CloudFormationClient);
const REGION = 'us-west-2';
let clients: AwsClients;
let stacks: AwsStackProvider;

beforeEach(() => {
  cfn.reset();
  clients?.destroy();
  clients = new AwsClients();
  stacks = new AwsStackProvider({ clients, clock: new FakeClock() });
});

afterAll(() => {
  clients.destroy();
  cfn.restore();
});

function stack(name: string, status: Stack['StackStatus'], tags: Record<string, string>): Stack {
  return {
    StackName: name,
    StackId: `arn:aws:cloudformation:${REGION}:123456789012:stack/${name}/0000`,
    StackStatus: status,
    CreationTime: new Date(0),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    Parameters: [{ ParameterKey: 'Stage', ParameterValue: 'prod' }],
    Outputs: [{ OutputKey: 'ApiDomainName', OutputValue: 'api-us-west-2.example.net' }],
  };
}

it('lists every page of DescribeStacks and keeps only the stacks tagged with the RegionSet (deleted ones left out)', async () => {
  cfn
    .on(DescribeStacksCommand)
    .resolvesOnce({ Stacks: [stack('global-api', 'UPDATE_COMPLETE', { 'regionctl:regionset': 'global-api' }), stack('billing', 'CREATE_COMPLETE', { team: 'billing' })], NextToken: 'page-2' })
    .resolvesOnce({ Stacks: [stack('global-api-old', 'CREATE_COMPLETE', { 'regionctl:regionset': 'global-api' }), stack('gone', 'DELETE_COMPLETE', { 'regionctl:regionset': 'global-api' }), stack('team-b', 'CREATE_COMPLETE', { 'regionctl:regionset': 'team-b' })] });

  const found = await stacks.listByTag(REGION, 'regionctl:regionset', 'global-api');

  expect(found.map((s) => [s.region, s.name, s.status])).toEqual([
    [REGION, 'global-api', 'UPDATE_COMPLETE'],
    [REGION, 'global-api-old', 'CREATE_COMPLETE'],
  ]);
  expect(found[0]!.outputs).toEqual({ ApiDomainName: 'api-us-west-2.example.net' });
  const inputs = cfn.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input);
  expect(inputs).toEqual([{}, { NextToken: 'page-2' }]);
});

it('a region not enabled for the account answers with its AWS error code, for the scan to skip it', async () => {
  cfn.on(DescribeStacksCommand).rejects(
    new CloudFormationServiceException({ name: 'InvalidClientTokenId', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'The security token included in the request is invalid.' }),
  );
  const error = await stacks.listByTag('me-central-1', 'regionctl:regionset', 'global-api').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AwsRequestError);
  expect((error as AwsRequestError).code).toBe('InvalidClientTokenId');
  expect((error as Error).message).toBe('DescribeStacks (all stacks) in me-central-1: InvalidClientTokenId: The security token included in the request is invalid.');
});
