// CloudFormation's ways out of a failed or busy stack as AWS allows them (issue 12 item 9):
// DeleteStack with RetainResources only in DELETE_FAILED and only for resources that failed to
// delete; ContinueUpdateRollback skipping only resources whose rollback failed; DeleteStack of
// a busy stack refused in AWS's words (a wait). Sources: the API reference and AWS's texts
// quoted in public threads.
import { CFN_API, issue, reference, snapshot } from './sources.js';
import { call, createStack, fails, MOTO_SYNC, ok, rollbackFailed, settles, STACK, STACKS, template } from './cloudformation.js';
import type { ConformanceCase } from './types.js';

/** Two resources: one can be made to refuse deletion while the other is deleted. */
const TWO_RESOURCES = JSON.stringify({
  Resources: {
    Param: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'one' } },
    Other: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'other' } },
  },
});

const RETAIN_DOC = reference(
  `${CFN_API}/API_DeleteStack.html`,
  'RetainResources: For stacks in the DELETE_FAILED state, a list of resource logical IDs that are associated with the resources you want to retain. During deletion, CloudFormation deletes the stack but doesn\'t delete the retained resources.',
);

export const cloudFormationRecoveryCases: ConformanceCase[] = [
  {
    id: 'cfn.retain-only-when-delete-failed',
    title: 'DeleteStack with RetainResources is refused unless the stack is DELETE_FAILED; the stack is left as it was',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      RETAIN_DOC,
      issue('https://github.com/rebuy-de/aws-nuke/pull/244', 'Resources can only be retained when the CFS is already in `DELETE_FAILED` state.'),
    ],
    moto: { false: 'moto 5.2.5 ignores RetainResources and deletes the stack' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call(
        'DeleteStack',
        { StackName: STACK, RetainResources: ['Param'] },
        fails('ValidationError', /^Invalid operation on stack \[?arn:aws[\w-]*:cloudformation:[\w-]+:\d{12}:stack\/[^\]]+\]?\. When you delete a stack, specify which resources to retain only when the stack is in the DELETE_FAILED state\.$/, 400),
      ),
      call('DescribeStacks', { StackName: STACK }, ok({ path: 'Stacks.0.StackStatus', equals: 'CREATE_COMPLETE' }), { note: 'nothing was deleted' }),
    ],
  },
  {
    id: 'cfn.retain-only-failed-resources',
    title: 'In DELETE_FAILED, ListStackResources names the resource that failed; retaining one already deleted is refused, retaining the failed one deletes the stack',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(STACKS, 'test_blocked_stack_deletion', 'stack_events'),
      issue(
        'https://github.com/rebuy-de/aws-nuke/issues/270',
        'ValidationError: The specified resources to retain must be in a valid state. Do not specify resources that are in the DELETE_COMPLETE state.',
      ),
      RETAIN_DOC,
    ],
    moto: { false: 'needs a resource that refuses deletion (a control step); moto deletes everything' },
    steps: [
      call('CreateStack', { StackName: STACK, TemplateBody: TWO_RESOURCES }, ok({ path: 'StackId', present: true }), { save: { stackId: 'StackId' } }),
      settles('CREATE_COMPLETE'),
      { service: 'control', operation: 'failResourceDeletion', input: { Region: 'eu-west-1', StackName: STACK, LogicalResourceId: 'Param' } },
      call('DeleteStack', { StackName: STACK }, ok()),
      settles('DELETE_FAILED', '${stackId}'),
      call(
        'ListStackResources',
        { StackName: '${stackId}' },
        ok(
          { path: 'StackResourceSummaries', contains: { LogicalResourceId: 'Param', ResourceStatus: 'DELETE_FAILED' } },
          { path: 'StackResourceSummaries', contains: { LogicalResourceId: 'Other', ResourceStatus: 'DELETE_COMPLETE' } },
        ),
      ),
      call(
        'DeleteStack',
        { StackName: '${stackId}', RetainResources: ['Other'] },
        fails('ValidationError', 'The specified resources to retain must be in a valid state. Do not specify resources that are in the DELETE_COMPLETE state.', 400),
      ),
      call('DeleteStack', { StackName: '${stackId}', RetainResources: ['Param'] }, ok()),
      settles('DELETE_COMPLETE', '${stackId}'),
    ],
  },
  {
    id: 'cfn.update-rollback-failed-skip',
    title: 'In UPDATE_ROLLBACK_FAILED the resource that could not roll back is UPDATE_FAILED; only such a resource can be skipped, and skipping it completes the rollback',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(
        `${CFN_API}/API_ContinueUpdateRollback.html`,
        'ResourcesToSkip: A list of the logical IDs of the resources that CloudFormation skips during the continue update rollback operation. You can specify only resources that are in the UPDATE_FAILED state because a rollback failed. … CloudFormation sets the status of the specified resources to UPDATE_COMPLETE and continues to roll back the stack.',
      ),
      reference(`${CFN_API}/API_ContinueUpdateRollback.html`, 'To check why a resource update failed, use the DescribeStackResources action, and view the resource status reason.'),
    ],
    moto: { false: 'needs an update and its rollback to fail (a control step); moto has no rollbacks nor ContinueUpdateRollback' },
    steps: [
      ...rollbackFailed(),
      call('ListStackResources', { StackName: STACK }, ok({ path: 'StackResourceSummaries', contains: { LogicalResourceId: 'Param', ResourceStatus: 'UPDATE_FAILED' } })),
      call('ContinueUpdateRollback', { StackName: STACK, ResourcesToSkip: ['NotAResource'] }, fails('ValidationError', undefined, 400), {
        note: 'a resource not in UPDATE_FAILED cannot be skipped',
      }),
      call('ContinueUpdateRollback', { StackName: STACK, ResourcesToSkip: ['Param'] }, ok()),
      settles('UPDATE_ROLLBACK_COMPLETE'),
    ],
  },
  {
    id: 'cfn.delete-busy-stack',
    title: 'DeleteStack while an update runs is refused naming the stack\'s state (a wait, not a failure)',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      issue(
        'https://github.com/aws/copilot-cli/issues/1180',
        'ValidationError: Stack [arn:aws:cloudformation:us-east-2:xxxxxxxx:stack/XXX-dev-backend/45063280-cbb3-11ea-979b-06e9f06d5ec4] cannot be deleted while in status UPDATE_IN_PROGRESS',
      ),
      issue('https://github.com/aws-amplify/amplify-backend/pull/2366', 'Stack [id] cannot be deleted while in status UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
    ],
    moto: { false: MOTO_SYNC },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('two') }, ok()),
      call(
        'DeleteStack',
        { StackName: STACK },
        fails('ValidationError', /^Stack \[arn:aws[\w-]*:cloudformation:[\w-]+:\d{12}:stack\/conf-[^\]]+\] cannot be deleted while in status UPDATE_IN_PROGRESS$/, 400),
      ),
      settles('UPDATE_COMPLETE'),
    ],
  },
  {
    id: 'cfn.rollback-complete-not-updatable',
    title: 'A stack whose first create rolled back (ROLLBACK_COMPLETE) refuses UpdateStack and UPDATE change sets; DeleteStack is the way out',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      issue(
        'https://github.com/bitovi/bitops/issues/128',
        'An error occurred (ValidationError) when calling the UpdateStack operation: Stack:arn:aws:cloudformation:us-east-1:xxxxx:stack/yyyyyyyy/zzzzzzzz is in ROLLBACK_COMPLETE state and can not be updated.',
      ),
      issue(
        'https://github.com/jenseickmeyer/todo-app-nodejs/issues/5',
        'An error occurred (ValidationError) when calling the CreateChangeSet operation: Stack:arn:aws:cloudformation:us-east-1:617248568445:stack/todo-app-dev/ae467fe0-5154-11ea-bd5e-12717722e021 is in ROLLBACK_COMPLETE state and can not be updated',
      ),
    ],
    moto: { false: 'needs a first create that fails (a control step); moto creates every stack' },
    steps: [
      { service: 'control', operation: 'failStackCreation', input: { Region: 'eu-west-1' } },
      createStack(),
      settles('ROLLBACK_COMPLETE'),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('two') }, fails('ValidationError', /^Stack:arn:aws[\w-]*:cloudformation:eu-west-1:\d{12}:stack\/[^ ]+ is in ROLLBACK_COMPLETE state and can not be updated\.?$/, 400)),
      call(
        'CreateChangeSet',
        { StackName: STACK, ChangeSetName: 'cs-${run}', ChangeSetType: 'UPDATE', TemplateBody: template('two') },
        fails('ValidationError', /^Stack:arn:aws[\w-]*:cloudformation:eu-west-1:\d{12}:stack\/[^ ]+ is in ROLLBACK_COMPLETE state and can not be updated\.?$/, 400),
      ),
      call('DeleteStack', { StackName: STACK }, ok()),
      settles('DELETE_COMPLETE', '${stackId}'),
    ],
  },
];
