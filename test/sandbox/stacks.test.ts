// CloudFormation as regionctl sees it in sandbox mode: the AWS stacks adapter (change sets,
// polls on the sandbox's clock) over the sandbox's API-level CloudFormation.
import { describe, expect, it } from 'vitest';
import { WaitingError } from '../../controller/errors.js';
import { expectAwsError, makeCloud, stackInput, TEMPLATE } from './helpers.js';

/** Where the adapter's messages start: the AWS operation, the stack and its region. */
const AT = 'orders in us-east-1';

describe('sandbox CloudFormation: status model', () => {
  it('creates a stack through CREATE_IN_PROGRESS to CREATE_COMPLETE with synthesized outputs', async () => {
    const { clock, stacks } = makeCloud();
    await stacks.create(stackInput());
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_IN_PROGRESS');
    expect((await stacks.describe('us-east-1', 'orders'))?.outputs).toEqual({});
    await clock.advance(89_999);
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_IN_PROGRESS');
    await clock.advance(1);
    const stack = await stacks.describe('us-east-1', 'orders');
    expect(stack?.status).toBe('CREATE_COMPLETE');
    expect(stack?.parameters).toEqual({ Version: '1' });
    expect(stack?.tags).toEqual({ app: 'orders' });
    expect(stack?.id).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/orders\/[0-9a-f-]{36}$/);
    expect(stack?.outputs.ApiHostedZoneId).toMatch(/^Z[0-9A-F]{12}$/);
    expect(stack?.outputs.HealthPath).toBe('/healthz');
    expect(stack?.outputs.ApiDomain).toMatch(/^apidomain-[0-9a-f]{8}\.execute-api\.us-east-1\.amazonaws\.com$/);
  });

  it('gives each region its own deterministic output values', async () => {
    const { stacks } = makeCloud('instant');
    await stacks.create(stackInput({ region: 'us-east-1' }));
    await stacks.create(stackInput({ region: 'eu-west-1' }));
    const east = await stacks.describe('us-east-1', 'orders');
    const west = await stacks.describe('eu-west-1', 'orders');
    expect(east?.outputs.ApiDomain).not.toBe(west?.outputs.ApiDomain);
    expect(east?.outputs.ApiHostedZoneId).not.toBe(west?.outputs.ApiHostedZoneId);
    const again = makeCloud('instant');
    await again.stacks.create(stackInput({ region: 'us-east-1' }));
    expect((await again.stacks.describe('us-east-1', 'orders'))?.outputs).toEqual(east?.outputs);
  });

  it('derives the partition of stack, change set and table ARNs from the region (aws-cn, aws-us-gov)', async () => {
    const { cloud, stacks } = makeCloud('instant');
    await stacks.create(stackInput({ region: 'cn-north-1' }));
    expect((await stacks.describe('cn-north-1', 'orders'))?.id).toMatch(/^arn:aws-cn:cloudformation:cn-north-1:123456789012:stack\/orders\//);
    const made = await cloud.api.cloudFormationApi('us-gov-west-1').send('CreateChangeSet', {
      StackName: 'orders',
      ChangeSetName: 'review',
      ChangeSetType: 'CREATE',
      TemplateBody: TEMPLATE,
      Parameters: [{ ParameterKey: 'Version', ParameterValue: '1' }],
    });
    expect(made.Id).toMatch(/^arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:changeSet\/review\//);
    cloud.seedTable('ledger', 'us-gov-west-1');
    const table = await cloud.api.dynamodbApi('us-gov-west-1').send('DescribeTable', { TableName: 'ledger' });
    expect(table.Table?.TableArn).toBe('arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/ledger');
  });

  it('returns undefined for a stack that does not exist', async () => {
    const { stacks } = makeCloud();
    expect(await stacks.describe('us-east-1', 'missing')).toBeUndefined();
  });

  it('rolls back an injected create failure to ROLLBACK_COMPLETE', async () => {
    const { clock, cloud, stacks } = makeCloud();
    cloud.faults.fail('StackCreate');
    await stacks.create(stackInput());
    await clock.advance(90_000);
    const rolling = await stacks.describe('us-east-1', 'orders');
    expect(rolling?.status).toBe('ROLLBACK_IN_PROGRESS');
    expect(rolling?.statusReason).toContain('The following resource(s) failed to create: [Api]');
    await clock.advance(30_000);
    const done = await stacks.describe('us-east-1', 'orders');
    expect(done?.status).toBe('ROLLBACK_COMPLETE');
    expect(done?.outputs).toEqual({});
  });

  it('updates through UPDATE_IN_PROGRESS and cleanup to UPDATE_COMPLETE with the new outputs', async () => {
    const { clock, stacks } = makeCloud();
    await stacks.create(stackInput());
    await clock.advance(90_000);
    const before = await stacks.describe('us-east-1', 'orders');
    const template = TEMPLATE.replace('  HealthPath:\n    Value: /healthz\n', '  HealthPath:\n    Value: /v2/health\n');
    expect(await stacks.update(stackInput({ templateBody: template, parameters: { Version: '2' } }))).toBe('started');
    const updating = await stacks.describe('us-east-1', 'orders');
    expect(updating?.status).toBe('UPDATE_IN_PROGRESS');
    expect(updating?.outputs).toEqual(before?.outputs);
    await clock.advance(60_000);
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    await clock.advance(10_000);
    const after = await stacks.describe('us-east-1', 'orders');
    expect(after?.status).toBe('UPDATE_COMPLETE');
    expect(after?.parameters).toEqual({ Version: '2' });
    expect(after?.outputs.HealthPath).toBe('/v2/health');
  });

  it('rolls back an injected update failure to UPDATE_ROLLBACK_COMPLETE with the previous configuration live', async () => {
    const { clock, cloud, stacks } = makeCloud();
    await stacks.create(stackInput());
    await clock.advance(90_000);
    cloud.faults.fail('StackUpdate');
    await stacks.update(stackInput({ parameters: { Version: '2' } }));
    await clock.advance(60_000);
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('UPDATE_ROLLBACK_IN_PROGRESS');
    await clock.advance(30_000);
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await clock.advance(10_000);
    const stack = await stacks.describe('us-east-1', 'orders');
    expect(stack?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(stack?.parameters).toEqual({ Version: '1' });
    // The previous template is live again, so the same update is a real change once more.
    expect(await stacks.update(stackInput({ parameters: { Version: '2' } }))).toBe('started');
  });

  it('ends UPDATE_ROLLBACK_FAILED when the rollback fails, and ContinueUpdateRollback recovers it', async () => {
    const { clock, cloud, stacks } = makeCloud();
    await stacks.create(stackInput());
    await clock.advance(90_000);
    cloud.faults.fail('StackUpdate');
    cloud.faults.fail('StackUpdateRollback');
    await stacks.update(stackInput({ parameters: { Version: '2' } }));
    await clock.advance(90_000);
    const failed = await stacks.describe('us-east-1', 'orders');
    expect(failed?.status).toBe('UPDATE_ROLLBACK_FAILED');
    await expectAwsError(stacks.update(stackInput({ parameters: { Version: '3' } })), 'ValidationError', /is in UPDATE_ROLLBACK_FAILED state and can not be updated\.$/);
    await stacks.continueUpdateRollback('us-east-1', 'orders', 'continue-1');
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('UPDATE_ROLLBACK_IN_PROGRESS');
    await clock.advance(40_000);
    const recovered = await stacks.describe('us-east-1', 'orders');
    expect(recovered?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(recovered?.parameters).toEqual({ Version: '1' });
  });

  it('refuses ContinueUpdateRollback outside UPDATE_ROLLBACK_FAILED', async () => {
    const { stacks } = makeCloud('instant');
    await stacks.create(stackInput());
    await expectAwsError(
      stacks.continueUpdateRollback('us-east-1', 'orders', 'c'),
      'ValidationError',
      `ContinueUpdateRollback ${AT}: ValidationError: ContinueUpdateRollback cannot be called from current stack status.`,
    );
  });

  it('deletes through DELETE_IN_PROGRESS until the stack is gone', async () => {
    const { clock, stacks } = makeCloud();
    await stacks.create(stackInput());
    await clock.advance(90_000);
    await stacks.delete('us-east-1', 'orders', 'delete-1');
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('DELETE_IN_PROGRESS');
    // Deleting again while it is being deleted is accepted, as in AWS.
    await stacks.delete('us-east-1', 'orders', 'delete-2');
    await clock.advance(60_000);
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
    // So is deleting a stack that no longer exists.
    await stacks.delete('us-east-1', 'orders', 'delete-3');
  });

  it('ends DELETE_FAILED on an injected delete failure; a plain retry fails again, a delete retaining the failed resource succeeds', async () => {
    const { clock, cloud, stacks } = makeCloud();
    await stacks.create(stackInput());
    await clock.advance(90_000);
    // cfn.retain-only-when-delete-failed
    await expectAwsError(stacks.delete('us-east-1', 'orders', 'early', ['Api']), 'ValidationError', /specify which resources to retain only when the stack is in the DELETE_FAILED state\.$/);
    cloud.faults.fail('DeleteStack');
    await stacks.delete('us-east-1', 'orders', 'delete-1');
    await clock.advance(60_000);
    const failed = await stacks.describe('us-east-1', 'orders');
    expect(failed?.status).toBe('DELETE_FAILED');
    expect(failed?.statusReason).toBe('The following resource(s) failed to delete: [Api]. ');
    expect(failed?.failedResources).toEqual(['Api']);
    // cfn.delete-failed-retain
    await stacks.delete('us-east-1', 'orders', 'delete-2');
    await clock.advance(60_000);
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('DELETE_FAILED');
    await stacks.delete('us-east-1', 'orders', 'delete-3', ['Api']);
    await clock.advance(60_000);
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
  });
});

describe('sandbox CloudFormation: refusals', () => {
  it('refuses a CREATE change set on an existing name (cfn.create-changeset-on-live-stack)', async () => {
    const { stacks } = makeCloud('instant');
    await stacks.create(stackInput());
    await expectAwsError(
      stacks.create(stackInput({ clientToken: 'again' })),
      'ValidationError',
      `CreateChangeSet ${AT}: ValidationError: Stack [orders] already exists and cannot be created again with the changeSet [regionctl-again].`,
    );
  });

  it('refuses UpdateStack of a missing stack', async () => {
    const { stacks } = makeCloud();
    await expectAwsError(stacks.update(stackInput()), 'ValidationError', `UpdateStack ${AT}: Stack [orders] does not exist`);
  });

  it('waits (WaitingError) instead of updating or deleting while an operation is in progress: AWS refuses with its busy wording (cfn.busy-stack)', async () => {
    const { cloud, stacks } = makeCloud();
    await stacks.create(stackInput());
    const update = stacks.update(stackInput({ parameters: { Version: '2' } }));
    await expect(update).rejects.toBeInstanceOf(WaitingError);
    await expect(update).rejects.toThrow(`UpdateStack ${AT}: the stack is in CREATE_IN_PROGRESS; waiting for it to settle`);
    const del = stacks.delete('us-east-1', 'orders', 'd');
    await expect(del).rejects.toBeInstanceOf(WaitingError);
    await expect(del).rejects.toThrow(/^DeleteStack orders in us-east-1: ValidationError: Stack \[arn:aws:cloudformation:us-east-1:123456789012:stack\/orders\/[0-9a-f-]+\] cannot be deleted while in status CREATE_IN_PROGRESS$/);
    expect(cloud.calls.entries.at(-1)).toMatchObject({ operation: 'DeleteStack', outcome: 'ValidationError' });
  });

  it('waits instead of updating a stack in UPDATE_IN_PROGRESS', async () => {
    const { clock, stacks } = makeCloud();
    await stacks.create(stackInput());
    await clock.advance(90_000);
    await stacks.update(stackInput({ parameters: { Version: '2' } }));
    await expect(stacks.update(stackInput({ parameters: { Version: '3' } }))).rejects.toThrow(`UpdateStack ${AT}: the stack is in UPDATE_IN_PROGRESS; waiting for it to settle`);
  });

  it('refuses to update a ROLLBACK_COMPLETE stack: it must be deleted and created again', async () => {
    const { cloud, stacks } = makeCloud('instant');
    cloud.faults.fail('StackCreate');
    await stacks.create(stackInput());
    await expectAwsError(stacks.update(stackInput({ parameters: { Version: '2' } })), 'ValidationError', /is in ROLLBACK_COMPLETE state and can not be updated\.$/);
    await expectAwsError(stacks.create(stackInput()), 'ValidationError', /already exists and cannot be created again/);
    await stacks.delete('us-east-1', 'orders', 'd');
    await stacks.create(stackInput());
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_COMPLETE');
  });

  it("answers 'no-changes' to an update with the same template, parameters and tags", async () => {
    const { cloud, stacks } = makeCloud('instant');
    await stacks.create(stackInput());
    cloud.calls.reset();
    expect(await stacks.update(stackInput())).toBe('no-changes');
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_COMPLETE');
    expect(await stacks.update(stackInput({ tags: { app: 'orders', team: 'payments' } }))).toBe('started');
  });

  it('blocks deletion while termination protection is enabled, naming the command that lifts it', async () => {
    const { cloud, stacks } = makeCloud('instant');
    // A create never protects (a failed first create must stay deletable): the executor turns it on after CREATE_COMPLETE.
    await stacks.create(stackInput({ terminationProtection: true }));
    expect((await stacks.describe('us-east-1', 'orders'))?.terminationProtection).toBe(false);
    await stacks.setTerminationProtection('us-east-1', 'orders', true);
    await expectAwsError(
      stacks.delete('us-east-1', 'orders', 'd'),
      'ValidationError',
      `DeleteStack ${AT}: ValidationError: Stack [orders] cannot be deleted while TerminationProtection is enabled (turn it off first: set spec.stack.terminationProtection to false and apply, ` +
        'or run aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name orders --region us-east-1)',
    );
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_COMPLETE');
    expect(await stacks.update(stackInput({ terminationProtection: false }))).toBe('no-changes');
    expect(cloud.calls.entries.at(-1)).toMatchObject({ operation: 'UpdateTerminationProtection', write: true });
    await stacks.delete('us-east-1', 'orders', 'd2');
    expect(await stacks.describe('us-east-1', 'orders')).toBeUndefined();
  });

  it('treats a retried create with the same client token as done, and a reused token as TokenAlreadyExistsException', async () => {
    const { clock, cloud, stacks } = makeCloud();
    const input = stackInput({ clientToken: 'rc-create' });
    await stacks.create(input);
    await clock.advance(10_000);
    cloud.calls.reset();
    await stacks.create(input);
    // The retry found its own change set, already executed: nothing executed twice.
    expect(cloud.calls.count('ExecuteChangeSet')).toBe(0);
    expect((await stacks.describe('us-east-1', 'orders'))?.status).toBe('CREATE_IN_PROGRESS');
    await expectAwsError(stacks.create(stackInput({ name: 'other', clientToken: 'rc-create' })), 'TokenAlreadyExistsException');
    // ExecuteChangeSet refused the token: the other stack was never created (left in review).
    expect((await stacks.describe('us-east-1', 'other'))?.status).toBe('REVIEW_IN_PROGRESS');
  });

  it('does not use up a token on a refused request', async () => {
    const { stacks } = makeCloud('instant');
    await stacks.create(stackInput());
    await expectAwsError(stacks.create(stackInput({ clientToken: 'rc-1' })), 'ValidationError', /already exists and cannot be created again/);
    await stacks.create(stackInput({ name: 'second', clientToken: 'rc-1' }));
    expect((await stacks.describe('us-east-1', 'second'))?.status).toBe('CREATE_COMPLETE');
  });

  it('limits tags to 50 and reserves the aws: prefix', async () => {
    const { stacks } = makeCloud('instant');
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await expectAwsError(stacks.create(stackInput({ tags })), 'ValidationError', /Member must have length less than or equal to 50/);
    await expectAwsError(stacks.create(stackInput({ tags: { 'aws:owner': 'me' } })), 'ValidationError', /ValidationError: aws: prefixed tag key names are not allowed for external use.$/);
    await stacks.create(stackInput({ tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) }));
  });

  it('refuses templates that do not parse or have no Resources', async () => {
    const { stacks } = makeCloud('instant');
    await expectAwsError(stacks.create(stackInput({ templateBody: 'Resources: [unclosed' })), 'ValidationError', /^CreateChangeSet orders in us-east-1: ValidationError: Template format error: YAML not well-formed/);
    await expectAwsError(
      stacks.create(stackInput({ templateBody: 'Outputs: {}\n', parameters: {} })),
      'ValidationError',
      `CreateChangeSet ${AT}: ValidationError: Template format error: At least one Resources member must be defined.`,
    );
    await expectAwsError(stacks.create(stackInput({ templateBody: '{"Resources": ', parameters: {} })), 'ValidationError', /^CreateChangeSet orders in us-east-1: ValidationError: Template format error: JSON not well-formed/);
  });

  it('refuses references to undeclared resources, undeclared parameters and missing parameter values', async () => {
    const { stacks } = makeCloud('instant');
    await expectAwsError(
      stacks.create(stackInput({ templateBody: TEMPLATE.replace('Role: !GetAtt Api.RootResourceId', 'Role: !GetAtt Role.Arn') })),
      'ValidationError',
      `CreateChangeSet ${AT}: ValidationError: Template format error: Unresolved resource dependencies [Role] in the Resources block of the template`,
    );
    await expectAwsError(
      stacks.create(stackInput({ parameters: { Version: '1', Colour: 'blue' } })),
      'ValidationError',
      `CreateChangeSet ${AT}: ValidationError: Parameters: [Colour] do not exist in the template`,
    );
    await expectAwsError(stacks.create(stackInput({ parameters: {} })), 'ValidationError', `CreateChangeSet ${AT}: ValidationError: Parameters: [Version] must have values`);
  });

  it('requires CAPABILITY_IAM for templates with IAM resources', async () => {
    const { stacks } = makeCloud('instant');
    const body = 'Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n';
    await expectAwsError(stacks.create(stackInput({ templateBody: body, parameters: {} })), 'InsufficientCapabilitiesException', `CreateChangeSet ${AT}: InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_IAM]`);
    await stacks.create(stackInput({ templateBody: body, parameters: {}, capabilities: ['CAPABILITY_IAM'] }));
  });

  it('accepts JSON templates', async () => {
    const { stacks } = makeCloud('instant');
    const body = JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } }, Outputs: { TopicPath: { Value: '/t' } } });
    await stacks.create(stackInput({ templateBody: body, parameters: {} }));
    expect((await stacks.describe('us-east-1', 'orders'))?.outputs).toEqual({ TopicPath: '/t' });
  });
});

describe('sandbox CloudFormation: previewChanges', () => {
  it('waits while the stack is busy: AWS refuses the UPDATE change set as it refuses UpdateStack', async () => {
    const { stacks } = makeCloud();
    await stacks.create(stackInput());
    const preview = stacks.previewChanges(stackInput({ parameters: { Version: '2' } }));
    await expect(preview).rejects.toBeInstanceOf(WaitingError);
    await expect(preview).rejects.toThrow(/is in CREATE_IN_PROGRESS state and can not be updated\.$/);
  });

  it('lists every resource as Add for a missing stack', async () => {
    const { stacks } = makeCloud();
    const changes = await stacks.previewChanges(stackInput());
    expect(changes.map((c) => [c.action, c.logicalId])).toEqual([
      ['Add', 'Api'],
      ['Add', 'Handler'],
      ['Add', 'Table'],
    ]);
  });

  it('reports Add, Remove and Modify by logical id, including resources using a changed parameter', async () => {
    const { stacks } = makeCloud('instant');
    await stacks.create(stackInput());
    expect(await stacks.previewChanges(stackInput())).toEqual([]);
    expect(await stacks.previewChanges(stackInput({ parameters: { Version: '2' } }))).toEqual([
      { action: 'Modify', logicalId: 'Handler', resourceType: 'AWS::Lambda::Function' },
    ]);
    const template = TEMPLATE.replace('  Table:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Value: static\n', '  Queue:\n    Type: AWS::SQS::Queue\n').replace(
      "Name: !Sub 'orders-${AWS::Region}'",
      "Name: !Sub 'orders-v2-${AWS::Region}'",
    );
    const changes = await stacks.previewChanges(stackInput({ templateBody: template }));
    expect(changes).toEqual(
      expect.arrayContaining([
        { action: 'Modify', logicalId: 'Api', resourceType: 'AWS::ApiGateway::RestApi' },
        { action: 'Add', logicalId: 'Queue', resourceType: 'AWS::SQS::Queue' },
        { action: 'Remove', logicalId: 'Table', resourceType: 'AWS::SSM::Parameter' },
      ]),
    );
    expect(changes).toHaveLength(3);
    // A preview changes nothing.
    expect((await stacks.describe('us-east-1', 'orders'))?.parameters).toEqual({ Version: '1' });
  });
});
