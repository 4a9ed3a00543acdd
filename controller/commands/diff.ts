// regionctl diff: the dry run. Same plan as apply, printed; nothing is changed.
// By default each stack change is previewed through a CloudFormation change set (created,
// read, deleted again, with the empty review stack of a joining region). --read-only sends
// no write call at all: the template-level changes are shown, the resource-level preview is
// marked as skipped, and the identity needs only manifests/iam-policy-read-only.json.

import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import { reportPlanFailure, withPlans } from './common.js';
import { loadRegionSets, outcomeExitCode, planOutcome, renderOutcomesJson, worstExitCode } from './regionsets.js';
import { normaliseSandboxArg, targetOptions, type TargetOptions } from './target.js';

/** In-process callers (tests) may watch every AWS call the diff sends. */
export interface DiffHooks {
  onCall?: TargetOptions['onCall'];
}

export async function main(argv: string[], hooks: DiffHooks = {}): Promise<number> {
  return runCommand('diff', async () => {
    const { values, positionals } = parseCommandArgs('diff', normaliseSandboxArg(argv));
    const format = outputFormat(values.output, ['text', 'json', 'markdown']);
    if (positionals.length === 0) throw new UsageError("expected one or more manifest FILEs, folders or quoted glob patterns such as 'manifests/*.yaml'");
    const inputs = await loadRegionSets('diff', positionals);
    if (!inputs) return 1;
    if (inputs.sets.length === 0) {
      if (format === 'json' && !inputs.single) process.stdout.write(await renderOutcomesJson(inputs.outcomes, inputs.order));
      return 1;
    }

    const readOnly = values['read-only'] === true;
    const options = { ...targetOptions(values), readOnly, ...(hooks.onCall ? { onCall: hooks.onCall } : {}) };
    return withPlans('diff', options, inputs.sets.map((set) => set.desired), async (_target, results) => {
      const render = await import('../plan/render.js');
      const outcomes = [...inputs.outcomes];
      const texts: string[] = [];
      results.forEach((result, i) => {
        const set = inputs.sets[i]!;
        if (!('plan' in result)) {
          const { message } = reportPlanFailure('diff', inputs.single ? undefined : set.file, result.error);
          outcomes.push({ file: set.file, regionSet: set.desired.name, result: 'error', error: message });
          return;
        }
        const { plan } = result;
        if (plan.steps.some((step) => step.after !== undefined && 'resourcePreview' in step.after && step.after.resourcePreview === 'skipped')) {
          plan.notes.push(
            'diff --read-only created no CloudFormation change set: stack changes show the template, parameters and tags only. Run diff without --read-only (it needs manifests/iam-policy.json) to preview the resource changes inside each stack.',
          );
        }
        outcomes.push(planOutcome(set, plan));
        const text = format === 'json' ? render.renderJson(plan) : format === 'markdown' ? render.renderMarkdown(plan, set.desired) : render.renderText(plan, set.desired);
        texts.push(text.endsWith('\n') ? text : `${text}\n`);
      });
      // One plain FILE: the plan as before (a JSON plan object); several: grouped by RegionSet.
      process.stdout.write(format === 'json' && !inputs.single ? await renderOutcomesJson(outcomes, inputs.order) : texts.join('\n'));
      const codes = outcomes.map((outcome) => outcomeExitCode(outcome, values['detailed-exitcode'] === true));
      return worstExitCode(inputs.failed ? [1, ...codes] : codes);
    });
  });
}
