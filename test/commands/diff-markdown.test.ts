// Golden files for `regionctl diff --output markdown`, the pull-request comment: one for
// adding a region, one for draining one. Each starts from a sandbox converged on
// manifests/global-api.yaml (applied in-process with a FakeClock, so ids are the same on
// every run), edits the manifest with the real add-region / drain-region commands and runs
// the built CLI's diff, as CI would.
//
// The files are compared byte for byte. After an intended change to the Markdown, rewrite
// them and review the diff like any other change:
//
//   UPDATE_GOLDEN=1 npx vitest run test/commands/diff-markdown.test.ts
//
// The stack template is test/fixtures/markdown/stacks/regional-api.yaml, a small stand-in
// for the reference stack, so the goldens change only when the Markdown does.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { loadManifestFile } from '../../controller/manifest/load.js';
import { SandboxCloud, saveSandbox } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { runCliSync } from '../support/cli.js';

const GOLDEN_DIR = join(process.cwd(), 'test/fixtures/markdown');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
let dir: string;

function regionctl(...args: string[]) {
  return runCliSync(args, { cwd: dir });
}

/** Converges the sandbox on the manifest in dir and saves it as dir/converged.json. */
async function convergedSandbox(): Promise<void> {
  const loaded = await loadManifestFile(join(dir, 'global-api.yaml'));
  if (!loaded.ok) throw new Error(`the example does not load: ${JSON.stringify(loaded.errors)}`);
  const desired = loaded.value;
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const cloud = new SandboxCloud({ clock });
  // What `--sandbox` seeds as well: the zone, and the table in the first active region.
  cloud.seedZone(desired.dns.zone);
  cloud.seedTable('orders', desired.regions.find((r) => r.state === 'active')!.code);
  for (let round = 0; round < 3; round++) {
    const { plan } = await planReconcile(desired, cloud.providers(), { now: clock.now(), previewStacks: true });
    if (plan.steps.length === 0) break;
    const result = await execute(plan, cloud.providers(), { clock, maxParallelRegions: 2, regionSet: desired.name, stackName: desired.stack.name });
    expect(result.failed).toEqual([]);
  }
  await saveSandbox(cloud, join(dir, 'converged.json'));
}

function checkGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (UPDATE) {
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `${file} is missing: create it with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual, `${name} is out of date: if the change is intended, run UPDATE_GOLDEN=1 npx vitest run test/commands/diff-markdown.test.ts`).toBe(
    readFileSync(file, 'utf8'),
  );
}

/** The example as committed, then one region edit, then the Markdown diff against the converged sandbox. */
function markdownAfter(edit: string[]): string {
  copyFileSync('manifests/global-api.yaml', join(dir, 'global-api.yaml'));
  const edited = regionctl(...edit);
  expect(edited.stderr).toBe('');
  expect(edited.code).toBe(0);
  const diff = regionctl('diff', 'global-api.yaml', '--sandbox', 'converged.json', '--output', 'markdown', '--detailed-exitcode');
  expect(diff.stderr).toBe('');
  expect(diff.code).toBe(2);
  return diff.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-markdown-'));
  copyFileSync('manifests/global-api.yaml', join(dir, 'global-api.yaml'));
  cpSync(join(GOLDEN_DIR, 'stacks'), join(dir, 'stacks'), { recursive: true });
  await convergedSandbox();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diff --output markdown golden files', () => {
  it('the converged sandbox has nothing to change', () => {
    copyFileSync('manifests/global-api.yaml', join(dir, 'global-api.yaml'));
    const diff = regionctl('diff', 'global-api.yaml', '--sandbox', 'converged.json', '--output', 'markdown', '--detailed-exitcode');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toBe('<!-- regionctl diff: global-api -->\n### regionctl diff: `global-api` (`global-api.yaml`)\n\nNo changes.\n');
  });

  it('add-region.md: sa-east-1 joins', () => {
    const markdown = markdownAfter(['add-region', 'global-api.yaml', 'sa-east-1']);
    expect(markdown).toContain('**1 region joining** (sa-east-1) · traffic: sa-east-1 starts serving (latency) · replicas: +orders in sa-east-1 · no data-loss risk');
    checkGolden('add-region.md', markdown);
  });

  it('drain-region.md: eu-west-1 drains', () => {
    const markdown = markdownAfter(['drain-region', 'global-api.yaml', 'eu-west-1']);
    expect(markdown).toContain('**1 region draining** (eu-west-1) · traffic: eu-west-1 stops serving (latency) · no replica added or removed · no data-loss risk');
    checkGolden('drain-region.md', markdown);
  });

  it('never prints where the files live (no temp paths)', () => {
    for (const name of ['add-region.md', 'drain-region.md']) expect(readFileSync(join(GOLDEN_DIR, name), 'utf8')).not.toContain(tmpdir());
  });
});
