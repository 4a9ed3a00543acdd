// The invalid-manifest corpus: every file under test/fixtures/invalid/ must be rejected
// with exactly the messages (and line:column) in its .expected sidecar.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatIssue, loadManifestFile } from '../../controller/manifest/load.js';
import { REPO_ROOT, runCli, type CliRun } from './cli-runner.js';

const CORPUS = 'test/fixtures/invalid';
const fixtures = readdirSync(path.join(REPO_ROOT, CORPUS))
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => `${CORPUS}/${name}`);

function expected(fixture: string): string {
  return readFileSync(path.join(REPO_ROOT, fixture.replace(/\.yaml$/, '.expected')), 'utf8');
}

/** metadata.name as written at the top level of a fixture (undefined when it has none). */
function declaredName(fixture: string): string | undefined {
  return /^metadata:\n(?:[ ]+#.*\n)*[ ]+name: ([a-z0-9-]+)\s*$/m.exec(readFileSync(path.join(REPO_ROOT, fixture), 'utf8'))?.[1];
}
const nameCounts = new Map<string, number>();
for (const fixture of fixtures) {
  const name = declaredName(fixture);
  if (name) nameCounts.set(name, (nameCounts.get(name) ?? 0) + 1);
}
const sharedNames = new Set([...nameCounts].filter(([, count]) => count > 1).map(([name]) => name));

describe('invalid manifest corpus', () => {
  it('has at least 40 fixtures, each with its expected output', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    for (const fixture of fixtures) expect(expected(fixture).trim(), fixture).not.toBe('');
  });

  it.each(fixtures)('%s is rejected with the expected messages', async (fixture) => {
    // Loaded by absolute path (independent of the working directory), printed relative to the repo.
    const result = await loadManifestFile(path.join(REPO_ROOT, fixture));
    expect(result.ok).toBe(false);
    const lines = result.ok ? '' : result.errors.map((issue) => `${formatIssue(issue)}\n`).join('');
    expect(lines.split(REPO_ROOT).join('')).toBe(expected(fixture));
  });

  describe('through the CLI (one process for the whole corpus)', () => {
    let text: CliRun;
    let json: CliRun;
    beforeAll(async () => {
      [text, json] = await Promise.all([runCli(['validate', `${CORPUS}/*.yaml`]), runCli(['validate', `${CORPUS}/*.yaml`, '--output', 'json'])]);
    });

    // Most fixtures share metadata.name "shop", so validating them together also reports
    // each of those as a duplicate RegionSet (one line at its name); the rest is per file.
    it('prints exactly the expected lines and exits 1', () => {
      expect(text.code).toBe(1);
      const lines = text.stdout.split('\n').filter(Boolean);
      const duplicates = lines.filter((line) => line.includes('error[duplicate-regionset]'));
      expect(lines.filter((line) => !duplicates.includes(line)).map((line) => `${line}\n`).join('')).toBe(fixtures.map(expected).join(''));
      expect(duplicates.map((line) => line.split(':')[0]).sort()).toEqual(fixtures.filter((fixture) => sharedNames.has(declaredName(fixture) ?? '')));
      expect(text.stderr).toBe(`regionctl validate: ${fixtures.length} of ${fixtures.length} files invalid (${text.stdout.trim().split('\n').length} errors)\n`);
    });

    it('reports every fixture as invalid in JSON, without a stack trace', () => {
      expect(json.code).toBe(1);
      const reports = JSON.parse(json.stdout) as Array<{ file: string; valid: boolean }>;
      expect(reports.map((r) => r.file)).toEqual(fixtures);
      expect(reports.every((r) => !r.valid)).toBe(true);
      expect(json.stderr).not.toMatch(/\bat .*\.(js|ts):\d+/);
    });
  });
});
