// npm run bench: every speed figure regionctl promises, as medians over repeated runs.
// `npm run bench -- --json` prints a machine-readable summary instead of the table;
// `npm run bench -- --suite 'cold start'` runs the suites whose name starts so.
import os from 'node:os';
import { benchValidate } from './validate.bench.js';
import { benchPlan } from './plan.bench.js';
import { benchColdStart } from './cold-start.bench.js';
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
  ['cold start (Node ' + process.versions.node + ', ratio to floor)', benchColdStart],
  ['convergence (sandbox, virtual time)', benchConvergence],
  ['aws calls (moto)', quietReconcileFigures],
  ['running controller', benchRuntime],
];

const json = process.argv.includes('--json');
const only = process.argv.includes('--suite') ? process.argv[process.argv.indexOf('--suite') + 1] : undefined;
const figures: Array<Figure & { suite: string }> = [];
for (const [suite, run] of suites) {
  if (only !== undefined && !suite.startsWith(only)) continue;
  if (!json) process.stderr.write(`bench: ${suite}…\n`);
  for (const figure of await run()) figures.push({ suite, ...figure });
}

// Other work on the machine moves absolute times; the load average says how much there was.
const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${os.platform()} ${os.arch()}, load average ${load} at the end`;
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
