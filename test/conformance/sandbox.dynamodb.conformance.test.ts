// Every DynamoDB conformance case (ddb.*) against the API-level sandbox: the sandbox must give
// AWS's recorded or documented outcome for each. A sandbox rule cites the case that proves it.
import { describe, it } from 'vitest';
import { allCases } from './cases/index.js';
import { runCase } from './runner.js';
import { sandboxTarget } from './sandbox-target.js';

describe('DynamoDB conformance on the sandbox', () => {
  const cases = allCases.filter((c) => c.id.startsWith('ddb.'));
  it('runs every ddb.* case', () => {
    if (cases.length < 12) throw new Error(`expected the 12+ DynamoDB cases, found ${cases.length}`);
  });
  for (const testCase of cases) {
    it(`${testCase.id}: ${testCase.title}`, async () => {
      await runCase(sandboxTarget(), testCase);
    });
  }
});
