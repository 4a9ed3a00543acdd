// DynamoDB tables and global-table replicas (version 2019.11.21) as AWS answers them.
// localstack's recordings cover tables; replica rules come from the API reference and the
// developer guide, quoted in each source.
import { DDB_API, DDB_GUIDE, issue, projectNote, reference, snapshot } from './sources.js';
import type { ApiCall, ConformanceCase, FieldCheck, Outcome } from './types.js';

const TABLE = 'conf-${run}';
const HOME = 'us-east-1';
const MOTO_NO_REPLICAS = 'moto 5.2.5 ignores ReplicaUpdates: DescribeTable has no Replicas and the table stays ACTIVE';
const LOCAL_REGION =
  'Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.';

const SOURCE_REPLICA_24H = 'Replica cannot be deleted because it has acted as a source region for new replica(s) being added to the table in the last 24 hours.';

function call(operation: string, input: Record<string, unknown>, expect: Outcome, extra: Partial<ApiCall> = {}): ApiCall {
  return { service: 'dynamodb', operation, input, expect, ...extra };
}
const ok = (...checks: FieldCheck[]): Outcome => ({ ok: checks });
const fails = (code: string, message?: string | RegExp, httpStatus?: number): Outcome => ({ error: { code, message, httpStatus } });

function createTable(extra: Record<string, unknown> = {}): ApiCall {
  return call(
    'CreateTable',
    {
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      ...extra,
    },
    ok({ path: 'TableDescription.TableName', equals: TABLE }, { path: 'TableDescription.TableArn', present: true }),
  );
}

/** DescribeTable until the table and every replica are ACTIVE (or the replica is gone). */
function settled(region = HOME, more: FieldCheck[] = []): ApiCall {
  return call('DescribeTable', { TableName: TABLE }, ok({ path: 'Table.TableStatus', equals: 'ACTIVE' }, ...more), {
    region,
    until: { path: 'Table.TableStatus', equals: 'ACTIVE' },
    note: 'table settles',
  });
}

function replicaActive(replicaRegion: string, via = HOME): ApiCall {
  return call('DescribeTable', { TableName: TABLE }, ok({ path: 'Table.Replicas', contains: { RegionName: replicaRegion, ReplicaStatus: 'ACTIVE' } }), {
    region: via,
    until: { path: 'Table.Replicas', contains: { RegionName: replicaRegion, ReplicaStatus: 'ACTIVE' } },
    note: `replica in ${replicaRegion} becomes ACTIVE`,
  });
}

/** The table created, then a replica in `replicaRegion` added and ACTIVE. */
function withReplica(replicaRegion = 'eu-west-1'): ApiCall[] {
  return [createTable(), settled(), replicaUpdate('Create', replicaRegion, ok()), replicaActive(replicaRegion)];
}

function replicaUpdate(action: 'Create' | 'Delete', replicaRegion: string, expect: Outcome, via = HOME, extra: Record<string, unknown> = {}): ApiCall {
  return call('UpdateTable', { TableName: TABLE, ReplicaUpdates: [{ [action]: { RegionName: replicaRegion, ...extra } }] }, expect, { region: via });
}

const TABLE_TESTS = 'dynamodb/test_dynamodb';
const UPDATE_TABLE = reference(
  `${DDB_API}/API_UpdateTable.html`,
  'ReplicaUpdates: A list of replica update actions (create, delete, update, or disassociate) for the table. … UpdateTable is an asynchronous operation; while it\'s executing, the table status changes from ACTIVE to UPDATING. While it\'s UPDATING, you can\'t issue another UpdateTable request.',
);
const REPLICA_DESCRIPTION = reference(
  `${DDB_API}/API_ReplicaDescription.html`,
  'ReplicaStatus: The current state of the replica: CREATING - The replica is being created. UPDATING - The replica is being updated. DELETING - The replica is being deleted. ACTIVE - The replica is ready for use.',
);

/** A replica added, then removed at once (it was the source of nothing): it goes DELETING. */
const REMOVE_REPLICA: ApiCall[] = [
  ...withReplica(),
  settled(),
  replicaUpdate('Delete', 'eu-west-1', ok({ path: 'TableDescription.Replicas', contains: { RegionName: 'eu-west-1', ReplicaStatus: 'DELETING' } })),
];

/** A case against the table's home region. */
const tableCase = (fields: Omit<ConformanceCase, 'service' | 'region'>): ConformanceCase => ({ service: 'dynamodb', region: HOME, ...fields });

export const dynamoDbCases: ConformanceCase[] = [
  tableCase({
    id: 'ddb.create-duplicate-table',
    title: 'CreateTable on an existing name is ResourceInUseException "Table already exists: NAME"',
    sources: [snapshot(TABLE_TESTS, 'TestDynamoDB::test_create_duplicate_table', 'Error')],
    moto: true,
    steps: [createTable(), call('CreateTable', { TableName: TABLE, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }, fails('ResourceInUseException', `Table already exists: ${TABLE}`, 400))],
  }),
  tableCase({
    id: 'ddb.delete-missing-table',
    title: 'DeleteTable on a missing table is ResourceNotFoundException with AWS\'s message',
    sources: [snapshot(TABLE_TESTS, 'TestDynamoDB::test_table_crud', 'delete-non-existent-table')],
    moto: { false: 'moto 5.2.5 says only "Requested resource not found", without the table name' },
    steps: [call('DeleteTable', { TableName: 'non-existent-${run}' }, fails('ResourceNotFoundException', 'Requested resource not found: Table: non-existent-${run} not found', 400))],
  }),
  tableCase({
    id: 'ddb.describe-table-shape',
    title: 'DescribeTable returns the fields regionctl reads: status, ARN, id, key schema, deletion protection, streams',
    sources: [snapshot(TABLE_TESTS, 'TestDynamoDB::test_table_crud', 'describe-table'), reference(`${DDB_API}/API_TableDescription.html`, 'LatestStreamArn: The Amazon Resource Name (ARN) that uniquely identifies the latest stream for this table.')],
    moto: { false: 'moto 5.2.5 leaves TableId out of DescribeTable' },
    steps: [
      createTable(),
      settled(HOME, [
        { path: 'Table.TableName', equals: TABLE },
        { path: 'Table.TableArn', matches: /^arn:aws[\w-]*:dynamodb:us-east-1:\d{12}:table\/conf-/ },
        { path: 'Table.TableId', present: true },
        { path: 'Table.KeySchema', equals: [{ AttributeName: 'id', KeyType: 'HASH' }] },
        { path: 'Table.DeletionProtectionEnabled', equals: false },
        { path: 'Table.BillingModeSummary.BillingMode', equals: 'PAY_PER_REQUEST' },
        { path: 'Table.StreamSpecification', equals: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } },
        { path: 'Table.LatestStreamArn', present: true },
      ]),
    ],
  }),
  tableCase({
    id: 'ddb.replica-lifecycle',
    title: 'A replica Create puts the table in UPDATING with the replica CREATING, then both ACTIVE; version 2019.11.21',
    sources: [UPDATE_TABLE, REPLICA_DESCRIPTION, reference(`${DDB_API}/API_TableDescription.html`, 'GlobalTableVersion: Represents the version of global tables in use, if the table is replicated across AWS Regions.')],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [
      createTable(),
      settled(),
      replicaUpdate(
        'Create',
        'eu-west-1',
        ok({ path: 'TableDescription.TableStatus', equals: 'UPDATING' }, { path: 'TableDescription.Replicas', contains: { RegionName: 'eu-west-1', ReplicaStatus: 'CREATING' } }),
      ),
      replicaActive('eu-west-1'),
      settled(HOME, [{ path: 'Table.GlobalTableVersion', equals: '2019.11.21' }]),
      call('DescribeTable', { TableName: TABLE }, ok({ path: 'Table.TableStatus', equals: 'ACTIVE' }, { path: 'Table.Replicas', contains: { RegionName: HOME, ReplicaStatus: 'ACTIVE' } }), {
        region: 'eu-west-1',
        note: 'the new replica answers in its own region and lists the home region',
      }),
    ],
  }),
  tableCase({
    id: 'ddb.replica-delete',
    title: 'A replica Delete goes through DELETING and the region leaves Replicas',
    sources: [UPDATE_TABLE, REPLICA_DESCRIPTION],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [
      ...REMOVE_REPLICA,
      call('DescribeTable', { TableName: TABLE }, ok({ path: 'Table.Replicas', lacks: { RegionName: 'eu-west-1' } }), {
        until: { path: 'Table.Replicas', lacks: { RegionName: 'eu-west-1' } },
      }),
    ],
  }),
  tableCase({
    id: 'ddb.update-while-updating',
    title: 'A second UpdateTable while the table is UPDATING is ResourceInUseException (wait and retry)',
    sources: [UPDATE_TABLE, reference(`${DDB_API}/API_UpdateTable.html`, 'ResourceInUseException: The operation conflicts with the resource\'s availability. For example: You attempted to recreate an existing table. You tried to delete a table currently in the CREATING state. You tried to update a resource that was already being updated.')],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [
      createTable(),
      settled(),
      replicaUpdate('Create', 'eu-west-1', ok({ path: 'TableDescription.TableStatus', equals: 'UPDATING' })),
      replicaUpdate('Create', 'ap-southeast-1', fails('ResourceInUseException', undefined, 400)),
      replicaActive('eu-west-1'),
    ],
  }),
  tableCase({
    id: 'ddb.local-region-replica',
    title: 'ReplicaUpdates naming the region called in is a ValidationException with AWS\'s text',
    sources: [
      reference(`${DDB_API}/API_UpdateTable.html`, 'ReplicaUpdates: A list of replica update actions (create, delete, update, or disassociate) for the table.'),
      issue('https://github.com/aws/aws-cli/issues/4906', `An error occurred (ValidationException) when calling the UpdateTable operation: ${LOCAL_REGION}`),
    ],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [createTable(), settled(), replicaUpdate('Create', HOME, fails('ValidationException', LOCAL_REGION, 400)), replicaUpdate('Delete', HOME, fails('ValidationException', LOCAL_REGION, 400))],
  }),
  tableCase({
    id: 'ddb.provisioned-without-autoscaling',
    title: 'A PROVISIONED table without auto scaling cannot gain a replica',
    sources: [
      reference(
        `${DDB_GUIDE}/globaltables_reqs_bestpractices.html`,
        'It is important that the replica tables and secondary indexes in your global table have identical write capacity settings to ensure proper replication of data.',
      ),
      projectNote('Requirements for adding a replica: capacity on-demand, or provisioned with auto scaling ("Table write capacity should either be Pay-Per-Request or AutoScaled.")'),
    ],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [
      createTable({ BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
      settled(),
      replicaUpdate('Create', 'eu-west-1', fails('ValidationException', 'Table write capacity should either be Pay-Per-Request or AutoScaled.', 400)),
    ],
  }),
  tableCase({
    id: 'ddb.cmk-replica-key',
    title: 'A table encrypted with a customer-managed key gains a replica only with a KMSMasterKeyId in the replica\'s region',
    sources: [
      reference(
        `${DDB_API}/API_CreateReplicationGroupMemberAction.html`,
        'KMSMasterKeyId: The KMS key that should be used for KMS encryption in the new replica. To specify a key, use its key ID, Amazon Resource Name (ARN), alias name, or alias ARN. Note that you should only provide this parameter if the key is different from the default DynamoDB KMS key alias/aws/dynamodb.',
      ),
      reference(
        'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-globaltable-replicassespecification.html',
        'The key can be specified via ARN, key ID, or alias. The key must be created in the same region as the replica.',
      ),
    ],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [
      createTable({ SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555' } }),
      settled(HOME, [{ path: 'Table.SSEDescription.SSEType', equals: 'KMS' }, { path: 'Table.SSEDescription.KMSMasterKeyArn', equals: 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555' }]),
      replicaUpdate('Create', 'eu-west-1', fails('ValidationException', undefined, 400), HOME),
      replicaUpdate('Create', 'eu-west-1', ok({ path: 'TableDescription.Replicas', contains: { RegionName: 'eu-west-1', ReplicaStatus: 'CREATING' } }), HOME, {
        KMSMasterKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/66666666-7777-8888-9999-000000000000',
      }),
      replicaActive('eu-west-1'),
      call('DescribeTable', { TableName: TABLE }, ok({ path: 'Table.Replicas', contains: { RegionName: 'eu-west-1', KMSMasterKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/66666666-7777-8888-9999-000000000000' } })),
    ],
  }),
  tableCase({
    id: 'ddb.source-replica-24h',
    title: 'The replica that was the source of a replica creation cannot be removed for 24 hours',
    sources: [
      // The English page words it the same way; the Chinese edition is quoted because its text was read verbatim.
      reference(
        'https://docs.amazonaws.cn/amazondynamodb/latest/developerguide/globaltables_HowItWorks.html',
        '在使用源表启动新区域后的至少 24 小时之内,您无法删除该源表。如果您尝试过早将其删除,则会收到错误。 (You cannot delete the source table until at least 24 hours after using it to start a new Region; if you try too early, you receive an error.)',
      ),
      issue('https://github.com/go-to-k/cdkd/issues/1442', `ValidationException: ${SOURCE_REPLICA_24H}`),
    ],
    moto: { false: 'needs 24 hours to pass (a control step) and replicas, which moto ignores' },
    steps: [
      ...withReplica(),
      settled(),
      replicaUpdate('Delete', HOME, fails('ValidationException', SOURCE_REPLICA_24H, 400), 'eu-west-1'),
      { service: 'control', operation: 'advanceTime', input: { Milliseconds: 24 * 3600 * 1000 + 60_000 } },
      replicaUpdate('Delete', HOME, ok({ path: 'TableDescription.Replicas', contains: { RegionName: HOME, ReplicaStatus: 'DELETING' } }), 'eu-west-1'),
    ],
  }),
  tableCase({
    id: 'ddb.non-source-replica-removable',
    title: 'A replica that was not a source can be removed at once',
    sources: [UPDATE_TABLE, REPLICA_DESCRIPTION],
    moto: { false: MOTO_NO_REPLICAS },
    steps: REMOVE_REPLICA,
  }),
  tableCase({
    id: 'ddb.streams-per-replica',
    title: 'Every replica of a global table has its own stream (NEW_AND_OLD_IMAGES)',
    sources: [snapshot(TABLE_TESTS, 'TestDynamoDB::test_streams_on_global_tables', 'secondary-region-streams'), reference('https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/DynamoDBv2/MIDynamoDBCreateGlobalTableCreateGlobalTableRequest.html', 'The table must have DynamoDB Streams enabled, with the stream containing both the new and the old images of the item.')],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [
      ...withReplica(),
      call('DescribeTable', { TableName: TABLE }, ok({ path: 'Table.StreamSpecification.StreamViewType', equals: 'NEW_AND_OLD_IMAGES' }, { path: 'Table.LatestStreamArn', matches: /^arn:aws[\w-]*:dynamodb:eu-west-1:/ }), {
        region: 'eu-west-1',
      }),
    ],
  }),
  tableCase({
    id: 'ddb.streams-enabled-by-replica',
    title: 'Adding a replica to a table without a stream turns on its NEW_AND_OLD_IMAGES stream (version 2019.11.21)',
    sources: [
      // The thread cites https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html#global-tables-streams
      issue('https://github.com/hashicorp/terraform-provider-aws/issues/43625', 'If the replica configuration block is added to a table, it automatically enables streams.'),
    ],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [
      createTable({ StreamSpecification: undefined }),
      settled(HOME, [{ path: 'Table.StreamSpecification', absent: true }]),
      replicaUpdate('Create', 'eu-west-1', ok()),
      replicaActive('eu-west-1'),
      settled(HOME, [{ path: 'Table.StreamSpecification', equals: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }, { path: 'Table.LatestStreamArn', present: true }]),
    ],
  }),
  tableCase({
    id: 'ddb.replica-region-table-exists',
    title: 'A replica cannot be created in a region that already holds a table of that name',
    sources: [
      UPDATE_TABLE,
      projectNote('Requirements for adding a replica: … no table of that name in the target region.'),
    ],
    moto: { false: MOTO_NO_REPLICAS },
    steps: [
      { ...createTable(), region: 'eu-west-1' },
      settled('eu-west-1'),
      createTable(),
      settled(),
      replicaUpdate('Create', 'eu-west-1', fails('ValidationException', undefined, 400)),
    ],
  }),
];
