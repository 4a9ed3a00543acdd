// CloudFormation per region: the stack status model, AWS's refusals with AWS's messages,
// client request tokens, and change-set-like previews from a template diff.

import { AwsRequestError } from '../../errors.js';
import type { LiveStack, StackInput, StackProvider, StackResourceChange, StackStatus } from '../types.js';
import { invoke, logExtraCall, nextId, type SandboxContext } from './context.js';
import type { Latencies, StackConfig, StackOperation, StackPhase, StackRecord } from './state.js';
import { checkCapabilities, checkParameters, diffResources, parseTemplate, synthesizeOutputs, type ParsedTemplate } from './template.js';
import { clone, deepEqual, stableStringify } from './util.js';

const UPDATABLE: ReadonlySet<StackStatus> = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);
const MAX_TEMPLATE_BODY = 51_200;
const MAX_TAGS = 50;
/** What AWS returns for a NoEcho parameter's value. */
const NOECHO_MASK = '****';

export function isInProgress(status: StackStatus): boolean {
  return status.endsWith('_IN_PROGRESS');
}

/** Status observed at `now`: the running phase of an operation, else the settled status. */
export function observedPhase(stack: StackRecord, now: number): { status: StackStatus; reason?: string } {
  const op = stack.operation;
  if (op) {
    let elapsed = now - op.startedAt;
    for (const phase of op.phases) {
      if (elapsed < phase.ms) return { status: phase.status, ...(phase.reason ? { reason: phase.reason } : {}) };
      elapsed -= phase.ms;
    }
  }
  return { status: stack.status, ...(stack.statusReason ? { reason: stack.statusReason } : {}) };
}

/** Applies every finished operation to the stored state (pure function of the clock). */
export function settleStacks(ctx: SandboxContext): void {
  const now = ctx.clock.now();
  const gone = new Set<StackRecord>();
  for (const stack of ctx.state.stacks) {
    const op = stack.operation;
    if (!op) continue;
    const total = op.phases.reduce((sum, p) => sum + p.ms, 0);
    if (now < op.startedAt + total) continue;
    if (op.finalStatus === 'GONE') {
      gone.add(stack);
      // Still described by ARN as DELETE_COMPLETE (cfn.deleted-stack-by-id).
      (ctx.state.deletedStacks ??= []).push({ region: stack.region, name: stack.name, id: stack.id, createdAt: stack.createdAt ?? op.startedAt, deletedAt: op.startedAt + total });
      continue;
    }
    stack.status = op.finalStatus;
    if (op.finalReason) stack.statusReason = op.finalReason;
    else delete stack.statusReason;
    if (op.live === 'requested' && stack.requested) stack.current = stack.requested;
    delete stack.requested;
    delete stack.operation;
  }
  if (gone.size > 0) ctx.state.stacks = ctx.state.stacks.filter((s) => !gone.has(s));
}

export class SandboxStacks implements StackProvider {
  constructor(private readonly ctx: SandboxContext) {}

  describe(region: string, name: string): Promise<LiveStack | undefined> {
    return invoke(this.ctx, { service: 'cloudformation', operation: 'DescribeStacks', method: 'stacks.describe', region, write: false }, () => {
      const live = this.peek(region, name);
      // The adapter's one more read for a stack held by failed resources (ListStackResources).
      if (live?.failedResources) logExtraCall(this.ctx, { service: 'cloudformation', operation: 'ListStackResources', method: 'stacks.describe', region, write: false });
      return live;
    });
  }

  listByTag(region: string, key: string, value: string): Promise<LiveStack[]> {
    return invoke(this.ctx, { service: 'cloudformation', operation: 'DescribeStacks', method: 'stacks.listByTag', region, write: false }, () => {
      settleStacks(this.ctx);
      return this.ctx.state.stacks
        .filter((stack) => stack.region === region)
        .map((stack) => this.toLive(stack))
        .filter((stack) => stack.tags[key] === value)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  /** What DescribeStacks shows now, without making a call (test inspection). */
  peek(region: string, name: string): LiveStack | undefined {
    settleStacks(this.ctx);
    const stack = this.find(region, name);
    return stack ? this.toLive(stack) : undefined;
  }

  create(input: StackInput): Promise<void> {
    return invoke(this.ctx, { service: 'cloudformation', operation: 'CreateStack', method: 'stacks.create', region: input.region, write: true }, () => {
      settleStacks(this.ctx);
      if (this.replayedToken(input.region, input.clientToken, 'CreateStack', requestOf(input))) return;
      validateShape(input);
      if (this.find(input.region, input.name)) {
        throw new AwsRequestError(`Stack [${input.name}] already exists`, 'AlreadyExistsException', input.name);
      }
      const template = validateTemplate(input);
      const latencies = this.ctx.state.latencies;
      const fails = this.ctx.faults.take('stacks.create', input.region, ['fail']) !== undefined;
      const requested: StackConfig = { ...configOf(input), outputs: synthesizeOutputs(template, input.name, input.region) };
      const operation = stackPhases(latencies, 'create', fails, false, this.ctx.clock.now(), template);
      this.ctx.state.stacks.push({
        region: input.region,
        name: input.name,
        id: `arn:aws:cloudformation:${input.region}:${this.ctx.state.accountId}:stack/${input.name}/${uuid(nextId(this.ctx, 'stack', 32))}`,
        status: 'CREATE_IN_PROGRESS',
        terminationProtection: input.terminationProtection,
        current: { ...configOf(input), outputs: {} },
        requested,
        operation,
      });
      this.rememberToken(input.region, input.clientToken, 'CreateStack', requestOf(input));
      settleStacks(this.ctx);
    });
  }

  update(input: StackInput): Promise<'started' | 'no-changes'> {
    return invoke(this.ctx, { service: 'cloudformation', operation: 'UpdateStack', method: 'stacks.update', region: input.region, write: true }, () => {
      settleStacks(this.ctx);
      if (this.replayedToken(input.region, input.clientToken, 'UpdateStack', requestOf(input))) return 'started' as const;
      validateShape(input);
      const stack = this.find(input.region, input.name);
      if (!stack) throw new AwsRequestError(`Stack [${input.name}] does not exist`, 'ValidationError', input.name);
      const { status } = observedPhase(stack, this.ctx.clock.now());
      if (!UPDATABLE.has(status)) {
        throw new AwsRequestError(`Stack:${stack.id} is in ${status} state and can not be updated.`, 'ValidationError', input.name);
      }
      const template = validateTemplate(input);
      // Termination protection is its own synchronous API (UpdateTerminationProtection).
      if (stack.terminationProtection !== input.terminationProtection) {
        stack.terminationProtection = input.terminationProtection;
        logExtraCall(this.ctx, { service: 'cloudformation', operation: 'UpdateTerminationProtection', method: 'stacks.update', region: input.region, write: true });
      }
      const next = configOf(input);
      if (next.templateBody === stack.current.templateBody && deepEqual(next.parameters, stack.current.parameters) && deepEqual(next.tags, stack.current.tags)) {
        return 'no-changes' as const;
      }
      this.rememberToken(input.region, input.clientToken, 'UpdateStack', requestOf(input));
      const latencies = this.ctx.state.latencies;
      const fails = this.ctx.faults.take('stacks.update', input.region, ['fail']) !== undefined;
      const rollbackFails = fails && this.ctx.faults.take('stacks.updateRollback', input.region, ['fail']) !== undefined;
      const failed = failureReason('update', template);
      const phases: StackPhase[] = [{ status: 'UPDATE_IN_PROGRESS', ms: latencies.stackUpdate, reason: 'User Initiated' }];
      let finalStatus: StackStatus;
      let finalReason: string | undefined;
      if (!fails) {
        phases.push({ status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', ms: latencies.stackCleanup });
        finalStatus = 'UPDATE_COMPLETE';
      } else if (!rollbackFails) {
        phases.push({ status: 'UPDATE_ROLLBACK_IN_PROGRESS', ms: latencies.stackRollback, reason: `${failed}.` });
        phases.push({ status: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', ms: latencies.stackCleanup });
        finalStatus = 'UPDATE_ROLLBACK_COMPLETE';
      } else {
        phases.push({ status: 'UPDATE_ROLLBACK_IN_PROGRESS', ms: latencies.stackRollback, reason: `${failed}.` });
        finalStatus = 'UPDATE_ROLLBACK_FAILED';
        finalReason = `${failed.replace('failed to update', 'failed to update during rollback')}.`;
        // UPDATE_FAILED until skipped or rolled back (cfn.update-rollback-failed-skip).
        stack.failRollback = [firstLogicalId(input.templateBody)];
      }
      stack.requested = { ...next, outputs: synthesizeOutputs(template, input.name, input.region) };
      stack.operation = {
        kind: 'update',
        startedAt: this.ctx.clock.now(),
        phases,
        finalStatus,
        ...(finalReason ? { finalReason } : {}),
        live: fails ? 'previous' : 'requested',
      };
      settleStacks(this.ctx);
      return 'started' as const;
    });
  }

  delete(region: string, name: string, clientToken: string, retainResources: string[] = []): Promise<void> {
    return invoke(this.ctx, { service: 'cloudformation', operation: 'DeleteStack', method: 'stacks.delete', region, write: true }, () => {
      settleStacks(this.ctx);
      const request = stableStringify({ name, retainResources });
      if (this.replayedToken(region, clientToken, 'DeleteStack', request)) return;
      const stack = this.find(region, name);
      // DeleteStack of a missing stack succeeds in AWS, and deleting twice is harmless.
      if (!stack) return;
      const { status } = observedPhase(stack, this.ctx.clock.now());
      if (status === 'DELETE_IN_PROGRESS') return;
      if (stack.terminationProtection) {
        throw new AwsRequestError(`Stack [${name}] cannot be deleted while TerminationProtection is enabled`, 'ValidationError', name);
      }
      // cfn.delete-busy-stack
      if (isInProgress(status)) throw new AwsRequestError(`Stack [${stack.id}] cannot be deleted while in status ${status}`, 'ValidationError', name);
      // cfn.retain-only-when-delete-failed
      if (retainResources.length > 0 && status !== 'DELETE_FAILED') {
        throw new AwsRequestError(
          `Invalid operation on stack [${stack.id}]. When you delete a stack, specify which resources to retain only when the stack is in the DELETE_FAILED state.`,
          'ValidationError',
          name,
        );
      }
      if (this.ctx.faults.take('stacks.delete', region, ['fail']) !== undefined) {
        stack.failDeletion = [...new Set([...(stack.failDeletion ?? []), firstLogicalId(stack.current.templateBody)])];
      }
      // cfn.delete-failed-retain: a resource that failed to delete fails again until it is retained.
      const failing = (stack.failDeletion ?? []).filter((id) => !retainResources.includes(id));
      stack.operation = {
        kind: 'delete',
        startedAt: this.ctx.clock.now(),
        phases: [{ status: 'DELETE_IN_PROGRESS', ms: this.ctx.state.latencies.stackDelete, reason: 'User Initiated' }],
        finalStatus: failing.length > 0 ? 'DELETE_FAILED' : 'GONE',
        ...(failing.length > 0 ? { finalReason: `The following resource(s) failed to delete: [${failing.join(', ')}]. ` } : {}),
        live: 'previous',
      };
      this.rememberToken(region, clientToken, 'DeleteStack', request);
      settleStacks(this.ctx);
    });
  }

  continueUpdateRollback(region: string, name: string, clientToken: string, resourcesToSkip: string[] = []): Promise<void> {
    return invoke(this.ctx, { service: 'cloudformation', operation: 'ContinueUpdateRollback', method: 'stacks.continueUpdateRollback', region, write: true }, () => {
      settleStacks(this.ctx);
      const request = stableStringify({ name, resourcesToSkip });
      if (this.replayedToken(region, clientToken, 'ContinueUpdateRollback', request)) return;
      const stack = this.find(region, name);
      if (!stack) throw new AwsRequestError(`Stack [${name}] does not exist`, 'ValidationError', name);
      const { status } = observedPhase(stack, this.ctx.clock.now());
      if (status !== 'UPDATE_ROLLBACK_FAILED') {
        throw new AwsRequestError('ContinueUpdateRollback cannot be called from current stack status.', 'ValidationError', name);
      }
      // cfn.update-rollback-failed-skip: skipped resources are marked UPDATE_COMPLETE; the others are rolled back again.
      const remaining = (stack.failRollback ?? []).filter((id) => !resourcesToSkip.includes(id));
      const latencies = this.ctx.state.latencies;
      const allSkipped = (stack.failRollback ?? []).length > 0 && remaining.length === 0;
      const fails = !allSkipped && this.ctx.faults.take('stacks.continueUpdateRollback', region, ['fail']) !== undefined;
      const rollingBack = { status: 'UPDATE_ROLLBACK_IN_PROGRESS' as const, ms: latencies.stackRollback, reason: 'User Initiated' };
      const failing = remaining.length > 0 ? remaining : [firstLogicalId(stack.current.templateBody)];
      stack.operation = fails
        ? {
            kind: 'continueUpdateRollback',
            startedAt: this.ctx.clock.now(),
            phases: [rollingBack],
            finalStatus: 'UPDATE_ROLLBACK_FAILED',
            finalReason: `The following resource(s) failed to update during rollback: [${failing.join(', ')}].`,
            live: 'previous',
          }
        : {
            kind: 'continueUpdateRollback',
            startedAt: this.ctx.clock.now(),
            phases: [rollingBack, { status: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', ms: latencies.stackCleanup }],
            finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
            live: 'previous',
          };
      if (fails) stack.failRollback = failing;
      else delete stack.failRollback;
      this.rememberToken(region, clientToken, 'ContinueUpdateRollback', request);
      settleStacks(this.ctx);
    });
  }

  setTerminationProtection(region: string, name: string, enabled: boolean): Promise<void> {
    return invoke(this.ctx, { service: 'cloudformation', operation: 'UpdateTerminationProtection', method: 'stacks.setTerminationProtection', region, write: true }, () => {
      const stack = this.find(region, name);
      if (!stack) throw new AwsRequestError(`Stack [${name}] does not exist`, 'ValidationError', name);
      stack.terminationProtection = enabled;
    });
  }

  /** Like an UPDATE change set (or a CREATE one for a missing stack); changes nothing. */
  previewChanges(input: StackInput): Promise<StackResourceChange[]> {
    // Creating and deleting a change set alters no resource, so it is not logged as a write.
    return invoke(this.ctx, { service: 'cloudformation', operation: 'CreateChangeSet', method: 'stacks.previewChanges', region: input.region, write: false }, () => {
      settleStacks(this.ctx);
      validateShape(input);
      const template = validateTemplate(input);
      const stack = this.find(input.region, input.name);
      const after = { template, parameters: input.parameters };
      const status = stack ? observedPhase(stack, this.ctx.clock.now()).status : undefined;
      // CreateChangeSet is refused while the stack is busy, like UpdateStack.
      if (stack && status && isInProgress(status)) {
        throw new AwsRequestError(`Stack:${stack.id} is in ${status} state and can not be updated.`, 'ValidationError', input.name);
      }
      if (!stack || stack.status === 'ROLLBACK_COMPLETE') return diffResources(undefined, after);
      return diffResources({ template: parseTemplate(stack.current.templateBody), parameters: stack.current.parameters }, after);
    });
  }

  private find(region: string, name: string): StackRecord | undefined {
    return this.ctx.state.stacks.find((s) => s.region === region && s.name === name);
  }

  private toLive(stack: StackRecord): LiveStack {
    const { status, reason } = observedPhase(stack, this.ctx.clock.now());
    const shown = stack.operation && stack.requested ? stack.requested : stack.current;
    return {
      region: stack.region,
      name: stack.name,
      id: stack.id,
      status,
      ...(reason ? { statusReason: reason } : {}),
      tags: clone(shown.tags),
      parameters: echoedParameters(shown),
      outputs: clone(stack.current.outputs),
      terminationProtection: stack.terminationProtection,
      ...failedResources(stack, status),
    };
  }

  /**
   * ClientRequestToken: the same request retried is a no-op success; the token reused for a
   * different request is TokenAlreadyExistsException. Otherwise the token is remembered.
   */
  private replayedToken(region: string, token: string, operation: string, request: string): boolean {
    if (!token) return false;
    const fingerprint = `${operation}:${request}`;
    const known = this.ctx.state.clientTokens.find((t) => t.region === region && t.token === token);
    if (known) {
      if (known.request === fingerprint) return true;
      throw new AwsRequestError(`ClientRequestToken ${token} was already used for a different request.`, 'TokenAlreadyExistsException');
    }
    return false;
  }

  /** Remembers a token once its request was accepted (a refused request does not use it up). */
  private rememberToken(region: string, token: string, operation: string, request: string): void {
    if (token) this.ctx.state.clientTokens.push({ region, token, request: `${operation}:${request}` });
  }
}

/** The resources holding a DELETE_FAILED or UPDATE_ROLLBACK_FAILED stack, as the adapter reads them (ListStackResources). */
function failedResources(stack: StackRecord, status: StackStatus): { failedResources?: string[] } {
  const ids = status === 'DELETE_FAILED' ? stack.failDeletion : status === 'UPDATE_ROLLBACK_FAILED' ? stack.failRollback : undefined;
  return status === 'DELETE_FAILED' || status === 'UPDATE_ROLLBACK_FAILED' ? { failedResources: [...(ids ?? [])].sort() } : {};
}

/** Like DescribeStacks: a parameter the template declares NoEcho reads back as asterisks. */
function echoedParameters(config: Omit<StackConfig, 'outputs'>): Record<string, string> {
  const parameters = clone(config.parameters);
  let declared: ParsedTemplate['parameters'];
  try {
    declared = parseTemplate(config.templateBody).parameters;
  } catch {
    return parameters; // never stored: create and update refuse a template that does not parse
  }
  for (const name of Object.keys(parameters)) {
    const noEcho = declared[name]?.NoEcho;
    if (noEcho === true || (typeof noEcho === 'string' && noEcho.toLowerCase() === 'true')) parameters[name] = NOECHO_MASK;
  }
  return parameters;
}

function requestOf(input: StackInput): string {
  const { clientToken: _token, ...rest } = input;
  return stableStringify(rest);
}

function configOf(input: StackInput): Omit<StackConfig, 'outputs'> {
  return { templateBody: input.templateBody, parameters: { ...input.parameters }, tags: { ...input.tags } };
}

/** The schema checks AWS applies before looking at anything else. */
function validateShape(input: StackInput): void {
  if (!/^[a-zA-Z][-a-zA-Z0-9]*$/.test(input.name) || input.name.length > 128) {
    throw new AwsRequestError(
      `1 validation error detected: Value '${input.name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      'ValidationError',
    );
  }
  if (Buffer.byteLength(input.templateBody, 'utf8') > MAX_TEMPLATE_BODY) {
    throw new AwsRequestError(
      `1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY}`,
      'ValidationError',
    );
  }
  const keys = Object.keys(input.tags);
  if (keys.length > MAX_TAGS) {
    throw new AwsRequestError(
      `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAGS}`,
      'ValidationError',
    );
  }
  for (const key of keys) {
    if (key.toLowerCase().startsWith('aws:')) {
      throw new AwsRequestError(`Invalid tag key [${key}]: the aws: prefix is reserved for AWS use`, 'ValidationError');
    }
    if (key.length === 0 || key.length > 128 || (input.tags[key] ?? '').length > 256) {
      throw new AwsRequestError(`Invalid tag [${key}]: keys are 1-128 characters and values at most 256`, 'ValidationError');
    }
  }
}

function validateTemplate(input: StackInput): ParsedTemplate {
  const template = parseTemplate(input.templateBody);
  checkParameters(template, input.parameters);
  checkCapabilities(template, input.capabilities);
  return template;
}

function failureReason(kind: 'create' | 'update', template: ParsedTemplate): string {
  const first = Object.keys(template.resources)[0] ?? 'Resource';
  return `The following resource(s) failed to ${kind}: [${first}]`;
}

function firstLogicalId(templateBody: string): string {
  try {
    return Object.keys(parseTemplate(templateBody).resources)[0] ?? 'Resource';
  } catch {
    return 'Resource';
  }
}

function uuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The phases of a create or update as the API-level sandbox runs it (cloudformation-api.ts). */
export function stackPhases(
  latencies: Latencies,
  kind: 'create' | 'update',
  fails: boolean,
  rollbackFails: boolean,
  now: number,
  template: ParsedTemplate,
): StackOperation {
  const failed = failureReason(kind, template);
  if (kind === 'create') {
    return fails
      ? {
          kind,
          startedAt: now,
          phases: [
            { status: 'CREATE_IN_PROGRESS', ms: latencies.stackCreate, reason: 'User Initiated' },
            { status: 'ROLLBACK_IN_PROGRESS', ms: latencies.stackRollback, reason: `${failed}. Rollback requested by user.` },
          ],
          finalStatus: 'ROLLBACK_COMPLETE',
          finalReason: `${failed}. Rollback requested by user.`,
          live: 'previous',
        }
      : { kind, startedAt: now, phases: [{ status: 'CREATE_IN_PROGRESS', ms: latencies.stackCreate, reason: 'User Initiated' }], finalStatus: 'CREATE_COMPLETE', live: 'requested' };
  }
  const phases: StackPhase[] = [{ status: 'UPDATE_IN_PROGRESS', ms: latencies.stackUpdate, reason: 'User Initiated' }];
  if (!fails) {
    phases.push({ status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', ms: latencies.stackCleanup });
    return { kind, startedAt: now, phases, finalStatus: 'UPDATE_COMPLETE', live: 'requested' };
  }
  phases.push({ status: 'UPDATE_ROLLBACK_IN_PROGRESS', ms: latencies.stackRollback, reason: `${failed}.` });
  if (!rollbackFails) {
    phases.push({ status: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', ms: latencies.stackCleanup });
    return { kind, startedAt: now, phases, finalStatus: 'UPDATE_ROLLBACK_COMPLETE', live: 'previous' };
  }
  return {
    kind,
    startedAt: now,
    phases,
    finalStatus: 'UPDATE_ROLLBACK_FAILED',
    finalReason: `${failed.replace('failed to update', 'failed to update during rollback')}.`,
    live: 'previous',
  };
}
