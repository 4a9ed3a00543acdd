// Shapes and small helpers of the sandbox's CloudFormation API (cloudformation-api.ts): the
// SDK's response shapes built from the stored state, client-token fingerprints, input readers.

import type { Change, ExecutionStatus, Parameter, Stack, Tag } from '../aws/api.js';
import { awsError } from './aws-error.js';
import { observedPhase } from './stacks.js';
import type { ChangeSetRecord, DeletedStackRecord, StackConfig, StackRecord } from './state.js';
import { parseTemplate } from './template.js';
import { deepEqual, stableStringify } from './util.js';

type Input = Record<string, unknown>;

// cfn.template-body-limit: "maximum length of 51,200 bytes".
const MAX_TEMPLATE_BODY = 51_200;

export function describeStack(now: number, stack: StackRecord): Stack {
  const { status, reason } = observedPhase(stack, now);
  const shown = stack.operation && stack.requested ? stack.requested : stack.current;
  return {
    StackName: stack.name,
    StackId: stack.id,
    StackStatus: status as Stack['StackStatus'],
    ...(reason ? { StackStatusReason: reason } : {}),
    CreationTime: new Date(stack.createdAt ?? 0),
    // cfn.update-stack-changes
    ...(stack.lastUpdatedAt !== undefined ? { LastUpdatedTime: new Date(stack.lastUpdatedAt) } : {}),
    Tags: status === 'REVIEW_IN_PROGRESS' ? [] : toTags(shown.tags),
    Parameters: toParameters(echoed(shown)),
    Outputs: Object.entries(stack.current.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    EnableTerminationProtection: stack.terminationProtection,
  };
}

export function changeSetStatus(now: number, cs: ChangeSetRecord): { status: 'CREATE_PENDING' | 'CREATE_COMPLETE' | 'FAILED'; execution: ExecutionStatus } {
  // cfn.changeset-lifecycle: CREATE_PENDING and UNAVAILABLE until creation ends.
  if (now < cs.createdAt + cs.readyMs) return { status: 'CREATE_PENDING', execution: 'UNAVAILABLE' };
  if (cs.failedReason) return { status: 'FAILED', execution: 'UNAVAILABLE' };
  // cfn.executed-changeset, cfn.create-stack-while-in-review
  if (cs.execution === 'OBSOLETE') return { status: 'CREATE_COMPLETE', execution: 'OBSOLETE' };
  if (cs.execution === 'EXECUTED') return { status: 'CREATE_COMPLETE', execution: now < (cs.executedUntil ?? 0) ? 'EXECUTE_IN_PROGRESS' : 'EXECUTE_COMPLETE' };
  return { status: 'CREATE_COMPLETE', execution: 'AVAILABLE' };
}

export function fingerprintOf(operation: string, input: Input): string {
  const { ClientRequestToken: _token, ...rest } = input;
  return `${operation}:${stableStringify(rest)}`;
}

export function splitToken(request: string): [string, string] {
  const at = request.lastIndexOf('\n');
  return at < 0 ? [request, ''] : [request.slice(0, at), request.slice(at + 1)];
}

export function sameConfig(a: Omit<StackConfig, 'outputs'>, b: Omit<StackConfig, 'outputs'>): boolean {
  return a.templateBody === b.templateBody && deepEqual(a.parameters, b.parameters) && deepEqual(a.tags, b.tags);
}

export function describeDeleted(stack: DeletedStackRecord): Stack {
  // cfn.deleted-stack-by-id: DELETE_COMPLETE with DeletionTime and no tags.
  return {
    StackName: stack.name,
    StackId: stack.id,
    StackStatus: 'DELETE_COMPLETE',
    CreationTime: new Date(stack.createdAt),
    DeletionTime: new Date(stack.deletedAt),
    Tags: [],
    EnableTerminationProtection: false,
  };
}

export function toChange(c: ChangeSetRecord['changes'][number]): Change {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: c.action as never,
      LogicalResourceId: c.logicalId,
      ResourceType: c.resourceType,
      ...(c.replacement ? { Replacement: c.replacement as never } : {}),
    },
  };
}

const MAX_TAGS = 50;

/** Stack tags as AWS checks them: at most 50 (cfn.tags-limit), and the aws: prefix is AWS's own (cfn.aws-tag-prefix). */
export function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > MAX_TAGS) {
    throw awsError('ValidationError', `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAGS}`);
  }
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith('aws:')) throw awsError('ValidationError', 'aws: prefixed tag key names are not allowed for external use.');
  }
}

export function toTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function toParameters(parameters: Record<string, string>): Parameter[] {
  return Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

/** Like DescribeStacks: a NoEcho parameter reads back as asterisks. */
export function echoed(config: Omit<StackConfig, 'outputs'>): Record<string, string> {
  const parameters = { ...config.parameters };
  try {
    const declared = parseTemplate(config.templateBody).parameters;
    for (const name of Object.keys(parameters)) {
      const noEcho = declared[name]?.NoEcho;
      if (noEcho === true || (typeof noEcho === 'string' && noEcho.toLowerCase() === 'true')) parameters[name] = '****';
    }
  } catch {
    // an empty (REVIEW_IN_PROGRESS) stack has no template yet
  }
  return parameters;
}

export function firstLogicalId(templateBody: string): string {
  try {
    return Object.keys(parseTemplate(templateBody).resources)[0] ?? 'Resource';
  } catch {
    return 'Resource';
  }
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function uuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The template, parameters and tags of a CreateStack, UpdateStack or CreateChangeSet input. */
export function configOf(input: Input): Omit<StackConfig, 'outputs'> {
  const body = str(input['TemplateBody']);
  if (body === undefined) {
    // Not an AWS rule: the sandbox keeps no S3 bucket to read a TemplateURL from.
    if (str(input['TemplateURL']) !== undefined) throw awsError('ValidationError', 'TemplateURL is not served by the sandbox: send TemplateBody.');
    throw awsError('ValidationError', 'Either Template URL or Template Body must be specified.');
  }
  // cfn.template-body-limit: AWS's length constraint, with the value quoted.
  if (Buffer.byteLength(body, 'utf8') > MAX_TEMPLATE_BODY) {
    throw awsError(
      'ValidationError',
      `1 validation error detected: Value '${body}' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY}`,
    );
  }
  const parameters: Record<string, string> = {};
  for (const p of (input['Parameters'] as Parameter[] | undefined) ?? []) if (p.ParameterKey) parameters[p.ParameterKey] = p.ParameterValue ?? '';
  const tags: Record<string, string> = {};
  for (const t of (input['Tags'] as Tag[] | undefined) ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  checkTags(tags);
  return { templateBody: body, parameters, tags };
}

