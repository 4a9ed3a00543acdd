// manifests/iam-policy.json must allow every AWS action the providers send and nothing
// else (apart from the replica-side permissions AWS documents for global tables): a user
// who attaches it gets neither AccessDenied mid-apply nor permissions nobody uses.
// manifests/iam-policy-read-only.json (the pull-request role of `diff --read-only`) must
// allow exactly the reads that path sends, measured by running it on the sandbox.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import type { SeedTableOptions } from '../../controller/providers/sandbox/tables.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState, type ScenarioManifest } from '../apply/desired.js';
import { reconcileUntilConverged, withSdkRetries, ZONE } from '../faults/world.js';

// Every AWS call is sent from here, the leader leases of `regionctl run` (leases.ts) included.
const PROVIDERS_DIR = join(process.cwd(), 'controller/providers/aws');

const SERVICE_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-cloudformation': 'cloudformation',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-route-53': 'route53',
};

// AWS's "Using IAM with global tables": DynamoDB checks these against the caller of
// UpdateTable ReplicaUpdates; regionctl never sends them itself.
const DOCUMENTED_REPLICA_SIDE = [
  'dynamodb:CreateTable',
  'dynamodb:CreateTableReplica',
  'dynamodb:Scan',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteTable',
  'dynamodb:DeleteTableReplica',
  // The first global table of an account creates DynamoDB's replication service-linked role.
  'iam:CreateServiceLinkedRole',
];

// DescribeStacks without a stack name (the scan that rebuilds a lost inventory): the API
// reference says it "requires ListStacks and DescribeStacks permissions".
const DOCUMENTED_SCAN_SIDE = ['cloudformation:ListStacks'];

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

// The adapters send `api.send('Operation', input)` through the narrowed APIs of
// providers/aws/api.ts; each operation table there (CloudFormationOps, DynamoDbOps, Route53Ops)
// names the service of its operations.
const API_FILE = join(PROVIDERS_DIR, 'api.ts');
const SERVICE_OF_OPS: Record<string, string> = { CloudFormationOps: 'cloudformation', DynamoDbOps: 'dynamodb', Route53Ops: 'route53' };

/** Operation → IAM service prefix, from the operation tables of api.ts. */
function serviceOfOperations(): Map<string, string> {
  const services = new Map<string, string>();
  const source = readFileSync(API_FILE, 'utf8');
  // `export type XxxOps = Operations<typeof Sdk, 'OpA' | 'OpB' …>`: the quoted names are the operations.
  for (const [, ops, body] of source.matchAll(/export type (\w+Ops) = Operations<([^>]*)>/g)) {
    const service = SERVICE_OF_OPS[ops!];
    if (!service) throw new Error(`${API_FILE}: ${ops} has no IAM service prefix in this test`);
    for (const [, operation] of body!.matchAll(/'(\w+)'/g)) services.set(operation!, service);
  }
  return services;
}

/**
 * service:Operation for every `.send('Operation'` in the AWS providers (service from api.ts),
 * and every `new XxxCommand(` (lease.ts builds its own commands), by the package Xxx is imported from.
 */
function actionsSentByProviders(): string[] {
  const actions = new Set<string>();
  const apiServices = serviceOfOperations();
  const files = [...readdirSync(PROVIDERS_DIR).filter((name) => name.endsWith('.ts')).map((name) => join(PROVIDERS_DIR, name))];
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    for (const [, operation] of source.matchAll(/\.send\(\s*'(\w+)'/g)) {
      const service = apiServices.get(operation!);
      if (!service) throw new Error(`${file}: send('${operation}' is not an operation of ${API_FILE}`);
      actions.add(`${service}:${operation}`);
    }
    const serviceOfCommand = new Map<string, string>();
    for (const [, names, pkg] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
      const service = SERVICE_OF_PACKAGE[pkg!];
      if (!service) throw new Error(`${file} imports ${pkg}: add its IAM service prefix to this test and the policy`);
      for (const name of names!.split(',')) {
        const command = name.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!;
        if (command.endsWith('Command')) serviceOfCommand.set(command, service);
      }
    }
    for (const [, command] of source.matchAll(/new\s+(\w+Command)\s*\(/g)) {
      const service = serviceOfCommand.get(command!);
      if (!service) throw new Error(`${file}: new ${command}( is not imported from an AWS SDK client package`);
      actions.add(`${service}:${command!.replace(/Command$/, '')}`);
    }
  }
  return [...actions].sort();
}

const APPLY_POLICY = 'manifests/iam-policy.json';
const READ_ONLY_POLICY = 'manifests/iam-policy-read-only.json';

function policy(file = APPLY_POLICY): { Version: string; Statement: Statement[] } {
  return JSON.parse(readFileSync(join(process.cwd(), file), 'utf8'));
}

function actionsAllowed(file = APPLY_POLICY): string[] {
  return policy(file).Statement.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
}

/** A sandbox account on virtual time with the scenario zone and table (PAY_PER_REQUEST unless told). */
function sandboxWorld(table: SeedTableOptions = {}) {
  const clock = new FakeClock();
  const cloud = new SandboxCloud({ clock, seed: 1 });
  const zone = cloud.seedZone(ZONE);
  cloud.seedTable('orders', 'us-east-1', table);
  return { clock, cloud, zone, providers: () => withSdkRetries(cloud.providers(), clock) };
}

type World = ReturnType<typeof sandboxWorld>;

/** service:Operation of every call in the sandbox's call log; fails the test on any write. */
function readActions(world: World, what: string): string[] {
  const writes = world.cloud.calls.entries.filter((call) => call.write).map((call) => `${call.service}:${call.operation}`);
  expect(writes, `${what} sent write calls`).toEqual([]);
  return world.cloud.calls.entries.map((call) => `${call.service}:${call.operation}`);
}

/** What `regionctl diff --read-only` plans with (see controller/commands/common.ts). */
async function readOnlyDiff(world: World, desired: DesiredState): Promise<void> {
  await planReconcile(desired, world.providers(), { now: world.clock.now(), previewStacks: 'skip' });
}

async function converge(world: World, manifest: ScenarioManifest): Promise<void> {
  const report = await reconcileUntilConverged(world, await desiredState(manifest), 12);
  expect(report, JSON.stringify(manifest)).toMatchObject({ converged: true, failures: [], refusals: [] });
}

/**
 * The actions of `diff --read-only` on the sandbox: a first diff in an empty account, the
 * zone named by id, a PROVISIONED table (its auto-scaling check belongs to the replica
 * create, not to planning), and a diff of a converged RegionSet that drains one region and
 * adds another (health statuses are read then). Every call must be a read.
 */
async function actionsOfReadOnlyDiff(): Promise<string[]> {
  const sent = new Set<string>();
  const world = sandboxWorld();
  const two: ScenarioManifest = { regions: { 'us-east-1': '{}', 'eu-west-1': '{}' } };
  await readOnlyDiff(world, await desiredState(two));
  const byId = await desiredState(two);
  await readOnlyDiff(world, { ...byId, dns: { ...byId.dns, zone: world.zone.id } });
  for (const action of readActions(world, 'diff --read-only of a new RegionSet')) sent.add(action);

  const provisioned = sandboxWorld({ billingMode: 'PROVISIONED', writeAutoScaling: true });
  await readOnlyDiff(provisioned, await desiredState(two));
  for (const action of readActions(provisioned, 'diff --read-only with a PROVISIONED table')) sent.add(action);

  await converge(world, two);
  world.cloud.calls.reset();
  await readOnlyDiff(world, await desiredState({ regions: { 'us-east-1': '{}', 'eu-west-1': '{ state: drained }', 'ap-southeast-1': '{}' } }));
  for (const action of readActions(world, 'diff --read-only of a drain and a join')) sent.add(action);

  // A stack a failed delete left DELETE_FAILED: its failed resources are read too (ListStackResources).
  const desired = await desiredState(two);
  Object.assign(world.cloud.stackRecord('eu-west-1', desired.stack.name), { status: 'DELETE_FAILED', failDeletion: ['Api'] });
  world.cloud.calls.reset();
  await readOnlyDiff(world, desired);
  for (const action of readActions(world, 'diff --read-only of a DELETE_FAILED stack')) sent.add(action);
  return [...sent].sort();
}

/**
 * Route 53 and DynamoDB actions of a full life cycle on the sandbox (these two go through
 * the AWS adapters on the sandbox's API; CloudFormation is still served at the provider
 * level, so its actions come from the static scan only): create three regions, drain one,
 * remove it with its replica.
 */
async function actionsOfApplyLifecycle(): Promise<string[]> {
  const world = sandboxWorld();
  await converge(world, { regions: { 'us-east-1': '{}', 'eu-west-1': '{}', 'ap-southeast-1': '{}' } });
  await converge(world, { regions: { 'us-east-1': '{}', 'eu-west-1': '{}', 'ap-southeast-1': '{ state: drained }' } });
  await converge(world, { regions: { 'us-east-1': '{}', 'eu-west-1': '{}' }, removeReplicas: true });
  const sent = world.cloud.calls.entries.filter((call) => call.service !== 'cloudformation').map((call) => `${call.service}:${call.operation}`);
  return [...new Set(sent)].sort();
}

describe('manifests/iam-policy.json', () => {
  it('finds the calls of every AWS provider (the parser is not silently empty)', () => {
    const sent = actionsSentByProviders();
    for (const service of ['cloudformation', 'dynamodb', 'route53']) {
      expect(sent.some((action) => action.startsWith(`${service}:`)), service).toBe(true);
    }
    expect(sent).toContain('dynamodb:UpdateTable');
  });

  it('allows every action the providers send', () => {
    const allowed = new Set(actionsAllowed());
    expect(actionsSentByProviders().filter((action) => !allowed.has(action))).toEqual([]);
  });

  it('allows nothing the providers never send, apart from the documented replica side of global tables', () => {
    const needed = new Set([...actionsSentByProviders(), ...DOCUMENTED_REPLICA_SIDE, ...DOCUMENTED_SCAN_SIDE]);
    expect(actionsAllowed().filter((action) => !needed.has(action))).toEqual([]);
  });

  it('is a plain Allow policy without wildcard actions or duplicates', () => {
    const document = policy();
    expect(document.Version).toBe('2012-10-17');
    expect(document.Statement.every((statement) => statement.Effect === 'Allow' && /^[A-Za-z0-9]+$/.test(statement.Sid ?? ''))).toBe(true);
    const actions = actionsAllowed();
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    for (const statement of document.Statement) {
      const own = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      expect(new Set(own).size, statement.Sid).toBe(own.length);
    }
  });

  it('lets the controller take and renew its leases, and read and write its control items (suspension, history), on the lease table only', () => {
    const lease = policy().Statement.find((statement) => statement.Sid === 'LeaderLeases');
    expect(lease?.Action).toEqual(['dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(lease?.Resource).toBe('arn:aws:dynamodb:*:*:table/regionctl-leases');
  });
});

describe('manifests/iam-policy-read-only.json (diff --read-only)', () => {
  it('allows exactly the actions diff --read-only sends, all reads (plus the documented scan permission)', async () => {
    const sent = await actionsOfReadOnlyDiff();
    // The runs reach every service, health statuses and the zone by id included.
    for (const action of ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources', 'dynamodb:DescribeTable', 'route53:ListResourceRecordSets', 'route53:GetHealthCheckStatus', 'route53:GetHostedZone']) {
      expect(sent).toContain(action);
    }
    const expected = [...new Set([...sent, ...DOCUMENTED_SCAN_SIDE])].sort();
    expect([...new Set(actionsAllowed(READ_ONLY_POLICY))].sort()).toEqual(expected);
  });

  it('grants no write: every action reads (Describe, Get, List), and apply\'s policy covers each of them', () => {
    const actions = actionsAllowed(READ_ONLY_POLICY);
    expect(actions.filter((action) => !/^[a-z0-9]+:(Describe|Get|List)[A-Za-z]+$/.test(action))).toEqual([]);
    const apply = new Set(actionsAllowed());
    expect(actions.filter((action) => !apply.has(action))).toEqual([]);
  });

  it('is a plain Allow policy without wildcard actions or duplicates', () => {
    const document = policy(READ_ONLY_POLICY);
    expect(document.Version).toBe('2012-10-17');
    expect(document.Statement.every((statement) => statement.Effect === 'Allow' && /^[A-Za-z0-9]+$/.test(statement.Sid ?? ''))).toBe(true);
    expect(actionsAllowed(READ_ONLY_POLICY).filter((action) => action.includes('*'))).toEqual([]);
    for (const statement of document.Statement) {
      const own = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      expect(new Set(own).size, statement.Sid).toBe(own.length);
    }
  });
});

describe('manifests/iam-policy.json covers what apply sends (sandbox life cycle)', () => {
  it('allows every Route 53 and DynamoDB action of create, drain and remove, each also found by the static scan', async () => {
    const sent = await actionsOfApplyLifecycle();
    for (const action of ['dynamodb:UpdateTable', 'route53:ChangeResourceRecordSets', 'route53:CreateHealthCheck', 'route53:DeleteHealthCheck', 'route53:GetChange']) {
      expect(sent).toContain(action);
    }
    const allowed = new Set(actionsAllowed());
    expect(sent.filter((action) => !allowed.has(action))).toEqual([]);
    const scanned = new Set(actionsSentByProviders());
    expect(sent.filter((action) => !scanned.has(action))).toEqual([]);
  });
});
