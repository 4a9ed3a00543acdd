// AWS operations that fail on their own: a stack that rolls back, a replica that cannot
// be created, a health check that fails halfway through a ramp. Each is reported with
// AWS's reason, leaves no region serving that should not, and the next reconciles put
// things right (or refuse with a message that says what to do).

import { afterAll, describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { GuardrailRefusal } from '../../controller/errors.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState } from '../apply/desired.js';
import { acceptedCalls, convergedWorld, executeOptions, expectConverged, matrix, printMatrix, reconcileUntilConverged, RECORD, STACK, THREE, ZONE, type FaultWorld } from './world.js';

const JOINING = 'us-west-2';
const WITH_JOINING = { ...THREE, [JOINING]: '{}' };
const ALL_REPLICAS = ['us-east-1', 'eu-west-1', 'ap-southeast-1', JOINING];

function weights(w: FaultWorld): string[] {
  return w.cloud.recordsOf(ZONE).filter((record) => record.name === RECORD).map((record) => `${record.setIdentifier!.split(':')[1]} ${record.weight}`);
}

describe('fault suite: failed AWS operations', () => {
  afterAll(() => printMatrix('failed AWS operations'));

  it('a stack create that fails and rolls back is reported; the next reconcile deletes and recreates it and the region joins', async () => {
    const w = await convergedWorld({ regions: THREE });
    const after = await desiredState({ regions: WITH_JOINING });
    w.cloud.faults.fail('StackCreate', { region: JOINING });

    const first = await reconcileUntilConverged(w, after, 1);
    expect(first.failures).toEqual([expect.stringMatching(new RegExp(`^${JOINING}:stack.create: stack global-api in ${JOINING} failed to create: ROLLBACK_COMPLETE: .+`))]);
    expect(w.cloud.peekStack(JOINING, STACK)?.status).toBe('ROLLBACK_COMPLETE');
    expect(weights(w), 'the region without a stack takes no traffic').not.toContainEqual(expect.stringContaining(JOINING));
    expect(w.cloud.listHealthChecks(), 'no health check for a stack that does not exist').toHaveLength(3);

    const { plan } = await planReconcile(after, w.providers(), { now: w.clock.now() });
    expect(plan.steps.map((step) => step.id)).toContain(`${JOINING}:stack.recreate`);
    const rest = await reconcileUntilConverged(w, after);

    expect(rest.converged, JSON.stringify(rest)).toBe(true);
    expect(rest.failures).toEqual([]);
    expectConverged(w, after, { replicas: ALL_REPLICAS });
    // A stack is created by executing its CREATE change set (the AWS adapter, as on AWS).
    expect(acceptedCalls(w, 'ExecuteChangeSet'), 'first create, then the recreate').toBe(2);
    expect(acceptedCalls(w, 'DeleteStack'), 'the rolled-back stack, once').toBe(1);
    matrix.push({
      case: 'add a region',
      fault: 'stack create fails (StackCreate) → ROLLBACK_COMPLETE',
      outcome: `step failed with AWS's reason, region not serving; next reconcile: delete + create, converged in ${rest.reconciles - 1} apply`,
    });
  });

  it('a replica that ends CREATION_FAILED is reported, the region does not serve, no data is lost, and the next plan is refused with what to do', async () => {
    const w = await convergedWorld({ regions: THREE });
    const after = await desiredState({ regions: WITH_JOINING });
    w.cloud.faults.fail('UpdateTable', { region: JOINING });

    const first = await reconcileUntilConverged(w, after, 1);
    expect(first.failures).toEqual([
      `${JOINING}:replica.create:orders: replica of orders in ${JOINING} failed to create: Failed to create a replica in region ${JOINING}: internal server error`,
    ]);
    expect(weights(w), 'only the three regions with data serve').toEqual(['ap-southeast-1 100', 'eu-west-1 100', 'us-east-1 100']);
    const replicas = w.cloud.replicasOf('orders').map((replica) => `${replica.region} ${replica.status}`).sort();
    expect(replicas).toEqual(['ap-southeast-1 ACTIVE', 'eu-west-1 ACTIVE', 'us-east-1 ACTIVE', `${JOINING} CREATION_FAILED`]);
    expect(w.cloud.replicaDeletionCount, 'no replica deleted').toBe(0);

    // The next reconcile changes nothing and says why.
    w.cloud.calls.reset();
    const { plan } = await planReconcile(after, w.providers(), { now: w.clock.now() });
    expect(plan.refusals.map((refusal) => refusal.message)).toEqual([
      `table-not-ready: replica of table orders in ${JOINING} is CREATION_FAILED (AWS: Failed to create a replica in region ${JOINING}: internal server error); ` +
        'regionctl does not delete and re-create a replica by itself, as deleting a replica deletes its items: fix the cause, delete the failed replica, then reconcile again.',
    ]);
    await expect(execute(plan, w.providers(), executeOptions(w, after))).rejects.toBeInstanceOf(GuardrailRefusal);
    expect(w.cloud.calls.writes(), 'a refused plan writes nothing').toEqual([]);

    // The operator deletes the failed replica, as the message says; then the region joins.
    await w.providers().tables.removeReplica('orders', 'us-east-1', JOINING);
    await w.clock.sleep(w.cloud.latencies.replicaDelete);
    const rest = await reconcileUntilConverged(w, after);
    expect(rest.converged, JSON.stringify(rest)).toBe(true);
    expectConverged(w, after, { replicas: ALL_REPLICAS, replicaDeletions: 1 });
    expect(w.cloud.replicaDeletions.map((deletion) => `${deletion.region} ${deletion.statusBefore}`), 'the only deletion was the empty failed replica').toEqual([
      `${JOINING} CREATION_FAILED`,
    ]);
    matrix.push({
      case: 'add a region',
      fault: 'UpdateTable replica → CREATION_FAILED',
      outcome: 'step failed with DynamoDB\'s reason, region not serving, 0 replicas deleted; next plan refused (table-not-ready, says what to do), 0 writes; after the operator removes it: converged',
    });
  });

  it('a health check failing mid-ramp sends the region back to weight 0 and reports it; it stays at 0 while unhealthy and ramps up once healthy', async () => {
    const w = await convergedWorld({ regions: THREE });
    const after = await desiredState({ regions: WITH_JOINING });
    const { plan } = await planReconcile(after, w.providers(), { now: w.clock.now() });
    const halfway = plan.steps.find((step) => step.region === JOINING && step.action === 'record.update' && step.after?.['weight'] === 50);
    expect(halfway, 'the ramp has a step at weight 50').toBeDefined();
    let fqdn = '';
    const failAtHalfway = (event: { type: string; step?: { id: string } }) => {
      if (event.type !== 'step-done' || event.step?.id !== halfway!.id) return;
      fqdn = w.cloud.peekStack(JOINING, STACK)!.outputs['ApiDomainName']!;
      w.cloud.setHealth(fqdn, 'unhealthy');
    };

    const result = await execute(plan, w.providers(), executeOptions(w, after, { onEvent: failAtHalfway }));
    expect(result.failed.map((failure) => failure.message)).toEqual([`health check of ${RECORD} in ${JOINING} failed at weight 50; rolled back to weight 0`]);
    expect(result.skipped.map((skip) => skip.stepId)).toEqual([`${JOINING}:record.update:${RECORD}:CNAME@100`]);
    expect(weights(w)).toContainEqual(`${JOINING} 0`);

    // Still unhealthy: the next reconcile waits for health and gives the region no traffic.
    const whileUnhealthy = await reconcileUntilConverged(w, after, 1);
    expect(whileUnhealthy.failures).toEqual([expect.stringContaining(`health check of ${RECORD} in ${JOINING} was not healthy within 10m`)]);
    expect(weights(w)).toContainEqual(`${JOINING} 0`);

    w.cloud.setHealth(fqdn, 'healthy');
    const recovered = await reconcileUntilConverged(w, after);
    expect(recovered.converged, JSON.stringify(recovered)).toBe(true);
    expect(recovered.failures).toEqual([]);
    expectConverged(w, after, { replicas: ALL_REPLICAS });
    expect(acceptedCalls(w, 'CreateHealthCheck'), 'the same health check throughout').toBe(1);
    matrix.push({
      case: 'add a region (ramp 10/50/100)',
      fault: 'health check unhealthy at weight 50',
      outcome: 'rolled back to weight 0 and reported; while unhealthy the next reconcile keeps it at 0; once healthy: ramped to 100, 1 health check',
    });
  });
});
