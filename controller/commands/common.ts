// Pieces shared by the commands that read a manifest and talk to a cloud.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { DesiredState } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';
import type { LiveState } from '../providers/types.js';
import { openCommandTarget, type Target, type TargetOptions } from './target.js';
import { classifyError, UsageError } from '../errors.js';

/** Loads and validates one manifest; prints every issue and returns undefined when invalid. */
export async function loadDesired(file: string): Promise<DesiredState | undefined> {
  const { loadManifestFile, formatIssue, formatWarning } = await import('../manifest/load.js');
  const result = await loadManifestFile(file);
  if (result.ok) {
    for (const warning of result.warnings ?? []) process.stderr.write(`${formatWarning(warning)}\n`);
    // Recorded in the inventory as the RegionSet's file, as the controller names it (runtime/ownership.ts).
    const ownerFile = repoRelativePath(file);
    return ownerFile === undefined ? result.value : { ...result.value, ownerFile };
  }
  for (const issue of result.errors) process.stderr.write(`${formatIssue(issue)}\n`);
  process.stderr.write(`${file}: ${result.errors.length} error(s); nothing was planned or changed.\n`);
  return undefined;
}

/** The file's path from the root of the git work tree holding it (`/` separators); undefined outside one. */
function repoRelativePath(file: string): string | undefined {
  // Not resolving symlinks: the controller names a file by its path in the checkout.
  const real = path.resolve(file);
  if (!existsSync(real)) return undefined;
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return path.relative(dir, real).split(path.sep).join('/');
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Errors a user can act on become one line (classifyError decides); only bugs keep their stack trace. */
function reportFailure(command: string, error: unknown): number {
  const failure = classifyError(error);
  if (failure.kind === 'internal') throw error;
  const hint = failure.kind === 'transient' ? ' (temporary: run again in a moment)' : '';
  process.stderr.write(`regionctl ${command}: ${failure.message}${hint}\n`);
  return failure.exitCode;
}

/**
 * Opens the target (sandbox or AWS), plans the manifest against it and hands both to
 * `body`; user-actionable failures become one line, and the target is always closed.
 */
export async function withPlan(
  command: string,
  options: TargetOptions & { readOnly?: boolean; plannedAt?: number },
  desired: DesiredState,
  body: (target: Target, plan: Plan, live: LiveState) => Promise<number>,
): Promise<number> {
  let opened: Target | undefined;
  try {
    const target = await openCommandTarget(options, [desired]);
    opened = target;
    const { planReconcile } = await import('../reconcile.js');
    // --read-only (diff): no change set previews, so not one write call reaches AWS. A saved
    // plan is planned again at its own time (plannedAt) to be checked, not shown: no previews.
    const previewStacks = options.plannedAt !== undefined ? false : options.readOnly === true ? 'skip' : true;
    const { plan, live } = await planReconcile(desired, target.providers, { now: options.plannedAt ?? target.clock.now(), previewStacks });
    return await body(target, plan, live);
  } catch (error) {
    return reportFailure(command, error);
  } finally {
    opened?.close?.();
  }
}

/**
 * Asks `question` on the terminal; true only for "yes". Without a terminal there is nobody
 * to ask: a UsageError tells to pass --yes (`refusal` says what was not done).
 */
export async function confirmYes(question: string, refusal: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError(`refusing to ${refusal} without confirmation on a non-interactive terminal: pass --yes`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`\n${question} Only "yes" is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
