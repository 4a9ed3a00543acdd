// regionctl diff: the dry run. Same plan as apply, printed; nothing is changed.
// By default each stack change is previewed through a CloudFormation change set (created,
// read, deleted again, with the empty review stack of a joining region). --read-only sends
// no write call at all: the template-level changes are shown, the resource-level preview is
// marked as skipped, and the identity needs only manifests/iam-policy-read-only.json.
// --out FILE also saves the plan for `regionctl apply FILE` (commands/plan-file.ts).

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
    if (values.out !== undefined && options.sandbox === true) {
      throw new UsageError('--out needs a sandbox state file (--sandbox PATH.json): an in-memory sandbox is gone when diff ends, so its plan could never be applied');
    }
    if (values.out !== undefined) (await import('./plan-file.js')).checkPlanOut(values.out);
    return withPlan('diff', options, desired, async (target, plan, live) => {
      if (plan.steps.some((step) => step.after !== undefined && 'resourcePreview' in step.after && step.after.resourcePreview === 'skipped')) {
        plan.notes.push(
          'diff --read-only created no CloudFormation change set: stack changes show the template, parameters and tags only. Run diff without --read-only (it needs manifests/iam-policy.json) to preview the resource changes inside each stack.',
        );
      }
      const render = await import('../plan/render.js');
      const text =
        format === 'json' ? render.renderJson(plan) : format === 'markdown' ? render.renderMarkdown(plan, desired) : render.renderText(plan, desired);
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      if (values.out !== undefined) {
        const { savedEntry, writePlanFile } = await import('./plan-file.js');
        await writePlanFile(values.out, target, desired, [await savedEntry(positionals[0]!, desired, plan, live)], live);
        const next = plan.refusals.length > 0 ? 'refused plans cannot be applied' : `apply it with: regionctl apply ${values.out}`;
        (format === 'text' ? process.stdout : process.stderr).write(`\nSaved the plan to ${values.out} (${next}).\n`);
      }
      if (plan.refusals.length > 0) return EXIT_REFUSED;
      return plan.steps.length > 0 && values['detailed-exitcode'] ? 2 : 0;
    });
  });
}
