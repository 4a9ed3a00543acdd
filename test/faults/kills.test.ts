// The controller killed (SIGKILL, simulated in-process) at every step boundary of adding
// and draining a region, while Route 53 throttles and CloudFormation and DynamoDB answer
// 5xx; then restarted into the same storm. Two ways to die:
//   - right after step k finished: nothing more reaches AWS, steps in flight are cut;
//   - on the k-th write AWS accepted, before its answer arrived: the change took effect
//     but the controller never learnt it (its id, its token).
// test/apply/level-triggered.test.ts covers graceful stops and kills on a quiet day; this
// adds the storm, the lost answer and the drain.

import { afterAll, describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { TransientError } from '../../controller/errors.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import type { Plan } from '../../controller/plan/types.js';
import type { CallRecord } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { desiredState, type ScenarioManifest } from '../apply/desired.js';
import { acceptedCalls, convergedWorld, executeOptions, expectConverged, matrix, printMatrix, reconcileUntilConverged, THREE, type FaultWorld } from './world.js';

const STORM = 'Route 53 throttling 30% + CloudFormation/DynamoDB 5xx 20%';

function armStorm(w: FaultWorld): void {
  w.cloud.faults.throttle('route53:*', { probability: 0.3 });
  w.cloud.faults.unavailable('cloudformation:*', { probability: 0.2 });
  w.cloud.faults.unavailable('dynamodb:*', { probability: 0.2 });
}

interface Scenario {
  name: string;
  before: ScenarioManifest;
  after: ScenarioManifest;
  replicas: string[];
  /** Stack operations AWS accepted over the killed run and the restart, each made once: change sets executed (creates here), deletes. */
  acceptedOnce: { ExecuteChangeSet: number; DeleteStack: number };
  /** Health checks that ever existed, deleted ones included: never a duplicate, even for a while. */
  healthChecksEver: number;
}

const scenarios: Scenario[] = [
  {
    name: 'add a region',
    before: { regions: THREE },
    after: { regions: { ...THREE, 'us-west-2': '{}' } },
    replicas: ['us-east-1', 'eu-west-1', 'ap-southeast-1', 'us-west-2'],
    acceptedOnce: { ExecuteChangeSet: 1, DeleteStack: 0 },
    healthChecksEver: 4,
  },
  {
    name: 'drain a region',
    before: { regions: THREE },
    after: { regions: { ...THREE, 'ap-southeast-1': '{ state: drained }' } },
    replicas: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
    acceptedOnce: { ExecuteChangeSet: 0, DeleteStack: 0 },
    healthChecksEver: 3,
  },
];

class ProcessKilled extends Error {
  override readonly name = 'ProcessKilled';
}

/** The dying controller: once dead, every call it still tries fails and no step starts. */
class Killer {
  readonly stop = new AbortController();
  dead = false;

  constructor(private readonly w: FaultWorld) {
    w.cloud.onCall = () => {
      if (this.dead) throw new ProcessKilled('controller killed');
    };
  }

  kill(): void {
    this.dead = true;
    this.stop.abort();
  }

  /** Dies on the k-th write AWS accepts, after it took effect, so its answer is lost. */
  onAcceptedWrite(k: number): void {
    let accepted = 0;
    this.w.cloud.afterCall = (call: CallRecord) => {
      if (this.dead) throw new ProcessKilled('controller killed');
      if (call.write && call.outcome === 'ok' && ++accepted === k) {
        this.kill();
        throw new ProcessKilled('controller killed before the answer arrived');
      }
    };
  }

  detach(): void {
    this.w.cloud.onCall = undefined;
    this.w.cloud.afterCall = undefined;
  }
}

/** The first plan of a reconcile, read again when a storm made the reads fail (as at a resync). */
async function firstPlan(w: FaultWorld, desired: DesiredState): Promise<Plan> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await planReconcile(desired, w.providers(), { now: w.clock.now() })).plan;
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= 5) throw error;
      await w.clock.sleep(60_000);
    }
  }
}

interface KillOutcome {
  /** Applies after the restart until the plan was empty. */
  applies: number;
}

/** Kills a run of `after` as `arm` says, restarts, and checks the end state. */
async function killAndRestart(scenario: Scenario, label: string, arm: (killer: Killer) => (event: { type: string }) => void): Promise<KillOutcome> {
  const w = await convergedWorld(scenario.before);
  const after = await desiredState(scenario.after);
  armStorm(w);
  const plan = await firstPlan(w, after);
  const killer = new Killer(w);
  const onEvent = arm(killer);
  await execute(plan, w.providers(), executeOptions(w, after, { signal: killer.stop.signal, onEvent }));
  killer.detach();
  expect(killer.dead, `${label}: the controller was killed`).toBe(true);

  const restarted = await reconcileUntilConverged(w, after);
  w.cloud.faults.clear();
  expect(restarted.refusals, label).toEqual([]);
  expect(restarted.converged, `${label}: ${JSON.stringify(restarted)}`).toBe(true);
  expectConverged(w, after, { replicas: scenario.replicas }, label);
  for (const [operation, count] of Object.entries(scenario.acceptedOnce)) expect(acceptedCalls(w, operation), `${label}: ${operation} accepted`).toBe(count);
  expect(w.cloud.toJSON().healthChecks, `${label}: health checks ever created`).toHaveLength(scenario.healthChecksEver);
  return { applies: restarted.reconciles - 1 - restarted.planningErrors.length };
}

/** How many steps the first plan has and how many writes AWS accepts, on an uninterrupted run in the same storm. */
async function reference(scenario: Scenario): Promise<{ steps: number; writes: number }> {
  const w = await convergedWorld(scenario.before);
  const after = await desiredState(scenario.after);
  armStorm(w);
  const steps = (await firstPlan(w, after)).steps.length;
  w.cloud.calls.reset();
  const report = await reconcileUntilConverged(w, after);
  expect(report.converged).toBe(true);
  return { steps, writes: w.cloud.calls.writes().filter((call) => call.outcome === 'ok').length };
}

afterAll(() => printMatrix('SIGKILL at every step boundary'));

describe.each(scenarios)('fault suite: killed during "$name" in a storm', (scenario) => {
  it('converges after a kill right after each step, with no duplicate or orphaned resource', async () => {
    const { steps } = await reference(scenario);
    expect(steps).toBeGreaterThan(2);
    let mostApplies = 0;
    for (let k = 1; k < steps; k++) {
      const { applies } = await killAndRestart(scenario, `killed after step ${k}/${steps}`, (killer) => {
        let done = 0;
        return (event) => {
          if (event.type === 'step-done' && ++done === k) killer.kill();
        };
      });
      expect(applies, `killed after step ${k}: the restart had work left`).toBeGreaterThanOrEqual(1);
      mostApplies = Math.max(mostApplies, applies);
    }
    matrix.push({
      case: `${scenario.name}: killed after step k = 1..${steps - 1}`,
      fault: `SIGKILL + ${STORM}`,
      outcome: `all ${steps - 1} converged after restart (restart needed ≤ ${mostApplies} apply); 0 duplicate health checks, 0 stray records, 0 replicas lost`,
    });
  });

  it('converges after a kill on each accepted write before its answer arrived, with no duplicate or orphaned resource', async () => {
    const { writes } = await reference(scenario);
    expect(writes).toBeGreaterThan(1);
    let mostApplies = 0;
    for (let k = 1; k <= writes; k++) {
      const { applies } = await killAndRestart(scenario, `killed at accepted write ${k}/${writes}, answer lost`, (killer) => {
        killer.onAcceptedWrite(k);
        return () => {};
      });
      mostApplies = Math.max(mostApplies, applies);
    }
    matrix.push({
      case: `${scenario.name}: killed at write k = 1..${writes}`,
      fault: `write took effect, answer lost + ${STORM}`,
      outcome: `all ${writes} converged after restart (restart needed ≤ ${mostApplies} apply); 0 duplicate health checks, 0 stray records, 0 replicas lost`,
    });
  });
});
