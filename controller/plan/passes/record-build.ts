// The working state of the records pass (and only of it): its steps and what it learns on
// the way (which steps touch a live record, which joins finish capacity...). Handed on to
// later passes as read-only facts when the pass returns.

import type { DnsRecord, RecordChange } from '../../providers/types.js';
import { liveKey } from '../record-diff.js';
import type { RecordDisplay, RecordTemplate } from '../types.js';
import { need, StepList, type HealthCheckUse, type PlanContext, type PlanFacts } from '../context.js';

export interface RecordBuild {
  readonly context: PlanContext;
  readonly rs: string;
  readonly stackReady: ReadonlyMap<string, readonly string[]>;
  readonly outputsKnown: ReadonlyMap<string, boolean>;
  readonly replicaReady: ReadonlyMap<string, readonly string[]>;
  readonly healthChecks: ReadonlyMap<string, HealthCheckUse>;
  readonly list: StepList;
  readonly notes: Set<string>;
  readonly touching: Map<string, string[]>;
  readonly atomicDeletes: Map<string, string[]>;
  readonly joinFinals: string[];
  readonly reductions: string[];
  readonly reducingTakeovers: string[][];
  readonly takeoverCreates: Set<string>;
  readonly joiningRegions: Set<string>;
  readonly unwanted: Array<{ region: string; record: DnsRecord }>;
}

export function recordBuild(context: PlanContext, facts: Readonly<PlanFacts>): RecordBuild {
  const { stackReady, outputsKnown, replicaReady, healthChecks } = need(facts, 'records', 'stackReady', 'outputsKnown', 'replicaReady', 'healthChecks');
  return {
    context,
    rs: context.rs,
    stackReady,
    outputsKnown,
    replicaReady,
    healthChecks,
    list: new StepList(),
    notes: new Set(),
    touching: new Map(),
    atomicDeletes: new Map(),
    joinFinals: [],
    reductions: [],
    reducingTakeovers: [],
    takeoverCreates: new Set(),
    joiningRegions: new Set(),
    unwanted: [],
  };
}

export function recordStep(
  build: Pick<RecordBuild, 'list' | 'context'>,
  action: 'record.create' | 'record.update' | 'record.delete',
  id: string,
  region: string | undefined,
  change: RecordChange['action'],
  record: RecordTemplate,
  dependsOn: Iterable<string>,
  reason: string,
  display: { before?: RecordDisplay; after?: RecordDisplay } = {},
  resource = recordResource(record),
): string {
  return build.list.add({
    id,
    action,
    ...(region ? { region } : {}),
    resource,
    dependsOn,
    reason,
    ...display,
    payload: { kind: 'record', zoneId: build.context.zoneId, change, record },
  });
}

/** The step resource of a record set (a ramp's steps share one string: hashed once in the summary's map). */
export function recordResource(record: RecordTemplate): string {
  return `record:${record.name}:${record.type}:${record.setIdentifier ?? ''}`;
}

/** Remembers that a step changes or deletes a live record (health-check deletes wait for it). */
export function touch(touching: Map<string, string[]>, record: DnsRecord, stepId: string): void {
  const key = liveKey(record);
  touching.set(key, [...(touching.get(key) ?? []), stepId]);
}
