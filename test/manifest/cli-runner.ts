// The manifest tests run the CLI from its TypeScript sources (no build needed), without colour.
import { REPO_ROOT, runCli as runCliProcess, type CliRun } from '../support/cli.js';

export { REPO_ROOT, type CliRun };

export function runCli(args: string[], cwd = REPO_ROOT): Promise<CliRun> {
  return runCliProcess(args, { cwd, env: { NO_COLOR: '1' }, fromSource: true });
}
