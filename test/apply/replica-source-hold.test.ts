// AWS keeps a replica for 24 hours after it was the source of a new replica
// (ddb.source-replica-24h, enforced by the sandbox): a removal inside that window fails with
// what to do and when, and succeeds once the window has passed.

import { describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { makePlan, replicaCreate, replicaDelete, world } from './helpers.js';

describe('a replica that sourced a new replica', () => {
  it('cannot be removed for 24 hours: the step says so and names the command to run afterwards; after 24 hours it is removed', async () => {
    const w = world();
    // us-east-1 (the only replica) is the source of the eu-west-1 replica.
    expect((await execute(makePlan([replicaCreate('orders', 'eu-west-1')]), w.cloud.providers(), w.options())).failed).toEqual([]);
    const removal = () => execute(makePlan([replicaDelete('orders', 'us-east-1')], w.clock.now(), ['eu-west-1']), w.cloud.providers(), w.options());

    const early = await removal();
    expect(early.failed).toHaveLength(1);
    expect(JSON.stringify(early.failed[0])).toMatch(/acted as a source region.*24 hours.*regionctl apply/);
    expect(w.cloud.replicasOf('orders').map((r) => r.region).sort()).toEqual(['eu-west-1', 'us-east-1']);

    await w.clock.advance(24 * 3600 * 1000);
    expect((await removal()).failed).toEqual([]);
    expect(w.cloud.replicasOf('orders').map((r) => r.region)).toEqual(['eu-west-1']);
  });
});
