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
// A plan file of several RegionSets (diff of several manifests) is all-or-nothing, as apply
// of several manifests is: every plan is checked first, any refusal changes nothing in all
// of them (every reason is named, per RegionSet), then they are applied one after another.

import { existsSync } from 'node:fs';
import type { DesiredState } from '../manifest/types.js';
import { fingerprintLiveState, liveChanges, stepsDiffer, withSecretsRestored } from '../plan/saved.js';
import type { Plan } from '../plan/types.js';
import type { LiveState } from '../providers/types.js';
import { UsageError } from './args.js';
import { loadDesired, reportPlanFailure, withPlans } from './common.js';
import { manifestDigest, savedTarget, targetMismatch, type SavedPlanFile, type SavedRegionSetPlan } from './plan-file.js';
import { EXIT_REFUSED, runPlans, showPlan } from './run-plan.js';
import { worstExitCode } from './regionsets.js';
import { targetIdentityOf, targetOptions } from './target.js';

type TargetValues = Parameters<typeof targetOptions>[0];

const MAX_LISTED = 12;

/** Why one RegionSet's saved plan cannot be applied, and what moved (one per line). */
interface Refusal {
  regionSet: string;
  reason: string;
  details?: string[];
}

/** For each refusal: one line saying why and what to do, then what moved, one per line. */
function refuse(file: string, refusals: readonly Refusal[], several: boolean): number {
  for (const { regionSet, reason, details = [] } of refusals) {
    const listed = details.slice(0, MAX_LISTED).map((line) => `  ${line}\n`).join('');
    const more = details.length > MAX_LISTED ? `  … and ${details.length - MAX_LISTED} more\n` : '';
    const which = several ? `RegionSet ${regionSet}: ` : '';
    process.stderr.write(`regionctl apply: ${file}: ${which}${reason}; nothing was changed${several ? ' in any RegionSet' : ''}.\n${listed}${more}`);
  }
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

/** The checks that need no target: refused when saved, the manifest (and template) unchanged. */
async function checkManifests(file: string, saved: SavedPlanFile): Promise<{ desired: DesiredState[] } | { refusals: Refusal[] } | { invalid: true }> {
  const refusals: Refusal[] = [];
  for (const entry of saved.plans) {
    if (entry.plan.refusals.length === 0) continue;
    const rules = entry.plan.refusals.map((r) => `${r.rule} (${r.resource})`).join(', ');
    refusals.push({ regionSet: entry.region_set, reason: `the plan was refused by guardrails when it was saved (${rules}) and cannot be applied: fix the cause, then ${AGAIN}` });
  }
  if (refusals.length > 0) return { refusals };
  const desired: DesiredState[] = [];
  let invalid = false;
  for (const entry of saved.plans) {
    if (!existsSync(entry.manifest.file)) {
      throw new UsageError(`${file}: the plan's manifest ${entry.manifest.file} does not exist here (a relative path is relative to the directory diff ran in): run apply from that directory`);
    }
    const loaded = await loadDesired(entry.manifest.file);
    if (!loaded) {
      invalid = true;
      continue;
    }
    desired.push(loaded);
    const changedFiles = await manifestChanges(entry, loaded);
    if (changedFiles.length > 0) refusals.push({ regionSet: entry.region_set, reason: `the manifest changed since the plan was saved: ${changedFiles.join(', ')}; ${AGAIN}` });
  }
  if (invalid) return { invalid: true };
  return refusals.length > 0 ? { refusals } : { desired };
}

export async function applySavedPlan(file: string, saved: SavedPlanFile, values: TargetValues, output: 'text' | 'json', noColor = false): Promise<number> {
  const several = saved.plans.length > 1;
  const checked = await checkManifests(file, saved);
  if ('invalid' in checked) return 1;
  if ('refusals' in checked) return refuse(file, checked.refusals, several);
  const desired = checked.desired;

  const options = { ...targetOptions(values), write: true, command: 'apply', plannedAt: saved.plans.map((entry) => entry.plan.plannedAt) };
  // Before opening anything (AWS would first want credentials): the kind, sandbox file and endpoint.
  const early = targetMismatch(saved.target, savedTarget(targetIdentityOf(options), desired.map((set) => ({ desired: set }))));
  if (early) throw new UsageError(`${file}: ${early}`);
  return withPlans('apply', options, desired, async (target, results) => {
    const codes: number[] = [];
    const refusals: Refusal[] = [];
    const ready: Array<{ desired: DesiredState; plan: Plan }> = [];
    const sets: Array<{ desired: DesiredState; live: LiveState }> = [];
    for (const [i, result] of results.entries()) {
      const entry = saved.plans[i]!;
      if (!('plan' in result)) {
        codes.push(reportPlanFailure('apply', several ? `${file}: RegionSet ${entry.region_set}` : undefined, result.error).exitCode);
        continue;
      }
      sets.push({ desired: result.desired, live: result.live });
      const moved = liveChanges(entry.live_state, fingerprintLiveState(result.live, result.desired));
      const differs = moved.length > 0 ? undefined : stepsDiffer(entry.plan, result.plan);
      if (moved.length > 0) refusals.push({ regionSet: entry.region_set, reason: `live state changed since the plan was saved; ${AGAIN}`, details: moved });
      else if (differs) {
        refusals.push({
          regionSet: entry.region_set,
          reason: `planned again from the same manifest and live state, ${differs} (did REGIONCTL_PARAMETER_DIGEST_KEY or the regionctl version change?); ${AGAIN}`,
        });
      } else ready.push({ desired: result.desired, plan: withSecretsRestored(entry.plan, result.plan) });
    }
    if (codes.length === 0) {
      const mismatch = targetMismatch(saved.target, savedTarget(target.identity, sets));
      if (mismatch) throw new UsageError(`${file}: ${mismatch}`);
    }
    if (refusals.length > 0) codes.push(refuse(file, refusals, several));
    if (codes.length > 0) return worstExitCode(codes);

    if (output === 'text') {
      const commits = new Set(saved.plans.map(({ manifest }) => (manifest.git ? `${manifest.git.commit.slice(0, 12)}${manifest.git.dirty ? ' with uncommitted changes' : ''}` : '')));
      const [only] = commits;
      const commit = commits.size === 1 && only ? `, ${several ? 'manifests' : 'manifest'} at commit ${only}` : '';
      const what = several ? `the plans of ${saved.plans.length} RegionSets` : 'the plan';
      process.stdout.write(`Applying ${what} saved in ${file} (${saved.created_at}${commit}); the live state still matches ${several ? 'them' : 'it'}.\n\n`);
    }
    for (const [i, { plan, desired: set }] of ready.entries()) await showPlan(plan, set, output, i > 0);
    const toApply = ready.filter(({ plan }) => plan.steps.length > 0);
    if (toApply.length === 0) {
      await target.save();
      return 0;
    }
    return runPlans(target, toApply, { noColor, output });
  });
}
