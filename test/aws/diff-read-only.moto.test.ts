// `regionctl diff --read-only` against moto sends no write call (issue 12 item 12): the
// pull-request role may hold manifests/iam-policy-read-only.json only. Every SDK command is
// recorded by the call-counting middleware AwsClients adds to each client's middlewareStack
// (the onCall hook the command passes down), so a CreateChangeSet, a DeleteStack or any
// other write sent by the read-only path fails the test. The default diff is run beside it
// and must send change-set writes: that proves the counter sees writes at all.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudFormationClient, CreateChangeSetCommand, DescribeStacksCommand, ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as diff } from '../../controller/commands/diff.js';
import { startMoto, type Moto } from '../support/moto.js';
import { ensureZone, MOTO_STAND_IN_TEMPLATE, writeMotoExample } from './budget.js';

const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const REGIONS = ['ap-southeast-1', 'eu-west-1', 'us-east-2'];
// Reads are Describe*, List*, Get*: everything else changes something in the account.
const READ = /^(Describe|List|Get)/;

let moto: Moto;
let dir: string;
let manifest: string;
const savedEnv: Record<string, string | undefined> = {};

interface Run {
  code: number;
  stdout: string;
  calls: string[];
}

/** Runs a command in-process against moto, recording every SDK command it sends (service:Operation). */
async function run(command: typeof diff, args: string[]): Promise<Run> {
  const calls: string[] = [];
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await command([...args, '--endpoint-url', moto.endpoint], { onCall: (call) => calls.push(`${call.service}:${call.operation}`) });
    return { code, stdout, calls };
  } finally {
    write.mockRestore();
  }
}

const writes = (calls: string[]) => calls.filter((call) => !READ.test(call.split(':')[1]!));

async function changeSetsAndReviewStacks(): Promise<string[]> {
  const left: string[] = [];
  for (const region of REGIONS) {
    const cfn = new CloudFormationClient({ region, endpoint: moto.endpoint, credentials: CREDENTIALS });
    const stacks = await cfn.send(new DescribeStacksCommand({})).catch(() => ({ Stacks: [] }));
    for (const stack of stacks.Stacks ?? []) {
      if (stack.StackStatus === 'REVIEW_IN_PROGRESS') left.push(`${region} stack ${stack.StackName}`);
      const sets = await cfn.send(new ListChangeSetsCommand({ StackName: stack.StackName! }));
      for (const set of sets.Summaries ?? []) if (set.StackId === stack.StackId) left.push(`${region} change set ${set.ChangeSetName}`);
    }
    cfn.destroy();
  }
  return left;
}

beforeAll(async () => {
  moto = await startMoto();
  for (const [name, value] of Object.entries({ ...moto.env, REGIONCTL_POLL_INTERVAL_MS: '50' })) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
  dir = mkdtempSync(join(tmpdir(), 'regionctl-read-only-'));
  manifest = writeMotoExample(dir, { tables: true });
  await ensureZone(moto.endpoint, 'example.com.');
  // The existing table of the manifest, in its first region, as a 2019.11.21 global table's source.
  const dynamodb = new DynamoDBClient({ region: 'eu-west-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  dynamodb.destroy();
}, 180_000);

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('regionctl diff --read-only against AWS (moto)', () => {
  it('plans three joining regions with zero write calls; the default diff previews through change sets and cleans up', async () => {
    const readOnly = await run(diff, [manifest, '--read-only', '--detailed-exitcode']);
    expect(readOnly.code).toBe(2);
    expect(readOnly.calls.length).toBeGreaterThan(0);
    expect(writes(readOnly.calls)).toEqual([]);
    expect(readOnly.calls).toContain('dynamodb:DescribeTable');
    expect(readOnly.stdout).toMatch(/\+ stack global-api .*resource changes not previewed \(--read-only\)/);
    expect(readOnly.stdout).toMatch(/diff --read-only created no CloudFormation change set/);
    expect(await changeSetsAndReviewStacks()).toEqual([]);

    // The counter sees writes: the default diff creates (and deletes) a change set per stack.
    const preview = await run(diff, [manifest, '--detailed-exitcode']);
    expect(preview.code).toBe(2);
    expect(writes(preview.calls)).toContain('cloudformation:CreateChangeSet');
    expect(preview.stdout).not.toMatch(/not previewed/);
    expect(await changeSetsAndReviewStacks()).toEqual([]);
  }, 120_000);

  it('marks the skipped resource-level preview in JSON and Markdown too, with zero write calls', async () => {
    const json = await run(diff, [manifest, '--read-only', '--output', 'json']);
    expect(writes(json.calls)).toEqual([]);
    const plan = JSON.parse(json.stdout) as { steps: Array<{ action: string; after?: { resourcePreview?: string; templateHash?: string } }>; notes: string[] };
    const stackSteps = plan.steps.filter((step) => step.action === 'stack.create');
    expect(stackSteps.length).toBe(3);
    // The template-level change is there; what it does inside the stack is marked as not known.
    expect(stackSteps.every((step) => step.after?.resourcePreview === 'skipped' && /^[0-9a-f]{8,}/.test(step.after.templateHash ?? ''))).toBe(true);
    expect(plan.notes.some((note) => note.includes('--read-only'))).toBe(true);

    const markdown = await run(diff, [manifest, '--read-only', '--output', 'markdown']);
    expect(writes(markdown.calls)).toEqual([]);
    expect(markdown.stdout).toMatch(/\+ stack global-api .*resource changes not previewed \(--read-only\)/);
    expect(await changeSetsAndReviewStacks()).toEqual([]);
  }, 60_000);

  it('the default diff removes the change set and review-only stack a diff killed before its cleanup left behind', async () => {
    // What a diff killed between CreateChangeSet and DeleteChangeSet/DeleteStack an hour ago leaves
    // for a joining region: its preview change set, in the REVIEW_IN_PROGRESS stack it created.
    const cfn = new CloudFormationClient({ region: 'ap-southeast-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
    const leftover = `regionctl-preview-${(Date.now() - 3_600_000).toString(36)}-0badf00d`;
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'global-api',
        ChangeSetName: leftover,
        ChangeSetType: 'CREATE',
        TemplateBody: MOTO_STAND_IN_TEMPLATE,
        Parameters: [{ ParameterKey: 'Stage', ParameterValue: 'prod' }],
        Tags: [{ Key: 'regionctl:regionset', Value: 'global-api' }],
      }),
    );
    cfn.destroy();
    expect(await changeSetsAndReviewStacks()).toEqual([`ap-southeast-1 stack global-api`, `ap-southeast-1 change set ${leftover}`]);

    // diff --read-only leaves it alone (no write call at all) ...
    const readOnly = await run(diff, [manifest, '--read-only']);
    expect(writes(readOnly.calls)).toEqual([]);
    expect(await changeSetsAndReviewStacks()).toHaveLength(2);

    // ... the next default diff removes it, previews, and leaves nothing behind.
    const next = await run(diff, [manifest, '--detailed-exitcode']);
    expect(next.code).toBe(2);
    expect(next.stdout).toMatch(/\+ stack global-api/);
    expect(await changeSetsAndReviewStacks()).toEqual([]);
  }, 60_000);
});
