// Issue 12 item 9: every "busy" answer AWS gives, in AWS's own wording, is a wait (come back
// later), not a failure — whether the adapter maps it (mapAwsError) or an error reaches the
// one classification every layer uses (classifyError). The texts are AWS's, as received by
// users and quoted in public threads (cited per case); the counter-examples are AWS refusals
// that retrying does not fix.
import { describe, expect, it } from 'vitest';
import { AwsRequestError, classifyError, WaitingError } from '../../controller/errors.js';
import { mapAwsError } from '../../controller/providers/aws/errors.js';

const STACK = 'arn:aws:cloudformation:us-east-2:123456789012:stack/global-api/45063280-cbb3-11ea-979b-06e9f06d5ec4';

/** An SDK error as the CloudFormation client raises it (name = AWS error code). */
function sdkError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: code, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

const BUSY: Array<[string, string, string]> = [
  // aws/copilot-cli#1180: DeleteStack while an update runs.
  ['DeleteStack during UPDATE_IN_PROGRESS', 'ValidationError', `Stack [${STACK}] cannot be deleted while in status UPDATE_IN_PROGRESS`],
  // aws-amplify/amplify-backend#2366: DeleteStack during the cleanup after an update.
  ['DeleteStack during UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'ValidationError', `Stack [${STACK}] cannot be deleted while in status UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`],
  // localstack snapshot test_changesets.py::test_changeset_for_deleted_stack → ErrorForInProgress (cfn.changeset-for-deleted-stack).
  ['CreateChangeSet during DELETE_IN_PROGRESS', 'ValidationError', `Stack:${STACK} is in DELETE_IN_PROGRESS state and can not be updated.`],
  // cfn.busy-stack: UpdateStack while another update runs.
  ['UpdateStack during UPDATE_IN_PROGRESS', 'ValidationError', `Stack:${STACK} is in UPDATE_IN_PROGRESS state and can not be updated.`],
  // ExecuteChangeSet after an operation started meanwhile.
  ['ExecuteChangeSet during UPDATE_ROLLBACK_IN_PROGRESS', 'InvalidChangeSetStatus', `ChangeSet [arn:cs] cannot be executed: Stack:${STACK} is in UPDATE_ROLLBACK_IN_PROGRESS state and can not be updated.`],
  // DynamoDB's UpdateTable while the table is UPDATING (ddb.update-while-updating).
  ['UpdateTable while UPDATING', 'ResourceInUseException', 'Attempt to change a resource which is still in use: Table is being updated: orders'],
];

const NOT_BUSY: Array<[string, string, string]> = [
  // Never moves on by itself (cfn.create-changeset-review-in-progress): waiting would wait forever.
  ['UpdateStack in REVIEW_IN_PROGRESS', 'ValidationError', `Stack:${STACK} is in REVIEW_IN_PROGRESS state and can not be updated.`],
  // Needs ContinueUpdateRollback (cfn.update-rollback-failed), not time.
  ['UpdateStack in UPDATE_ROLLBACK_FAILED', 'ValidationError', `Stack:${STACK} is in UPDATE_ROLLBACK_FAILED state and can not be updated.`],
  ['DeleteStack of a protected stack', 'ValidationError', 'Stack [global-api] cannot be deleted while TerminationProtection is enabled'],
];

describe('AWS busy answers are waits', () => {
  it.each(BUSY)('%s: mapAwsError gives a WaitingError keeping AWS\'s text', (_what, code, message) => {
    const mapped = mapAwsError(sdkError(code, message), 'call global-api in us-east-2', 'global-api');
    expect(mapped).toBeInstanceOf(WaitingError);
    expect(mapped.message).toContain(message);
    expect(classifyError(mapped)).toMatchObject({ kind: 'waiting', retry: true, condition: { stalled: false, reason: 'Retrying' } });
  });

  it.each(BUSY.filter(([, code]) => code !== 'ResourceInUseException'))('%s: already an AwsRequestError, classifyError still says waiting', (_what, code, message) => {
    expect(classifyError(new AwsRequestError(message, code, 'global-api'))).toMatchObject({ kind: 'waiting', retry: true });
    expect(mapAwsError(new AwsRequestError(message, code, 'global-api'), 'call')).toBeInstanceOf(WaitingError);
  });

  it.each(NOT_BUSY)('%s is not a wait: AWS\'s refusal stays an error a person acts on', (_what, code, message) => {
    const mapped = mapAwsError(sdkError(code, message), 'call global-api in us-east-2', 'global-api');
    expect(mapped).toBeInstanceOf(AwsRequestError);
    expect(classifyError(mapped)).toMatchObject({ kind: 'stalled' });
  });
});
