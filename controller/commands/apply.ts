// regionctl apply: show the plan, confirm, converge, report.

import { parseCommandArgs, runCommand, UsageError } from './args.js';
import { confirmYes, loadDesired, withPlan } from './common.js';
import { EXIT_REFUSED, runPlan } from './run-plan.js';
import { describePlannedWork } from '../plan/summary.js';
import { normaliseSandboxArg, targetOptions } from './target.js';

export async function main(argv: string[]): Promise<number> {
  return runCommand('apply', async () => {
    const { values, positionals } = parseCommandArgs('apply', normaliseSandboxArg(argv));
    if (positionals.length !== 1) throw new UsageError('expected exactly one manifest FILE');
    const desired = await loadDesired(positionals[0]!);
    if (!desired) return 1;

    return withPlan('apply', { ...targetOptions(values), write: true, command: 'apply' }, desired, async (target, plan) => {
      const { renderText } = await import('../plan/render.js');
      process.stdout.write(`${renderText(plan, desired).trimEnd()}\n`);
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

      return runPlan(target, plan, desired, 'Apply', 'apply', { noColor: values['no-color'] === true });
    });
  });
}
