// regionctl apply: show the plan, confirm, converge, report.
// Several manifests (files, folders, globs) are planned first, each RegionSet on its own,
// and apply starts only when every one planned cleanly: an invalid manifest, a plan that
// could not be made or a plan refused by a guardrail in any of them changes nothing in all
// of them (no partial surprise). Then one confirmation, and the RegionSets are applied one
// after another; a failure stops the ones not yet started.

import { createInterface } from 'node:readline/promises';
import type { DesiredState } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';
import { parseCommandArgs, runCommand, UsageError } from './args.js';
import { reportPlanFailure, withPlans } from './common.js';
import { loadRegionSets } from './regionsets.js';
import { EXIT_REFUSED, runPlan } from './run-plan.js';
import { normaliseSandboxArg, targetOptions } from './target.js';

export async function main(argv: string[]): Promise<number> {
  return runCommand('apply', async () => {
    const { values, positionals } = parseCommandArgs('apply', normaliseSandboxArg(argv));
    if (positionals.length === 0) throw new UsageError("expected one or more manifest FILEs, folders or quoted glob patterns such as 'manifests/*.yaml'");
    const inputs = await loadRegionSets('apply', positionals);
    if (!inputs) return 1;
    if (inputs.failed) {
      if (!inputs.single) process.stderr.write('regionctl apply: nothing was planned or changed: apply starts only when every manifest given is valid and every pattern matches a file.\n');
      return 1;
    }

    return withPlans('apply', { ...targetOptions(values), write: true, command: 'apply' }, inputs.sets.map((set) => set.desired), async (target, results) => {
      const { renderText } = await import('../plan/render.js');
      const planned: Array<{ desired: DesiredState; plan: Plan }> = [];
      let unplanned = 0;
      results.forEach((result, i) => {
        if (!('plan' in result)) {
          reportPlanFailure('apply', inputs.single ? undefined : inputs.sets[i]!.file, result.error);
          unplanned++;
          return;
        }
        process.stdout.write(`${planned.length > 0 ? '\n' : ''}${renderText(result.plan, result.desired).trimEnd()}\n`);
        planned.push({ desired: result.desired, plan: result.plan });
      });
      if (unplanned > 0) {
        process.stderr.write(`regionctl apply: ${unplanned} of ${results.length} RegionSets could not be planned (above); nothing was changed in any of them.\n`);
        return 1;
      }
      const refused = planned.filter(({ plan }) => plan.refusals.length > 0).map(({ plan }) => plan.regionSet);
      if (refused.length > 0) {
        process.stderr.write(
          inputs.single
            ? 'regionctl apply: the plan was refused by the guardrails above; nothing was changed.\n'
            : `regionctl apply: the plan of ${refused.join(', ')} was refused by the guardrails above; nothing was changed in any RegionSet.\n`,
        );
        return EXIT_REFUSED;
      }
      const toApply = planned.filter(({ plan }) => plan.steps.length > 0);
      if (toApply.length === 0) {
        await target.save();
        return 0;
      }
      if (!values.yes && !(await confirm(toApply.map(({ plan }) => plan)))) {
        process.stderr.write('regionctl apply: not confirmed; nothing was changed.\n');
        return 1;
      }

      for (const [i, { desired, plan }] of toApply.entries()) {
        const code = await runPlan(target, plan, desired, 'Apply', 'apply');
        const notStarted = toApply.slice(i + 1).map((next) => next.plan.regionSet);
        if (code !== 0 && notStarted.length > 0) process.stderr.write(`regionctl apply: not started after that failure: ${notStarted.join(', ')}.\n`);
        if (code !== 0) return code;
      }
      return 0;
    });
  });
}

async function confirm(plans: Plan[]): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UsageError('refusing to apply without confirmation on a non-interactive terminal: pass --yes');
  }
  const steps = plans.reduce((n, plan) => n + plan.steps.length, 0);
  const what = plans.length === 1 ? `RegionSet ${plans[0]!.regionSet}` : `RegionSets ${plans.map((plan) => `${plan.regionSet} (${plan.steps.length})`).join(', ')}`;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`\nApply ${steps} step(s) to ${what}? Only "yes" is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
