// Every Route 53 conformance case (ids r53.*) — including those moto cannot run — against the
// API-level sandbox. A rule the sandbox enforces cites the case id that proves it (README.md).
import { describe, it } from 'vitest';
import { allCases } from './cases/index.js';
import { runCase } from './runner.js';
import { sandboxTarget } from './sandbox-target.js';

const route53Cases = allCases.filter((c) => c.id.startsWith('r53.'));

describe('Route 53 conformance on the sandbox', () => {
  it('runs every Route 53 case of the corpus', () => {
    if (route53Cases.length === 0) throw new Error('no r53.* cases found');
  });
  for (const testCase of route53Cases) {
    it(`${testCase.id}: ${testCase.title}`, async () => {
      await runCase(sandboxTarget(), testCase);
    });
  }
});
