// regionctl apply: show the plan, confirm, converge, report. Given a saved plan (diff --out),
// apply-saved.ts checks it still holds and carries out exactly its steps.
// Several manifests (files, folders, globs) are planned first, each RegionSet on its own,
// and apply starts only when every one planned cleanly: an invalid manifest, a plan that
// could not be made or a plan refused by a guardrail in any of them changes nothing in all
// of them (no partial surprise). Then one confirmation, and the RegionSets are applied one
// after another; a failure stops the ones not yet started.

import type { DesiredState } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';
import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import { confirmYes, reportPlanFailure, withPlans } from './common.js';
import { loadRegionSets } from './regionsets.js';
import { EXIT_REFUSED, runPlans, showPlan } from './run-plan.js';
import { describePlannedWork, plural } from '../plan/summary.js';
import { normaliseSandboxArg, targetOptions } from './target.js';

export async function main(argv: string[]): Promise<number> {
  return runCommand('apply', async () => {
    const { values, positionals } = parseCommandArgs('apply', normaliseSandboxArg(argv));
    const output = outputFormat(values.output, ['text', 'json']) as 'text' | 'json';
    const noColor = values['no-color'] === true;
    if (positionals.length === 0) throw new UsageError("expected one or more manifest FILEs, folders or quoted glob patterns such as 'manifests/*.yaml', or one saved plan");
    const { readPlanFileIfAny } = await import('./plan-file.js');
    for (const arg of positionals) {
      const saved = await readPlanFileIfAny(arg);
      if (!saved) continue;
      if (positionals.length > 1) throw new UsageError(`${arg} is a saved plan: apply it on its own (it holds the plan of every RegionSet diff --out was given)`);
      return (await import('./apply-saved.js')).applySavedPlan(arg, saved, values, output, noColor);
    }
    // JSON lines own stdout: no question can be asked there.
    if (output === 'json' && !values.yes) throw new UsageError('--output json needs --yes (or a saved plan from diff --out): the confirmation question cannot share stdout with the JSON lines');
    const inputs = await loadRegionSets('apply', positionals);
    if (!inputs) return 1;
    if (inputs.failed) {
      if (!inputs.single) process.stderr.write('regionctl apply: nothing was planned or changed: apply starts only when every manifest given is valid and every pattern matches a file.\n');
      return 1;
    }

    return withPlans('apply', { ...targetOptions(values), write: true, command: 'apply' }, inputs.sets.map((set) => set.desired), async (target, results) => {
      const planned: Array<{ desired: DesiredState; plan: Plan }> = [];
      let unplanned = 0;
      for (const [i, result] of results.entries()) {
        if (!('plan' in result)) {
          reportPlanFailure('apply', inputs.single ? undefined : inputs.sets[i]!.file, result.error);
          unplanned++;
          continue;
        }
        await showPlan(result.plan, result.desired, output, planned.length > 0);
        planned.push({ desired: result.desired, plan: result.plan });
      }
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
      if (!(await syncWindowsAllow(toApply.map(({ desired }) => desired), values['ignore-sync-windows'] === true))) return EXIT_REFUSED;
      if (!values.yes && !(await confirmYes(question(toApply.map(({ plan }) => plan)), 'apply'))) {
        process.stderr.write('regionctl apply: not confirmed; nothing was changed.\n');
        return 1;
      }
      return runPlans(target, toApply, { noColor, output });
    });
  });
}

/** The same counts as the plan lines above, the progress and the final lines. */
function question(plans: Plan[]): string {
  if (plans.length === 1) return `Apply ${describePlannedWork(plans[0]!.summary)} to RegionSet ${plans[0]!.regionSet}?`;
  const total = {
    steps: plans.reduce((n, plan) => n + plan.summary.steps, 0),
    route53ChangeBatches: plans.reduce((n, plan) => n + plan.summary.route53ChangeBatches, 0),
  };
  const each = plans.map((plan) => `${plan.regionSet} (${plural(plan.summary.steps, 'step')})`).join(', ');
  return `Apply ${describePlannedWork(total)} to RegionSets ${each}?`;
}

/**
 * Sync windows hold the CLI as they hold the controller: closed → nothing changes (exit 3),
 * naming the window and when it opens; --ignore-sync-windows applies anyway and says so.
 * Windows are wall-clock time, whatever the target's clock.
 */
async function syncWindowsAllow(sets: DesiredState[], ignore: boolean): Promise<boolean> {
  if (!sets.some((set) => set.syncWindows.length > 0)) return true;
  const { closedSyncWindows } = await import('../manifest/sync-windows.js');
  const closed = closedSyncWindows(sets, Date.now());
  for (const { regionSet, message } of closed) {
    process.stderr.write(
      ignore
        ? `regionctl apply: RegionSet ${regionSet}: ${message}; applying anyway (--ignore-sync-windows).\n`
        : `regionctl apply: RegionSet ${regionSet}: ${message}; nothing was changed${sets.length > 1 ? ' in any RegionSet' : ''}. Apply once it opens, or pass --ignore-sync-windows in an emergency (a running controller: regionctl sync-window override ${regionSet} --reason TEXT).\n`,
    );
  }
  return ignore || closed.length === 0;
}
