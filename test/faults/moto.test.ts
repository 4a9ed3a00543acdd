// The fault suite on moto: the real AWS providers over HTTP, a controller killed on the
// k-th write moto accepted (the change took effect, the answer was lost), then a fresh
// controller (a restarted process) re-plans and re-applies until nothing is left. The
// sandbox suite (kills.test.ts) covers storms and every step boundary; this checks the
// same promise against AWS's wire shapes: idempotency tokens, caller references and tags
// as moto stores them.

import {
  CloudFormationClient,
  ListStacksCommand,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListHealthChecksCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type HealthCheck,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { realClock } from '../../controller/clock.js';
import { loadManifestFile } from '../../controller/manifest/load.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { createAwsProviders, type AwsCall } from '../../controller/providers/aws/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { fillMotoStackOutputs, MOTO_STAND_IN_TEMPLATE, threeRegionManifest } from '../aws/budget.js';
import { startMoto, type Moto } from '../support/moto.js';
import { matrix, printMatrix } from './world.js';

const ADDED_REGION = 'us-west-2';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** Someone else's record in the same zone: regionctl must never touch it. */
const FOREIGN_RECORD: ResourceRecordSet = { Name: 'legacy.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.10' }] };
/** Most applies one controller may need to converge (stacks, then DNS once moto has outputs, then slack). */
const MAX_PASSES = 4;
const READ_OPERATION = /^(Describe|List|Get)/;

class ProcessKilled extends Error {
  override readonly name = 'ProcessKilled';
}

let moto: Moto;
let dir: string;
let before: DesiredState;
let after: DesiredState;

async function loadManifest(name: string, text: string): Promise<DesiredState> {
  writeFileSync(join(dir, name), text);
  const loaded = await loadManifestFile(join(dir, name));
  if (!loaded.ok) throw new Error(`${name} is invalid: ${JSON.stringify(loaded.errors)}`);
  return loaded.value;
}

beforeAll(async () => {
  moto = await startMoto();
  process.env['AWS_ACCESS_KEY_ID'] = 'testing';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'testing';
  dir = mkdtempSync(join(tmpdir(), 'regionctl-faults-moto-'));
  mkdirSync(join(dir, 'stacks'));
  writeFileSync(join(dir, 'stacks/regional-api.yaml'), MOTO_STAND_IN_TEMPLATE);
  const three = threeRegionManifest({ tables: false });
  before = await loadManifest('before.yaml', three);
  after = await loadManifest('after.yaml', `${three.trimEnd()}\n    ${ADDED_REGION}: {}\n`);
  expect(after.regions.map((region) => region.code)).toContain(ADDED_REGION);
});

afterAll(async () => {
  printMatrix('killed on moto (real AWS providers over HTTP)');
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function route53(): Route53Client {
  return new Route53Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
}

/** An empty account with the zone (regionctl never creates zones) and a foreign record in it. */
async function freshAccount(): Promise<string> {
  await moto.reset();
  const client = route53();
  try {
    const { HostedZone } = await client.send(new CreateHostedZoneCommand({ Name: after.dns.zone, CallerReference: `faults-${Date.now()}` }));
    const zoneId = HostedZone!.Id!;
    await client.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: FOREIGN_RECORD }] } }),
    );
    return zoneId;
  } finally {
    client.destroy();
  }
}

interface Controller {
  /** Writes moto accepted (the call's answer reached the controller or, for the last one, was lost). */
  acceptedWrites: number;
  /** Their operations, in order. */
  writeOperations: string[];
  applies: number;
  killed: boolean;
}

/**
 * One controller process: plans and applies until the plan is empty, filling moto's
 * missing stack outputs between applies. With killAtWrite = k it dies on the k-th write
 * moto accepted: that call throws after moto made the change, every later call throws,
 * and no further step starts.
 */
async function runController(desired: DesiredState, killAtWrite?: number): Promise<Controller> {
  const state: Controller = { acceptedWrites: 0, writeOperations: [], applies: 0, killed: false };
  const stop = new AbortController();
  const onCall = (call: AwsCall) => {
    if (state.killed) throw new ProcessKilled('controller killed');
    if (READ_OPERATION.test(call.operation) || call.outcome !== 'ok') return;
    state.writeOperations.push(call.operation);
    if (++state.acceptedWrites === killAtWrite) {
      state.killed = true;
      stop.abort();
      throw new ProcessKilled(`controller killed before the answer to ${call.operation} arrived`);
    }
  };
  const aws = createAwsProviders({ clock: realClock, endpointUrl: moto.endpoint, changeSetPollMs: 20, maxAttempts: 1, onCall });
  try {
    for (let pass = 1; pass <= MAX_PASSES && !state.killed; pass++) {
      const { plan } = await planReconcile(desired, aws.providers, { now: Date.now() });
      expect(plan.refusals, 'plan refusals').toEqual([]);
      if (plan.steps.length === 0) return state;
      state.applies++;
      await execute(plan, aws.providers, {
        clock: realClock,
        regionSet: desired.name,
        stackName: desired.stack.name,
        maxParallelRegions: desired.rollout.maxParallelRegions,
        signal: stop.signal,
        // moto finishes every operation at once.
        pollIntervals: { stackMs: 20, tableMs: 20, dnsChangeMs: 20, healthMs: 20 },
      });
      if (state.killed) return state;
      // Stand-in for AWS computing outputs: the DNS steps need ApiDomainName.
      await fillMotoStackOutputs(moto.endpoint, desired.stack.name, desired.regions.map((region) => region.code));
    }
    if (!state.killed) {
      const { plan } = await planReconcile(desired, aws.providers, { now: Date.now() });
      expect(plan.steps.map((step) => step.id), `still steps after ${MAX_PASSES} applies`).toEqual([]);
    }
    return state;
  } finally {
    aws.destroy();
  }
}

const LIVE_STACK: StackStatus[] = [
  'CREATE_COMPLETE',
  'CREATE_IN_PROGRESS',
  'CREATE_FAILED',
  'UPDATE_COMPLETE',
  'UPDATE_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE',
  'ROLLBACK_COMPLETE',
  'REVIEW_IN_PROGRESS',
];

async function stacksIn(region: string): Promise<string[]> {
  const cfn = new CloudFormationClient({ region, endpoint: moto.endpoint, credentials: CREDENTIALS });
  try {
    const { StackSummaries } = await cfn.send(new ListStacksCommand({ StackStatusFilter: LIVE_STACK }));
    return (StackSummaries ?? []).map((stack) => `${stack.StackName} ${stack.StackStatus}`);
  } finally {
    cfn.destroy();
  }
}

async function route53State(zoneId: string): Promise<{ healthChecks: HealthCheck[]; records: ResourceRecordSet[] }> {
  const client = route53();
  try {
    const { HealthChecks } = await client.send(new ListHealthChecksCommand({}));
    const { ResourceRecordSets } = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    return { healthChecks: HealthChecks ?? [], records: ResourceRecordSets ?? [] };
  } finally {
    client.destroy();
  }
}

/** What AWS must hold once `desired` converged: one of each per region, the foreign record untouched. */
async function expectConvergedOnMoto(zoneId: string, desired: DesiredState, label: string): Promise<void> {
  const regions = desired.regions.map((region) => region.code).sort();
  for (const region of regions) {
    expect(await stacksIn(region), `${label}: stacks in ${region}`).toEqual([`${desired.stack.name} UPDATE_COMPLETE`]);
  }
  const { healthChecks, records } = await route53State(zoneId);
  const hosts = healthChecks.map((check) => check.HealthCheckConfig?.FullyQualifiedDomainName ?? '?').sort();
  expect(hosts, `${label}: one health check per region`).toEqual(regions.map((region) => `api-${region}.example.net`).sort());
  const recordName = desired.dns.records[0]!.name;
  const ours = records.filter((record) => record.Name === recordName);
  expect(ours.map((record) => record.Region).sort(), `${label}: one latency record per region`).toEqual(regions);
  const checkIds = new Set(healthChecks.map((check) => check.Id));
  for (const record of ours) expect(checkIds.has(record.HealthCheckId), `${label}: ${record.Region} record's health check exists`).toBe(true);
  const foreign = records.filter((record) => record.Name === FOREIGN_RECORD.Name);
  expect(foreign, `${label}: foreign record untouched`).toEqual([FOREIGN_RECORD]);
  const others = records.filter((record) => record.Name !== recordName && record.Name !== FOREIGN_RECORD.Name).map((record) => `${record.Name} ${record.Type}`);
  expect(others.sort(), `${label}: nothing else in the zone`).toEqual(
    // regionctl's ownership marker is the one other record it writes.
    [`_regionctl.${desired.name}.${desired.dns.zone} TXT`, `${desired.dns.zone} NS`, `${desired.dns.zone} SOA`],
  );
}

describe('fault suite on moto: killed while adding a region', () => {
  it('converges after a kill on each accepted write before its answer arrived, with one stack, health check and record per region', async () => {
    // The uninterrupted reference: how many writes adding the region takes.
    let zoneId = await freshAccount();
    await runController(before);
    const reference = await runController(after);
    await expectConvergedOnMoto(zoneId, after, 'uninterrupted');
    const writes = reference.acceptedWrites;
    expect(writes, 'adding a region writes a stack, a health check and records').toBeGreaterThan(2);

    let mostApplies = 0;
    const covered: number[] = [];
    for (let k = 1; k <= writes; k++) {
      // moto 5.2.5 cannot take this one: after a kill on CreateChangeSet the stack stays
      // REVIEW_IN_PROGRESS, and moto leaves it REVIEW_IN_PROGRESS even after the restart
      // executes a second CREATE change set (AWS creates the stack), so the restart would
      // wait on a stack that never completes. The sandbox suite covers this kill.
      if (reference.writeOperations[k - 1] === 'CreateChangeSet') continue;
      covered.push(k);
      const label = `killed at accepted write ${k}/${writes}, answer lost`;
      zoneId = await freshAccount();
      await runController(before);
      const killed = await runController(after, k);
      expect(killed.killed, `${label}: the controller was killed`).toBe(true);
      const restarted = await runController(after);
      mostApplies = Math.max(mostApplies, restarted.applies);
      await expectConvergedOnMoto(zoneId, after, label);
    }
    expect(covered.length, 'kills covered on moto').toBeGreaterThanOrEqual(writes - 1);
    matrix.push({
      case: `add a region on moto: killed at write k = ${covered.join(',')} of ${writes} (${reference.writeOperations.join(', ')})`,
      fault: 'write took effect in moto, answer lost (onCall throws), executor aborted',
      outcome: `all ${covered.length} converged after restart (restart needed ≤ ${mostApplies} apply); 1 stack, 1 health check, 1 record per region; foreign record untouched; kill on CreateChangeSet not run (moto keeps the stack REVIEW_IN_PROGRESS)`,
    });
  }, 60_000);
});
