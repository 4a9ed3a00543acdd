// Cold start of the commands CI runs on every pull request, each against its floor: a
// script that only loads the same libraries, bundled with the CLI's own esbuild settings
// (scripts/bundle.ts). `validate` and `diff --sandbox` against yaml + ajv, `diff` against
// AWS (a local moto) against yaml + ajv + the three SDK clients, each imported and
// constructed. Both sides run with the same on-disk compile cache (NODE_COMPILE_CACHE, a
// fresh directory warmed by unmeasured runs, as a user's second run finds it), and their
// runs are interleaved so that the load of a shared machine meets both alike.
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleOptions } from '../../scripts/bundle.js';
import { MOTO_STAND_IN_TEMPLATE, threeRegionManifest } from '../aws/budget.js';
import { CLI, REPO_ROOT } from '../support/cli.js';
import { startMoto, type Moto } from '../support/moto.js';
import type { Figure } from './run.js';
import { coldStartsMs, type ColdStart } from './stats.js';

const RUNS = 40;
const WARMUP = 3;

interface Measured {
  command: string;
  run: ColdStart;
  floor: keyof typeof FLOORS;
  target: number;
}

const FLOORS = {
  'yaml + ajv': 'test/bench/floors/yaml-ajv.ts',
  'yaml + ajv + 3 AWS SDK clients': 'test/bench/floors/yaml-ajv-sdk.ts',
};

/** The floor scripts, bundled like the CLI into dir; returns the path of each. */
async function buildFloors(dir: string): Promise<Record<keyof typeof FLOORS, string>> {
  const names = Object.keys(FLOORS) as Array<keyof typeof FLOORS>;
  const entryPoints = Object.fromEntries(names.map((name, i) => [`floor${i}`, join(REPO_ROOT, FLOORS[name])]));
  await build({ ...bundleOptions(entryPoints, dir), absWorkingDir: REPO_ROOT });
  return Object.fromEntries(names.map((name, i) => [name, join(dir, `floor${i}.mjs`)])) as Record<keyof typeof FLOORS, string>;
}

/** An empty account with the example's hosted zone and table, and the manifest (moto's stand-in template) in dir. */
async function motoAccount(moto: Moto, dir: string): Promise<string> {
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const route53 = new Route53Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  await route53.send(new CreateHostedZoneCommand({ Name: 'example.com.', CallerReference: 'cold-start-bench' }));
  route53.destroy();
  const dynamodb = new DynamoDBClient({ region: 'eu-west-1', endpoint: moto.endpoint, credentials });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  dynamodb.destroy();
  mkdirSync(join(dir, 'stacks'), { recursive: true });
  writeFileSync(join(dir, 'stacks/regional-api.yaml'), MOTO_STAND_IN_TEMPLATE);
  const manifest = join(dir, 'global-api.yaml');
  writeFileSync(manifest, threeRegionManifest({ tables: true }));
  return manifest;
}

export async function benchColdStart(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'regionctl-cold-start-'));
  const moto = await startMoto();
  try {
    const floors = await buildFloors(join(dir, 'floors'));
    const manifest = await motoAccount(moto, join(dir, 'aws'));
    const measured: Measured[] = [
      { command: 'regionctl validate manifests/global-api.yaml', run: { args: [CLI, 'validate', 'manifests/global-api.yaml'] }, floor: 'yaml + ajv', target: 1.15 },
      { command: 'regionctl diff manifests/global-api.yaml --sandbox', run: { args: [CLI, 'diff', 'manifests/global-api.yaml', '--sandbox'] }, floor: 'yaml + ajv', target: 1.3 },
      { command: 'regionctl diff global-api.yaml (AWS: moto)', run: { args: [CLI, 'diff', manifest], env: moto.env }, floor: 'yaml + ajv + 3 AWS SDK clients', target: 1.3 },
    ];
    const env = { NODE_COMPILE_CACHE: join(dir, 'compile-cache') };
    const floorNames = [...new Set(measured.map((m) => m.floor))];
    const runs: ColdStart[] = [
      ...measured.map((m) => ({ ...m.run, env: { ...env, ...m.run.env } })),
      ...floorNames.map((name) => ({ args: [floors[name]], env })),
    ];
    const medians = await coldStartsMs(runs, RUNS, WARMUP);
    const floorMs = (name: string) => medians[measured.length + floorNames.indexOf(name as keyof typeof FLOORS)]!;
    return [
      ...floorNames.map((name) => ({ name: `floor: ${name} (${RUNS} runs)`, value: floorMs(name), unit: 'ms' })),
      ...measured.flatMap((m, i) => [
        { name: `cold start: \`${m.command}\` (${RUNS} runs)`, value: medians[i]!, unit: 'ms' },
        { name: `ratio to its floor (${m.floor}), target ≤ ${m.target}`, value: medians[i]! / floorMs(m.floor), unit: '×' },
      ]),
    ];
  } finally {
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
