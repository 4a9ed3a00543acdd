// Cold start of the dry run on the built-in sandbox: the path CI users run on every PR.
import { CLI } from '../support/cli.js';
import { coldStartMs } from './stats.js';
import type { Figure } from './run.js';

export async function benchCli(): Promise<Figure[]> {
  const diff = coldStartMs([CLI, 'diff', 'manifests/global-api.yaml', '--sandbox'], 10);
  return [{ name: 'cold start: `regionctl diff manifests/global-api.yaml --sandbox`', value: diff, unit: 'ms' }];
}
