// The reference regional stack passes cfn-lint (pinned, in the test venv) with no
// finding at all, informational ones included.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCfnLint } from '../support/cfn-lint.js';

const TEMPLATE = 'manifests/stacks/regional-api.yaml';
let cfnLint: string;
let scratch: string;

beforeAll(() => {
  cfnLint = ensureCfnLint();
  scratch = mkdtempSync(join(tmpdir(), 'regional-api-lint-'));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function lint(path: string) {
  const run = spawnSync(cfnLint, ['--include-checks', 'I', '--format', 'parseable', '--', path], { encoding: 'utf8' });
  return { code: run.status, findings: run.stdout.trim(), stderr: run.stderr.trim() };
}

describe('manifests/stacks/regional-api.yaml under cfn-lint', () => {
  it('has no errors, warnings or informational findings', () => {
    expect(lint(TEMPLATE)).toEqual({ code: 0, findings: '', stderr: '' });
  });

  it('would be flagged if it asked a resource for an attribute it does not have', () => {
    // Shows the lint run above is a real check: the same template with one bad GetAtt fails.
    const broken = join(scratch, 'regional-api.yaml');
    const text = readFileSync(TEMPLATE, 'utf8');
    expect(text).toContain('!GetAtt Api.RootResourceId');
    writeFileSync(broken, text.replace('!GetAtt Api.RootResourceId', '!GetAtt Api.RootPath'));

    const result = lint(broken);

    expect(result.code).not.toBe(0);
    expect(result.findings).toMatch(/E1010.*RootPath/);
  });
});
