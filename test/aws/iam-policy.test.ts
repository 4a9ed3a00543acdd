// manifests/iam-policy.json must allow every AWS action the providers send and nothing
// else (apart from the replica-side permissions AWS documents for global tables): a user
// who attaches it gets neither AccessDenied mid-apply nor permissions nobody uses.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

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
// providers/aws/api.ts; each interface there (CloudFormationOps, DynamoDbOps, Route53Ops)
// names the service of its operations.
const API_FILE = join(PROVIDERS_DIR, 'api.ts');
const SERVICE_OF_OPS: Record<string, string> = { CloudFormationOps: 'cloudformation', DynamoDbOps: 'dynamodb', Route53Ops: 'route53' };

/** Operation → IAM service prefix, from the operation tables of api.ts. */
function serviceOfOperations(): Map<string, string> {
  const services = new Map<string, string>();
  const source = readFileSync(API_FILE, 'utf8');
  for (const [, ops, body] of source.matchAll(/export interface (\w+Ops) \{([^}]*)\}/g)) {
    const service = SERVICE_OF_OPS[ops!];
    if (!service) throw new Error(`${API_FILE}: interface ${ops} has no IAM service prefix in this test`);
    for (const [, operation] of body!.matchAll(/^\s*(\w+):/gm)) services.set(operation!, service);
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

function policy(): { Version: string; Statement: Statement[] } {
  return JSON.parse(readFileSync(join(process.cwd(), 'manifests/iam-policy.json'), 'utf8'));
}

function actionsAllowed(): string[] {
  return policy().Statement.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
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

  it('lets the controller take and renew its leases on the lease table only', () => {
    const lease = policy().Statement.find((statement) => statement.Sid === 'LeaderLeases');
    expect(lease?.Action).toEqual(['dynamodb:UpdateItem']);
    expect(lease?.Resource).toBe('arn:aws:dynamodb:*:*:table/regionctl-leases');
  });
});
