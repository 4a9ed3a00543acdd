// AwsStackProvider over real HTTP against moto_server: the wire shapes of every call the
// provider makes, with the reference template. Moto completes stacks synchronously and is
// lenient (see /work/shared/reference/aws.md); the statuses, failures and retries it cannot
// produce are covered by stacks.adapter.test.ts.

import { readFileSync } from 'node:fs';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { AwsStackProvider } from '../../controller/providers/aws/stacks.js';
import type { StackInput } from '../../controller/providers/types.js';
import { useMoto } from '../support/moto.js';

const TEMPLATE = readFileSync('manifests/stacks/regional-api.yaml', 'utf8');
const REGIONS = ['eu-west-1', 'us-east-2', 'ap-southeast-1'];
const STACK = 'global-api';

let clients: AwsClients;
let stacks: AwsStackProvider;
useMoto((moto) => {
  clients = new AwsClients({ endpointUrl: moto.endpoint });
  stacks = new AwsStackProvider({ clients, clock: new FakeClock(), changeSetPollMs: 100 });
  return () => clients.destroy();
});

function input(region: string, overrides: Partial<StackInput> = {}): StackInput {
  return {
    region,
    name: STACK,
    templateBody: TEMPLATE,
    parameters: { Stage: 'prod', TableName: 'orders' },
    capabilities: ['CAPABILITY_IAM'],
    tags: { 'regionctl:owner': 'global-api', team: 'payments' },
    terminationProtection: false,
    clientToken: `rc-create-${region}`,
    ...overrides,
  };
}

describe('AwsStackProvider against moto', () => {
  it('previews a stack that does not exist yet as resources to add, and leaves no stack behind', async () => {
    const changes = await stacks.previewChanges(input('eu-west-1', { clientToken: 'preview' }));

    expect(changes).toContainEqual({ action: 'Add', logicalId: 'FunctionRole', resourceType: 'AWS::IAM::Role' });
    expect(changes).toContainEqual({ action: 'Add', logicalId: 'Function', resourceType: 'AWS::Lambda::Function' });
    expect(changes).toContainEqual({ action: 'Add', logicalId: 'Api', resourceType: 'AWS::ApiGateway::RestApi' });
    // The CREATE change set made a REVIEW_IN_PROGRESS stack; the preview removed it again.
    expect(await stacks.describe('eu-west-1', STACK)).toBeUndefined();
  });

  it('creates the reference stack in three regions with its tags and parameters', async () => {
    for (const region of REGIONS) await stacks.create(input(region));

    for (const region of REGIONS) {
      const live = await stacks.describe(region, STACK);
      expect(live).toMatchObject({
        region,
        name: STACK,
        status: 'CREATE_COMPLETE',
        tags: { 'regionctl:owner': 'global-api', team: 'payments' },
        parameters: { Stage: 'prod', TableName: 'orders' },
        terminationProtection: false,
      });
      expect(live?.id).toMatch(new RegExp(`^arn:aws:cloudformation:${region}:\\d{12}:stack/${STACK}/`));
    }
  });

  it('answers no-changes for an update identical to the live stack', async () => {
    const answer = await stacks.update(input('eu-west-1', { clientToken: 'rc-same-eu-west-1' }));

    expect(answer).toBe('no-changes');
    expect((await stacks.describe('eu-west-1', STACK))?.status).toBe('CREATE_COMPLETE');
  });

  it('previews a change without touching the live stack', async () => {
    // Moto's change sets only diff the template (a parameter-only change previews as nothing),
    // so the template is edited too; AWS would also list resources using Stage.
    const changed = input('us-east-2', {
      templateBody: TEMPLATE.replace('MemorySize: 256', 'MemorySize: 512'),
      parameters: { Stage: 'beta', TableName: 'orders' },
      clientToken: 'preview',
    });

    const changes = await stacks.previewChanges(changed);

    expect(changes).toEqual([{ action: 'Modify', logicalId: 'Function', resourceType: 'AWS::Lambda::Function' }]);
    const live = await stacks.describe('us-east-2', STACK);
    expect(live?.status).toBe('CREATE_COMPLETE');
    expect(live?.parameters['Stage']).toBe('prod');
  });

  it('applies a parameter change through a change set', async () => {
    const answer = await stacks.update(input('us-east-2', { parameters: { Stage: 'beta', TableName: 'orders' }, clientToken: 'rc-update-us-east-2' }));

    expect(answer).toBe('started');
    const live = await stacks.describe('us-east-2', STACK);
    expect(live?.status).toBe('UPDATE_COMPLETE');
    expect(live?.parameters).toMatchObject({ Stage: 'beta', TableName: 'orders' });
  });

  it('reads every output of a stack', async () => {
    // Moto never fills Outputs for stacks made or changed by change sets, so a small stack
    // is made directly with CreateStack (test/stack covers the reference template's outputs).
    const template = {
      Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
      Outputs: {
        ApiDomainName: { Value: 'abc123.execute-api.eu-west-1.amazonaws.com' },
        QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
      },
    };
    await clients.cloudFormation('eu-west-1').send(new CreateStackCommand({ StackName: 'outputs-probe', TemplateBody: JSON.stringify(template) }));

    const live = await stacks.describe('eu-west-1', 'outputs-probe');

    expect(live?.outputs).toEqual({
      ApiDomainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      QueueArn: expect.stringMatching(/^arn:aws:sqs:eu-west-1:\d{12}:outputs-probe-Queue-/),
    });
  });

  it('deletes the stacks: describe then finds nothing', async () => {
    for (const region of REGIONS) await stacks.delete(region, STACK, `rc-delete-${region}`);

    for (const region of REGIONS) expect(await stacks.describe(region, STACK)).toBeUndefined();
  });
});
