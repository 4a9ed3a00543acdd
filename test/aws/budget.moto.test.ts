// API-call budget of a quiet reconcile of the three-region example, after converging:
// no writes, one DescribeStacks per region, one DescribeTable per table, at most two
// Route 53 list calls for the zone and one ListHealthChecks page per 100 checks.
// (DynamoDB answered by aws-sdk-client-mock with a converged table: see budget.ts.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMoto, type Moto } from '../support/moto.js';
import { measureQuietReconcile, type QuietReconcileCalls } from './budget.js';

let moto: Moto;
let measured: QuietReconcileCalls;

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  measured = await measureQuietReconcile(moto.endpoint);
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

it('a quiet reconcile plans nothing and writes nothing', () => {
  expect(measured.planSteps).toBe(0);
  expect(measured.writes).toEqual([]);
});

it('reads each region stack once and each table once', () => {
  expect(measured.describeStacksByRegion).toEqual({ 'ap-southeast-1': 1, 'eu-west-1': 1, 'us-east-2': 1 });
  expect(measured.calls['dynamodb:DescribeTable']).toBe(measured.tables);
});

it('lists the zone with at most two Route 53 calls and the health checks with one page per 100', () => {
  const zoneCalls = (measured.calls['route53:ListHostedZonesByName'] ?? 0) + (measured.calls['route53:ListResourceRecordSets'] ?? 0);
  expect(zoneCalls).toBeLessThanOrEqual(2);
  expect(measured.healthChecks).toBe(3);
  expect(measured.calls['route53:ListHealthChecks']).toBe(Math.max(1, Math.ceil(measured.healthChecks / 100)));
});

it('makes no other call', () => {
  expect(Object.keys(measured.calls).sort()).toEqual([
    'cloudformation:DescribeStacks',
    'dynamodb:DescribeTable',
    'route53:ListHealthChecks',
    'route53:ListHostedZonesByName',
    'route53:ListResourceRecordSets',
  ]);
  expect(Object.values(measured.calls).reduce((sum, n) => sum + n, 0)).toBe(3 + 1 + 1 + 1 + 1);
});
