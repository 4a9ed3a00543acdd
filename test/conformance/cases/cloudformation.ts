// CloudFormation as AWS answers it. Most expectations are responses recorded against AWS in
// localstack's snapshots (see sources.ts); the rest quote the API reference.
import { CFN_API, issue, reference, snapshot } from './sources.js';
import type { ApiCall, ConformanceCase, Outcome, Step } from './types.js';

export const STACK = 'conf-${run}';
const CHANGE_SET = 'cs-${run}';
const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";
export const MOTO_SYNC = 'moto completes every stack and change-set operation synchronously: no *_PENDING or *_IN_PROGRESS state is ever seen';

/** A template with one resource whose property `value` decides whether an update has changes. */
export function template(value: string): string {
  return JSON.stringify({ Resources: { Param: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: value } } } });
}

export function call(operation: string, input: Record<string, unknown>, expect: Outcome, extra: Partial<ApiCall> = {}): ApiCall {
  return { service: 'cloudformation', operation, input, expect, ...extra };
}

export const ok = (...checks: Extract<Outcome, { ok: unknown }>['ok']): Outcome => ({ ok: checks });
export const fails = (code: string, message?: string | RegExp, httpStatus?: number): Outcome => ({ error: { code, message, httpStatus } });

export function createStack(input: Record<string, unknown> = {}): ApiCall {
  return call('CreateStack', { StackName: STACK, TemplateBody: template('one'), ...input }, ok({ path: 'StackId', present: true }), {
    save: { stackId: 'StackId' },
  });
}

/** A stack whose update fails on Param and whose rollback fails too: UPDATE_ROLLBACK_FAILED. */
export function rollbackFailed(): Step[] {
  return [
    createStack(),
    settles('CREATE_COMPLETE'),
    { service: 'control', operation: 'failResourceUpdate', input: { Region: 'eu-west-1', StackName: STACK, LogicalResourceId: 'Param', AndRollback: true } },
    call('UpdateStack', { StackName: STACK, TemplateBody: template('two') }, ok()),
    settles('UPDATE_ROLLBACK_FAILED'),
  ];
}

/** DescribeStacks until the stack leaves every *_IN_PROGRESS state, then expects `status`. */
export function settles(status: string, stackName = STACK, more: Extract<Outcome, { ok: unknown }>['ok'] = []): ApiCall {
  return call('DescribeStacks', { StackName: stackName }, ok({ path: 'Stacks.0.StackStatus', equals: status }, ...more), {
    until: { path: 'Stacks.0.StackStatus', matches: /_(COMPLETE|FAILED)$/ },
    note: `stack settles in ${status}`,
  });
}

function createChangeSet(type: 'CREATE' | 'UPDATE', value: string, name = CHANGE_SET, extra: Record<string, unknown> = {}): ApiCall {
  return call(
    'CreateChangeSet',
    { StackName: STACK, ChangeSetName: name, ChangeSetType: type, TemplateBody: template(value), ...extra },
    ok({ path: 'Id', matches: /^arn:aws[\w-]*:cloudformation:[\w-]+:\d{12}:changeSet\// }, { path: 'StackId', present: true }),
    { save: { changeSetId: 'Id', stackId: 'StackId' } },
  );
}

/** DescribeStacks on the case's stack name: it was never created. */
const noStack = (): ApiCall => call('DescribeStacks', { StackName: STACK }, fails('ValidationError', `Stack with id ${STACK} does not exist`, 400));

/** A CREATE change set AWS refuses, after which no stack of that name exists. */
function refusedCreateChangeSet(input: Record<string, unknown>, expect: Outcome): Step[] {
  return [call('CreateChangeSet', { StackName: STACK, ChangeSetName: CHANGE_SET, ChangeSetType: 'CREATE', TemplateBody: template('one'), ...input }, expect), noStack()];
}

/** DescribeChangeSet until creation ends (CREATE_COMPLETE or FAILED), then expects `status`. */
function changeSetSettles(status: 'CREATE_COMPLETE' | 'FAILED', more: Extract<Outcome, { ok: unknown }>['ok'] = []): ApiCall {
  return call('DescribeChangeSet', { ChangeSetName: '${changeSetId}' }, ok({ path: 'Status', equals: status }, ...more), {
    until: { path: 'Status', matches: /^(CREATE_COMPLETE|FAILED)$/ },
    note: `change set settles in ${status}`,
  });
}

export const CHANGESETS = 'cloudformation/api/test_changesets';
export const STACKS = 'cloudformation/api/test_stacks';
const UPDATES = 'cloudformation/api/test_update_stack';

export const cloudFormationCases: ConformanceCase[] = [
  {
    id: 'cfn.describe-missing-stack',
    title: 'DescribeStacks on a name that was never created is a ValidationError naming it',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(STACKS, 'test_non_existing_stack_message', 'Error')],
    moto: true,
    steps: [call('DescribeStacks', { StackName: 'missing-${run}' }, fails('ValidationError', 'Stack with id missing-${run} does not exist', 400))],
  },
  {
    id: 'cfn.create-existing-stack',
    title: 'CreateStack on a live stack name is AlreadyExistsException',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(STACKS, 'test_name_conflicts', 'create_stack_already_exists_exc')],
    moto: { false: 'moto 5.2.5 says "Stack NAME already exists" without AWS\'s brackets' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call('CreateStack', { StackName: STACK, TemplateBody: template('one') }, fails('AlreadyExistsException', `Stack [${STACK}] already exists`, 400)),
    ],
  },
  {
    id: 'cfn.update-no-changes',
    title: 'UpdateStack with the live template is "No updates are to be performed." (converged, not failed)',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(STACKS, 'TestStacksApi::test_update_stack_with_same_template_withoutchange', 'no_change_exception'),
      snapshot(UPDATES, 'test_diff_after_update', 'update-error'),
    ],
    moto: { false: 'moto 5.2.5 accepts an UpdateStack without changes' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('one') }, fails('ValidationError', 'No updates are to be performed.', 400)),
      settles('CREATE_COMPLETE'),
    ],
  },
  {
    id: 'cfn.update-stack-changes',
    title: 'UpdateStack with a changed template returns the StackId and ends UPDATE_COMPLETE',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(UPDATES, 'test_basic_update', 'update_response')],
    moto: { false: 'moto 5.2.5 leaves LastUpdatedTime out of DescribeStacks' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('two') }, ok({ path: 'StackId', equals: '${stackId}' })),
      settles('UPDATE_COMPLETE', STACK, [{ path: 'Stacks.0.LastUpdatedTime', present: true }]),
    ],
  },
  {
    id: 'cfn.no-template',
    title: 'UpdateStack without TemplateBody, TemplateURL or UsePreviousTemplate is refused',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(UPDATES, 'test_no_template_error', 'error')],
    moto: { false: 'moto 5.2.5 answers UpdateStack without a template with an HTML server error' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call('UpdateStack', { StackName: STACK }, fails('ValidationError', 'Either Template URL or Template Body must be specified.', 400)),
    ],
  },
  {
    id: 'cfn.changeset-no-changes',
    title: 'A change set without changes ends FAILED, UNAVAILABLE, with AWS\'s "didn\'t contain changes" reason',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(CHANGESETS, 'test_create_change_set_no_changes', 'change-set-description'),
      snapshot(CHANGESETS, 'test_empty_changeset', 'describe_nochange'),
    ],
    moto: true,
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      createChangeSet('UPDATE', 'one'),
      changeSetSettles('FAILED', [
        { path: 'ExecutionStatus', equals: 'UNAVAILABLE' },
        { path: 'StatusReason', equals: NO_CHANGES },
        { path: 'Changes', length: 0 },
        { path: 'StackName', equals: STACK },
      ]),
    ],
  },
  {
    id: 'cfn.execute-failed-changeset',
    title: 'ExecuteChangeSet on a FAILED change set is InvalidChangeSetStatus naming the status',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(CHANGESETS, 'test_empty_changeset', 'error_execute_failed')],
    moto: { false: 'moto 5.2.5 executes a FAILED change set without an error' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      createChangeSet('UPDATE', 'one'),
      changeSetSettles('FAILED'),
      call(
        'ExecuteChangeSet',
        { ChangeSetName: '${changeSetId}' },
        fails('InvalidChangeSetStatus', 'ChangeSet [${changeSetId}] cannot be executed in its current status of [FAILED]'),
      ),
    ],
  },
  {
    id: 'cfn.execute-before-available',
    title: 'ExecuteChangeSet while the change set is still being created is InvalidChangeSetStatus',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(
        `${CFN_API}/API_ExecuteChangeSet.html`,
        "InvalidChangeSetStatus: The specified change set can't be used to update the stack. For example, the change set status might be CREATE_IN_PROGRESS, or the stack status might be UPDATE_IN_PROGRESS.",
      ),
      snapshot(CHANGESETS, 'test_empty_changeset', 'error_execute_failed'),
    ],
    moto: { false: MOTO_SYNC },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      createChangeSet('UPDATE', 'two'),
      call(
        'ExecuteChangeSet',
        { ChangeSetName: '${changeSetId}' },
        fails('InvalidChangeSetStatus', /^ChangeSet \[arn:[^\]]+\] cannot be executed in its current status of \[(CREATE_PENDING|CREATE_IN_PROGRESS)\]$/),
        { note: 'sent right after CreateChangeSet, before it is AVAILABLE' },
      ),
      changeSetSettles('CREATE_COMPLETE', [{ path: 'ExecutionStatus', equals: 'AVAILABLE' }]),
    ],
  },
  {
    id: 'cfn.changeset-lifecycle',
    title: 'A change set is CREATE_PENDING/IN_PROGRESS and UNAVAILABLE first, then CREATE_COMPLETE and AVAILABLE with its changes',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(
        `${CFN_API}/API_DescribeChangeSet.html`,
        "Status: The current status of the change set, such as CREATE_PENDING, CREATE_COMPLETE, or FAILED. ExecutionStatus: If the change set execution status is AVAILABLE, you can execute the change set. If you can't execute the change set, the status indicates why. For example, a change set might be in an UNAVAILABLE state because CloudFormation is still creating it or in an OBSOLETE state because the stack was already updated.",
      ),
      snapshot(CHANGESETS, 'test_empty_changeset', 'describe_first_cs'),
    ],
    moto: { false: MOTO_SYNC },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      createChangeSet('UPDATE', 'two'),
      call(
        'DescribeChangeSet',
        { ChangeSetName: '${changeSetId}' },
        ok({ path: 'Status', matches: /^(CREATE_PENDING|CREATE_IN_PROGRESS)$/ }, { path: 'ExecutionStatus', equals: 'UNAVAILABLE' }),
        { note: 'described right after creation' },
      ),
      changeSetSettles('CREATE_COMPLETE', [
        { path: 'ExecutionStatus', equals: 'AVAILABLE' },
        { path: 'Changes', contains: { Type: 'Resource', 'ResourceChange.Action': 'Modify', 'ResourceChange.LogicalResourceId': 'Param' } },
      ]),
    ],
  },
  {
    id: 'cfn.create-changeset-review-in-progress',
    title: 'A CREATE change set makes the stack REVIEW_IN_PROGRESS without tags; tags arrive on execution',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(STACKS, 'TestStacksApi::test_stack_description_lifecycle[with-tags]', 'stack-pre-execute'),
      snapshot(STACKS, 'TestStacksApi::test_stack_description_lifecycle[with-tags]', 'change-set-pre-execute'),
      snapshot(STACKS, 'TestStacksApi::test_stack_description_lifecycle[with-tags]', 'stack-post-execute'),
    ],
    moto: { false: 'moto 5.2.5 copies the change set tags onto the REVIEW_IN_PROGRESS stack at once and gives no StackStatusReason' },
    steps: [
      createChangeSet('CREATE', 'one', CHANGE_SET, { Tags: [{ Key: 'regionctl:owner', Value: 'conformance' }] }),
      call(
        'DescribeStacks',
        { StackName: STACK },
        ok(
          { path: 'Stacks.0.StackStatus', equals: 'REVIEW_IN_PROGRESS' },
          { path: 'Stacks.0.StackStatusReason', equals: 'User Initiated' },
          { path: 'Stacks.0.Tags', length: 0 },
          { path: 'Stacks.0.StackId', equals: '${stackId}' },
        ),
      ),
      changeSetSettles('CREATE_COMPLETE', [
        { path: 'ExecutionStatus', equals: 'AVAILABLE' },
        { path: 'Tags', contains: { Key: 'regionctl:owner', Value: 'conformance' } },
        { path: 'Changes', contains: { 'ResourceChange.Action': 'Add', 'ResourceChange.LogicalResourceId': 'Param' } },
      ]),
      call('ExecuteChangeSet', { ChangeSetName: '${changeSetId}' }, ok()),
      settles('CREATE_COMPLETE', STACK, [{ path: 'Stacks.0.Tags', contains: { Key: 'regionctl:owner', Value: 'conformance' } }]),
    ],
  },
  {
    id: 'cfn.delete-review-in-progress',
    title: 'DeleteStack is allowed on a REVIEW_IN_PROGRESS stack; afterwards the name is unknown',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(`${CFN_API}/API_DeleteStack.html`, 'Deletes a specified stack. Once the call completes successfully, stack deletion starts.'),
      snapshot(STACKS, 'test_name_conflicts', 'deleted_stack_not_found_exc'),
    ],
    moto: true,
    steps: [
      createChangeSet('CREATE', 'one'),
      changeSetSettles('CREATE_COMPLETE'),
      call('DeleteStack', { StackName: STACK }, ok()),
      settles('DELETE_COMPLETE', '${stackId}'),
      call('DescribeStacks', { StackName: STACK }, fails('ValidationError', `Stack with id ${STACK} does not exist`, 400)),
    ],
  },
  {
    id: 'cfn.executed-changeset',
    title: 'An executed change set reads EXECUTE_COMPLETE by ARN and is no longer listed for the stack',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(CHANGESETS, 'test_name_conflicts', 'initial_changeset_id_desc'),
      reference(`${CFN_API}/API_ListChangeSets.html`, 'Returns the ID and status of each active change set for a stack.'),
      reference(
        `${CFN_API}/API_ExecuteChangeSet.html`,
        "When you execute a change set, CloudFormation deletes all other change sets associated with the stack because they aren't valid for the updated stack.",
      ),
    ],
    moto: true,
    steps: [
      createChangeSet('CREATE', 'one'),
      changeSetSettles('CREATE_COMPLETE'),
      call('ExecuteChangeSet', { ChangeSetName: '${changeSetId}' }, ok()),
      settles('CREATE_COMPLETE'),
      call('DescribeChangeSet', { ChangeSetName: '${changeSetId}' }, ok({ path: 'ExecutionStatus', equals: 'EXECUTE_COMPLETE' })),
      call('ListChangeSets', { StackName: STACK }, ok({ path: 'Summaries', lacks: { ChangeSetName: CHANGE_SET, ExecutionStatus: 'AVAILABLE' } })),
    ],
  },
  {
    id: 'cfn.superseded-changesets',
    title: 'Executing one change set removes the stack\'s other change sets',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(
        `${CFN_API}/API_ExecuteChangeSet.html`,
        "When you execute a change set, CloudFormation deletes all other change sets associated with the stack because they aren't valid for the updated stack.",
      ),
    ],
    moto: { false: 'moto 5.2.5 keeps the other change sets' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      createChangeSet('UPDATE', 'three', 'other-${run}'),
      changeSetSettles('CREATE_COMPLETE'),
      createChangeSet('UPDATE', 'two'),
      changeSetSettles('CREATE_COMPLETE'),
      call('ExecuteChangeSet', { ChangeSetName: '${changeSetId}' }, ok()),
      settles('UPDATE_COMPLETE'),
      call('DescribeChangeSet', { StackName: STACK, ChangeSetName: 'other-${run}' }, fails('ChangeSetNotFound', 'ChangeSet [other-${run}] does not exist', 404)),
    ],
  },
  {
    id: 'cfn.changeset-name-conflict',
    title: 'A second change set with the same name on the same stack is AlreadyExistsException',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(`${CFN_API}/API_CreateChangeSet.html`, 'AlreadyExistsException: The resource with the name requested already exists.'),
    ],
    moto: { false: 'moto 5.2.5 accepts a second change set of the same name' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      createChangeSet('UPDATE', 'two'),
      call(
        'CreateChangeSet',
        { StackName: STACK, ChangeSetName: CHANGE_SET, ChangeSetType: 'UPDATE', TemplateBody: template('three') },
        fails('AlreadyExistsException', undefined, 400),
      ),
    ],
  },
  {
    id: 'cfn.create-changeset-on-live-stack',
    title: 'A CREATE change set for a live stack is a ValidationError naming stack and change set',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(CHANGESETS, 'test_name_conflicts', 'create_changeset_existingstack_exc')],
    moto: { false: 'moto 5.2.5 accepts a CREATE change set for an existing stack' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call(
        'CreateChangeSet',
        { StackName: STACK, ChangeSetName: CHANGE_SET, ChangeSetType: 'CREATE', TemplateBody: template('one') },
        fails('ValidationError', `Stack [${STACK}] already exists and cannot be created again with the changeSet [${CHANGE_SET}].`, 400),
      ),
    ],
  },
  {
    id: 'cfn.multiple-create-changesets',
    title: 'Several CREATE change sets may exist for one new stack; they share its StackId',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(CHANGESETS, 'test_multiple_create_changeset', 'initial_changeset'),
      snapshot(CHANGESETS, 'test_multiple_create_changeset', 'additional_changeset'),
    ],
    moto: { false: 'moto 5.2.5 gives every CREATE change set a stack of its own (a new StackId)' },
    steps: [
      createChangeSet('CREATE', 'one'),
      changeSetSettles('CREATE_COMPLETE'),
      call(
        'CreateChangeSet',
        { StackName: STACK, ChangeSetName: 'additional-${run}', ChangeSetType: 'CREATE', TemplateBody: template('one') },
        ok({ path: 'StackId', equals: '${stackId}' }, { path: 'Id', present: true }),
      ),
    ],
  },
  {
    id: 'cfn.create-stack-while-in-review',
    title: 'CreateStack on a REVIEW_IN_PROGRESS name succeeds and makes the pending change set OBSOLETE',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(CHANGESETS, 'test_create_while_in_review', 'create_stack_while_in_review'),
      snapshot(CHANGESETS, 'test_create_while_in_review', 'describe_change_set'),
      reference(`${CFN_API}/API_DescribeChangeSet.html`, 'a change set might be in … an OBSOLETE state because the stack was already updated.'),
    ],
    moto: { false: 'moto 5.2.5 refuses CreateStack on a REVIEW_IN_PROGRESS stack with AlreadyExistsException' },
    steps: [
      createChangeSet('CREATE', 'one'),
      changeSetSettles('CREATE_COMPLETE'),
      call('CreateStack', { StackName: STACK, TemplateBody: template('one') }, ok({ path: 'StackId', equals: '${stackId}' })),
      settles('CREATE_COMPLETE', '${stackId}'),
      call('DescribeChangeSet', { ChangeSetName: '${changeSetId}' }, ok({ path: 'Status', equals: 'CREATE_COMPLETE' }, { path: 'ExecutionStatus', equals: 'OBSOLETE' })),
    ],
  },
  {
    id: 'cfn.describe-changeset-missing-stack',
    title: 'DescribeChangeSet for a stack that does not exist names the stack',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(CHANGESETS, 'test_describe_change_set_nonexisting', 'exception')],
    moto: { false: 'moto 5.2.5 answers "Stack with id DoesNotExist does not exist" (it names the change set, not the stack)' },
    steps: [call('DescribeChangeSet', { StackName: 'somestack-${run}', ChangeSetName: 'DoesNotExist' }, fails('ValidationError', 'Stack [somestack-${run}] does not exist'))],
  },
  {
    id: 'cfn.delete-changeset-errors',
    title: 'DeleteChangeSet needs a stack name unless given an ARN, and names a missing stack',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(CHANGESETS, 'test_delete_change_set_exception', 'e1'), snapshot(CHANGESETS, 'test_delete_change_set_exception', 'e2')],
    moto: { false: 'moto 5.2.5 answers both calls with an HTML server error' },
    steps: [
      call('DeleteChangeSet', { StackName: 'nostack-${run}', ChangeSetName: 'DoesNotExist' }, fails('ValidationError', 'Stack [nostack-${run}] does not exist', 400)),
      call('DeleteChangeSet', { ChangeSetName: 'DoesNotExist' }, fails('ValidationError', 'StackName must be specified if ChangeSetName is not specified as an ARN.', 400)),
    ],
  },
  {
    id: 'cfn.deleted-changeset-not-found',
    title: 'A deleted change set is ChangeSetNotFound by ARN (404)',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(CHANGESETS, 'test_deleted_changeset', 'postdelete_changeset_notfound'), snapshot(CHANGESETS, 'test_describe_changeset_after_delete', 'describe-deleted-cs')],
    moto: { false: 'moto 5.2.5 answers ValidationError "Stack with id ARN does not exist" for a deleted change set' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      createChangeSet('UPDATE', 'two'),
      changeSetSettles('CREATE_COMPLETE'),
      call('DeleteChangeSet', { ChangeSetName: '${changeSetId}' }, ok()),
      call('DescribeChangeSet', { ChangeSetName: '${changeSetId}' }, fails('ChangeSetNotFound', 'ChangeSet [${changeSetId}] does not exist', 404)),
    ],
  },
  {
    id: 'cfn.changeset-for-deleted-stack',
    title: 'A change set for a deleting or deleted stack (by ARN) says the stack can not be updated',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(CHANGESETS, 'test_changeset_for_deleted_stack', 'ErrorForInProgress'),
      snapshot(CHANGESETS, 'test_changeset_for_deleted_stack', 'ErrorForComplete'),
      snapshot(CHANGESETS, 'test_create_changeset_for_deleted_stack', 'ErrorForCreate'),
    ],
    moto: { false: 'moto 5.2.5 deletes at once and answers "Stack with id ARN does not exist"' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call('DeleteStack', { StackName: STACK }, ok()),
      call(
        'CreateChangeSet',
        { StackName: '${stackId}', ChangeSetName: CHANGE_SET, ChangeSetType: 'UPDATE', TemplateBody: template('two') },
        fails('ValidationError', 'Stack:${stackId} is in DELETE_IN_PROGRESS state and can not be updated.', 400),
        { note: 'right after DeleteStack' },
      ),
      settles('DELETE_COMPLETE', '${stackId}', [{ path: 'Stacks.0.DeletionTime', present: true }]),
      call(
        'CreateChangeSet',
        { StackName: '${stackId}', ChangeSetName: CHANGE_SET, ChangeSetType: 'UPDATE', TemplateBody: template('two') },
        fails('ValidationError', 'Stack:${stackId} is in DELETE_COMPLETE state and can not be updated.', 400),
      ),
      call(
        'CreateChangeSet',
        { StackName: '${stackId}', ChangeSetName: 'test', ChangeSetType: 'CREATE', TemplateBody: template('two') },
        fails('ValidationError', 'Stack [${stackId}] already exists and cannot be created again with the changeSet [test].', 400),
      ),
    ],
  },
  {
    id: 'cfn.deleted-stack-by-id',
    title: 'A deleted stack is DELETE_COMPLETE by ARN, unknown by name, and UpdateStack on it is refused',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(STACKS, 'test_name_conflicts', 'deleted_stack_desc'),
      snapshot(STACKS, 'TestStacksApi::test_stack_lifecycle', 'describe_deleted_by_name_exc'),
      snapshot(UPDATES, 'test_update_deleted_stack', 'Error'),
    ],
    moto: { false: 'moto 5.2.5 leaves DeletionTime out of a deleted stack' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call('DeleteStack', { StackName: STACK }, ok()),
      settles('DELETE_COMPLETE', '${stackId}', [{ path: 'Stacks.0.DeletionTime', present: true }, { path: 'Stacks.0.Tags', length: 0 }]),
      call('DescribeStacks', { StackName: STACK }, fails('ValidationError', `Stack with id ${STACK} does not exist`, 400)),
      call('UpdateStack', { StackName: '${stackId}', TemplateBody: template('two') }, fails('ValidationError', 'Stack:${stackId} is in DELETE_COMPLETE state and can not be updated.', 400)),
    ],
  },
  {
    id: 'cfn.recreate-after-delete',
    title: 'After deletion the same stack and change-set names start a new stack with a new ARN',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(CHANGESETS, 'test_name_conflicts', 'new_stack_desc'), snapshot(CHANGESETS, 'test_name_conflicts', 'second_initial_changeset_id_desc')],
    moto: true,
    steps: [
      createChangeSet('CREATE', 'one'),
      changeSetSettles('CREATE_COMPLETE'),
      call('ExecuteChangeSet', { ChangeSetName: '${changeSetId}' }, ok()),
      settles('CREATE_COMPLETE', STACK, [], ),
      call('DescribeStacks', { StackName: STACK }, ok({ path: 'Stacks.0.StackId', present: true }), { save: { firstStackId: 'Stacks.0.StackId' } }),
      call('DeleteStack', { StackName: STACK }, ok()),
      settles('DELETE_COMPLETE', '${firstStackId}'),
      createChangeSet('CREATE', 'one'),
      changeSetSettles('CREATE_COMPLETE', [{ path: 'ExecutionStatus', equals: 'AVAILABLE' }]),
      call('DescribeStacks', { StackName: STACK }, ok({ path: 'Stacks', length: 1 }, { path: 'Stacks.0.StackId', equals: '${stackId}' }, { path: 'Stacks.0.StackStatus', equals: 'REVIEW_IN_PROGRESS' })),
      call('DescribeStacks', { StackName: '${firstStackId}' }, ok({ path: 'Stacks.0.StackStatus', equals: 'DELETE_COMPLETE' })),
    ],
  },
  {
    id: 'cfn.termination-protection',
    title: 'DeleteStack on a protected stack is refused with AWS\'s message until protection is switched off',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(
        `${CFN_API}/API_UpdateTerminationProtection.html`,
        'Updates termination protection for the specified stack. If a user attempts to delete a stack with termination protection enabled, the operation fails and the stack remains unchanged.',
      ),
      snapshot(STACKS, 'test_update_termination_protection', 'describe-stack-1'),
      snapshot(STACKS, 'test_update_termination_protection', 'describe-stack-2'),
    ],
    moto: { false: 'moto 5.2.5 neither implements UpdateTerminationProtection nor blocks deletion of a protected stack' },
    steps: [
      createStack({ EnableTerminationProtection: true }),
      settles('CREATE_COMPLETE', STACK, [{ path: 'Stacks.0.EnableTerminationProtection', equals: true }]),
      call('DeleteStack', { StackName: STACK }, fails('ValidationError', `Stack [${STACK}] cannot be deleted while TerminationProtection is enabled`, 400)),
      settles('CREATE_COMPLETE'),
      call('UpdateTerminationProtection', { StackName: STACK, EnableTerminationProtection: false }, ok({ path: 'StackId', equals: '${stackId}' })),
      call('DescribeStacks', { StackName: STACK }, ok({ path: 'Stacks.0.EnableTerminationProtection', equals: false })),
      call('DeleteStack', { StackName: STACK }, ok()),
      settles('DELETE_COMPLETE', '${stackId}'),
    ],
  },
  {
    id: 'cfn.client-request-token',
    title: 'A retried CreateStack with the same ClientRequestToken is accepted; the token reused for another request is refused',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(
        `${CFN_API}/API_CreateStack.html`,
        "ClientRequestToken: A unique identifier for this CreateStack request. Specify this token if you plan to retry requests so that CloudFormation knows that you're not attempting to create a stack with the same name.",
      ),
      reference(`${CFN_API}/API_UpdateStack.html`, 'TokenAlreadyExistsException: A client request token already exists.'),
    ],
    moto: { false: 'moto 5.2.5 ignores ClientRequestToken: the retry is AlreadyExistsException' },
    steps: [
      createStack({ ClientRequestToken: 'create-${run}' }),
      call('CreateStack', { StackName: STACK, TemplateBody: template('one'), ClientRequestToken: 'create-${run}' }, ok({ path: 'StackId', equals: '${stackId}' }), {
        note: 'the retry of the same request',
      }),
      settles('CREATE_COMPLETE'),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('two'), ClientRequestToken: 'create-${run}' }, fails('TokenAlreadyExistsException', undefined, 400)),
    ],
  },
  {
    id: 'cfn.template-body-limit',
    title: 'TemplateBody over 51,200 bytes is refused by the length constraint (TemplateURL is the way)',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot('cloudformation/test_template_engine', 'TestMacros::test_to_validate_template_limit_for_macro', 'error_response'),
      reference(`${CFN_API}/API_CreateStack.html`, 'TemplateBody: Structure that contains the template body with a minimum length of 1 byte and a maximum length of 51,200 bytes.'),
    ],
    moto: { false: 'moto 5.2.5 accepts a TemplateBody of any size' },
    steps: [
      call(
        'CreateStack',
        {
          StackName: STACK,
          TemplateBody: JSON.stringify({
            Description: 'x'.repeat(1000),
            Resources: { Param: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'y'.repeat(51_000) } } },
          }),
        },
        fails('ValidationError', /^1 validation error detected: Value '[\s\S]*' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200$/, 400),
      ),
      call('DescribeStacks', { StackName: STACK }, fails('ValidationError', `Stack with id ${STACK} does not exist`, 400)),
    ],
  },
  {
    id: 'cfn.tags-limit',
    title: 'More than 50 stack tags are refused by the length constraint; 50 are accepted',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(`${CFN_API}/API_CreateChangeSet.html`, 'Tags: … Type: Array of Tag objects. Array Members: Maximum number of 50 items.'),
      reference(`${CFN_API}/API_CreateStack.html`, 'Tags: … Type: Array of Tag objects. Array Members: Maximum number of 50 items.'),
    ],
    moto: { false: 'moto 5.2.5 accepts a CreateChangeSet with any number of tags' },
    steps: [
      ...refusedCreateChangeSet(
        { Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) },
        fails('ValidationError', /failed to satisfy constraint: Member must have length less than or equal to 50$/, 400),
      ),
      createStack({ Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }),
    ],
  },
  {
    id: 'cfn.delete-failed-retain',
    title: 'A resource that fails to delete leaves DELETE_FAILED, fails again on a plain retry, and RetainResources finishes the delete',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot(STACKS, 'test_blocked_stack_deletion', 'stack_post_fail_delete'),
      snapshot(STACKS, 'test_blocked_stack_deletion', 'stack_post_success_delete'),
      reference(
        `${CFN_API}/API_DeleteStack.html`,
        'RetainResources: For stacks in the DELETE_FAILED state, a list of resource logical IDs that are associated with the resources you want to retain. During deletion, CloudFormation deletes the stack but doesn\'t delete the retained resources. Retaining resources is useful when you can\'t delete a resource, such as a non-empty S3 bucket, but you want to delete the stack.',
      ),
    ],
    moto: { false: 'needs a resource that refuses deletion (a control step); moto deletes everything' },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      { service: 'control', operation: 'failResourceDeletion', input: { Region: 'eu-west-1', StackName: STACK, LogicalResourceId: 'Param' } },
      call('DeleteStack', { StackName: STACK }, ok()),
      settles('DELETE_FAILED', '${stackId}', [{ path: 'Stacks.0.StackStatusReason', equals: 'The following resource(s) failed to delete: [Param]. ' }]),
      call('DeleteStack', { StackName: '${stackId}' }, ok(), { note: 'plain retry' }),
      settles('DELETE_FAILED', '${stackId}'),
      call('DeleteStack', { StackName: '${stackId}', RetainResources: ['Param'] }, ok()),
      settles('DELETE_COMPLETE', '${stackId}'),
    ],
  },
  {
    id: 'cfn.update-rollback-failed',
    title: 'UPDATE_ROLLBACK_FAILED refuses updates and change sets until ContinueUpdateRollback completes',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(
        `${CFN_API}/API_ContinueUpdateRollback.html`,
        'Continues rolling back a stack from UPDATE_ROLLBACK_FAILED to UPDATE_ROLLBACK_COMPLETE state. … A stack enters the UPDATE_ROLLBACK_FAILED state when CloudFormation can\'t roll back all changes after a failed stack update.',
      ),
      reference(
        `${CFN_API}/API_ContinueUpdateRollback.html`,
        'By continuing the rollback, you can return your stack to a working state (the UPDATE_ROLLBACK_COMPLETE state), and then try to update the stack again.',
      ),
      snapshot(CHANGESETS, 'test_changeset_for_deleted_stack', 'ErrorForInProgress'),
    ],
    moto: { false: 'needs an update and its rollback to fail (a control step); moto has no rollbacks nor ContinueUpdateRollback' },
    steps: [
      ...rollbackFailed(),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('three') }, fails('ValidationError', 'Stack:${stackId} is in UPDATE_ROLLBACK_FAILED state and can not be updated.', 400), {
        note: 'same wording as the recorded DELETE_IN_PROGRESS refusal',
      }),
      call(
        'CreateChangeSet',
        { StackName: STACK, ChangeSetName: CHANGE_SET, ChangeSetType: 'UPDATE', TemplateBody: template('three') },
        fails('ValidationError', 'Stack:${stackId} is in UPDATE_ROLLBACK_FAILED state and can not be updated.', 400),
      ),
      call('ContinueUpdateRollback', { StackName: STACK }, ok()),
      settles('UPDATE_ROLLBACK_COMPLETE'),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('three') }, ok({ path: 'StackId', equals: '${stackId}' })),
      settles('UPDATE_COMPLETE'),
    ],
  },
  {
    id: 'cfn.busy-stack',
    title: 'While an update runs, another update is refused with the stack\'s state named (a wait, not a failure)',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot(CHANGESETS, 'test_changeset_for_deleted_stack', 'ErrorForInProgress')],
    moto: { false: MOTO_SYNC },
    steps: [
      createStack(),
      settles('CREATE_COMPLETE'),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('two') }, ok()),
      call('UpdateStack', { StackName: STACK, TemplateBody: template('three') }, fails('ValidationError', 'Stack:${stackId} is in UPDATE_IN_PROGRESS state and can not be updated.', 400)),
      settles('UPDATE_COMPLETE'),
    ],
  },
  {
    id: 'cfn.aws-tag-prefix',
    title: 'A stack tag key starting with aws: is refused; nothing is created',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      issue(
        'https://github.com/aws-quickstart/quickstart-examples/issues/39',
        'An error occurred (ValidationError) when calling the CreateStack operation: aws: prefixed tag key names are not allowed for external use.',
      ),
      issue('https://github.com/awsdocs/aws-cloudformation-user-guide/issues/371', 'Some resources will fail to create if a tag name or value starts with "aws:", as this prefix is reserved.'),
    ],
    moto: { false: 'moto 5.2.5 accepts a stack tag key starting with aws:' },
    steps: [
      call('CreateStack', { StackName: STACK, TemplateBody: template('one'), Tags: [{ Key: 'aws:team', Value: 'payments' }] }, fails('ValidationError', 'aws: prefixed tag key names are not allowed for external use.', 400)),
      noStack(),
    ],
  },
  {
    id: 'cfn.describe-stacks-outputs',
    title: 'DescribeStacks lists a stack\'s outputs as OutputKey and OutputValue once it is CREATE_COMPLETE',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(`${CFN_API}/API_Output.html`, 'OutputKey: The key associated with the output. OutputValue: The value associated with the output.'),
      reference(`${CFN_API}/API_Stack.html`, 'Outputs: A list of output structures.'),
    ],
    moto: true,
    steps: [
      call(
        'CreateStack',
        {
          StackName: STACK,
          TemplateBody: JSON.stringify({
            Resources: { Param: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'one' } } },
            Outputs: { TopicArn: { Value: { Ref: 'Param' }, Description: 'the topic' } },
          }),
        },
        ok({ path: 'StackId', present: true }),
      ),
      settles('CREATE_COMPLETE', STACK, [
        { path: 'Stacks.0.Outputs.0.OutputKey', equals: 'TopicArn' },
        { path: 'Stacks.0.Outputs.0.OutputValue', present: true },
      ]),
    ],
  },
  {
    id: 'cfn.throttling',
    title: 'Over the rate limit CloudFormation answers Throttling "Rate exceeded" (HTTP 400): a wait, not a failure',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      issue('https://github.com/eksctl-io/eksctl/issues/567', 'Validate Response cloudformation/ListStacks failed, not retrying, error Throttling: Rate exceeded\n\tstatus code: 400'),
      issue('https://github.com/aws/aws-sam-cli/issues/2671', 'An error occurred (Throttling) when calling the DescribeStacks operation (reached max retries: 4)'),
    ],
    moto: { false: 'the rate limit cannot be reached on purpose; the refusal is caused by a control step (moto 5.2.5 never throttles)' },
    steps: [
      createStack(),
      { service: 'control', operation: 'overRateLimit', input: { Operation: 'DescribeStacks', Code: 'Throttling' } },
      call('DescribeStacks', { StackName: STACK }, fails('Throttling', 'Rate exceeded', 400)),
      settles('CREATE_COMPLETE'),
    ],
  },
  {
    id: 'cfn.parameters-must-have-values',
    title: 'A template parameter without Default that is not given is a ValidationError naming it; nothing is created',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [snapshot('cloudformation/api/test_stacks', 'test_no_parameters_given', 'deploy-error')],
    moto: { false: 'moto 5.2.5 accepts a CreateChangeSet that leaves a parameter without Default unset' },
    steps: refusedCreateChangeSet(
      { TemplateBody: JSON.stringify({ Parameters: { Input: { Type: 'String' } }, Resources: { Param: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: { Ref: 'Input' } } } } }) },
      fails('ValidationError', 'Parameters: [Input] must have values', 400),
    ),
  },
  {
    id: 'cfn.capabilities-iam',
    title: 'IAM resources need CAPABILITY_IAM, IAM resources with custom names CAPABILITY_NAMED_IAM: InsufficientCapabilitiesException otherwise',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      reference(
        `${CFN_API}/API_CreateStack.html`,
        "Capabilities: … If you have IAM resources, you can specify either capability. If you have IAM resources with custom names, you must specify CAPABILITY_NAMED_IAM. If you don't specify either of these capabilities, CloudFormation returns an InsufficientCapabilities error.",
      ),
      snapshot('cloudformation/test_template_engine', 'TestMacros::test_capabilities_requirements', 'error'),
    ],
    moto: { false: 'moto 5.2.5 creates IAM resources without the capability' },
    steps: [
      call(
        'CreateStack',
        { StackName: STACK, TemplateBody: JSON.stringify({ Resources: { Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } } } }) },
        fails('InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_IAM]', 400),
      ),
      call(
        'CreateStack',
        { StackName: STACK, TemplateBody: JSON.stringify({ Resources: { Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'conf-role', AssumeRolePolicyDocument: {} } } } }), Capabilities: ['CAPABILITY_IAM'] },
        fails('InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_NAMED_IAM]', 400),
      ),
      call(
        'CreateStack',
        { StackName: STACK, TemplateBody: JSON.stringify({ Resources: { Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'conf-role', AssumeRolePolicyDocument: {} } } } }), Capabilities: ['CAPABILITY_NAMED_IAM'] },
        ok({ path: 'StackId', present: true }),
      ),
    ],
  },
  {
    id: 'cfn.template-format-errors',
    title: 'A template without Resources, or with a resource without Type, is a "Template format error:" ValidationError; nothing is created',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      snapshot('cloudformation/api/test_validations', 'test_missing_resources_block', 'validation-error'),
      snapshot('cloudformation/api/test_validations', 'test_resources_blocks[missing-type]', 'validation-error'),
    ],
    moto: { false: 'moto 5.2.5 answers a template without Resources with an HTML server error (HTTP 500)' },
    steps: [
      call('CreateStack', { StackName: STACK, TemplateBody: JSON.stringify({}) }, fails('ValidationError', 'Template format error: At least one Resources member must be defined.', 400)),
      call(
        'CreateStack',
        { StackName: STACK, TemplateBody: JSON.stringify({ Resources: { A: { Properties: {} } } }) },
        fails('ValidationError', 'Template format error: [/Resources/A] Every Resources object must contain a Type member.', 400),
      ),
      noStack(),
    ],
  },
  {
    id: 'cfn.undeclared-parameter',
    title: 'A parameter the template does not declare is a ValidationError naming it; nothing is created',
    service: 'cloudformation',
    region: 'eu-west-1',
    sources: [
      issue(
        'https://github.com/buildkite/elastic-ci-stack-for-aws/pull/2',
        'A client error (ValidationError) occurred when calling the CreateStack operation: Parameters: [NotificationEmail] do not exist in the template',
      ),
      issue(
        'https://github.com/aws-samples/amazon-ec2-image-builder-samples/issues/18',
        'An error occurred (ValidationError) when calling the CreateStack operation: Parameters: [TargetECRRepositoryName] do not exist in the template',
      ),
    ],
    moto: { false: 'moto 5.2.5 creates the stack and ignores the undeclared parameter' },
    steps: [
      call(
        'CreateStack',
        { StackName: STACK, TemplateBody: template('one'), Parameters: [{ ParameterKey: 'Undeclared', ParameterValue: 'x' }] },
        fails('ValidationError', 'Parameters: [Undeclared] do not exist in the template', 400),
      ),
      noStack(),
    ],
  },
];
