// The reference regional stack deploys in moto, in the three regions of
// manifests/global-api.yaml, with the outputs the manifests' records and health checks use.
// CreateStack directly: moto computes Outputs for it (never for change-set stacks).
// moto has no CloudFormation support for API Gateway custom domains, so the
// DomainName/CertificateArn variant is covered by cfn-lint only.

import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type Moto } from '../support/moto.js';

const TEMPLATE = readFileSync('manifests/stacks/regional-api.yaml', 'utf8');
const STACK = 'global-api';
// The regional execute-api hosted zones AWS publishes for these regions.
const EXECUTE_API_ZONES: Record<string, string> = {
  'eu-west-1': 'ZLY8HYME6SFDD',
  'us-east-2': 'ZOJJZC49E0EPZ',
  'ap-southeast-1': 'ZL327KTPIQFUL',
};
const REGIONS = Object.keys(EXECUTE_API_ZONES);

let moto: Moto;
const clients = new Map<string, CloudFormationClient>();

function cloudFormation(region: string): CloudFormationClient {
  let client = clients.get(region);
  if (!client) {
    client = new CloudFormationClient({
      region,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    clients.set(region, client);
  }
  return client;
}

async function describeStack(region: string): Promise<Stack | undefined> {
  try {
    const out = await cloudFormation(region).send(new DescribeStacksCommand({ StackName: STACK }));
    return out.Stacks?.[0];
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** Polls until the stack leaves its *_IN_PROGRESS status (moto finishes at once; bounded by count, not time). */
async function settled(region: string): Promise<Stack | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const stack = await describeStack(region);
    if (!stack?.StackStatus?.endsWith('_IN_PROGRESS')) return stack;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stack ${STACK} in ${region} stayed in progress`);
}

function outputs(stack: Stack | undefined): Record<string, string | undefined> {
  return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
}

beforeAll(async () => {
  moto = await startMoto();
  for (const region of REGIONS) {
    await cloudFormation(region).send(
      new CreateStackCommand({
        StackName: STACK,
        TemplateBody: TEMPLATE,
        Parameters: [
          { ParameterKey: 'Stage', ParameterValue: 'prod' },
          { ParameterKey: 'TableName', ParameterValue: 'orders' },
        ],
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
  }
});

afterAll(async () => {
  for (const client of clients.values()) client.destroy();
  await moto?.stop();
});

describe.each(REGIONS)('reference stack in %s (moto)', (region) => {
  it('completes, with the regional host name, its hosted zone, the health check host and path as outputs', async () => {
    const stack = await settled(region);
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');

    const resources = await cloudFormation(region).send(new DescribeStackResourcesCommand({ StackName: STACK }));
    const api = resources.StackResources?.find((r) => r.LogicalResourceId === 'Api');
    expect(api?.ResourceType).toBe('AWS::ApiGateway::RestApi');
    expect(api?.PhysicalResourceId).toMatch(/^[a-z0-9]+$/);

    // The host name is that of the API the stack created, in the stack's own region.
    expect(outputs(stack)).toEqual({
      ApiDomainName: `${api!.PhysicalResourceId}.execute-api.${region}.amazonaws.com`,
      ApiHostedZoneId: EXECUTE_API_ZONES[region],
      HealthCheckPath: '/prod/health',
      // What a health check probes with or without a custom domain: the API's own host.
      ApiExecuteHost: `${api!.PhysicalResourceId}.execute-api.${region}.amazonaws.com`,
      ApiEndpoint: `https://${api!.PhysicalResourceId}.execute-api.${region}.amazonaws.com/prod`,
    });
  });

  it('creates the function serving the API and its role', async () => {
    const resources = await cloudFormation(region).send(new DescribeStackResourcesCommand({ StackName: STACK }));
    const byId = new Map((resources.StackResources ?? []).map((r) => [r.LogicalResourceId, r]));

    expect(byId.get('Function')?.ResourceType).toBe('AWS::Lambda::Function');
    expect(byId.get('Function')?.PhysicalResourceId).toBeTruthy();
    expect(byId.get('FunctionRole')?.ResourceType).toBe('AWS::IAM::Role');
    expect(byId.get('HealthMethod')?.ResourceType).toBe('AWS::ApiGateway::Method');
  });
});

describe('deleting the reference stacks (moto)', () => {
  it('removes the stack in every region', async () => {
    for (const region of REGIONS) await cloudFormation(region).send(new DeleteStackCommand({ StackName: STACK }));

    for (const region of REGIONS) {
      const stack = await settled(region);
      expect(stack === undefined || stack.StackStatus === 'DELETE_COMPLETE', `${region}: ${stack?.StackStatus}`).toBe(true);
    }
  });
});
