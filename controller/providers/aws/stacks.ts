// CloudFormation StackProvider. Creates and updates go through change sets so a diff can
// show what a change does inside the stack (the same change set mechanism previews use),
// and so a retry after a crash finds its own change set again by name (derived from the
// client token) instead of starting a second operation.

import { createHash, randomBytes } from 'node:crypto';
import type { Capability, Change, DescribeChangeSetCommandOutput, Stack } from '@aws-sdk/client-cloudformation';
import type { Clock } from '../../clock.js';
import { AwsRequestError, WaitingError } from '../../errors.js';
import type { LiveStack, StackInput, StackProvider, StackResourceChange, StackStatus } from '../types.js';
import type { AwsApis, CloudFormationApi } from './api.js';
import { awsCall } from './errors.js';

export interface AwsStackProviderOptions {
  clients: Pick<AwsApis, 'cloudFormationApi'>;
  clock: Clock;
  /** Time between DescribeChangeSet polls while a change set is being created. */
  changeSetPollMs?: number;
  /** Give up waiting for a change set after this long (WaitingError: the next run reuses it). */
  changeSetTimeoutMs?: number;
}

const DEFAULT_POLL_MS = 2_000;
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const CHANGE_SET_PREFIX = 'regionctl-';
const MAX_CHANGE_SET_NAME = 128;
/** `regionctl-preview-<creation time, base 36 ms>-<random>`: the change sets diff makes and deletes again. */
const PREVIEW_PREFIX = `${CHANGE_SET_PREFIX}preview-`;

// AWS's two ways of saying "nothing to do": UpdateStack's error (moto also answers
// CreateChangeSet with it) and the reason of a change set that ended FAILED.
const NO_CHANGES = /didn't contain changes|No updates are to be performed/;

/** The resource status that names the resources holding a stack in each failed state. */
const FAILED_RESOURCE_STATUS: Partial<Record<StackStatus, string>> = { DELETE_FAILED: 'DELETE_FAILED', UPDATE_ROLLBACK_FAILED: 'UPDATE_FAILED' };

type ChangeSetType = 'CREATE' | 'UPDATE';
type ChangeSetPage = Omit<DescribeChangeSetCommandOutput, '$metadata'>;

export class AwsStackProvider implements StackProvider {
  private readonly clients: Pick<AwsApis, 'cloudFormationApi'>;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly timeoutMs: number;

  constructor(options: AwsStackProviderOptions) {
    this.clients = options.clients;
    this.clock = options.clock;
    this.pollMs = options.changeSetPollMs ?? DEFAULT_POLL_MS;
    this.timeoutMs = options.changeSetTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async describe(region: string, name: string): Promise<LiveStack | undefined> {
    const stack = await this.describeRaw(region, name);
    if (!stack) return undefined;
    const live = toLiveStack(region, name, stack);
    // A CREATE change set leaves the stack untagged in REVIEW_IN_PROGRESS until it is executed
    // (conformance case cfn.create-changeset-review-in-progress): our own such stack is known
    // by the tags of the change set regionctl made, so a crash after CreateChangeSet does not
    // leave an "unowned" stack that blocks the plan.
    if (live.status === 'REVIEW_IN_PROGRESS' && Object.keys(live.tags).length === 0 && stack.StackId) {
      live.tags = await this.pendingChangeSetTags(region, name, stack.StackId);
    }
    // One more read only for the two failed states whose way out names resources (cfn.delete-failed-retain,
    // cfn.update-rollback-failed-skip): a quiet reconcile never pays for it.
    const failedStatus = FAILED_RESOURCE_STATUS[live.status];
    if (failedStatus) live.failedResources = await this.resourcesIn(region, stack.StackId ?? name, failedStatus);
    return live;
  }

  /** Logical ids of the stack's resources in `status` (ListStackResources, all pages). */
  private async resourcesIn(region: string, stack: string, status: string): Promise<string[]> {
    const found: string[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.call(region, stack, 'ListStackResources', (cfn) => cfn.send('ListStackResources', { StackName: stack, ...(token ? { NextToken: token } : {}) }));
      for (const resource of out.StackResourceSummaries ?? []) {
        if (resource.ResourceStatus === status && resource.LogicalResourceId) found.push(resource.LogicalResourceId);
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return found.sort();
  }

  /** The tags of regionctl's own change set waiting in a REVIEW_IN_PROGRESS stack ({} when none). */
  private async pendingChangeSetTags(region: string, name: string, stackId: string): Promise<Record<string, string>> {
    const listed = await this.call(region, name, 'ListChangeSets', (cfn) => cfn.send('ListChangeSets', { StackName: stackId }));
    // Filtered by stack id too: moto lists every change set of the region.
    const ours = (listed?.Summaries ?? [])
      .filter((s) => s.StackId === stackId && (s.ChangeSetName ?? '').startsWith(CHANGE_SET_PREFIX))
      .map((s) => s.ChangeSetName ?? '')
      .sort();
    for (const changeSetName of ours) {
      try {
        const page = await this.describeChangeSetPage(region, stackId, changeSetName);
        const tags = Object.fromEntries((page.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
        if (Object.keys(tags).length > 0) return tags;
      } catch (error) {
        // Deleted meanwhile (a preview cleaning up): look at the next one.
        if (!(error instanceof AwsRequestError && /ChangeSetNotFound|does not exist/.test(`${error.code} ${error.message}`))) throw error;
      }
    }
    return {};
  }

  async listByTag(region: string, key: string, value: string): Promise<LiveStack[]> {
    const found: LiveStack[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.call(region, '(all stacks)', 'DescribeStacks', (cfn) => cfn.send('DescribeStacks', token ? { NextToken: token } : {}));
      for (const stack of out.Stacks ?? []) {
        if (stack.StackStatus === 'DELETE_COMPLETE' || !(stack.Tags ?? []).some((tag) => tag.Key === key && tag.Value === value)) continue;
        found.push(toLiveStack(region, stack.StackName ?? '', stack));
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async create(input: StackInput): Promise<void> {
    const changeSetName = changeSetNameFor(input.clientToken);
    const made = await this.createChangeSet(input, 'CREATE', changeSetName, true);
    if (made === 'no-changes') return; // not an answer AWS gives to CREATE; nothing to execute
    const changeSet = await this.waitForChangeSet(input.region, input.name, changeSetName);
    if (alreadyExecuted(changeSet)) return; // a retry after a crash that followed ExecuteChangeSet
    if (changeSet.Status === 'FAILED') await this.refuseFailedChangeSet(input, changeSetName, changeSet);
    await this.executeChangeSet(input, changeSetName);
    // No termination protection yet: a first create that fails must stay deletable. The
    // executor switches it on once the stack reached CREATE_COMPLETE (setTerminationProtection).
  }

  async update(input: StackInput): Promise<'started' | 'no-changes'> {
    const live = await this.describe(input.region, input.name);
    if (!live) {
      throw new AwsRequestError(`UpdateStack ${where(input)}: Stack [${input.name}] does not exist`, 'ValidationError', input.name);
    }
    if (isBusy(live.status)) {
      throw new WaitingError(`UpdateStack ${where(input)}: the stack is in ${live.status}; waiting for it to settle`, input.name);
    }
    const changeSetName = changeSetNameFor(input.clientToken);
    let result: 'started' | 'no-changes' = 'started';
    let execute = false;
    if ((await this.createChangeSet(input, 'UPDATE', changeSetName, true)) === 'no-changes') {
      result = 'no-changes';
    } else {
      const changeSet = await this.waitForChangeSet(input.region, input.name, changeSetName);
      if (changeSet.Status === 'FAILED' && NO_CHANGES.test(changeSet.StatusReason ?? '')) {
        await this.deleteChangeSet(input.region, input.name, changeSetName);
        result = 'no-changes';
      } else if (changeSet.Status === 'FAILED') {
        await this.refuseFailedChangeSet(input, changeSetName, changeSet);
      } else {
        execute = !alreadyExecuted(changeSet);
      }
    }
    // Termination protection is not part of the template: its own call, while the stack is stable.
    if (live.terminationProtection !== input.terminationProtection) {
      await this.setTerminationProtection(input.region, input.name, input.terminationProtection);
    }
    if (execute) await this.executeChangeSet(input, changeSetName);
    return result;
  }

  async delete(region: string, name: string, clientToken: string, retainResources: string[] = []): Promise<void> {
    try {
      await this.call(region, name, 'DeleteStack', (cfn) =>
        cfn.send('DeleteStack', { StackName: name, ClientRequestToken: clientToken, ...(retainResources.length > 0 ? { RetainResources: retainResources } : {}) }),
      );
    } catch (error) {
      if (error instanceof AwsRequestError && /TerminationProtection is enabled/.test(error.message)) {
        throw new AwsRequestError(
          `${error.message} (turn it off first: set spec.stack.terminationProtection to false and apply, ` +
            `or run aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${name} --region ${region})`,
          error.code,
          name,
        );
      }
      throw error;
    }
  }

  async continueUpdateRollback(region: string, name: string, clientToken: string, resourcesToSkip: string[] = []): Promise<void> {
    await this.call(region, name, 'ContinueUpdateRollback', (cfn) =>
      cfn.send('ContinueUpdateRollback', { StackName: name, ClientRequestToken: clientToken, ...(resourcesToSkip.length > 0 ? { ResourcesToSkip: resourcesToSkip } : {}) }),
    );
  }

  async previewChanges(input: StackInput): Promise<StackResourceChange[]> {
    // What an interrupted diff left behind was removed first (removePreviewLeftovers, by the planner).
    const before = await this.describeRaw(input.region, input.name);
    // A stack in REVIEW_IN_PROGRESS was never created: only a CREATE change set applies to it.
    const type: ChangeSetType = !before || before.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';
    // A fresh name per preview: previews carry no real client token, and two diffs may run at once.
    const changeSetName = `${PREVIEW_PREFIX}${this.clock.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const made = await this.createChangeSet(input, type, changeSetName, false);
    if (made === 'no-changes') return [];
    let changes: StackResourceChange[] = [];
    let failure: unknown;
    try {
      const first = await this.waitForChangeSet(input.region, input.name, changeSetName);
      if (first.Status === 'FAILED' && !NO_CHANGES.test(first.StatusReason ?? '')) {
        throw changeSetFailure(input, changeSetName, first);
      }
      if (first.Status !== 'FAILED') changes = await this.allChanges(input, changeSetName, first);
    } catch (error) {
      failure = error;
    }
    // Clean up even when the preview failed; then the preview's own error is the one reported.
    try {
      await this.deleteChangeSet(input.region, input.name, changeSetName);
      if (!before && made.stackId) await this.deleteEmptyReviewStack(input.region, input.name, made.stackId);
    } catch (error) {
      failure ??= error;
    }
    if (failure) throw failure;
    return changes;
  }

  /**
   * A diff killed between CreateChangeSet and its cleanup leaves its preview change set, and
   * for a joining region the review-only stack that CREATE change set made. Deletes the preview
   * change sets of this stack older than a preview may run (a diff still running one would have
   * given up by then; the name carries its creation time), then the stack if it is in
   * REVIEW_IN_PROGRESS with no change set left. The caller knows the stack is ours by its tags:
   * AWS shows a stack in review untagged (cfn.create-changeset-review-in-progress), so describe
   * gives it the tags of our change set waiting in it. Returns the stack, undefined when it went.
   */
  async removePreviewLeftovers(stack: LiveStack): Promise<LiveStack | undefined> {
    const stackId = stack.id || stack.name;
    const listed = await this.call(stack.region, stack.name, 'ListChangeSets', (cfn) => cfn.send('ListChangeSets', { StackName: stackId }));
    // Filtered by stack id too: moto lists every change set of the region.
    const summaries = (listed?.Summaries ?? []).filter((summary) => summary.StackId === undefined || summary.StackId === stackId);
    const oldest = this.clock.now() - this.timeoutMs;
    let remaining = summaries.length;
    for (const summary of summaries) {
      const created = previewCreatedAt(summary.ChangeSetName ?? '');
      if (created === undefined || created > oldest) continue;
      await this.deleteChangeSet(stack.region, stackId, summary.ChangeSetName!);
      remaining--;
    }
    if (stack.status !== 'REVIEW_IN_PROGRESS' || remaining > 0) return stack;
    await this.call(stack.region, stack.name, 'DeleteStack', (cfn) => cfn.send('DeleteStack', { StackName: stackId }));
    return undefined;
  }

  // ---- CloudFormation calls -------------------------------------------------------------

  private async describeRaw(region: string, name: string): Promise<Stack | undefined> {
    try {
      const out = await this.call(region, name, 'DescribeStacks', (cfn) => cfn.send('DescribeStacks', { StackName: name }));
      const stack = out.Stacks?.[0];
      return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined;
    } catch (error) {
      if (error instanceof AwsRequestError && error.code === 'ValidationError' && /Stack with id .* does not exist/.test(error.message)) return undefined;
      throw error;
    }
  }

  /**
   * CreateChangeSet. With `reuse`, a change set of that name left by an earlier attempt (same
   * client token) is picked up instead: AWS answers AlreadyExistsException for the name, or, for
   * a CREATE whose stack was meanwhile created by it, "already exists" as a ValidationError.
   */
  private async createChangeSet(
    input: StackInput,
    type: ChangeSetType,
    changeSetName: string,
    reuse: boolean,
  ): Promise<{ stackId?: string } | 'no-changes'> {
    try {
      const out = await this.call(input.region, input.name, 'CreateChangeSet', (cfn) =>
        cfn.send('CreateChangeSet', {
          StackName: input.name,
          ChangeSetName: changeSetName,
          ChangeSetType: type,
          TemplateBody: input.templateBody,
          Parameters: Object.entries(input.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
          Capabilities: input.capabilities as Capability[],
          Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return out.StackId ? { stackId: out.StackId } : {};
    } catch (error) {
      if (type === 'UPDATE' && error instanceof AwsRequestError && NO_CHANGES.test(error.message)) return 'no-changes';
      const nameTaken = error instanceof AwsRequestError && (error.code === 'AlreadyExistsException' || /already exists/.test(error.message));
      if (reuse && nameTaken && (await this.changeSetExists(input.region, input.name, changeSetName))) return {};
      throw error;
    }
  }

  private async changeSetExists(region: string, stackName: string, changeSetName: string): Promise<boolean> {
    try {
      await this.describeChangeSetPage(region, stackName, changeSetName);
      return true;
    } catch (error) {
      if (error instanceof AwsRequestError && (error.code === 'ChangeSetNotFoundException' || error.code === 'ChangeSetNotFound' || /does not exist/.test(error.message))) {
        return false;
      }
      throw error;
    }
  }

  /** Polls on the injected clock until the change set is no longer being created; returns its first page. */
  private async waitForChangeSet(region: string, stackName: string, changeSetName: string): Promise<ChangeSetPage> {
    const deadline = this.clock.now() + this.timeoutMs;
    for (;;) {
      const page = await this.describeChangeSetPage(region, stackName, changeSetName);
      if (page.Status !== 'CREATE_PENDING' && page.Status !== 'CREATE_IN_PROGRESS') {
        if (page.Status === 'CREATE_COMPLETE' || page.Status === 'FAILED') return page;
        throw new AwsRequestError(
          `DescribeChangeSet ${stackName} in ${region}: change set ${changeSetName} is ${page.Status}${page.StatusReason ? `: ${page.StatusReason}` : ''}`,
          'InvalidChangeSetStatus',
          stackName,
        );
      }
      if (this.clock.now() >= deadline) {
        throw new WaitingError(`CreateChangeSet ${stackName} in ${region}: change set ${changeSetName} is still ${page.Status}`, stackName);
      }
      await this.clock.sleep(this.pollMs);
    }
  }

  private describeChangeSetPage(region: string, stackName: string, changeSetName: string, nextToken?: string): Promise<ChangeSetPage> {
    return this.call(region, stackName, 'DescribeChangeSet', (cfn) =>
      cfn.send('DescribeChangeSet', { StackName: stackName, ChangeSetName: changeSetName, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
  }

  private async allChanges(input: StackInput, changeSetName: string, first: ChangeSetPage): Promise<StackResourceChange[]> {
    const changes = toResourceChanges(first.Changes);
    for (let token = first.NextToken; token; ) {
      const page = await this.describeChangeSetPage(input.region, input.name, changeSetName, token);
      changes.push(...toResourceChanges(page.Changes));
      token = page.NextToken;
    }
    return changes;
  }

  private async executeChangeSet(input: StackInput, changeSetName: string): Promise<void> {
    await this.call(input.region, input.name, 'ExecuteChangeSet', (cfn) =>
      cfn.send('ExecuteChangeSet', { StackName: input.name, ChangeSetName: changeSetName, ClientRequestToken: input.clientToken }),
    );
  }

  private async deleteChangeSet(region: string, stackName: string, changeSetName: string): Promise<void> {
    await this.call(region, stackName, 'DeleteChangeSet', (cfn) => cfn.send('DeleteChangeSet', { StackName: stackName, ChangeSetName: changeSetName }));
  }

  /** A change set that FAILED for a reason other than "no changes": deleted, then reported with AWS's reason. */
  private async refuseFailedChangeSet(input: StackInput, changeSetName: string, changeSet: ChangeSetPage): Promise<never> {
    await this.deleteChangeSet(input.region, input.name, changeSetName);
    throw changeSetFailure(input, changeSetName, changeSet);
  }

  async setTerminationProtection(region: string, name: string, enabled: boolean): Promise<void> {
    await this.call(region, name, 'UpdateTerminationProtection', (cfn) =>
      cfn.send('UpdateTerminationProtection', { StackName: name, EnableTerminationProtection: enabled }),
    );
  }

  /**
   * A CREATE preview leaves an empty stack in REVIEW_IN_PROGRESS. Delete it (by id: exactly the
   * stack the preview made) unless a change set of someone else's create now waits in it.
   */
  private async deleteEmptyReviewStack(region: string, name: string, stackId: string): Promise<void> {
    const out = await this.call(region, name, 'DescribeStacks', (cfn) => cfn.send('DescribeStacks', { StackName: stackId }));
    if (out.Stacks?.[0]?.StackStatus !== 'REVIEW_IN_PROGRESS') return;
    const others = await this.call(region, name, 'ListChangeSets', (cfn) => cfn.send('ListChangeSets', { StackName: stackId }));
    // Filtered by stack id too: moto lists every change set of the region.
    if ((others.Summaries ?? []).some((s) => s.StackId === stackId)) return;
    await this.call(region, name, 'DeleteStack', (cfn) => cfn.send('DeleteStack', { StackName: stackId }));
  }

  /**
   * One SDK call with errors mapped (messages name the operation, stack and region). AWS's
   * "busy" answers (the stack is in some *_IN_PROGRESS state) become WaitingError there.
   */
  private call<T>(region: string, name: string, operation: string, send: (cfn: CloudFormationApi) => Promise<T>): Promise<T> {
    return awsCall(`${operation} ${name} in ${region}`, () => send(this.clients.cloudFormationApi(region)), name);
  }
}

/** `regionctl-<token>`, within the 128 characters and [a-zA-Z][-a-zA-Z0-9]* AWS allows for names. */
export function changeSetNameFor(clientToken: string): string {
  const cleaned = clientToken.replace(/[^A-Za-z0-9-]/g, '-');
  const name = `${CHANGE_SET_PREFIX}${cleaned}`;
  if (cleaned === clientToken && name.length <= MAX_CHANGE_SET_NAME) return name;
  // Cleaned or cut: a hash of the original keeps distinct tokens apart.
  const hash = createHash('sha256').update(clientToken).digest('hex').slice(0, 16);
  return `${CHANGE_SET_PREFIX}${cleaned.slice(0, MAX_CHANGE_SET_NAME - CHANGE_SET_PREFIX.length - hash.length - 1)}-${hash}`;
}

/** When a preview change set was created (from its name); undefined for any other change set. */
function previewCreatedAt(changeSetName: string): number | undefined {
  const match = /^regionctl-preview-([0-9a-z]+)-[0-9a-f]+$/.exec(changeSetName);
  if (!match || !changeSetName.startsWith(PREVIEW_PREFIX)) return undefined;
  const at = parseInt(match[1]!, 36);
  return Number.isFinite(at) ? at : undefined;
}

export function toLiveStack(region: string, name: string, stack: Stack): LiveStack {
  return {
    region,
    name: stack.StackName ?? name,
    id: stack.StackId ?? '',
    status: stack.StackStatus as StackStatus,
    ...(stack.StackStatusReason ? { statusReason: stack.StackStatusReason } : {}),
    tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    parameters: Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? ''])),
    outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    terminationProtection: stack.EnableTerminationProtection ?? false,
  };
}

function toResourceChanges(changes: Change[] | undefined): StackResourceChange[] {
  const result: StackResourceChange[] = [];
  for (const change of changes ?? []) {
    const resource = change.ResourceChange;
    if (!resource?.Action || !resource.LogicalResourceId) continue;
    result.push({
      action: resource.Action as StackResourceChange['action'],
      logicalId: resource.LogicalResourceId,
      resourceType: resource.ResourceType ?? '',
      ...(resource.Replacement ? { replacement: resource.Replacement as NonNullable<StackResourceChange['replacement']> } : {}),
    });
  }
  return result;
}

function alreadyExecuted(changeSet: ChangeSetPage): boolean {
  return changeSet.ExecutionStatus === 'EXECUTE_IN_PROGRESS' || changeSet.ExecutionStatus === 'EXECUTE_COMPLETE';
}

/** Stable statuses accept a change set; REVIEW_IN_PROGRESS never moves on by itself, so it is not "busy". */
function isBusy(status: StackStatus): boolean {
  return status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}

function changeSetFailure(input: StackInput, changeSetName: string, changeSet: ChangeSetPage): AwsRequestError {
  return new AwsRequestError(
    `CreateChangeSet ${where(input)}: change set ${changeSetName} FAILED: ${changeSet.StatusReason ?? 'no reason given'}`,
    'ChangeSetFailed',
    input.name,
  );
}

function where(input: StackInput): string {
  return `${input.name} in ${input.region}`;
}
