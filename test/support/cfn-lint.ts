// cfn-lint, pinned, in the same local venv as moto (.venv), for tests that lint templates.
// moto[server] already pulls cfn-lint in as a dependency; the pin makes the version (and
// so the rules a template is held to) the one the tests were written against.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureMoto, installInVenvOnce } from './moto.js';

export const CFN_LINT_VERSION = '1.58.0';
const VENV = join(process.cwd(), '.venv');
const CFN_LINT = join(VENV, 'bin', 'cfn-lint');

function installedVersion(): string | undefined {
  if (!existsSync(CFN_LINT)) return undefined;
  // "cfn-lint 1.58.0"
  return execFileSync(CFN_LINT, ['--version'], { encoding: 'utf8' }).trim().split(/\s+/).pop();
}

/** Installs the pinned cfn-lint into .venv (created with moto) unless it is there. Safe across processes. */
export function ensureCfnLint(): string {
  ensureMoto();
  installInVenvOnce(
    () => installedVersion() === CFN_LINT_VERSION,
    () => execFileSync(join(VENV, 'bin', 'pip'), ['install', '--quiet', `cfn-lint==${CFN_LINT_VERSION}`], { stdio: 'inherit' }),
  );
  return CFN_LINT;
}
