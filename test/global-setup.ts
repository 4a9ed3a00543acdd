// Builds dist/ once before any test file runs: several files spawn the built CLI, and
// builds started by parallel test files used to rewrite dist/ under running processes.
import { execFileSync } from 'node:child_process';

export default function buildOnce(): void {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
