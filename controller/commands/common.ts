// Pieces shared by the commands that read a manifest and talk to a cloud.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { DesiredState, ManifestIssue } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';
import type { LiveState } from '../providers/types.js';
import { openCommandTarget, type Target, type TargetOptions } from './target.js';
import { classifyError, UsageError } from '../errors.js';

/** Loads and validates one manifest; prints every issue (also added to `issues` when given) and returns undefined when invalid. */
export async function loadDesired(file: string, issues?: Array<Pick<ManifestIssue, 'line' | 'column' | 'rule' | 'message' | 'pointer'>>): Promise<DesiredState | undefined> {
  const { loadManifestFile, formatIssue, formatWarning } = await import('../manifest/load.js');
  const result = await loadManifestFile(file);
  if (result.ok) {
    for (const warning of result.warnings ?? []) process.stderr.write(`${formatWarning(warning)}\n`);
    // Recorded in the inventory as the RegionSet's file, as the controller names it (runtime/ownership.ts).
    const ownerFile = repoRelativePath(file);
    return ownerFile === undefined ? result.value : { ...result.value, ownerFile };
  }
  for (const issue of result.errors) process.stderr.write(`${formatIssue(issue)}\n`);
  issues?.push(...result.errors.map(({ line, column, rule, message, pointer }) => ({ line, column, rule, message, pointer })));
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
export function reportFailure(command: string, error: unknown): number {
  return failureLine(`regionctl ${command}: `, error).exitCode;
}

/** One line for a RegionSet that could not be planned (`FILE: message` when several are); its message and exit code. */
export function reportPlanFailure(command: string, file: string | undefined, error: unknown): { message: string; exitCode: number } {
  return failureLine(`regionctl ${command}: ${file === undefined ? '' : `${file}: `}`, error);
}

function failureLine(prefix: string, error: unknown): { message: string; exitCode: number } {
  const failure = classifyError(error);
  if (failure.kind === 'internal') throw error;
  const message = `${failure.message}${failure.kind === 'transient' ? ' (temporary: run again in a moment)' : ''}`;
  process.stderr.write(`${prefix}${message}\n`);
  return { message, exitCode: failure.exitCode };
}

/**
 * Opens the target (sandbox or AWS), plans the manifest against it and hands both to
 * `body`; user-actionable failures become one line, and the target is always closed.
 */
export async function withPlan(
  command: string,
  options: TargetOptions & { readOnly?: boolean },
  desired: DesiredState,
  body: (target: Target, plan: Plan, live: LiveState) => Promise<number>,
): Promise<number> {
  return withPlans(command, options, [desired], async (target, [result]) => ('plan' in result! ? body(target, result.plan, result.live) : reportFailure(command, result!.error)));
}

/** One RegionSet's plan and the live state it was planned from, or why it could not be planned. */
export type PlanResult = { desired: DesiredState; plan: Plan; live: LiveState } | { desired: DesiredState; error: unknown };

/**
 * Several RegionSets on one target (one sandbox lock, one set of AWS clients): each is
 * planned on its own, and one that cannot be planned (its zone is missing, AWS refused a
 * read) does not stop the others. A failure of the target itself (credentials, the
 * sandbox file) and bugs stop them all.
 */
export async function withPlans(
  command: string,
  /** plannedAt: each RegionSet's plan time (a saved plan's, to check it); now otherwise. */
  options: TargetOptions & { readOnly?: boolean; plannedAt?: readonly number[] },
  desired: readonly DesiredState[],
  body: (target: Target, results: PlanResult[]) => Promise<number>,
): Promise<number> {
  let opened: Target | undefined;
  try {
    const target = await openCommandTarget(options, [...desired]);
    opened = target;
    const { planReconcile } = await import('../reconcile.js');
    // --read-only (diff): no change set previews, so not one write call reaches AWS. A saved
    // plan is planned again at its own time (plannedAt) to be checked, not shown: no previews.
    const previewStacks = options.plannedAt !== undefined ? false : options.readOnly === true ? 'skip' : true;
    const results: PlanResult[] = [];
    for (const [i, set] of desired.entries()) {
      try {
        const now = options.plannedAt?.[i] ?? target.clock.now();
        const { plan, live } = await planReconcile(set, target.providers, { now, previewStacks, ...(options.region !== undefined ? { defaultRegion: options.region } : {}) });
        results.push({ desired: set, plan, live });
      } catch (error) {
        if (stopsEveryPlan(error)) throw error;
        results.push({ desired: set, error });
      }
    }
    return await body(target, results);
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

/** Bugs and failures of the target itself (credentials) would fail every RegionSet alike. */
function stopsEveryPlan(error: unknown): boolean {
  const failure = classifyError(error);
  return failure.kind === 'internal' || failure.condition.reason === 'CredentialsError';
}
