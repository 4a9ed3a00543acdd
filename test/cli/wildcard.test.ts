// A wildcard record through the real CLI and a sandbox state file. Route 53 stores `*` as
// the octal escape `\052`; the plan must compare that with the manifest's `*`, or every
// later diff would delete and re-create the live records (issue 12 item 1).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { runCliSync, sandboxFlags } from '../support/cli.js';

let dir: string;
let manifest: string;
let state: string;

function regionctl(...args: string[]) {
  return runCliSync([...args, ...sandboxFlags(state)]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-wildcard-'));
  cpSync('manifests', join(dir, 'manifests'), { recursive: true });
  manifest = join(dir, 'manifests/global-api.yaml');
  state = join(dir, 'sandbox.json');
  const text = readFileSync(manifest, 'utf8');
  expect(text).toMatch(/- name: api\.example\.com\./);
  writeFileSync(manifest, text.replace('- name: api.example.com.', "- name: '*.api.example.com.'"));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a wildcard record name', () => {
  it('converges, is stored as Route 53 spells it, and the next diff is clean', () => {
    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);

    const cloud = SandboxCloud.fromJSON(JSON.parse(readFileSync(state, 'utf8')), { clock: new FakeClock() });
    const names = new Set(cloud.recordsOf('example.com.').filter((r) => r.type !== 'NS' && r.type !== 'SOA' && r.type !== 'TXT').map((r) => r.name));
    expect([...names]).toEqual(['\\052.api.example.com.']);

    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stdout).toMatch(/^No changes\.$/m);
    expect(diff.code).toBe(0);
  });
});
