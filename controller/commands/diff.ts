// regionctl diff: the dry run. Same plan as apply, printed; nothing is changed.
// By default each stack change is previewed through a CloudFormation change set (created,
// read, deleted again, with the empty review stack of a joining region). --read-only sends
// no write call at all: the template-level changes are shown, the resource-level preview is
// marked as skipped, and the identity needs only manifests/iam-policy-read-only.json.
// --out FILE also saves the plan for `regionctl apply FILE` (commands/plan-file.ts): the
// plans of every RegionSet given, in one file, or none when one of them could not be planned
// (apply of a saved plan is all-or-nothing, as apply of several manifests is).

import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import type { DesiredState } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';
import type { LiveState } from '../providers/types.js';
import { reportPlanFailure, withPlans } from './common.js';
import { loadRegionSets, outcomeExitCode, planOutcome, renderOutcomesJson, worstExitCode } from './regionsets.js';
import { normaliseSandboxArg, targetOptions, type Target, type TargetOptions } from './target.js';

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
    if (values.out !== undefined && options.sandbox === true) {
      throw new UsageError('--out needs a sandbox state file (--sandbox PATH.json): an in-memory sandbox is gone when diff ends, so its plan could never be applied');
    }
    if (values.out !== undefined) (await import('./plan-file.js')).checkPlanOut(values.out);
    return withPlans('diff', options, inputs.sets.map((set) => set.desired), async (target, results) => {
      const render = await import('../plan/render.js');
      const outcomes = [...inputs.outcomes];
      const windowed = inputs.sets.filter((set) => set.desired.syncWindows.length > 0).map((set) => set.desired);
      const closed = windowed.length ? (await import('../manifest/sync-windows.js')).closedSyncWindows(windowed, Date.now()) : [];
      const texts: string[] = [];
      const planned: Array<{ file: string; desired: DesiredState; plan: Plan; live: LiveState }> = [];
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
        const window = closed.find((c) => c.regionSet === set.desired.name);
        if (window && plan.steps.length > 0) plan.notes.push(`sync window closed: ${window.message}; regionctl apply refuses until then (--ignore-sync-windows in an emergency), and a running controller plans without applying`);
        outcomes.push(planOutcome(set, plan));
        planned.push({ file: set.file, desired: set.desired, plan, live: result.live });
        const text = format === 'json' ? render.renderJson(plan) : format === 'markdown' ? render.renderMarkdown(plan, set.desired) : render.renderText(plan, set.desired);
        texts.push(text.endsWith('\n') ? text : `${text}\n`);
      });
      // One plain FILE: the plan as before (a JSON plan object); several: grouped by RegionSet.
      process.stdout.write(format === 'json' && !inputs.single ? await renderOutcomesJson(outcomes, inputs.order) : texts.join('\n'));
      if (values.out !== undefined) await savePlans(values.out, target, planned, inputs.failed || planned.length < results.length, format === 'text' ? process.stdout : process.stderr);
      const codes = outcomes.map((outcome) => outcomeExitCode(outcome, values['detailed-exitcode'] === true));
      return worstExitCode(inputs.failed ? [1, ...codes] : codes);
    });
  });
}

/**
 * diff --out: every RegionSet's plan in one file. `incomplete` (a manifest invalid, a pattern
 * matching nothing, a RegionSet not planned): nothing is saved, since applying the rest would
 * skip one silently.
 */
async function savePlans(
  out: string,
  target: Target,
  planned: Array<{ file: string; desired: DesiredState; plan: Plan; live: LiveState }>,
  incomplete: boolean,
  notes: NodeJS.WritableStream,
): Promise<void> {
  if (incomplete) {
    process.stderr.write(`regionctl diff: the plan was not saved to ${out}: not every manifest given could be planned (above); fix them and run diff --out again.\n`);
    return;
  }
  const { savedEntry, writePlanFile } = await import('./plan-file.js');
  const entries = [];
  for (const { file, desired, plan, live } of planned) entries.push(await savedEntry(file, desired, plan, live));
  await writePlanFile(out, target, planned, entries);
  const refused = planned.filter(({ plan }) => plan.refusals.length > 0).map(({ plan }) => plan.regionSet);
  const what = planned.length === 1 ? 'the plan' : `the plans of ${planned.length} RegionSets (${planned.map(({ plan }) => plan.regionSet).join(', ')})`;
  const next =
    refused.length === 0
      ? `apply ${planned.length === 1 ? 'it' : 'them'} with: regionctl apply ${out}`
      : planned.length === 1
        ? 'refused plans cannot be applied'
        : `refused plans cannot be applied: ${refused.join(', ')}; nor can the others from this file`;
  notes.write(`\nSaved ${what} to ${out} (${next}).\n`);
}
