// The AWS API calls of one quiet reconcile (nothing to change) of the three-region
// example: the controller runs one per RegionSet every few minutes, from an account
// whose Route 53 budget is shared, so this count is a promise to keep.
//
// CloudFormation and Route 53 go to moto over HTTP. DynamoDB is answered by
// aws-sdk-client-mock with a converged global table (three ACTIVE replicas): moto ignores
// ReplicaUpdates, so on moto the planner would always want the missing replicas and no
// reconcile with a table could be quiet.
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  type DynamoDBClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-dynamodb';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execute } from '../../controller/apply/execute.js';
import { realClock } from '../../controller/clock.js';
import { loadManifestFile } from '../../controller/manifest/load.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { createAwsProviders, type AwsCall } from '../../controller/providers/aws/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { startMoto } from '../support/moto.js';

/**
 * Stand-in for manifests/stacks/regional-api.yaml on moto: moto skips API Gateway v2
 * resources, so the output the records point at could not be computed. Same parameters,
 * and the output the manifest's records use.
 */
export const MOTO_STAND_IN_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: moto stand-in for the regional API (moto does not emulate API Gateway v2)
Parameters:
  Stage: { Type: String, Default: prod }
  TableName: { Type: String, Default: orders }
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /regionctl/\${AWS::StackName}-\${Stage}
Outputs:
  ApiDomainName:
    Value: !Sub api-\${AWS::Region}.example.net
`;

/** manifests/global-api.yaml (three regions, latency records with health checks), optionally without its table. */
export function threeRegionManifest(options: { tables: boolean }): string {
  const text = readFileSync(join(process.cwd(), 'manifests/global-api.yaml'), 'utf8');
  const withoutTables = text.replace(/^ {2}tables:\n(?: {4}.*\n)+/m, '');
  if (withoutTables === text) throw new Error('manifests/global-api.yaml changed shape: its tables section was not found');
  return options.tables ? text : withoutTables;
}

/** The three-region manifest (global-api.yaml) and the stand-in template it names (stacks/regional-api.yaml) written into `dir`; the manifest's path. */
export function writeMotoExample(dir: string, options: { tables: boolean }): string {
  mkdirSync(join(dir, 'stacks'));
  writeFileSync(join(dir, 'stacks/regional-api.yaml'), MOTO_STAND_IN_TEMPLATE);
  const manifest = join(dir, 'global-api.yaml');
  writeFileSync(manifest, threeRegionManifest(options));
  return manifest;
}

export interface QuietReconcileCalls {
  /** Calls per "service:Operation" (after the SDK's own retries). */
  calls: Record<string, number>;
  /** Calls that would change something: none is the promise. */
  writes: string[];
  /** DescribeStacks per region. */
  describeStacksByRegion: Record<string, number>;
  regions: number;
  tables: number;
  healthChecks: number;
  /** Steps of the plan: 0 when the reconcile is quiet. */
  planSteps: number;
}

type DynamoDBMock = AwsStub<ServiceInputTypes, ServiceOutputTypes, DynamoDBClientResolvedConfig>;

const READ_OPERATION = /^(Describe|List|Get)/;

/**
 * Converges the three-region example (with its table) on the moto server at endpoint,
 * then counts the calls of one more reconcile by fresh providers, as a new controller
 * process would make them.
 */
export async function measureQuietReconcile(endpoint: string): Promise<QuietReconcileCalls> {
  const dir = mkdtempSync(join(tmpdir(), 'regionctl-budget-'));
  const dynamodb = mockClient(DynamoDBClient);
  try {
    const loaded = await loadManifestFile(writeMotoExample(dir, { tables: true }));
    if (!loaded.ok) throw new Error(`budget manifest is invalid: ${JSON.stringify(loaded.errors)}`);
    const desired = loaded.value;
    await ensureZone(endpoint, desired.dns.zone);
    answerWithConvergedTables(dynamodb, desired);

    await converge(endpoint, desired);

    dynamodb.resetHistory();
    const calls: AwsCall[] = [];
    const aws = createAwsProviders({ clock: realClock, endpointUrl: endpoint, maxAttempts: 1, onCall: (call) => calls.push(call) });
    try {
      const { plan, live } = await planReconcile(desired, aws.providers, { now: Date.now() });
      // The mocked DynamoDB send skips the SDK middleware that reports calls: count them from the mock.
      for (const sent of dynamodb.calls()) {
        const region = await (sent.thisValue as DynamoDBClient).config.region();
        const operation = (sent.args[0] as object).constructor.name.replace(/Command$/, '');
        calls.push({ service: 'dynamodb', operation, region, outcome: 'ok' });
      }
      const counts: Record<string, number> = {};
      const describeStacksByRegion: Record<string, number> = {};
      for (const call of calls) {
        const key = `${call.service}:${call.operation}`;
        counts[key] = (counts[key] ?? 0) + 1;
        if (call.operation === 'DescribeStacks') describeStacksByRegion[call.region] = (describeStacksByRegion[call.region] ?? 0) + 1;
      }
      return {
        calls: counts,
        writes: calls.filter((call) => !READ_OPERATION.test(call.operation)).map((call) => `${call.service}:${call.operation}`),
        describeStacksByRegion,
        regions: desired.regions.length,
        tables: desired.tables.length,
        healthChecks: live.healthChecks.length,
        planSteps: plan.steps.length,
      };
    } finally {
      aws.destroy();
    }
  } finally {
    dynamodb.restore();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For npm run bench: the counts as figures, on a moto server of their own. */
export async function quietReconcileFigures(): Promise<Array<{ name: string; value: number; unit: string }>> {
  const moto = await startMoto();
  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  try {
    const measured = await measureQuietReconcile(moto.endpoint);
    const total = Object.values(measured.calls).reduce((sum, n) => sum + n, 0);
    return [
      { name: `AWS calls of a quiet reconcile (${measured.regions} regions, ${measured.tables} table)`, value: total, unit: 'calls' },
      ...Object.entries(measured.calls)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([operation, value]) => ({ name: `quiet reconcile: ${operation}`, value, unit: 'calls' })),
    ];
  } finally {
    if (saved.id === undefined) delete process.env['AWS_ACCESS_KEY_ID'];
    else process.env['AWS_ACCESS_KEY_ID'] = saved.id;
    if (saved.secret === undefined) delete process.env['AWS_SECRET_ACCESS_KEY'];
    else process.env['AWS_SECRET_ACCESS_KEY'] = saved.secret;
    await moto.stop();
  }
}

/**
 * moto 5.2.5 never computes the outputs of a stack made through a change set (its
 * create_change_set builds the stack from an empty template and execute_change_set does
 * not rebuild the outputs), while AWS does. An UpdateStack with the same template and
 * values makes moto compute them (a trailing comment gets past moto's "No updates are to
 * be performed."); tags, which regionctl reads, stay as they are.
 */
export async function fillMotoStackOutputs(endpoint: string, stackName: string, regions: string[]): Promise<void> {
  for (const region of regions) {
    const cfn = new CloudFormationClient({ region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    try {
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
      const stack = Stacks?.[0];
      if (!stack || (stack.Outputs?.length ?? 0) > 0) continue;
      const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: stackName }));
      await cfn.send(
        new UpdateStackCommand({
          StackName: stackName,
          TemplateBody: `${TemplateBody}\n# moto: compute the outputs\n`,
          Parameters: (stack.Parameters ?? []).map((p) => ({ ParameterKey: p.ParameterKey!, ParameterValue: p.ParameterValue! })),
          ...(stack.Capabilities ? { Capabilities: stack.Capabilities } : {}),
        }),
      );
    } finally {
      cfn.destroy();
    }
  }
}

/** The hosted zone `zone` (with its trailing dot) in moto, created unless it is there; its id. */
export async function ensureZone(endpoint: string, zone: string): Promise<string> {
  const route53 = new Route53Client({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    const { HostedZones } = await route53.send(new ListHostedZonesByNameCommand({ DNSName: zone, MaxItems: 1 }));
    if (HostedZones?.[0]?.Name === zone) return HostedZones[0].Id!;
    const created = await route53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: `budget-${zone}` }));
    return created.HostedZone!.Id!;
  } finally {
    route53.destroy();
  }
}

/** Every table of the manifest, ACTIVE with an ACTIVE replica in each of its regions, read in any of them. */
function answerWithConvergedTables(dynamodb: DynamoDBMock, desired: DesiredState): void {
  const regions = desired.regions.map((region) => region.code);
  const names = new Set(desired.tables.map((table) => table.name));
  dynamodb.on(DescribeTableCommand).callsFake(async (input: { TableName: string }, getClient: () => DynamoDBClient) => {
    const readRegion = await getClient().config.region();
    if (!names.has(input.TableName) || !regions.includes(readRegion)) {
      throw new DynamoDBServiceException({
        name: 'ResourceNotFoundException',
        message: `Requested resource not found: Table: ${input.TableName} not found`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      Table: {
        TableName: input.TableName,
        TableStatus: 'ACTIVE',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
        GlobalTableVersion: '2019.11.21',
        // Like AWS: the other replicas, not the one of the region called.
        Replicas: regions.filter((region) => region !== readRegion).map((region) => ({ RegionName: region, ReplicaStatus: 'ACTIVE' })),
      },
    };
  });
}

/** Applies plans until one is empty: the first creates the stacks, the second (once moto has outputs) the DNS part. */
async function converge(endpoint: string, desired: DesiredState): Promise<void> {
  const aws = createAwsProviders({ clock: realClock, endpointUrl: endpoint, changeSetPollMs: 20 });
  try {
    for (let pass = 1; ; pass++) {
      const { plan } = await planReconcile(desired, aws.providers, { now: Date.now() });
      if (plan.refusals.length > 0) throw new Error(`budget: plan refused: ${plan.refusals.map((r) => r.message).join('; ')}`);
      if (plan.steps.length === 0) return;
      if (pass > 2) throw new Error(`budget: still ${plan.steps.length} step(s) to apply after two passes: ${plan.steps.map((s) => s.id).join(', ')}`);
      const result = await execute(plan, aws.providers, {
        clock: realClock,
        regionSet: desired.name,
        stackName: desired.stack.name,
        maxParallelRegions: desired.rollout.maxParallelRegions,
        // moto finishes every operation at once.
        pollIntervals: { stackMs: 20, tableMs: 20, dnsChangeMs: 20, healthMs: 20 },
      });
      const unexpected = result.failed.filter((failure) => !/has no output ApiDomainName/.test(failure.message));
      if (unexpected.length > 0) throw new Error(`budget: converging failed: ${unexpected.map((f) => `${f.stepId}: ${f.message}`).join('; ')}`);
      await fillMotoStackOutputs(endpoint, desired.stack.name, desired.regions.map((region) => region.code));
    }
  } finally {
    aws.destroy();
  }
}
