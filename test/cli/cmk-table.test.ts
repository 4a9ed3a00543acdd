// A table encrypted with a customer-managed KMS key (issue 12 item 2): DynamoDB needs, for
// every new replica, a key in the replica's own region (KMSMasterKeyId on the replica Create;
// ddb.cmk-replica-key). Through the real CLI on a sandbox state file holding such a table.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { cliWorkspace, runCliSync } from '../support/cli.js';

const ACCOUNT = '111122223333';
const key = (region: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/0f1e2d3c-${region}`;
const { manifest, state, regionctl, cloud: sandbox } = cliWorkspace('regionctl-cmk-', { each: true });

/** The example manifest with these lines under the orders table. */
function withTableLines(lines: string): void {
  const text = readFileSync(`${manifest}.orig`, 'utf8');
  expect(text).toMatch(/    - name: orders +#.*\n/);
  writeFileSync(manifest, text.replace(/(    - name: orders +#.*\n)/, `$1${lines}`));
}

beforeEach(() => {
  cpSync(manifest, `${manifest}.orig`);
  const cloud = new SandboxCloud({ clock: new FakeClock() });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'eu-west-1', { kmsKeyArn: key('eu-west-1') });
  writeFileSync(state, JSON.stringify(cloud.toJSON()));
});

describe('a table encrypted with a customer-managed KMS key', () => {
  it('with a key per new region: apply creates each replica with its own key, and the next diff is clean', () => {
    withTableLines(`      kmsKeys:\n        us-east-2: ${key('us-east-2')}\n        ap-southeast-1: alias/orders\n`);
    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    const cloud = sandbox();
    expect(cloud.replicasOf('orders').map((r) => `${r.region} ${r.status}`).sort()).toEqual(['ap-southeast-1 ACTIVE', 'eu-west-1 ACTIVE', 'us-east-2 ACTIVE']);
    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stdout).toMatch(/^No changes\.$/m);
    expect(diff.code).toBe(0);
  });

  it('without a key for a new region: the plan is refused naming the table, the region and the manifest key to add, and nothing is sent', () => {
    withTableLines(`      kmsKeys: { us-east-2: ${key('us-east-2')} }\n`);
    const diff = regionctl('diff', manifest);
    expect(diff.code).toBe(3);
    const out = diff.stdout + diff.stderr;
    expect(out).toContain('table orders is encrypted with a customer-managed KMS key');
    expect(out).toContain('none is given for ap-southeast-1');
    expect(out).toContain('kmsKeys: { ap-southeast-1: <key ARN or alias/name in ap-southeast-1> }');
    const apply = regionctl('apply', manifest, '--yes');
    expect(apply.code).toBe(3);
    const cloud = sandbox();
    expect(cloud.replicasOf('orders').map((r) => r.region)).toEqual(['eu-west-1']);
  });

  it('validate refuses a key ARN in another region than the replica it is for', () => {
    withTableLines(`      kmsKeys: { us-east-2: ${key('eu-west-1')} }\n`);
    const validate = runCliSync(['validate', manifest]);
    expect(validate.code).not.toBe(0);
    expect(validate.stdout + validate.stderr).toContain(`table orders: the KMS key for us-east-2 is in eu-west-1 (${key('eu-west-1')}); DynamoDB needs a key in the replica's own region`);
  });
});
