// regionctl apply: show the plan, confirm, converge, report. Given a saved plan (diff --out),
// apply-saved.ts checks it still holds and carries out exactly its steps.

import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import { confirmYes, loadDesired, withPlan } from './common.js';
import { EXIT_REFUSED, runPlan, showPlan } from './run-plan.js';
import { describePlannedWork } from '../plan/summary.js';
import { normaliseSandboxArg, targetOptions } from './target.js';

export async function main(argv: string[]): Promise<number> {
  return runCommand('apply', async () => {
    const { values, positionals } = parseCommandArgs('apply', normaliseSandboxArg(argv));
    const output = outputFormat(values.output, ['text', 'json']) as 'text' | 'json';
    if (positionals.length !== 1) throw new UsageError('expected exactly one manifest FILE or saved plan');
    const { readPlanFileIfAny } = await import('./plan-file.js');
    const saved = await readPlanFileIfAny(positionals[0]!);
    if (saved) return (await import('./apply-saved.js')).applySavedPlan(positionals[0]!, saved, values, output, values['no-color'] === true);
    // JSON lines own stdout: no question can be asked there.
    if (output === 'json' && !values.yes) throw new UsageError('--output json needs --yes (or a saved plan from diff --out): the confirmation question cannot share stdout with the JSON lines');
    const desired = await loadDesired(positionals[0]!);
    if (!desired) return 1;

    return withPlan('apply', { ...targetOptions(values), write: true, command: 'apply' }, desired, async (target, plan) => {
      await showPlan(plan, desired, output);
      if (plan.refusals.length > 0) {
        process.stderr.write('regionctl apply: the plan was refused by the guardrails above; nothing was changed.\n');
        return EXIT_REFUSED;
      }
      if (plan.steps.length === 0) {
        await target.save();
        return 0;
      }
      // The same counts as the plan line above, the progress and the final line.
      if (!values.yes && !(await confirmYes(`Apply ${describePlannedWork(plan.summary)} to RegionSet ${plan.regionSet}?`, 'apply'))) {
        process.stderr.write('regionctl apply: not confirmed; nothing was changed.\n');
        return 1;
      }

      return runPlan(target, plan, desired, 'Apply', 'apply', { noColor: values['no-color'] === true, output });
    });
  });
}
