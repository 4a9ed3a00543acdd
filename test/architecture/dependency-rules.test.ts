// Issue 13 item 7: the architecture rules in .dependency-cruiser.cjs hold for the code,
// and the checker does fail on each kind of violation (fed a small tree that breaks them).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

async function cruise(cwd: string, paths: string[]): Promise<Violation[]> {
  const { stdout } = await promisify(execFile)(DEPCRUISE, [...paths, '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 }).catch(
    // depcruise exits non-zero when it finds violations; the JSON is still on stdout.
    (error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`depcruise failed: ${error.stderr}`);
      return { stdout: error.stdout };
    },
  );
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

it('the code keeps every architecture rule', async () => {
  const violations = await cruise(ROOT, ['controller', 'handlers']);
  expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
}, 120_000);

describe('a tree that breaks the rules', () => {
  let dir: string;
  const files: Record<string, string> = {
    'controller/plan/steps.ts': "import { AwsStackProvider } from '../providers/aws/stacks.js';\nimport { readFileSync } from 'node:fs';\nexport const steps = [AwsStackProvider, readFileSync];\n",
    'controller/providers/aws/stacks.ts': 'export class AwsStackProvider {}\n',
    'controller/runtime/lease.ts': "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = DynamoDBClient;\n",
    'controller/manifest/parse.ts': "import { run } from '../runtime/main.js';\nexport const parse = run;\n",
    'controller/runtime/main.ts': "import { parse } from '../commands/a.js';\nexport const run = parse;\n",
    'controller/commands/a.ts': "import { b } from './b.js';\nexport const parse = b;\nexport const a = 1;\n",
    'controller/commands/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
    'handlers/webhook.ts': "import { run } from '../controller/runtime/main.js';\nexport const handle = run;\n",
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'regionctl-deprules-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true } }));
    // The SDK must resolve for the rule to see it as the SDK.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails naming each broken rule and the import that breaks it', async () => {
    const violations = await cruise(dir, ['controller', 'handlers']);
    const found = violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'plan-is-pure: controller/plan/steps.ts → controller/providers/aws/stacks.ts',
        'plan-does-no-io: controller/plan/steps.ts → fs',
        expect.stringMatching(/^aws-sdk-only-in-aws-provider: controller\/runtime\/lease\.ts → node_modules\/@aws-sdk\/client-dynamodb\//),
        'manifest-and-handlers-are-leaves: controller/manifest/parse.ts → controller/runtime/main.ts',
        'manifest-and-handlers-are-leaves: handlers/webhook.ts → controller/runtime/main.ts',
        expect.stringMatching(/^no-import-cycles: controller\/commands\/(a|b)\.ts → controller\/commands\/(a|b)\.ts$/),
      ]),
    );
  }, 120_000);
});
