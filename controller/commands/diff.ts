// regionctl diff: the dry run. Same plan as apply, printed; nothing is changed.
// By default each stack change is previewed through a CloudFormation change set (created,
// read, deleted again, with the empty review stack of a joining region). --read-only sends
// no write call at all: the template-level changes are shown, the resource-level preview is
// marked as skipped, and the identity needs only manifests/iam-policy-read-only.json.

import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import { loadDesired, withPlan } from './common.js';
import { EXIT_REFUSED } from './run-plan.js';
import { normaliseSandboxArg, targetOptions, type TargetOptions } from './target.js';

/** In-process callers (tests) may watch every AWS call the diff sends. */
export interface DiffHooks {
  onCall?: TargetOptions['onCall'];
}

export async function main(argv: string[], hooks: DiffHooks = {}): Promise<number> {
  return runCommand('diff', async () => {
    const { values, positionals } = parseCommandArgs('diff', normaliseSandboxArg(argv));
    const format = outputFormat(values.output, ['text', 'json', 'markdown']);
    if (positionals.length !== 1) throw new UsageError('expected exactly one manifest FILE');
    const desired = await loadDesired(positionals[0]!);
    if (!desired) return 1;

    const readOnly = values['read-only'] === true;
    const options = { ...targetOptions(values), readOnly, ...(hooks.onCall ? { onCall: hooks.onCall } : {}) };
    return withPlan('diff', options, desired, async (_target, plan) => {
      if (plan.steps.some((step) => step.after !== undefined && 'resourcePreview' in step.after && step.after.resourcePreview === 'skipped')) {
        plan.notes.push(
          'diff --read-only created no CloudFormation change set: stack changes show the template, parameters and tags only. Run diff without --read-only (it needs manifests/iam-policy.json) to preview the resource changes inside each stack.',
        );
      }
      const render = await import('../plan/render.js');
      const text =
        format === 'json' ? render.renderJson(plan) : format === 'markdown' ? render.renderMarkdown(plan, desired) : render.renderText(plan, desired);
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      if (plan.refusals.length > 0) return EXIT_REFUSED;
      return plan.steps.length > 0 && values['detailed-exitcode'] ? 2 : 0;
    });
  });
}
