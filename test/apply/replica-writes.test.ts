// Replica writes as AWS allows them: UpdateTable has no idempotency token, so a timed-out
// UpdateTable is sent again only after DescribeTable shows it did not take effect (issue 12
// item 8); and a replica is created through a region that stays, never through one being
// removed or drained (AWS keeps a source replica for 24 h, ddb.source-replica-24h; item 5).

import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import type { CallRecord } from '../../controller/providers/sandbox/index.js';
import { makePlan, replicaCreate, replicaDelete, world } from './helpers.js';

/** The SDK's error when the socket times out after the request was sent. */
function timeoutError(): Error {
  return Object.assign(new Error('Socket timed out without establishing a connection'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
}

function updateTables(calls: readonly CallRecord[]): CallRecord[] {
  return calls.filter((call) => call.operation === 'UpdateTable');
}

describe('replica writes', () => {
  it('an UpdateTable whose answer is lost is not sent again: the next DescribeTable sees the replica CREATING and the step waits for it', async () => {
    const w = world();
    let lost = 0;
    w.cloud.afterCall = (call: CallRecord) => {
      if (call.operation === 'UpdateTable' && call.outcome === 'ok' && lost++ === 0) throw timeoutError();
    };
    const result = await execute(makePlan([replicaCreate('orders', 'eu-west-1')]), w.cloud.providers(), w.options());
    w.cloud.afterCall = undefined;
    expect(result.failed).toEqual([]);
    expect(updateTables(w.cloud.calls.entries).map((call) => call.outcome)).toEqual(['ok']);
    expect(w.cloud.replicasOf('orders').map((r) => `${r.region} ${r.status}`).sort()).toEqual(['eu-west-1 ACTIVE', 'us-east-1 ACTIVE']);
  });

  it('a timed-out UpdateTable that AWS never received is sent again after DescribeTable shows no replica', async () => {
    const w = world();
    let timedOut = 0;
    w.cloud.onCall = (call) => {
      if (call.operation === 'UpdateTable' && timedOut++ === 0) throw timeoutError();
    };
    const result = await execute(makePlan([replicaCreate('orders', 'eu-west-1')]), w.cloud.providers(), w.options());
    w.cloud.onCall = undefined;
    expect(result.failed).toEqual([]);
    expect(updateTables(w.cloud.calls.entries).map((call) => call.outcome)).toEqual(['ETIMEDOUT', 'ok']);
  });

  it('a replica is created through a region that stays, so the leaving region\'s replica can be removed in the same apply', async () => {
    const w = world();
    // ap-northeast-1 sorts first: before the fix it was the source of the new replica, and AWS
    // then refuses its removal for 24 hours.
    await execute(makePlan([replicaCreate('orders', 'ap-northeast-1')]), w.cloud.providers(), w.options());
    w.cloud.calls.reset();
    const plan = makePlan([replicaCreate('orders', 'us-west-2'), replicaDelete('orders', 'ap-northeast-1', ['us-west-2:replica.create:orders'])]);
    plan.summary.regions['ap-northeast-1'] = 'leaving';
    const result = await execute(plan, w.cloud.providers(), w.options());
    expect(result.failed).toEqual([]);
    const creates = updateTables(w.cloud.calls.entries).filter((call) => call.outcome === 'ok');
    expect(creates.map((call) => call.region)).toEqual(['us-east-1', 'us-east-1']);
    expect(w.cloud.replicasOf('orders').map((r) => r.region).sort()).toEqual(['us-east-1', 'us-west-2']);
  });
});
