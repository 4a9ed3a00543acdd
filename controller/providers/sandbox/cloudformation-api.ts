// The sandbox's CloudFormation API for one region: the `send(operation, input)` interface
// the AWS stacks adapter calls on the SDK (providers/aws/api.ts), plus the setup operations
// the conformance corpus sends (CreateStack, UpdateStack, DescribeStackResources). Stacks
// share the sandbox's stack state and status model (stacks.ts); change sets live beside them.
// Every rule cites the conformance case (test/conformance/cases/cloudformation.ts) that
// records AWS's answer.

import type { CloudFormationApi, CloudFormationOperation, CloudFormationOps, StackResource } from '../aws/api.js';
import { AwsRequestError } from '../../errors.js';
import { arnIn } from '../../partition.js';
import type { StackStatus } from '../types.js';
import { awsError } from './aws-error.js';
import { invokeApi, nextId, type SandboxContext } from './context.js';
import { isInProgress, observedPhase, settleStacks, stackPhases } from './stacks.js';
import type { ChangeSetRecord, DeletedStackRecord, StackConfig, StackRecord } from './state.js';
import { checkCapabilities, checkParameters, diffResources, parseTemplate, synthesizeOutputs, type ParsedTemplate } from './template.js';
import { describeStackResources, listStackResources } from './cloudformation-resources.js';
import { changeSetStatus, configOf, echoed, describeDeleted, describeStack, fingerprintOf, firstLogicalId, sameConfig, splitToken, str, strings, toChange, toParameters, toTags, uuid } from './cloudformation-shapes.js';

/** Operations served beyond the adapter's narrowed set (conformance setup calls). */
export interface CloudFormationExtraOps {
  CreateStack: [Record<string, unknown>, { StackId?: string }];
  UpdateStack: [Record<string, unknown>, { StackId?: string }];
  DescribeStackResources: [Record<string, unknown>, { StackResources?: StackResource[] }];
}
type AllOps = CloudFormationOps & CloudFormationExtraOps;
type AllOperation = keyof AllOps;
type Input = Record<string, unknown>;

const WRITES: ReadonlySet<string> = new Set([
  'CreateStack',
  'UpdateStack',
  'DeleteStack',
  'CreateChangeSet',
  'ExecuteChangeSet',
  'DeleteChangeSet',
  'ContinueUpdateRollback',
  'UpdateTerminationProtection',
]);

const UPDATABLE: ReadonlySet<StackStatus> = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);
// cfn.changeset-no-changes
const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";
const EMPTY: Omit<StackConfig, 'outputs'> = { templateBody: '', parameters: {}, tags: {} };

export class SandboxCloudFormationApi implements CloudFormationApi {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly region: string,
  ) {}

  send<Op extends CloudFormationOperation>(operation: Op, input: CloudFormationOps[Op][0]): Promise<CloudFormationOps[Op][1]>;
  send<Op extends AllOperation>(operation: Op, input: AllOps[Op][0]): Promise<AllOps[Op][1]>;
  send(operation: string, input: unknown): Promise<unknown> {
    return invokeApi(this.ctx, { service: 'cloudformation', operation, region: this.region, write: WRITES.has(operation) }, () => {
      settleStacks(this.ctx);
      const handler = (this as unknown as Record<string, ((input: Input) => unknown) | undefined>)[`op${operation}`];
      // Not an AWS rule: an operation the sandbox does not serve (AWS's InvalidAction shape).
      if (typeof handler !== 'function') throw awsError('InvalidAction', `The action ${operation} is not valid for this web service.`);
      try {
        return structuredClone(handler.call(this, structuredClone((input ?? {}) as Input)));
      } catch (error) {
        // Template and parameter checks shared with the stack model throw AwsRequestError.
        // template.ts's refusals: cfn.parameters-must-have-values, cfn.capabilities-iam, cfn.template-body-limit.
        if (error instanceof AwsRequestError) throw awsError(error.code ?? 'ValidationError', error.message);
        throw error;
      }
    });
  }

  // ---- Stacks -------------------------------------------------------------------------

  opDescribeStacks(input: Input): CloudFormationOps['DescribeStacks'][1] {
    const name = str(input['StackName']);
    if (name === undefined) {
      const stacks = this.ctx.state.stacks.filter((s) => s.region === this.region).map((s) => describeStack(this.now(), s));
      return { Stacks: stacks };
    }
    const live = this.live(name);
    if (live) return { Stacks: [describeStack(this.now(), live)] };
    const deleted = this.deleted(name);
    if (deleted) return { Stacks: [describeDeleted(deleted)] };
    // cfn.describe-missing-stack, cfn.delete-review-in-progress
    throw awsError('ValidationError', `Stack with id ${name} does not exist`);
  }

  opCreateStack(input: Input): { StackId: string } {
    const name = str(input['StackName']) ?? '';
    const config = configOf(input);
    const token = str(input['ClientRequestToken']);
    // cfn.client-request-token: the same request retried is accepted with the same StackId.
    const replay = this.replay(token, 'CreateStack', input);
    if (replay) return { StackId: replay };
    const template = this.checkTemplate(config, input);
    let stack = this.live(name);
    // cfn.create-existing-stack
    if (stack && observedPhase(stack, this.now()).status !== 'REVIEW_IN_PROGRESS') throw awsError('AlreadyExistsException', `Stack [${name}] already exists`);
    // cfn.create-stack-while-in-review: the REVIEW_IN_PROGRESS stack is created; its change sets become OBSOLETE.
    if (stack) for (const cs of this.changeSetsOf(stack.id)) cs.execution = 'OBSOLETE';
    stack ??= this.newStack(name);
    this.startCreate(stack, config, template, input['EnableTerminationProtection'] === true);
    this.remember(token, 'CreateStack', input, stack.id);
    return { StackId: stack.id };
  }

  opUpdateStack(input: Input): { StackId: string } {
    const name = str(input['StackName']) ?? '';
    const token = str(input['ClientRequestToken']);
    // cfn.no-template
    if (str(input['TemplateBody']) === undefined && str(input['TemplateURL']) === undefined && input['UsePreviousTemplate'] !== true) {
      throw awsError('ValidationError', 'Either Template URL or Template Body must be specified.');
    }
    const replay = this.replay(token, 'UpdateStack', input);
    if (replay) return { StackId: replay };
    const stack = this.updatable(name);
    const config = input['UsePreviousTemplate'] === true ? { ...configOf({ ...input, TemplateBody: stack.current.templateBody }) } : configOf(input);
    if (input['Tags'] === undefined) config.tags = { ...stack.current.tags };
    const template = this.checkTemplate(config, input);
    // cfn.update-no-changes
    if (sameConfig(config, stack.current)) throw awsError('ValidationError', 'No updates are to be performed.');
    this.startUpdate(stack, config, template);
    this.remember(token, 'UpdateStack', input, stack.id);
    return { StackId: stack.id };
  }

  opDeleteStack(input: Input): CloudFormationOps['DeleteStack'][1] {
    const name = str(input['StackName']) ?? '';
    const token = str(input['ClientRequestToken']);
    if (this.replay(token, 'DeleteStack', input)) return {};
    const stack = this.live(name);
    // DeleteStack of a missing or deleted stack succeeds.
    if (!stack) return {};
    const { status } = observedPhase(stack, this.now());
    if (status === 'DELETE_IN_PROGRESS') return {};
    // cfn.termination-protection
    if (stack.terminationProtection) throw awsError('ValidationError', `Stack [${stack.name}] cannot be deleted while TerminationProtection is enabled`);
    // cfn.delete-busy-stack: AWS's wording for a stack that is busy (a wait, not a failure).
    if (isInProgress(status) && status !== 'REVIEW_IN_PROGRESS') throw awsError('ValidationError', `Stack [${stack.id}] cannot be deleted while in status ${status}`);
    const retain = strings(input['RetainResources']);
    // cfn.retain-only-when-delete-failed: RetainResources is for stacks in DELETE_FAILED only ...
    if (retain.length > 0 && status !== 'DELETE_FAILED') {
      throw awsError('ValidationError', `Invalid operation on stack [${stack.id}]. When you delete a stack, specify which resources to retain only when the stack is in the DELETE_FAILED state.`);
    }
    // ... and names resources that failed to delete (the others are DELETE_COMPLETE).
    if (retain.some((id) => !(stack.failDeletion ?? []).includes(id))) {
      throw awsError('ValidationError', 'The specified resources to retain must be in a valid state. Do not specify resources that are in the DELETE_COMPLETE state.');
    }
    if (this.ctx.faults.take('DeleteStack', this.region, ['fail']) !== undefined) {
      stack.failDeletion = [...new Set([...(stack.failDeletion ?? []), firstLogicalId(stack.current.templateBody)])];
    }
    // cfn.delete-failed-retain: a resource that failed to delete fails again on a plain retry.
    const failing = (stack.failDeletion ?? []).filter((id) => !retain.includes(id));
    for (const cs of this.changeSetsOf(stack.id)) this.dropChangeSet(cs);
    stack.operation = {
      kind: 'delete',
      startedAt: this.now(),
      phases: [{ status: 'DELETE_IN_PROGRESS', ms: status === 'REVIEW_IN_PROGRESS' ? 0 : this.ctx.state.latencies.stackDelete, reason: 'User Initiated' }],
      finalStatus: failing.length > 0 ? 'DELETE_FAILED' : 'GONE',
      ...(failing.length > 0 ? { finalReason: `The following resource(s) failed to delete: [${failing.join(', ')}]. ` } : {}),
      live: 'previous',
    };
    this.remember(token, 'DeleteStack', input, stack.id);
    settleStacks(this.ctx);
    return {};
  }

  opContinueUpdateRollback(input: Input): CloudFormationOps['ContinueUpdateRollback'][1] {
    const name = str(input['StackName']) ?? '';
    const token = str(input['ClientRequestToken']);
    if (this.replay(token, 'ContinueUpdateRollback', input)) return {};
    const stack = this.mustExist(name);
    const { status } = observedPhase(stack, this.now());
    // No case yet: ContinueUpdateRollback outside UPDATE_ROLLBACK_FAILED (message unconfirmed).
    if (status !== 'UPDATE_ROLLBACK_FAILED') throw awsError('ValidationError', 'ContinueUpdateRollback cannot be called from current stack status.');
    const skip = strings(input['ResourcesToSkip']);
    const failed = stack.failRollback ?? [];
    // cfn.update-rollback-failed-skip: only resources in UPDATE_FAILED because their rollback failed.
    const invalid = skip.filter((id) => !failed.includes(id));
    if (invalid.length > 0) throw awsError('ValidationError', `Resources [${invalid.join(', ')}] cannot be skipped: only resources in UPDATE_FAILED state because a rollback failed can be skipped.`);
    const remaining = failed.filter((id) => !skip.includes(id));
    const latencies = this.ctx.state.latencies;
    // A resource not skipped fails again while the cause is still there (the fault); a skipped one is marked UPDATE_COMPLETE.
    const fails = remaining.length > 0 && this.ctx.faults.take('ContinueUpdateRollback', this.region, ['fail']) !== undefined;
    // cfn.update-rollback-failed: ContinueUpdateRollback ends UPDATE_ROLLBACK_COMPLETE.
    stack.operation = {
      kind: 'continueUpdateRollback',
      startedAt: this.now(),
      phases: [
        { status: 'UPDATE_ROLLBACK_IN_PROGRESS', ms: latencies.stackRollback, reason: 'User Initiated' },
        ...(fails ? [] : [{ status: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' as const, ms: latencies.stackCleanup }]),
      ],
      finalStatus: fails ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE',
      ...(fails ? { finalReason: `The following resource(s) failed to update during rollback: [${remaining.join(', ')}].` } : {}),
      live: 'previous',
    };
    if (fails) stack.failRollback = remaining;
    else delete stack.failRollback;
    this.remember(token, 'ContinueUpdateRollback', input, stack.id);
    settleStacks(this.ctx);
    return {};
  }

  opUpdateTerminationProtection(input: Input): CloudFormationOps['UpdateTerminationProtection'][1] {
    const stack = this.mustExist(str(input['StackName']) ?? '');
    // cfn.termination-protection
    stack.terminationProtection = input['EnableTerminationProtection'] === true;
    return { StackId: stack.id };
  }

  opDescribeStackResources(input: Input): { StackResources: StackResource[] } {
    return { StackResources: describeStackResources(this.mustExistById(str(input['StackName']) ?? ''), this.now()) };
  }

  opListStackResources(input: Input): CloudFormationOps['ListStackResources'][1] {
    return listStackResources(this.mustExistById(str(input['StackName']) ?? ''), this.now(), str(input['NextToken']));
  }

  // ---- Change sets --------------------------------------------------------------------

  opCreateChangeSet(input: Input): CloudFormationOps['CreateChangeSet'][1] {
    const stackName = str(input['StackName']) ?? '';
    const name = str(input['ChangeSetName']) ?? '';
    const type = input['ChangeSetType'] === 'CREATE' ? 'CREATE' : 'UPDATE';
    const config = configOf(input);
    const template = this.checkTemplate(config, input);
    let stack: StackRecord;
    if (type === 'CREATE') {
      const live = this.live(stackName);
      const status = live ? observedPhase(live, this.now()).status : undefined;
      // cfn.create-changeset-on-live-stack, cfn.changeset-for-deleted-stack (a deleted stack's ARN)
      if ((live && status !== 'REVIEW_IN_PROGRESS') || (!live && this.deleted(stackName))) {
        throw awsError('ValidationError', `Stack [${stackName}] already exists and cannot be created again with the changeSet [${name}].`);
      }
      // cfn.create-changeset-review-in-progress: a new, untagged stack in REVIEW_IN_PROGRESS;
      // cfn.multiple-create-changesets: further CREATE change sets share it.
      stack = live ?? this.newStack(stackName);
    } else {
      stack = this.updatable(stackName);
    }
    // cfn.changeset-name-conflict
    if (this.changeSetsOf(stack.id).some((cs) => cs.name === name)) {
      throw awsError('AlreadyExistsException', `ChangeSet [${name}] already exists`);
    }
    const before = type === 'CREATE' ? undefined : { template: parseTemplate(stack.current.templateBody), parameters: stack.current.parameters };
    const changes = diffResources(before, { template, parameters: config.parameters });
    if (input['Tags'] === undefined && type === 'UPDATE') config.tags = { ...stack.current.tags };
    const id = arnIn(this.region, 'cloudformation', this.ctx.state.accountId, `changeSet/${name}/${uuid(nextId(this.ctx, 'changeSet', 32))}`);
    const record: ChangeSetRecord = {
      region: this.region,
      stackId: stack.id,
      stackName: stack.name,
      name,
      id,
      type,
      createdAt: this.now(),
      // cfn.changeset-lifecycle, cfn.execute-before-available: CREATE_PENDING first.
      readyMs: this.ctx.state.latencies.changeSetCreate ?? 0,
      config,
      capabilities: strings(input['Capabilities']),
      // cfn.changeset-no-changes
      ...(type === 'UPDATE' && sameConfig(config, stack.current) ? { failedReason: NO_CHANGES } : {}),
      changes: changes.map((c) => ({ action: c.action, logicalId: c.logicalId, resourceType: c.resourceType, ...(c.replacement ? { replacement: c.replacement } : {}) })),
    };
    (this.ctx.state.changeSets ??= []).push(record);
    return { Id: id, StackId: stack.id };
  }

  opDescribeChangeSet(input: Input): CloudFormationOps['DescribeChangeSet'][1] {
    const cs = this.findChangeSet(input);
    const summary = this.changeSetSummary(cs);
    return {
      ...summary,
      Parameters: toParameters(cs.config.parameters),
      Tags: toTags(cs.config.tags),
      Capabilities: cs.capabilities as never,
      Changes: summary.Status === 'CREATE_COMPLETE' ? cs.changes.map(toChange) : [],
    };
  }

  /** What DescribeChangeSet and ListChangeSets both say of a change set. */
  private changeSetSummary(cs: ChangeSetRecord) {
    const { status, execution } = changeSetStatus(this.now(), cs);
    return {
      StackId: cs.stackId,
      StackName: cs.stackName,
      ChangeSetId: cs.id,
      ChangeSetName: cs.name,
      Status: status,
      ExecutionStatus: execution,
      ...(status === 'FAILED' ? { StatusReason: cs.failedReason } : {}),
      CreationTime: new Date(cs.createdAt),
    };
  }

  opListChangeSets(input: Input): CloudFormationOps['ListChangeSets'][1] {
    const name = str(input['StackName']) ?? '';
    const stack = this.live(name) ?? this.deleted(name);
    if (!stack) throw awsError('ValidationError', `Stack [${name}] does not exist`);
    // cfn.executed-changeset: only active change sets are listed.
    const summaries = this.changeSetsOf(stack.id)
      .filter((cs) => cs.execution !== 'EXECUTED')
      .map((cs) => this.changeSetSummary(cs));
    return { Summaries: summaries };
  }

  opDeleteChangeSet(input: Input): CloudFormationOps['DeleteChangeSet'][1] {
    // cfn.deleted-changeset-not-found, cfn.delete-changeset-errors
    this.dropChangeSet(this.findChangeSet(input));
    return {};
  }

  opExecuteChangeSet(input: Input): CloudFormationOps['ExecuteChangeSet'][1] {
    const cs = this.findChangeSet(input);
    const token = str(input['ClientRequestToken']);
    if (this.replay(token, 'ExecuteChangeSet', { id: cs.id })) return {};
    const { status, execution } = changeSetStatus(this.now(), cs);
    // cfn.execute-failed-changeset, cfn.execute-before-available: only an AVAILABLE change set runs.
    if (status !== 'CREATE_COMPLETE') throw awsError('InvalidChangeSetStatus', `ChangeSet [${cs.id}] cannot be executed in its current status of [${status}]`);
    if (execution !== 'AVAILABLE') throw awsError('InvalidChangeSetStatus', `ChangeSet [${cs.id}] cannot be executed in its current status of [${execution}]`);
    const stack = this.ctx.state.stacks.find((s) => s.id === cs.stackId);
    if (!stack) throw awsError('ChangeSetNotFound', `ChangeSet [${cs.id}] does not exist`, 404);
    const { status: stackStatus } = observedPhase(stack, this.now());
    if (isInProgress(stackStatus) && stackStatus !== 'REVIEW_IN_PROGRESS') {
      throw awsError('InvalidChangeSetStatus', `ChangeSet [${cs.id}] cannot be executed: Stack:${stack.id} is in ${stackStatus} state and can not be updated.`);
    }
    const template = parseTemplate(cs.config.templateBody);
    if (cs.type === 'CREATE') this.startCreate(stack, cs.config, template, false);
    else this.startUpdate(stack, cs.config, template);
    cs.execution = 'EXECUTED';
    const op = stack.operation;
    cs.executedUntil = op ? op.startedAt + op.phases.reduce((sum, p) => sum + p.ms, 0) : this.now();
    // cfn.superseded-changesets: executing one change set deletes the stack's others.
    for (const other of this.changeSetsOf(stack.id)) if (other !== cs) this.dropChangeSet(other);
    this.remember(token, 'ExecuteChangeSet', { id: cs.id }, stack.id);
    settleStacks(this.ctx);
    return {};
  }

  // ---- The model ----------------------------------------------------------------------

  private now(): number {
    return this.ctx.clock.now();
  }

  /** The live (not deleted) stack by name or ARN in this region. */
  private live(nameOrId: string): StackRecord | undefined {
    return this.ctx.state.stacks.find((s) => s.region === this.region && (s.name === nameOrId || s.id === nameOrId));
  }

  /** A deleted stack, by ARN only (cfn.deleted-stack-by-id: unknown by name). */
  private deleted(id: string): DeletedStackRecord | undefined {
    return (this.ctx.state.deletedStacks ?? []).find((s) => s.region === this.region && s.id === id);
  }

  /** A live stack, by name or ARN; "Stack with id NAME does not exist" otherwise (cfn.describe-missing-stack). */
  private mustExistById(name: string): StackRecord {
    const stack = this.live(name);
    if (!stack) throw awsError('ValidationError', `Stack with id ${name} does not exist`);
    return stack;
  }

  private mustExist(name: string): StackRecord {
    const stack = this.live(name);
    // The wording AWS uses for a stack that does not exist, as recorded in cfn.describe-changeset-missing-stack.
    if (!stack) throw awsError('ValidationError', `Stack [${name}] does not exist`);
    return stack;
  }

  /** A stack that accepts UpdateStack or an UPDATE change set. */
  private updatable(name: string): StackRecord {
    const deleted = this.live(name) ? undefined : this.deleted(name);
    // cfn.deleted-stack-by-id, cfn.changeset-for-deleted-stack
    if (deleted) throw awsError('ValidationError', `Stack:${deleted.id} is in DELETE_COMPLETE state and can not be updated.`);
    const stack = this.mustExist(name);
    const { status } = observedPhase(stack, this.now());
    // cfn.busy-stack, cfn.update-rollback-failed, cfn.rollback-complete-not-updatable, cfn.changeset-for-deleted-stack (DELETE_IN_PROGRESS)
    if (!UPDATABLE.has(status)) throw awsError('ValidationError', `Stack:${stack.id} is in ${status} state and can not be updated.`);
    return stack;
  }

  private newStack(name: string): StackRecord {
    // The stack name schema AWS checks first.
    if (!/^[a-zA-Z][-a-zA-Z0-9]*$/.test(name) || name.length > 128) {
      throw awsError(
        'ValidationError',
        `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      );
    }
    const stack: StackRecord = {
      region: this.region,
      name,
      id: arnIn(this.region, 'cloudformation', this.ctx.state.accountId, `stack/${name}/${uuid(nextId(this.ctx, 'stack', 32))}`),
      status: 'REVIEW_IN_PROGRESS',
      // cfn.create-changeset-review-in-progress: "User Initiated", no tags until execution.
      statusReason: 'User Initiated',
      terminationProtection: false,
      current: { ...EMPTY, outputs: {} },
      createdAt: this.now(),
    };
    this.ctx.state.stacks.push(stack);
    return stack;
  }

  private startCreate(stack: StackRecord, config: Omit<StackConfig, 'outputs'>, template: ParsedTemplate, protect: boolean): void {
    const fails = this.ctx.faults.take('StackCreate', this.region, ['fail']) !== undefined;
    stack.terminationProtection = protect;
    stack.createdAt = this.now();
    stack.current = { ...EMPTY, tags: { ...config.tags }, outputs: {} };
    stack.requested = { ...config, outputs: synthesizeOutputs(template, stack.name, stack.region) };
    stack.operation = stackPhases(this.ctx.state.latencies, 'create', fails, false, this.now(), template);
    settleStacks(this.ctx);
  }

  private startUpdate(stack: StackRecord, config: Omit<StackConfig, 'outputs'>, template: ParsedTemplate): void {
    let fails = this.ctx.faults.take('StackUpdate', this.region, ['fail']) !== undefined;
    let rollbackFails = fails && this.ctx.faults.take('StackUpdateRollback', this.region, ['fail']) !== undefined;
    let failedOn: string | undefined;
    // cfn.update-rollback-failed: the control step failResourceUpdate.
    if (stack.failUpdate) {
      failedOn = stack.failUpdate.logicalId;
      fails = true;
      rollbackFails = stack.failUpdate.andRollback;
      delete stack.failUpdate;
    }
    stack.lastUpdatedAt = this.now();
    stack.requested = { ...config, outputs: synthesizeOutputs(template, stack.name, stack.region) };
    stack.operation = stackPhases(this.ctx.state.latencies, 'update', fails, rollbackFails, this.now(), template);
    // cfn.update-rollback-failed-skip: the resource whose rollback failed is UPDATE_FAILED until skipped or rolled back.
    if (rollbackFails) stack.failRollback = [failedOn ?? firstLogicalId(config.templateBody)];
    settleStacks(this.ctx);
  }

  private checkTemplate(config: Omit<StackConfig, 'outputs'>, input: Input): ParsedTemplate {
    const template = parseTemplate(config.templateBody);
    checkParameters(template, config.parameters);
    checkCapabilities(template, strings(input['Capabilities']));
    return template;
  }

  private changeSetsOf(stackId: string): ChangeSetRecord[] {
    return (this.ctx.state.changeSets ?? []).filter((cs) => cs.stackId === stackId);
  }

  private dropChangeSet(cs: ChangeSetRecord): void {
    this.ctx.state.changeSets = (this.ctx.state.changeSets ?? []).filter((c) => c !== cs);
  }

  private findChangeSet(input: Input): ChangeSetRecord {
    const name = str(input['ChangeSetName']) ?? '';
    const stackName = str(input['StackName']);
    const byArn = name.startsWith('arn:');
    // cfn.delete-changeset-errors
    if (!byArn && stackName === undefined) throw awsError('ValidationError', 'StackName must be specified if ChangeSetName is not specified as an ARN.');
    let stackId: string | undefined;
    if (stackName !== undefined) {
      const stack = this.live(stackName) ?? this.deleted(stackName);
      // cfn.describe-changeset-missing-stack, cfn.delete-changeset-errors
      if (!stack) throw awsError('ValidationError', `Stack [${stackName}] does not exist`);
      stackId = stack.id;
    }
    const found = (this.ctx.state.changeSets ?? []).find(
      (cs) => cs.region === this.region && (byArn ? cs.id === name : cs.name === name) && (stackId === undefined || cs.stackId === stackId),
    );
    // cfn.deleted-changeset-not-found, cfn.superseded-changesets
    if (!found) throw awsError('ChangeSetNotFound', `ChangeSet [${name}] does not exist`, 404);
    return found;
  }

  /** ClientRequestToken (cfn.client-request-token): the stack id of a replayed request, else undefined. */
  private replay(token: string | undefined, operation: string, input: Input): string | undefined {
    if (!token) return undefined;
    const known = this.ctx.state.clientTokens.find((t) => t.region === this.region && t.token === token);
    if (!known) return undefined;
    const [fingerprint, stackId] = splitToken(known.request);
    if (fingerprint === fingerprintOf(operation, input)) return stackId || 'replayed';
    throw awsError('TokenAlreadyExistsException', `ClientRequestToken ${token} was already used for a different request.`);
  }

  private remember(token: string | undefined, operation: string, input: Input, stackId: string): void {
    if (token) this.ctx.state.clientTokens.push({ region: this.region, token, request: `${fingerprintOf(operation, input)}\n${stackId}` });
  }
}
