// regionctl prune-regionset NAME --zone ZONE --manifests GLOB: removes what an orphaned
// RegionSet (no manifest declares it any more) still owns — its records, health checks,
// stacks and inventory record — through the ordinary planner and executor. The controller
// never deletes an orphan on its own; this command is the explicit way. Global-table
// replicas are kept (their data outlives the RegionSet; remove them by hand if meant).

import { stat } from 'node:fs/promises';
import { readManifestIdentity } from '../manifest/identity.js';
import type { DesiredState } from '../manifest/types.js';
import { parseCommandArgs, runCommand, UsageError } from './args.js';
import { confirmYes, withPlan } from './common.js';
import { EXIT_REFUSED, runPlan } from './run-plan.js';
import { describePlannedWork } from '../plan/summary.js';
import { normaliseSandboxArg, targetOptions } from './target.js';

const USAGE = 'regionctl prune-regionset NAME --zone ZONE --manifests GLOB [--stack-name NAME] [--sandbox PATH] [--yes]';
/** metadata.name as the schema allows it: a DNS label (it is part of the inventory record name). */
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export async function main(argv: string[]): Promise<number> {
  return runCommand('prune-regionset', async () => {
    const { values, positionals } = parseCommandArgs('prune-regionset', normaliseSandboxArg(argv));
    if (positionals.length !== 1) throw new UsageError(`expected exactly one RegionSet NAME. Usage: ${USAGE}`);
    const name = positionals[0]!;
    if (!NAME.test(name)) throw new UsageError(`${JSON.stringify(name)} is not a RegionSet name (lower-case letters, digits and hyphens). Usage: ${USAGE}`);
    const zone = values.zone;
    if (!zone || !/^[a-z0-9.-]+\.?$/i.test(zone)) throw new UsageError(`--zone must name the hosted zone holding the RegionSet's records, e.g. example.com. Usage: ${USAGE}`);
    const stackName = values['stack-name'] ?? name;
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) throw new UsageError(`--stack-name "${stackName}" is not a CloudFormation stack name`);
    const patterns = values.manifests ?? [];
    if (patterns.length === 0) {
      throw new UsageError(`--manifests is required: the manifests of the repository (e.g. 'manifests/*.yaml'), so that a RegionSet still declared is never pruned. Usage: ${USAGE}`);
    }

    // A RegionSet still declared is not an orphan: pruning it would fight the controller.
    const declared = await declaringFiles(patterns, name);
    if (declared.length > 0) {
      for (const place of declared) process.stderr.write(`${place}: error[regionset-declared]: RegionSet ${name} is declared here, so it is not orphaned; delete or rename this manifest first. Nothing was changed.\n`);
      return 1;
    }

    const desired = emptyRegionSet(name, zone, stackName);
    return withPlan('prune-regionset', { ...targetOptions(values), write: true, command: 'prune-regionset' }, desired, async (target, plan) => {
      const { renderText } = await import('../plan/render.js');
      process.stdout.write(`${renderText(plan, desired).trimEnd()}\n`);
      if (plan.steps.length > 0) process.stdout.write(`\nPruning the orphaned RegionSet ${name}: the min-healthy-regions guard is waived for this command only (no region is meant to stay); global-table replicas are kept.\n`);
      if (plan.refusals.length > 0) {
        process.stderr.write('regionctl prune-regionset: the plan was refused by the guardrails above; nothing was changed.\n');
        return EXIT_REFUSED;
      }
      if (plan.steps.length === 0) {
        process.stdout.write(`Nothing of RegionSet ${name} is left in ${zone}.\n`);
        return 0;
      }
      if (!values.yes && !(await confirmYes(`Delete what RegionSet ${name} owns: ${describePlannedWork(plan.summary)}?`, 'prune'))) {
        process.stderr.write('regionctl prune-regionset: not confirmed; nothing was changed.\n');
        return 1;
      }
      return runPlan(target, plan, desired, 'Prune', 'prune-regionset', { noColor: values['no-color'] === true });
    });
  });
}

/** A RegionSet with no region, record or table: planning it removes everything it owns. */
function emptyRegionSet(name: string, zone: string, stackName: string): DesiredState {
  return {
    name,
    file: `prune-regionset ${name}`,
    stack: { name: stackName, templatePath: '', templateBody: '', templateHash: '', capabilities: [], tags: {}, terminationProtection: false, noEchoParameters: [] },
    tables: [],
    dns: { zone: zone.endsWith('.') ? zone : `${zone}.`, records: [] },
    // minHealthyRegions 0: the guard is waived on purpose (said in the output); a drain of one TTL before deleting.
    rollout: { maxParallelRegions: 2, minHealthyRegions: 0, ramp: [100], stepWaitMs: 0, drainWaitMs: 60_000 },
    regions: [],
    syncWindows: [],
  };
}

/** `file:line:col` of every manifest matching the patterns that declares `name`. */
async function declaringFiles(patterns: string[], name: string): Promise<string[]> {
  const { glob } = await import('tinyglobby');
  const files = new Set<string>();
  for (const pattern of patterns) {
    if (!/[*?[\]{}]/.test(pattern)) {
      const info = await stat(pattern).catch(() => undefined);
      if (!info) throw new UsageError(`--manifests ${pattern}: no such file`);
      if (info.isDirectory()) for (const match of await glob('**/*.{yaml,yml}', { cwd: pattern, onlyFiles: true })) files.add(`${pattern.replace(/\/$/, '')}/${match}`);
      else files.add(pattern);
      continue;
    }
    for (const match of await glob(pattern, { onlyFiles: true, expandDirectories: false })) files.add(match);
  }
  const found: string[] = [];
  for (const file of [...files].sort()) {
    // Unreadable or not YAML: it declares nothing.
    const identity = await readManifestIdentity(file);
    if (identity.name === name) found.push(`${file}:${identity.nameLine ?? 1}:${identity.nameColumn ?? 1}`);
  }
  return found;
}
