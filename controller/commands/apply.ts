// regionctl apply: show the plan, confirm, converge, report.

import { createInterface } from 'node:readline/promises';
import { parseCommandArgs, runCommand, UsageError } from './args.js';
import { loadDesired, withPlan } from './common.js';
import { EXIT_REFUSED, runPlan } from './run-plan.js';
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
      if (!values.yes && !(await confirm(plan.regionSet, plan.steps.length))) {
        process.stderr.write('regionctl apply: not confirmed; nothing was changed.\n');
        return 1;
      }

      return runPlan(target, plan, desired, 'Apply', 'apply');
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
