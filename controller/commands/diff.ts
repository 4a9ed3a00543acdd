// regionctl diff: the dry run. Same plan as apply, printed; nothing is changed.

import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import { loadDesired, withPlan } from './common.js';
import { EXIT_REFUSED } from './run-plan.js';
import { normaliseSandboxArg, targetOptions } from './target.js';

export async function main(argv: string[]): Promise<number> {
  return runCommand('diff', async () => {
    const { values, positionals } = parseCommandArgs('diff', normaliseSandboxArg(argv));
    const format = outputFormat(values.output, ['text', 'json', 'markdown']);
    if (positionals.length !== 1) throw new UsageError('expected exactly one manifest FILE');
    const desired = await loadDesired(positionals[0]!);
    if (!desired) return 1;

    return withPlan('diff', targetOptions(values), desired, async (_target, plan) => {
      const render = await import('../plan/render.js');
      const text =
        format === 'json' ? render.renderJson(plan) : format === 'markdown' ? render.renderMarkdown(plan, desired) : render.renderText(plan, desired);
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      if (plan.refusals.length > 0) return EXIT_REFUSED;
      return plan.steps.length > 0 && values['detailed-exitcode'] ? 2 : 0;
    });
  });
}
