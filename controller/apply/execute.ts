// The executor: carries out a Plan against the providers. Steps run as soon as their
// dependencies are done, with at most maxParallelRegions regions in flight; a failure
// skips the failed step's dependants and lets independent steps go on. It keeps nothing
// the live state cannot give back: a later reconcile re-plans from what AWS says.

import { AwsRequestError, classifyError, GuardrailRefusal, InternalError } from '../errors.js';
import type { Plan, Step, StepPayload } from '../plan/types.js';
import type { Providers } from '../providers/types.js';
import { StepFailure, type ExecutionContext } from './context.js';
import { DnsBatcher } from './dns.js';
import { runHealthCheckStep, runHealthWait } from './health.js';
import { runReplicaStep, TableQueues } from './replicas.js';
import { runStackStep } from './stacks.js';
import { scrubSecrets } from '../plan/secrets.js';
import {
  DEFAULT_POLL_INTERVALS,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  type ApplyResult,
  type ExecEvent,
  type ExecuteOptions,
  type SkippedStep,
  type StepFailureReport,
} from './types.js';

export type * from './types.js';
export { clientToken } from './context.js';

type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export async function execute(plan: Plan, providers: Providers, options: ExecuteOptions): Promise<ApplyResult> {
  if (plan.refusals.length > 0) {
    const rules = plan.refusals.map((refusal) => `${refusal.rule} (${refusal.resource}): ${refusal.message}`);
    throw new GuardrailRefusal(`plan for ${plan.regionSet} refused; nothing was changed:\n  ${rules.join('\n  ')}`, plan.refusals);
  }
  checkGraph(plan);
  if (!(options.maxParallelRegions >= 1)) throw new InternalError(`maxParallelRegions must be at least 1 (got ${options.maxParallelRegions})`);
  return new Execution(plan, providers, options).run();
}

/** Duplicate ids, unknown dependencies and cycles are planner bugs: refuse before touching anything. */
function checkGraph(plan: Plan): void {
  const ids = new Set<string>();
  for (const step of plan.steps) {
    if (ids.has(step.id)) throw new InternalError(`plan has two steps with id ${step.id}`);
    ids.add(step.id);
  }
  for (const step of plan.steps) {
    for (const dependency of step.dependsOn) {
      if (!ids.has(dependency)) throw new InternalError(`step ${step.id} depends on unknown step ${dependency}`);
    }
  }
  const byId = new Map(plan.steps.map((step) => [step.id, step]));
  const finished = new Set<string>();
  const visiting = new Set<string>();
  const visit = (id: string, path: string[]): void => {
    if (finished.has(id)) return;
    if (visiting.has(id)) throw new InternalError(`plan has a dependency cycle: ${[...path, id].join(' -> ')}`);
    visiting.add(id);
    for (const dependency of byId.get(id)!.dependsOn) visit(dependency, [...path, id]);
    visiting.delete(id);
    finished.add(id);
  };
  for (const step of plan.steps) visit(step.id, []);
}

class Execution {
  private readonly state = new Map<string, StepState>();
  private readonly byId: Map<string, Step>;
  private readonly dependants = new Map<string, Step[]>();
  private readonly ctx: ExecutionContext;
  private readonly dns: DnsBatcher;
  private readonly tables = new TableQueues();
  private readonly startedAt: number;

  /** Regions holding a slot (first step started, last step not yet ended). */
  private readonly activeRegions = new Set<string>();
  /** Per region: steps not yet finished. */
  private readonly unfinishedInRegion = new Map<string, number>();
  /** Per region: steps of other regions its steps wait on, directly or through region-less steps. */
  private readonly foreignDependencies = new Map<string, Set<string>>();

  private running = 0;
  private readonly completed: string[] = [];
  private readonly failed: StepFailureReport[] = [];
  private readonly skipped: SkippedStep[] = [];
  private finish!: (result: ApplyResult) => void;

  constructor(private readonly plan: Plan, providers: Providers, private readonly options: ExecuteOptions) {
    this.byId = new Map(plan.steps.map((step) => [step.id, step]));
    this.startedAt = options.clock.now();
    for (const step of plan.steps) {
      this.state.set(step.id, 'pending');
      for (const dependency of step.dependsOn) this.dependants.set(dependency, [...(this.dependants.get(dependency) ?? []), step]);
      if (step.region) this.unfinishedInRegion.set(step.region, (this.unfinishedInRegion.get(step.region) ?? 0) + 1);
    }
    for (const region of this.unfinishedInRegion.keys()) this.foreignDependencies.set(region, this.computeForeignDependencies(region));
    this.ctx = {
      plan,
      providers,
      clock: options.clock,
      regionSet: options.regionSet ?? plan.regionSet,
      ...(options.stackName ? { stackName: options.stackName } : {}),
      poll: { ...DEFAULT_POLL_INTERVALS, ...options.pollIntervals },
      timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      retry: { ...DEFAULT_RETRY, ...options.retry },
      emit: (event) => this.emit(event),
      stacks: new Map(),
      healthCheckIds: new Map(),
    };
    this.dns = new DnsBatcher(this.ctx);
  }

  run(): Promise<ApplyResult> {
    return new Promise<ApplyResult>((resolve) => {
      this.finish = resolve;
      this.pump();
    });
  }

  /** Starts every step that may start now; ends the run when nothing runs and nothing can start. */
  private pump(): void {
    while (!this.options.signal?.aborted) {
      this.startReady(false);
      // Every region with a slot waits on a region without one: let a free slot break the wait.
      if (this.running === 0) this.startReady(true);
      if (this.running > 0 || !this.failUnstartable()) break;
    }
    if (this.running > 0) return;
    const notStarted = this.plan.steps.filter((step) => this.state.get(step.id) === 'pending').map((step) => step.id);
    this.finish({
      completed: this.completed,
      failed: this.failed,
      skipped: this.skipped,
      notStarted,
      aborted: this.options.signal?.aborted ?? false,
      elapsedMs: this.options.clock.now() - this.startedAt,
    });
  }

  private startReady(ignoreForeignDependencies: boolean): void {
    for (const step of this.plan.steps) {
      if (this.state.get(step.id) !== 'pending' || !this.dependenciesDone(step)) continue;
      if (step.region && !this.activeRegions.has(step.region)) {
        if (this.activeRegions.size >= this.options.maxParallelRegions) continue;
        // A region takes a slot only when it will not sit on it waiting for another region.
        if (!ignoreForeignDependencies && !this.independentNow(step.region)) continue;
        this.activeRegions.add(step.region);
        if (ignoreForeignDependencies) ignoreForeignDependencies = false;
      }
      this.start(step);
    }
  }

  /** Ready steps that can never get a slot (all holders wait on regions without one). */
  private failUnstartable(): boolean {
    const ready = this.plan.steps.filter((step) => this.state.get(step.id) === 'pending' && this.dependenciesDone(step));
    for (const step of ready) {
      this.fail(
        step,
        `cannot start: all ${this.options.maxParallelRegions} region slot(s) are held by regions waiting on other regions` +
          ` (${[...this.activeRegions].join(', ')}); raise maxParallelRegions or remove the cross-region dependency`,
      );
    }
    return ready.length > 0;
  }

  private dependenciesDone(step: Step): boolean {
    return step.dependsOn.every((id) => this.state.get(id) === 'done');
  }

  private independentNow(region: string): boolean {
    for (const id of this.foreignDependencies.get(region) ?? []) {
      const state = this.state.get(id);
      if (state === 'pending' || state === 'running') return false;
    }
    return true;
  }

  private computeForeignDependencies(region: string): Set<string> {
    const foreign = new Set<string>();
    const seen = new Set<string>();
    const stack = this.plan.steps.filter((step) => step.region === region).flatMap((step) => step.dependsOn);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const step = this.byId.get(id)!;
      if (step.region && step.region !== region) foreign.add(id);
      stack.push(...step.dependsOn);
    }
    return foreign;
  }

  private start(step: Step): void {
    this.state.set(step.id, 'running');
    this.running++;
    this.emit({ type: 'step-start', step, ...regionOf(step), message: step.reason });
    this.dispatch(step).then(
      (message) => {
        this.state.set(step.id, 'done');
        this.completed.push(step.id);
        this.regionStepFinished(step);
        this.emit({ type: 'step-done', step, ...regionOf(step), ...(message ? { message } : {}) });
        this.running--;
        this.pump();
      },
      (error: unknown) => {
        this.fail(step, withoutSecrets(step, failureMessage(error)));
        this.running--;
        this.pump();
      },
    );
  }

  private fail(step: Step, message: string): void {
    this.state.set(step.id, 'failed');
    this.failed.push({ stepId: step.id, message });
    this.emit({ type: 'step-failed', step, ...regionOf(step), message });
    this.regionStepFinished(step);
    this.skipDependants(step.id, step.id);
  }

  private skipDependants(id: string, causedBy: string): void {
    for (const dependant of this.dependants.get(id) ?? []) {
      if (this.state.get(dependant.id) !== 'pending') continue;
      this.state.set(dependant.id, 'skipped');
      this.skipped.push({ stepId: dependant.id, causedBy });
      this.emit({
        type: 'step-skipped',
        step: dependant,
        ...regionOf(dependant),
        message: `skipped because ${causedBy} failed`,
      });
      this.regionStepFinished(dependant);
      this.skipDependants(dependant.id, causedBy);
    }
  }

  /** Counts a finished step of a region; the region's last one frees its slot. */
  private regionStepFinished(step: Step): void {
    if (!step.region) return;
    const left = (this.unfinishedInRegion.get(step.region) ?? 1) - 1;
    this.unfinishedInRegion.set(step.region, left);
    if (left === 0) this.activeRegions.delete(step.region);
  }

  private async dispatch(step: Step): Promise<string | undefined> {
    // A plan read from a file may hold a payload that does not match its action: check the kind too.
    if (step.payload.kind === 'wait') {
      await this.ctx.clock.sleep(step.payload.ms);
      return undefined;
    }
    switch (step.action) {
      case 'stack.create':
      case 'stack.update':
      case 'stack.recreate':
      case 'stack.continue-rollback':
      case 'stack.delete':
      case 'stack.wait':
        return runStackStep(this.ctx, step);
      case 'replica.create':
      case 'replica.delete':
        return runReplicaStep(this.ctx, this.tables, step);
      case 'healthcheck.create':
      case 'healthcheck.update':
      case 'healthcheck.delete':
        return runHealthCheckStep(this.ctx, step);
      case 'health.wait':
        return runHealthWait(this.ctx, this.dns, step);
      case 'record.create':
      case 'record.update':
      case 'record.delete':
      case 'inventory.update': {
        const payload: StepPayload = step.payload;
        if (payload.kind !== 'record') throw new StepFailure(`step ${step.id}: ${step.action} needs a record payload, got ${(payload as { kind: string }).kind}`);
        // The inventory is read back through the API, which shows a change at once:
        // waiting for it to reach the DNS servers (INSYNC) would only delay the region.
        await this.dns.submit(payload.zoneId, payload.change, payload.record, step.id, step.id, step.action === 'inventory.update');
        return undefined;
      }
      case 'drain.wait':
      case 'ramp.wait':
        throw new StepFailure(`step ${step.id}: ${step.action} needs a wait payload, got ${(step.payload as StepPayload).kind}`);
      default:
        return unknownAction(step);
    }
  }

  private emit(event: Omit<ExecEvent, 'elapsedMs'>): void {
    this.options.onEvent?.({ ...event, elapsedMs: this.options.clock.now() - this.startedAt });
  }
}

/** A plan from a newer planner: refuse the step rather than report it done. The compiler names a missing case. */
function unknownAction(step: never): never {
  throw new StepFailure(`step ${(step as Step).id}: unknown action ${(step as Step).action}`);
}

function regionOf(step: Step): { region?: string } {
  return step.region ? { region: step.region } : {};
}

/** A stack step's NoEcho values never reach a failure message (AWS or a resource may echo them). */
function withoutSecrets(step: Step, message: string): string {
  const payload = step.payload;
  if (payload.kind !== 'stack' || !payload.secretParameters?.length) return message;
  return scrubSecrets(message, payload.secretParameters.map((name) => payload.input.parameters[name] ?? ''));
}

function failureMessage(error: unknown): string {
  // Typed errors carry a message meant for people (AWS's own for AwsRequestError); a bug says so.
  return classifyError(error).message;
}
