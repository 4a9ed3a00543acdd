// The runner must fail a case whenever the target answers differently from AWS, or the
// corpus proves nothing. A scripted target plays a small case with right and wrong answers.
import { describe, expect, it } from 'vitest';
import type { ConformanceCase } from './cases/types.js';
import { ConformanceFailure, runCase, type ConformanceTarget } from './runner.js';

type Answer = Record<string, unknown> | { error: { name: string; message: string } };

/** A target that answers each call from a script, in order, and records what it was sent. */
function scripted(answers: Answer[], control?: ConformanceTarget['control']): ConformanceTarget & { sent: Array<[string, unknown]> } {
  const sent: Array<[string, unknown]> = [];
  const api = {
    async send(operation: string, input: Record<string, unknown>) {
      sent.push([operation, input]);
      const answer = answers.shift();
      if (!answer) throw new Error('script exhausted');
      if ('error' in answer) throw Object.assign(new Error((answer.error as { message: string }).message), { name: (answer.error as { name: string }).name });
      return answer;
    },
  };
  return { cloudFormation: () => api, dynamodb: () => api, route53: () => api, pause: async () => {}, maxPolls: 3, control, sent };
}

const stackCase: ConformanceCase = {
  id: 'cfn.example',
  title: 'example',
  service: 'cloudformation',
  region: 'eu-west-1',
  sources: [{ kind: 'reference', url: 'https://docs.aws.amazon.com/x', quote: 'x' }],
  moto: true,
  steps: [
    { service: 'cloudformation', operation: 'CreateStack', input: { StackName: 's-${run}' }, expect: { ok: [{ path: 'StackId', present: true }] }, save: { stackId: 'StackId' } },
    {
      service: 'cloudformation',
      operation: 'DescribeStacks',
      input: { StackName: '${stackId}' },
      until: { path: 'Stacks.0.StackStatus', matches: /_COMPLETE$/ },
      expect: { ok: [{ path: 'Stacks.0.StackStatus', equals: 'CREATE_COMPLETE' }] },
    },
    {
      service: 'cloudformation',
      operation: 'DescribeStacks',
      input: { StackName: 'missing' },
      expect: { error: { code: 'ValidationError', message: 'Stack with id missing does not exist' } },
    },
  ],
};

const created = { StackId: 'arn:stack/s/1' };
const inProgress = { Stacks: [{ StackStatus: 'CREATE_IN_PROGRESS' }] };
const complete = { Stacks: [{ StackStatus: 'CREATE_COMPLETE' }] };
const missing = { error: { name: 'ValidationError', message: 'Stack with id missing does not exist' } };

describe('conformance runner', () => {
  it('passes a target that answers as AWS does, polling until the stack settles and filling saved values', async () => {
    const target = scripted([created, inProgress, complete, missing]);
    await runCase(target, stackCase, 'abc');
    expect(target.sent).toEqual([
      ['CreateStack', { StackName: 's-abc' }],
      ['DescribeStacks', { StackName: 'arn:stack/s/1' }],
      ['DescribeStacks', { StackName: 'arn:stack/s/1' }],
      ['DescribeStacks', { StackName: 'missing' }],
    ]);
  });

  it('fails on a different error message, naming the step and both texts', async () => {
    const target = scripted([created, complete, { error: { name: 'ValidationError', message: 'Stack missing does not exist' } }]);
    await expect(runCase(target, stackCase, 'abc')).rejects.toThrow(ConformanceFailure);
    await expect(runCase(scripted([created, complete, { error: { name: 'ValidationError', message: 'Stack missing does not exist' } }]), stackCase)).rejects.toThrow(
      /step 3 \(DescribeStacks\):\n {2}message "Stack missing does not exist", AWS gives "Stack with id missing does not exist"/,
    );
  });

  it('fails on a different error code, and on success where AWS fails', async () => {
    await expect(runCase(scripted([created, complete, { error: { name: 'StackNotFound', message: 'Stack with id missing does not exist' } }]), stackCase)).rejects.toThrow(
      /error code StackNotFound, AWS gives ValidationError/,
    );
    await expect(runCase(scripted([created, complete, complete]), stackCase)).rejects.toThrow(/succeeded; AWS fails with ValidationError/);
  });

  it('fails when a field differs, and when the awaited state never comes', async () => {
    await expect(runCase(scripted([created, { Stacks: [{ StackStatus: 'ROLLBACK_COMPLETE' }] }]), stackCase)).rejects.toThrow(
      /Stacks\.0\.StackStatus is "ROLLBACK_COMPLETE", AWS gives "CREATE_COMPLETE"/,
    );
    await expect(runCase(scripted([created, inProgress, inProgress, inProgress]), stackCase)).rejects.toThrow(/never reached/);
  });

  it('refuses a control step on a target without control hooks, and calls the hook when there is one', async () => {
    const withControl: ConformanceCase = {
      ...stackCase,
      moto: { false: 'needs the clock' },
      steps: [{ service: 'control', operation: 'advanceTime', input: { Milliseconds: 5 } }],
    };
    await expect(runCase(scripted([]), withControl)).rejects.toThrow(/no control hooks/);
    const calls: unknown[] = [];
    await runCase(scripted([], async (operation, input) => (calls.push([operation, input]), {})), withControl);
    expect(calls).toEqual([['advanceTime', { Milliseconds: 5 }]]);
  });
});
