// The example CI workflow (manifests/ci/github-pr-diff.yml) is copied into users'
// repositories as it is: check that it is valid YAML with what makes it work — short-lived
// AWS credentials through OIDC, the permissions to comment, Node 24, npm ci — and that
// every regionctl command and option it runs exists in regionctl's own usage text.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../manifest/cli-runner.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: { pull_request?: unknown };
  permissions: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

const WORKFLOW = 'manifests/ci/github-pr-diff.yml';
const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const scripts = steps.map((step) => step.run ?? '').join('\n');
let overview: string;

beforeAll(async () => {
  const help = await runCli(['--help']);
  expect(help.code).toBe(0);
  overview = help.stdout;
});

describe(WORKFLOW, () => {
  it('runs on pull requests with OIDC and the least permissions it needs', () => {
    expect(workflow.on.pull_request).toBeDefined();
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read', 'pull-requests': 'write' });
  });

  it('assumes a role through aws-actions/configure-aws-credentials, with no stored keys', () => {
    const aws = steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(aws?.with?.['role-to-assume']).toMatch(/\$\{\{ *vars\.\w+ *\}\}/);
    expect(Object.keys(aws?.with ?? {})).not.toContain('aws-access-key-id');
    expect(readFileSync(WORKFLOW, 'utf8')).not.toMatch(/secrets\.AWS_/);
  });

  it('sets up Node 24 and installs with npm ci before running regionctl', () => {
    const node = steps.findIndex((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(String(steps[node]?.with?.['node-version'])).toBe('24');
    const install = steps.findIndex((step) => step.run?.trim() === 'npm ci');
    const firstRegionctl = steps.findIndex((step) => step.run?.includes('regionctl '));
    expect(node).toBeGreaterThanOrEqual(0);
    expect(node).toBeLessThan(install);
    expect(install).toBeLessThan(firstRegionctl);
  });

  it('validates the manifests, then diffs them read-only as Markdown with --detailed-exitcode', () => {
    expect(scripts).toMatch(/npx regionctl validate 'manifests\/\*\.yaml'/);
    expect(scripts).toMatch(/npx regionctl diff "\$manifest" --read-only --output markdown --detailed-exitcode/);
  });

  it('documents the read-only policy as the role\'s policy, and every action it lists is in that policy', () => {
    const text = readFileSync(WORKFLOW, 'utf8');
    expect(text).toContain('manifests/iam-policy-read-only.json');
    const policy = JSON.parse(readFileSync('manifests/iam-policy-read-only.json', 'utf8')) as { Statement: Array<{ Action: string | string[] }> };
    const allowed = new Set(policy.Statement.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action])).map((action) => action.split(':')[1]));
    const header = text.slice(text.indexOf('--read-only: it sends'), text.indexOf('manifests/iam-policy.json is the full policy'));
    const named = [...header.matchAll(/\b((?:Describe|List|Get)\w+)/g)].map((match) => match[1]!);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((action) => !allowed.has(action))).toEqual([]);
  });

  it("uses only commands and options that regionctl's help lists", async () => {
    const invocations = [...scripts.matchAll(/regionctl (\S+)([^\n>|;]*)/g)];
    expect(invocations.length).toBeGreaterThanOrEqual(2);
    for (const [, command, rest] of invocations) {
      expect(overview).toMatch(new RegExp(`^  ${command} `, 'm'));
      const help = await runCli([command!, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: regionctl ${command} `);
      for (const option of rest!.match(/--[a-z-]+/g) ?? []) expect(help.stdout).toMatch(new RegExp(`^ +(?:-\\w, )?${option}\\b`, 'm'));
      if (command === 'diff') expect(help.stdout).toMatch(/--output FORMAT +text \(default\), json or markdown/);
    }
  });

  it('keys each comment by a marker so a push updates it instead of adding one', () => {
    const script = String(steps.find((step) => step.uses?.startsWith('actions/github-script@'))?.with?.['script']);
    expect(script).toContain('<!-- regionctl-pr-diff: ${manifest} -->');
    expect(script).toContain('github.rest.issues.updateComment');
    expect(script).toContain('github.rest.issues.createComment');
  });
});
