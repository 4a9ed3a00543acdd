// A wildcard record through the real CLI and a sandbox state file. Route 53 stores `*` as
// the octal escape `\052`; the plan must compare that with the manifest's `*`, or every
// later diff would delete and re-create the live records (issue 12 item 1).
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliWorkspace } from '../support/cli.js';

const { manifest, regionctl, cloud: sandbox } = cliWorkspace('regionctl-wildcard-');

beforeAll(() => {
  const text = readFileSync(manifest, 'utf8');
  expect(text).toMatch(/- name: api\.example\.com\./);
  writeFileSync(manifest, text.replace('- name: api.example.com.', "- name: '*.api.example.com.'"));
});

describe('a wildcard record name', () => {
  it('converges, is stored as Route 53 spells it, and the next diff is clean', () => {
    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);

    const cloud = sandbox();
    const names = new Set(cloud.recordsOf('example.com.').filter((r) => r.type !== 'NS' && r.type !== 'SOA' && r.type !== 'TXT').map((r) => r.name));
    expect([...names]).toEqual(['\\052.api.example.com.']);

    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stdout).toMatch(/^No changes\.$/m);
    expect(diff.code).toBe(0);
  });
});
