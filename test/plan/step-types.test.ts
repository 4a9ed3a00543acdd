// One typed step: the action fixes the payload and the display shapes. The type errors
// below are part of the test: `npm test` typechecks first, and each @ts-expect-error fails
// the typecheck if the mistake it marks were ever accepted.
import { describe, expect, it } from 'vitest';
import type { Step } from '../../controller/plan/types.js';

const base = { id: 'eu-west-1:x', region: 'eu-west-1', resource: 'stack:eu-west-1', dependsOn: [], reason: 'test' };

describe('Step', () => {
  it('accepts a payload that matches its action and refuses one that does not', () => {
    const wait: Step = { ...base, action: 'drain.wait', payload: { kind: 'wait', ms: 1000 } };
    // @ts-expect-error a record step cannot carry a stack payload
    const wrongPayload: Step = { ...base, action: 'record.create', payload: { kind: 'stack-ref', region: 'eu-west-1', stackName: 's' } };
    // @ts-expect-error a stack delete shows a status, not a weight
    const wrongDisplay: Step = { ...base, action: 'stack.delete', payload: { kind: 'stack-ref', region: 'eu-west-1', stackName: 's' }, before: { weight: 1 } };
    expect([wait, wrongPayload, wrongDisplay].map((step) => step.payload.kind)).toEqual(['wait', 'stack-ref', 'stack-ref']);
  });
});
