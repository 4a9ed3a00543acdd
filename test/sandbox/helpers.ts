// Builders shared by the sandbox tests: a cloud on a FakeClock, stack inputs, and a
// small regional template in the CloudFormation YAML short form.

import { FakeClock } from '../../controller/clock.js';
import { AwsRequestError } from '../../controller/errors.js';
import { SandboxCloud, type Latencies } from '../../controller/providers/sandbox/index.js';
import type { StackInput } from '../../controller/providers/types.js';
import { expect } from 'vitest';

export const START = Date.UTC(2026, 0, 1);

/**
 * A cloud on a FakeClock that jumps to the next wake-up whenever every task sleeps: the stacks
 * adapter polls its change sets on it (CREATE_PENDING for latencies.changeSetCreate), so a call
 * returns once AWS would have answered; only clock.advance() moves time between calls.
 */
export function makeCloud(latencies?: Partial<Latencies> | 'instant') {
  const clock = new FakeClock(START);
  const cloud = new SandboxCloud({ clock, ...(latencies ? { latencies } : {}) });
  return { clock, cloud, ...cloud.providers() };
}

export const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version:
    Type: String
  MemorySize:
    Type: Number
    Default: 256
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !Sub 'orders-\${AWS::Region}'
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        S3Key: !Join ['', ['handler-', !Ref Version, '.zip']]
      MemorySize: !Ref MemorySize
      Role: !GetAtt Api.RootResourceId
  Table:
    Type: AWS::SSM::Parameter
    Properties:
      Value: static
Outputs:
  ApiDomain:
    Value: !GetAtt Api.RootResourceId
  ApiHostedZoneId:
    Value: !Ref Api
  HealthPath:
    Value: /healthz
`;

export function stackInput(overrides: Partial<StackInput> = {}): StackInput {
  return {
    region: 'us-east-1',
    name: 'orders',
    templateBody: TEMPLATE,
    parameters: { Version: '1' },
    capabilities: [],
    tags: { app: 'orders' },
    terminationProtection: false,
    clientToken: `token-${Math.random().toString(16).slice(2)}`,
    ...overrides,
  };
}

/**
 * Asserts AWS's error code and (part of) its message, either on an adapter's typed error
 * (AwsRequestError.code) or on a raw API call's error, shaped as the SDK throws it (name = code).
 */
export async function expectAwsError(promise: Promise<unknown>, code: string, message?: string | RegExp): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(Error);
  const aws = error as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
  if (aws instanceof AwsRequestError) expect(aws.code).toBe(code);
  else {
    expect(aws.name).toBe(code);
    expect(aws.$metadata?.httpStatusCode, 'an SDK-shaped error carries its HTTP status').toBeGreaterThanOrEqual(400);
  }
  if (typeof message === 'string') expect(aws.message).toBe(message);
  else if (message) expect(aws.message).toMatch(message);
  return aws;
}
