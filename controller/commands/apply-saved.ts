// regionctl apply PLANFILE: carries out a plan saved by `diff --out`, exactly its steps, once
// it has shown that nothing it was computed from has moved:
// - the plan was not refused when saved (a refused plan is kept for the record only);
// - the manifest and its template are byte for byte those the plan was computed from;
// - the target is the one it was saved for (the sandbox file; AWS partition, endpoint, account);
// - the live state read now has the saved fingerprint (else the refusal names what moved);
// - planned again now, at the saved plan's own time, the steps are the saved ones (this
//   catches what lies outside both, such as REGIONCTL_PARAMETER_DIGEST_KEY or the planner).
// A refusal changes nothing and exits 3, like a guardrail's: CI can tell "re-plan" (3) from
// "failed while applying" (1). A plan for another target or of an unknown format is a usage
// error (1). No question is asked: the saved plan is what was reviewed.

import { existsSync } from 'node:fs';
import type { DesiredState } from '../manifest/types.js';
import { fingerprintLiveState, liveChanges, stepsDiffer, withSecretsRestored } from '../plan/saved.js';
import { UsageError } from './args.js';
import { loadDesired, withPlan } from './common.js';
import { manifestDigest, savedTarget, targetMismatch, type SavedPlanFile, type SavedRegionSetPlan } from './plan-file.js';
import { EXIT_REFUSED, runPlan, showPlan } from './run-plan.js';
import { targetIdentityOf, targetOptions } from './target.js';

type TargetValues = Parameters<typeof targetOptions>[0];

const MAX_LISTED = 12;

/** One line saying why and what to do, then what moved, one per line. */
function refuse(file: string, reason: string, details: string[] = []): number {
  const listed = details.slice(0, MAX_LISTED).map((line) => `  ${line}\n`).join('');
  const more = details.length > MAX_LISTED ? `  … and ${details.length - MAX_LISTED} more\n` : '';
  process.stderr.write(`regionctl apply: ${file}: ${reason}; nothing was changed.\n${listed}${more}`);
  return EXIT_REFUSED;
}

const AGAIN = 'run diff --out again';

/** Which of the saved files now differ; empty when the manifest is as saved. */
async function manifestChanges(entry: SavedRegionSetPlan, desired: DesiredState): Promise<string[]> {
  const now = await manifestDigest(entry.manifest.file, desired);
  if (now.digest === entry.manifest.digest) return [];
  const before = new Map(entry.manifest.files.map((f) => [f.path, f.sha256]));
  const changed = now.files.filter((f) => before.get(f.path) !== f.sha256).map((f) => f.path);
  return changed.length > 0 ? changed : [entry.manifest.file];
}

export async function applySavedPlan(file: string, saved: SavedPlanFile, values: TargetValues, output: 'text' | 'json', noColor = false): Promise<number> {
  if (saved.plans.length !== 1) throw new UsageError(`${file} holds plans of ${saved.plans.length} RegionSets; this regionctl applies a plan file of one`);
  const entry = saved.plans[0]!;
  if (entry.plan.refusals.length > 0) {
    const rules = entry.plan.refusals.map((r) => `${r.rule} (${r.resource})`).join(', ');
    return refuse(file, `the plan was refused by guardrails when it was saved (${rules}) and cannot be applied: fix the cause, then ${AGAIN}`);
  }
  if (!existsSync(entry.manifest.file)) {
    throw new UsageError(`${file}: the plan's manifest ${entry.manifest.file} does not exist here (a relative path is relative to the directory diff ran in): run apply from that directory`);
  }
  const desired = await loadDesired(entry.manifest.file);
  if (!desired) return 1;
  const changedFiles = await manifestChanges(entry, desired);
  if (changedFiles.length > 0) return refuse(file, `the manifest changed since the plan was saved: ${changedFiles.join(', ')}; ${AGAIN}`);

  const options = { ...targetOptions(values), write: true, command: 'apply', plannedAt: entry.plan.plannedAt };
  // Before opening anything (AWS would first want credentials): the kind, sandbox file and endpoint.
  const early = targetMismatch(saved.target, savedTarget(targetIdentityOf(options), desired));
  if (early) throw new UsageError(`${file}: ${early}`);
  return withPlan('apply', options, desired, async (target, recomputed, live) => {
    const mismatch = targetMismatch(saved.target, savedTarget(target.identity, desired, live));
    if (mismatch) throw new UsageError(`${file}: ${mismatch}`);
    const moved = liveChanges(entry.live_state, fingerprintLiveState(live, desired));
    if (moved.length > 0) return refuse(file, `live state changed since the plan was saved; ${AGAIN}`, moved);
    const differs = stepsDiffer(entry.plan, recomputed);
    if (differs) {
      return refuse(file, `planned again from the same manifest and live state, ${differs} (did REGIONCTL_PARAMETER_DIGEST_KEY or the regionctl version change?); ${AGAIN}`);
    }
    const plan = withSecretsRestored(entry.plan, recomputed);
    if (output === 'text') {
      const commit = entry.manifest.git ? `, manifest at commit ${entry.manifest.git.commit.slice(0, 12)}${entry.manifest.git.dirty ? ' with uncommitted changes' : ''}` : '';
      process.stdout.write(`Applying the plan saved in ${file} (${saved.created_at}${commit}); the live state still matches it.\n\n`);
    }
    await showPlan(plan, desired, output);
    if (plan.steps.length === 0) {
      await target.save();
      return 0;
    }
    return runPlan(target, plan, desired, 'Apply', 'apply', { noColor, output });
  });
}
