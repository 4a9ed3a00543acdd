// The CloudFormation stack of every region: create, update, recover (recreate, continue a
// failed rollback, wait out a transition) or, for a leaving region, delete. Hands on, per
// region, the steps after which the stack is usable and whether its live outputs count.
// Recovery follows what AWS allows: a DELETE_FAILED stack fails again on a plain DeleteStack,
// so it is deleted retaining the resources that failed (cfn.delete-failed-retain); an
// UPDATE_ROLLBACK_FAILED stack refuses change sets until ContinueUpdateRollback has finished
// (cfn.update-rollback-failed), so its update's resource-level preview comes after that.

import type { DesiredRegion } from '../../manifest/types.js';
import type { LiveStack, StackStatus } from '../../providers/types.js';
import { isOwnedStack, stackTags, TAG_TEMPLATE_HASH } from '../identity.js';
import { isNoEchoTag, maskParameters, noEchoTagKey, SECRET_MASK, secretDigest } from '../secrets.js';
import type { StackDisplay, StackPayload, StepPayload } from '../types.js';
import { StepList, type Pass, type PlanContext } from '../context.js';
import { failedToDelete } from '../stack-recovery.js';

const STABLE: ReadonlySet<StackStatus> = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

interface RegionStack {
  /** Steps after which the stack is usable. */
  ready: string[];
  /** Whether the live outputs can be used as literals. */
  outputsKnown: boolean;
}

export const stacksPass: Pass = (context) => {
  const list = new StepList();
  const notes: string[] = [];
  const stackReady = new Map<string, string[]>();
  const outputsKnown = new Map<string, boolean>();
  const regions: Array<[string, DesiredRegion | undefined]> = [...context.desired.regions.map((r): [string, DesiredRegion] => [r.code, r]), ...context.leaving.map((r): [string, undefined] => [r, undefined])];
  for (const [region, wanted] of regions) {
    const result = planStack(context, list, notes, region, wanted);
    stackReady.set(region, result.ready);
    outputsKnown.set(region, result.outputsKnown);
  }
  return { steps: list.steps, notes, facts: { stackReady, outputsKnown } };
};

function planStack(context: PlanContext, list: StepList, notes: string[], region: string, wanted: DesiredRegion | undefined): RegionStack {
  const { desired, rs } = context;
  const stack = context.live.stacks[region];
  const name = desired.stack.name;
  const resource = `stack:${region}`;
  const ref: StepPayload = { kind: 'stack-ref', region, stackName: name };
  const nothing: RegionStack = { ready: [], outputsKnown: false };

  if (!wanted) {
    // Leaving: only an owned stack is deleted (after the region's DNS is gone, see order.ts).
    if (!stack || !isOwnedStack(stack, rs)) return nothing;
    if (stack.status === 'DELETE_IN_PROGRESS') {
      list.add({ id: `${region}:stack.wait`, action: 'stack.wait', region, resource, reason: 'stack is being deleted: wait for it to finish', before: { status: stack.status }, payload: ref });
      return nothing;
    }
    if (stack.status === 'DELETE_FAILED') {
      const retain = failedToDelete(stack);
      if (!retain) return nothing; // refused by the guardrails (stack-failed)
      notes.push(retainedNote(stack, retain));
      list.add({
        id: `${region}:stack.delete`,
        action: 'stack.delete',
        region,
        resource,
        reason: `stack is DELETE_FAILED${stack.statusReason ? ` (${stack.statusReason.trim()})` : ''}: a plain retry fails again, so delete it retaining ${retain.join(', ')}`,
        before: { status: stack.status, retain },
        payload: { ...ref, retainResources: retain },
      });
      return nothing;
    }
    const wait = isTransient(stack.status)
      ? list.add({ id: `${region}:stack.wait`, action: 'stack.wait', region, resource, reason: `stack is ${stack.status}: wait for it to settle before deleting`, before: { status: stack.status }, payload: ref })
      : undefined;
    list.add({ id: `${region}:stack.delete`, action: 'stack.delete', region, resource, dependsOn: wait ? [wait] : [], reason: 'region left the manifest', before: { status: stack.status }, payload: ref });
    return nothing;
  }

  const secret = desired.stack.noEchoParameters.filter((parameter) => parameter in wanted.parameters);
  const input = {
    region,
    name,
    templateBody: desired.stack.templateBody,
    parameters: { ...wanted.parameters },
    capabilities: [...desired.stack.capabilities],
    // NoEcho values read back as asterisks: a digest tag per secret is what the next plan compares.
    tags: { ...stackTags(desired), ...secretDigestTags(context, region, wanted.parameters, secret) },
    terminationProtection: desired.stack.terminationProtection,
  };
  const payload: StackPayload = { kind: 'stack', input, ...(secret.length > 0 ? { secretParameters: secret } : {}) };
  const preview = context.options.stackPreviews?.[region];
  // A change that waits for a rollback or an operation to finish cannot be previewed before (AWS refuses the change set).
  const withPreview = (after: StackDisplay, deferred?: 'after-rollback' | 'after-wait'): StackDisplay =>
    preview
      ? { ...after, resourceChanges: preview }
      : context.options.stackPreviewsSkipped
        ? { ...after, resourcePreview: 'skipped' }
        : deferred && context.options.stackPreviews
          ? { ...after, resourcePreview: deferred }
          : after;
  const created = withPreview({ templateHash: desired.stack.templateHash, parameters: maskParameters(input.parameters, secret) });

  if (!stack || stack.status === 'REVIEW_IN_PROGRESS') {
    const reason = stack ? 'stack is in REVIEW_IN_PROGRESS (a change set was never executed): create it' : 'no stack in this region yet';
    return { ready: [list.add({ id: `${region}:stack.create`, action: 'stack.create', region, resource, reason, after: created, payload })], outputsKnown: false };
  }
  if (!isOwnedStack(stack, rs)) return nothing; // refused by the guardrails (unowned-resource)

  switch (stack.status) {
    case 'ROLLBACK_COMPLETE':
    case 'ROLLBACK_FAILED':
    case 'DELETE_FAILED': {
      const retain = stack.status === 'DELETE_FAILED' ? failedToDelete(stack) : undefined;
      if (stack.status === 'DELETE_FAILED' && !retain) return nothing; // refused by the guardrails (stack-failed)
      if (retain) notes.push(retainedNote(stack, retain));
      const why = retain ? `a failed delete left it half-removed; a plain retry fails again, so the delete retains ${retain.join(', ')}` : 'a failed creation cannot be updated';
      const id = list.add({
        id: `${region}:stack.recreate`,
        action: 'stack.recreate',
        region,
        resource,
        reason: `stack is ${stack.status} (${why}${stack.statusReason ? `: ${stack.statusReason.trim()}` : ''}): delete it and create it again`,
        before: { status: stack.status, ...(retain ? { retain } : {}) },
        after: created,
        payload: retain ? { ...payload, retainResources: retain } : payload,
      });
      return { ready: [id], outputsKnown: false };
    }
    case 'DELETE_IN_PROGRESS': {
      const wait = list.add({ id: `${region}:stack.wait`, action: 'stack.wait', region, resource, reason: 'stack is being deleted: wait, then create it again', before: { status: stack.status }, payload: ref });
      const after = withPreview({ templateHash: desired.stack.templateHash, parameters: maskParameters(input.parameters, secret) }, 'after-wait');
      return { ready: [list.add({ id: `${region}:stack.create`, action: 'stack.create', region, resource, dependsOn: [wait], reason: 'stack was deleted', after, payload })], outputsKnown: false };
    }
    case 'UPDATE_ROLLBACK_FAILED': {
      // ResourcesToSkip: what AWS reports could not roll back (resources in UPDATE_FAILED).
      const skip = stack.failedResources?.length ? [...stack.failedResources] : undefined;
      if (skip) notes.push(skippedNote(stack, skip));
      const cont = list.add({
        id: `${region}:stack.continue-rollback`,
        action: 'stack.continue-rollback',
        region,
        resource,
        reason: `stack is UPDATE_ROLLBACK_FAILED${stack.statusReason ? ` (${stack.statusReason})` : ''}: continue the rollback to the last working template${skip ? `, skipping ${skip.join(', ')}` : ''}`,
        before: { status: stack.status, ...(skip ? { skip } : {}) },
        after: { status: 'UPDATE_ROLLBACK_COMPLETE' },
        payload: skip ? { ...ref, resourcesToSkip: skip } : ref,
      });
      return { ready: [planStackUpdate(context, list, stack, payload, (after) => withPreview(after, 'after-rollback'), [cont]) ?? cont], outputsKnown: true };
    }
    case 'IMPORT_ROLLBACK_FAILED':
      return nothing; // refused by the guardrails (stack-failed)
    default:
      break;
  }

  if (isTransient(stack.status)) {
    const wait = list.add({ id: `${region}:stack.wait`, action: 'stack.wait', region, resource, reason: `stack is ${stack.status}: wait for it to settle`, before: { status: stack.status }, payload: ref });
    return {
      ready: [planStackUpdate(context, list, stack, payload, (after) => withPreview(after, 'after-wait'), [wait]) ?? wait],
      outputsKnown: stack.status !== 'CREATE_IN_PROGRESS' && stack.status !== 'CREATE_FAILED',
    };
  }
  const update = planStackUpdate(context, list, stack, payload, withPreview, []);
  return { ready: update ? [update] : [], outputsKnown: STABLE.has(stack.status) };
}

function retainedNote(stack: LiveStack, retain: string[]): string {
  return (
    `stack ${stack.name} in ${stack.region} is DELETE_FAILED: deleting it retains ${retain.join(', ')} (CloudFormation could not delete ${retain.length === 1 ? 'it' : 'them'}). ` +
    `Retained resources stay in the account, outside any stack, and keep costing money: find each by its logical id in the stack's events ` +
    `(aws cloudformation describe-stack-events --stack-name ${stack.id || stack.name} --region ${stack.region}), then delete it with its own service once nothing uses it, or import it into a stack.`
  );
}

function skippedNote(stack: LiveStack, skip: string[]): string {
  return (
    `stack ${stack.name} in ${stack.region} is UPDATE_ROLLBACK_FAILED: continuing the rollback skips ${skip.join(', ')}, which could not roll back. ` +
    'CloudFormation marks skipped resources UPDATE_COMPLETE without rolling them back, so they may no longer match the template: ' +
    'check them (aws cloudformation describe-stack-resources) if the update that follows fails.'
  );
}

function secretDigestTags(context: PlanContext, region: string, parameters: Record<string, string>, secret: string[]): Record<string, string> {
  const digest = { regionSet: context.desired.name, region, stackName: context.desired.stack.name };
  return Object.fromEntries(secret.map((parameter) => [noEchoTagKey(parameter), secretDigest({ ...digest, parameter }, parameters[parameter]!, context.options.parameterDigestKey)]));
}

function isTransient(status: StackStatus): boolean {
  return (status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS') || status === 'CREATE_FAILED' || status === 'UPDATE_FAILED';
}

function planStackUpdate(
  context: PlanContext,
  list: StepList,
  stack: LiveStack,
  payload: StackPayload,
  withPreview: (after: StackDisplay) => StackDisplay,
  dependsOn: string[],
): string | undefined {
  const { input } = payload;
  const templateHash = context.desired.stack.templateHash;
  const secret = new Set(payload.secretParameters ?? []);
  const liveHash = stack.tags[TAG_TEMPLATE_HASH];
  const changed: string[] = [];
  if (liveHash !== templateHash) changed.push('template');
  const beforeParams: Record<string, string> = {};
  const afterParams: Record<string, string> = {};
  for (const key of Object.keys(input.parameters).sort()) {
    const was = stack.parameters[key];
    if (secret.has(key)) {
      // Compared by digest (the stack tag written when it was deployed), never shown.
      const tag = noEchoTagKey(key);
      if (stack.tags[tag] === input.tags[tag]) continue;
      beforeParams[key] = was === undefined ? '(not set)' : SECRET_MASK;
      afterParams[key] = `${SECRET_MASK} (changed)`;
      continue;
    }
    // A parameter the live template declares NoEcho reads back as asterisks: nothing can be compared.
    if (was === input.parameters[key] || (was !== undefined && /^\*+$/.test(was))) continue;
    beforeParams[key] = was ?? '(not set)';
    afterParams[key] = input.parameters[key]!;
  }
  if (Object.keys(afterParams).length > 0) changed.push('parameters');
  // Digest tags change exactly when a secret does, which is reported as a parameter change.
  if (!sameTags(withoutDigests(stack.tags), withoutDigests(input.tags))) changed.push('tags');
  if (stack.terminationProtection !== input.terminationProtection) changed.push('termination protection');
  if (changed.length === 0) return undefined;
  const before: StackDisplay = { templateHash: liveHash ?? '(none)', parameters: beforeParams };
  const after: StackDisplay = { templateHash, parameters: afterParams };
  if (changed.includes('tags')) {
    before.tags = userTags(stack.tags);
    after.tags = userTags(input.tags);
  }
  if (changed.includes('termination protection')) {
    before.terminationProtection = stack.terminationProtection;
    after.terminationProtection = input.terminationProtection;
  }
  return list.add({
    id: `${input.region}:stack.update`,
    action: 'stack.update',
    region: input.region,
    resource: `stack:${input.region}`,
    dependsOn,
    reason: `${changed.join(', ')} changed`,
    before,
    after: withPreview(after),
    payload,
  });
}

function sameTags(live: Record<string, string>, wanted: Record<string, string>): boolean {
  const liveKeys = Object.keys(live).filter((key) => !key.startsWith('aws:'));
  return liveKeys.length === Object.keys(wanted).length && liveKeys.every((key) => live[key] === wanted[key]);
}

function withoutDigests(tags: Record<string, string>): Record<string, string> {
  if (!Object.keys(tags).some(isNoEchoTag)) return tags;
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !isNoEchoTag(key)));
}

function userTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !key.startsWith('aws:') && !key.startsWith('regionctl:')));
}
