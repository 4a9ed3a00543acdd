// diff and apply over several manifests (files, folders, quoted globs, as validate takes
// them): each RegionSet is loaded and planned on its own, and the output is grouped by
// RegionSet. One plain FILE keeps the single-manifest output of earlier versions (the JSON
// plan object); anything else prints one entry per file. The exit code is the worst of the
// files: 1 error > 3 refused > 2 changes (with --detailed-exitcode) > 0.

import type { DesiredState } from '../manifest/types.js';
import type { Plan } from '../plan/types.js';
import { loadDesired } from './common.js';
import { EXIT_REFUSED } from './run-plan.js';
import { selectManifests, type FileIssue } from './manifest-files.js';

export interface LoadedRegionSet {
  file: string;
  desired: DesiredState;
}

/** What happened to one file, as the JSON output lists it. */
export type FileOutcome =
  | { file: string; result: 'skipped'; reason: string }
  | { file: string; result: 'invalid'; errors: FileIssue[] }
  | { file: string; regionSet: string; result: 'error'; error: string }
  | { file: string; regionSet: string; result: 'no-changes' | 'changes' | 'refused'; plan: Plan };

export interface RegionSetInputs {
  sets: LoadedRegionSet[];
  /** Files skipped (other tools' YAML) or invalid, in the order given. */
  outcomes: FileOutcome[];
  /** A pattern matched nothing, or a file is invalid: the run exits 1 whatever the plans say. */
  failed: boolean;
  /** One plain FILE was given: single-manifest output. */
  single: boolean;
  /** Every file in the order given (outputs list them so). */
  order: string[];
}

/**
 * Expands the arguments and loads every RegionSet among them; prints (on stderr) every file
 * skipped, every pattern that matched nothing and every manifest error. Undefined when there
 * is no RegionSet to plan at all (said on stderr).
 */
export async function loadRegionSets(command: string, args: readonly string[]): Promise<RegionSetInputs | undefined> {
  const selection = await selectManifests(args);
  const inputs: RegionSetInputs = { sets: [], outcomes: [], failed: selection.unmatched.length > 0, single: selection.single, order: selection.order };
  for (const pattern of selection.unmatched) process.stderr.write(`regionctl ${command}: no file matches ${pattern}\n`);
  for (const { file, reason } of selection.skipped) {
    process.stderr.write(`regionctl ${command}: ${file}: ${reason}\n`);
    inputs.outcomes.push({ file, result: 'skipped', reason });
  }
  const { formatIssue } = await import('../manifest/load.js');
  for (const { file, duplicate } of selection.files) {
    const errors: FileIssue[] = [];
    const desired = await loadDesired(file, errors);
    if (duplicate) {
      process.stderr.write(`${formatIssue({ file, ...duplicate })}\n`);
      errors.push(duplicate);
    }
    if (desired && !duplicate) inputs.sets.push({ file, desired });
    else {
      inputs.outcomes.push({ file, result: 'invalid', errors });
      inputs.failed = true;
    }
  }
  if (inputs.sets.length === 0 && !inputs.failed) {
    process.stderr.write(`regionctl ${command}: no RegionSet among ${args.join(' ')}; nothing was planned\n`);
    return undefined;
  }
  return inputs;
}

/** The exit code of several: 1 error > 3 refused > 2 changes > 0. */
export function worstExitCode(codes: Iterable<number>): number {
  const rank = (code: number) => (code === 1 ? 3 : code === 3 ? 2 : code === 2 ? 1 : 0);
  let worst = 0;
  for (const code of codes) if (rank(code) > rank(worst)) worst = code;
  return worst;
}

/** A file's own exit code, as diff would give for it alone. */
export function outcomeExitCode(outcome: FileOutcome, detailedExitCode: boolean): number {
  switch (outcome.result) {
    case 'invalid':
    case 'error':
      return 1;
    case 'refused':
      return EXIT_REFUSED;
    case 'changes':
      return detailedExitCode ? 2 : 0;
    default:
      return 0;
  }
}

/** The outcome of a planned file. */
export function planOutcome(set: LoadedRegionSet, plan: Plan): FileOutcome {
  const result = plan.refusals.length > 0 ? 'refused' : plan.steps.length > 0 ? 'changes' : 'no-changes';
  return { file: set.file, regionSet: plan.regionSet, result, plan };
}

/** The JSON output of several files: one entry per file, its plan as `diff --output json` prints it. */
export async function renderOutcomesJson(outcomes: FileOutcome[], order: readonly string[]): Promise<string> {
  const { renderJson } = await import('../plan/render.js');
  const sorted = [...outcomes].sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file));
  const entries = sorted.map((outcome) => ('plan' in outcome ? { ...outcome, plan: JSON.parse(renderJson(outcome.plan)) as unknown } : outcome));
  return `${JSON.stringify(entries, null, 2)}\n`;
}
