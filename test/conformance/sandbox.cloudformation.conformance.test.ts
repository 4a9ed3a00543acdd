// Every CloudFormation conformance case on the API-level sandbox: the same calls, AWS's outcome.
// A rule the sandbox enforces cites the case id that proves it (see README.md).
import { describe, it } from 'vitest';
import { allCases } from './cases/index.js';
import { runCase } from './runner.js';
import { sandboxTarget } from './sandbox-target.js';

describe('CloudFormation conformance on the sandbox', () => {
  for (const testCase of allCases.filter((c) => c.id.startsWith('cfn.'))) {
    it(`${testCase.id}: ${testCase.title}`, async () => {
      await runCase(sandboxTarget(), testCase);
    });
  }
});
