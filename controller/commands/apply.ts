// regionctl apply: show the plan, confirm, converge, report. Given a saved plan (diff --out),
// apply-saved.ts checks it still holds and carries out exactly its steps.

import { createInterface } from 'node:readline/promises';
import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import { loadDesired, withPlan } from './common.js';
import { EXIT_REFUSED, runPlan, showPlan } from './run-plan.js';
import { normaliseSandboxArg, targetOptions } from './target.js';

export async function main(argv: string[]): Promise<number> {
  return runCommand('apply', async () => {
    const { values, positionals } = parseCommandArgs('apply', normaliseSandboxArg(argv));
    const output = outputFormat(values.output, ['text', 'json']) as 'text' | 'json';
    if (positionals.length !== 1) throw new UsageError('expected exactly one manifest FILE or saved plan');
    const { readPlanFileIfAny } = await import('./plan-file.js');
    const saved = await readPlanFileIfAny(positionals[0]!);
    if (saved) return (await import('./apply-saved.js')).applySavedPlan(positionals[0]!, saved, values, output);
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
      if (!values.yes && !(await confirm(plan.regionSet, plan.steps.length))) {
        process.stderr.write('regionctl apply: not confirmed; nothing was changed.\n');
        return 1;
      }

      return runPlan(target, plan, desired, 'Apply', 'apply', output);
    });
  });
}

async function confirm(regionSet: string, steps: number): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UsageError('refusing to apply without confirmation on a non-interactive terminal: pass --yes');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`\nApply ${steps} step(s) to RegionSet ${regionSet}? Only "yes" is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
