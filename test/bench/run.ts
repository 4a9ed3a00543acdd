// npm run bench: every speed figure regionctl promises, as medians over repeated runs.
// `npm run bench -- --json` prints a machine-readable summary instead of the table.
import os from 'node:os';
import { benchValidate } from './validate.bench.js';
import { benchPlan } from './plan.bench.js';
import { benchCli } from './cli.bench.js';
import { benchConvergence } from './convergence.bench.js';
import { benchRuntime } from './runtime.bench.js';
import { quietReconcileFigures } from '../aws/budget.js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
}

const suites: Array<[string, () => Promise<Figure[]>]> = [
  ['validate', benchValidate],
  ['plan', benchPlan],
  ['cli', benchCli],
  ['convergence (sandbox, virtual time)', benchConvergence],
  ['aws calls (moto)', quietReconcileFigures],
  ['running controller', benchRuntime],
];

const json = process.argv.includes('--json');
const figures: Array<Figure & { suite: string }> = [];
for (const [suite, run] of suites) {
  if (!json) process.stderr.write(`bench: ${suite}…\n`);
  for (const figure of await run()) figures.push({ suite, ...figure });
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${os.platform()} ${os.arch()}`;
const date = new Date().toISOString().slice(0, 10);
if (json) {
  process.stdout.write(`${JSON.stringify({ date, machine, figures }, null, 2)}\n`);
} else {
  process.stdout.write(`\nMeasured ${date} on ${machine}\n\n| suite | measurement | median |\n| --- | --- | ---: |\n`);
  for (const f of figures) process.stdout.write(`| ${f.suite} | ${f.name} | ${format(f.value)} ${f.unit} |\n`);
}

function format(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
