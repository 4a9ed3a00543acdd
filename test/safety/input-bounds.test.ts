// Issue #11, item 6 (manifest text): a record that would overwrite regionctl's own inventory
// record, bytes that are not UTF-8, and nesting deep enough to overflow the parser's stack.
// Each is refused by the loader (validate, diff, apply and the controller share it) with one
// line at file:line:column naming the rule, instead of being accepted, silently altered
// (U+FFFD) or reported as "Maximum call stack size exceeded".
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadManifestFile } from '../../controller/manifest/load.js';
import type { LoadResult, ManifestIssue } from '../../controller/manifest/types.js';
import { inventoryName } from '../../controller/plan/identity.js';
import { AlwaysLeader } from '../../controller/runtime/leases.js';
import { silentLogger } from '../../controller/runtime/logger.js';
import { reconcileRegionSet } from '../../controller/runtime/reconciler.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import { sandboxWorld } from '../runtime/helpers.js';
import { CLI } from '../support/cli.js';

const EXAMPLE = readFileSync('manifests/global-api.yaml', 'utf8');
const RECORD = '      - name: api.example.com.\n';

let repo: string;
let manifest: string;

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'regionctl-bounds-'));
  mkdirSync(join(repo, '.git'));
  mkdirSync(join(repo, 'manifests'));
  cpSync('manifests/stacks', join(repo, 'manifests/stacks'), { recursive: true });
  manifest = join(repo, 'manifests/global-api.yaml');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

function write(content: string | Buffer): void {
  writeFileSync(manifest, content);
}

/** The example with one more latency record named `name`, and where its name is. */
function withRecord(name: string): { text: string; line: number; column: number } {
  expect(EXAMPLE).toContain(RECORD);
  const extra = `      - name: ${name}\n        routing: latency\n        target: ApiDomainName\n`;
  const text = EXAMPLE.replace(RECORD, `${extra}${RECORD}`);
  const line = text.split('\n').findIndex((l) => l === `      - name: ${name}`) + 1;
  return { text, line, column: '      - name: '.length + 1 };
}

function onlyError(result: LoadResult): ManifestIssue {
  if (result.ok) throw new Error('the manifest loaded; expected a refusal');
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]!.message).not.toMatch(/\n/);
  return result.errors[0]!;
}

describe('record names reserved for regionctl', () => {
  it("refuses a record named like this RegionSet's own inventory record (_regionctl.global-api.example.com.)", async () => {
    const name = inventoryName('global-api', 'example.com.');
    expect(name).toBe('_regionctl.global-api.example.com.');
    const { text, line, column } = withRecord(name);
    write(text);
    expect(onlyError(await loadManifestFile(manifest))).toEqual({
      file: manifest,
      line,
      column,
      rule: 'reserved-record-name',
      pointer: '/spec/dns/records/0/name',
      message: `record ${name} uses the label _regionctl, which regionctl reserves for its inventory records (_regionctl.<RegionSet>.<zone>); rename the record`,
    });
  });

  it("refuses a record under _regionctl. (another RegionSet's inventory), written without the trailing dot and in upper case", async () => {
    const { text, line, column } = withRecord('_REGIONCTL.other-set.example.com');
    write(text);
    expect(onlyError(await loadManifestFile(manifest))).toMatchObject({ line, column, rule: 'reserved-record-name' });
  });

  it('validate prints the refusal as one line at the record name and exits 1', () => {
    const { text, line, column } = withRecord('_regionctl.global-api.example.com.');
    write(text);
    const run = spawnSync(process.execPath, [CLI, 'validate', 'manifests/global-api.yaml'], { cwd: repo, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      `manifests/global-api.yaml:${line}:${column}: error[reserved-record-name]: record _regionctl.global-api.example.com. uses the label _regionctl, which regionctl reserves for its inventory records (_regionctl.<RegionSet>.<zone>); rename the record`,
    ]);
  });

  it('still accepts a record whose name merely contains "regionctl" (regionctl.example.com.)', async () => {
    write(withRecord('regionctl.example.com.').text);
    expect((await loadManifestFile(manifest)).ok).toBe(true);
  });
});

describe('invalid UTF-8', () => {
  /** The example with `bytes` spliced into the comment of the template line, and where they are. */
  function withBytes(bytes: number[]): { content: Buffer; line: number; column: number; offset: number } {
    const marker = '# relative to this file';
    const [head, tail] = EXAMPLE.split(marker) as [string, string];
    const prefix = `${head}# caf`;
    const content = Buffer.concat([Buffer.from(prefix), Buffer.from(bytes), Buffer.from(` relative to this file${tail}`)]);
    const lines = prefix.split('\n');
    return { content, line: lines.length, column: lines.at(-1)!.length + 1, offset: Buffer.byteLength(prefix) };
  }

  it('refuses a Latin-1 byte (0xE9 for é) with its line, column and byte offset instead of replacing it with U+FFFD', async () => {
    const { content, line, column, offset } = withBytes([0xe9]);
    write(content);
    expect(onlyError(await loadManifestFile(manifest))).toEqual({
      file: manifest,
      line,
      column,
      rule: 'invalid-utf8',
      pointer: '',
      message: `byte 0xe9 at byte offset ${offset} is not valid UTF-8 (an incomplete or overlong character); manifests must be UTF-8: save the file as UTF-8 and retype the character there`,
    });
  });

  it('refuses a byte that can never start a character (0xFF) in a record name, at its position', async () => {
    const { text, line, column } = withRecord('api.example.com.');
    const at = text.indexOf('api.example.com.');
    const content = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff]), Buffer.from(text.slice(at))]);
    write(content);
    expect(onlyError(await loadManifestFile(manifest))).toMatchObject({ line, column, rule: 'invalid-utf8', message: expect.stringMatching(/^byte 0xff at byte offset \d+ is not valid UTF-8 \(it cannot start a character\)/) });
  });

  it('refuses an overlong encoding (0xC0 0xAF, a disguised "/")', async () => {
    const { content, line, column } = withBytes([0xc0, 0xaf]);
    write(content);
    expect(onlyError(await loadManifestFile(manifest))).toMatchObject({ line, column, rule: 'invalid-utf8', message: expect.stringMatching(/^byte 0xc0 /) });
  });

  it('refuses an encoded UTF-16 surrogate (0xED 0xA0 0x80)', async () => {
    const { content, line, column } = withBytes([0xed, 0xa0, 0x80]);
    write(content);
    expect(onlyError(await loadManifestFile(manifest))).toMatchObject({ line, column, rule: 'invalid-utf8' });
  });

  it('refuses a file that ends inside a multi-byte character', async () => {
    const content = Buffer.concat([Buffer.from(EXAMPLE), Buffer.from('# €'.slice(0, 2)), Buffer.from([0xe2, 0x82])]);
    write(content);
    const lines = EXAMPLE.split('\n');
    expect(onlyError(await loadManifestFile(manifest))).toMatchObject({ line: lines.length, column: 3, rule: 'invalid-utf8', message: expect.stringMatching(/the file ends inside a character/) });
  });

  it('accepts a UTF-8 byte order mark and real UTF-8 (é, €, emoji) in comments', async () => {
    write(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(EXAMPLE.replace('# relative to this file', '# café € 🚀'))]));
    const result = await loadManifestFile(manifest);
    expect(result.ok && result.value.name).toBe('global-api');
  });
});

describe('deep nesting', () => {
  const nestedParameter = (open: string, close: string, depth: number) =>
    EXAMPLE.replace('parameters: { Stage: prod, TableName: orders }', `parameters: { Stage: ${open.repeat(depth)}${close.repeat(depth)}, TableName: orders }`);
  const parametersAt = (text: string) => {
    const line = text.split('\n').findIndex((l) => l.startsWith('    parameters: { Stage: ')) + 1;
    return { line };
  };

  it('a value nested 100,000 flow sequences deep gets "nested deeper than 64 levels" at its line, not "Maximum call stack size exceeded"', async () => {
    const text = nestedParameter('[', ']', 100_000);
    write(text);
    const issue = onlyError(await loadManifestFile(manifest));
    expect(issue).toMatchObject({ ...parametersAt(text), rule: 'nesting-too-deep', message: 'lists and mappings are nested deeper than 64 levels here; a manifest needs far fewer, so flatten the value' });
    // At the first flow collection past the limit: parameters' own "{" is the first, so "[" number 64.
    expect(issue.column).toBe('    parameters: { Stage: '.length + 64);
  });

  it('flow mappings nested 10,000 deep get the same clear message', async () => {
    const text = nestedParameter('{a: ', '}', 10_000);
    write(text);
    expect(onlyError(await loadManifestFile(manifest))).toMatchObject({ ...parametersAt(text), rule: 'nesting-too-deep' });
  });

  it('block mappings nested 1,000 deep (indentation only) get the clear message, at the first line past the limit', async () => {
    let block = 'extra:\n';
    for (let depth = 1; depth <= 1_000; depth++) block += `${' '.repeat(depth)}k${depth}:\n`;
    write(`${EXAMPLE}${block}${' '.repeat(1_001)}end\n`);
    const issue = onlyError(await loadManifestFile(manifest));
    expect(issue.rule).toBe('nesting-too-deep');
    expect(issue.line).toBe(EXAMPLE.split("\n").length + 64);
  });

  it('validate reports the 100,000-deep document on one line, exit 1, no stack trace', () => {
    write(nestedParameter('[', ']', 100_000));
    const run = spawnSync(process.execPath, [CLI, 'validate', 'manifests/global-api.yaml'], { cwd: repo, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^manifests\/global-api\.yaml:\d+:\d+: error\[nesting-too-deep\]: lists and mappings are nested deeper than 64 levels here; a manifest needs far fewer, so flatten the value\n$/);
    expect(run.stderr).not.toMatch(/Maximum call stack|\n\s+at /);
  });
});

describe('through the controller: stalled at the position, no AWS call, cloud unchanged', () => {
  async function stalledAfterConverging(content: string | Buffer) {
    const world = sandboxWorld();
    const options = { mode: 'apply' as const, targets: new SandboxTargets({ cloud: world.cloud }), leases: new AlwaysLeader(), logger: silentLogger(), isSuspended: () => false };
    const request = (revision: string) => ({ regionSet: 'global-api', root: repo, file: 'manifests/global-api.yaml', revision, reasons: ['test'] });
    write(EXAMPLE);
    expect((await reconcileRegionSet(request('rev-1'), options)).kind).toBe('applied');
    const before = JSON.stringify(world.cloud.toJSON());
    world.cloud.calls.reset();
    write(content);
    const outcome = await reconcileRegionSet(request('rev-2'), options);
    expect(outcome.kind).toBe('stalled');
    expect(world.cloud.calls.count()).toBe(0);
    expect(JSON.stringify(world.cloud.toJSON())).toBe(before);
    return outcome.issues ?? [];
  }

  it('a 100,000-deep document pushed to the controller stalls with nesting-too-deep, not a stack overflow', async () => {
    const text = EXAMPLE.replace('parameters: { Stage: prod, TableName: orders }', `parameters: { Stage: ${'['.repeat(100_000)}${']'.repeat(100_000)} }`);
    const issues = await stalledAfterConverging(text);
    expect(issues).toEqual([
      {
        file: 'manifests/global-api.yaml',
        line: text.split('\n').findIndex((l) => l.startsWith('    parameters: ')) + 1,
        column: '    parameters: { Stage: '.length + 64,
        rule: 'nesting-too-deep',
        message: 'lists and mappings are nested deeper than 64 levels here; a manifest needs far fewer, so flatten the value',
      },
    ]);
  });

  it('a manifest with a Latin-1 byte pushed to the controller stalls with invalid-utf8 at its line', async () => {
    const at = EXAMPLE.indexOf('name: global-api\nspec:');
    const issues = await stalledAfterConverging(Buffer.concat([Buffer.from(EXAMPLE.slice(0, at)), Buffer.from('name: global-api'), Buffer.from([0xe9]), Buffer.from(EXAMPLE.slice(at + 'name: global-api'.length))]));
    expect(issues).toMatchObject([{ file: 'manifests/global-api.yaml', line: EXAMPLE.slice(0, at).split('\n').length, column: '  name: global-api'.length + 1, rule: 'invalid-utf8' }]);
  });

  it('a record named as the inventory pushed to the controller stalls with reserved-record-name', async () => {
    const { text, line, column } = withRecord('_regionctl.global-api.example.com.');
    expect(await stalledAfterConverging(text)).toMatchObject([{ line, column, rule: 'reserved-record-name' }]);
  });
});
