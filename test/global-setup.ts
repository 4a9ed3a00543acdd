// Builds dist/ once before any test file runs: several files spawn the built CLI, and
// builds started by parallel test files used to rewrite dist/ under running processes.
import { execFileSync } from 'node:child_process';

export default function buildOnce(): void {
  // The suite runs on the Node of the `node` devDependency (npm scripts put it first on PATH).
  console.log(`tests run on Node ${process.version}`);
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
