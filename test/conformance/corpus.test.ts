// The corpus itself: enough cases, each traceable to a source outside this project (or
// flagged as the project's own note), each with a unique id the README's rule map can cite.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allCases } from './cases/index.js';

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');

describe('conformance corpus', () => {
  it('has at least 45 cases with unique ids', () => {
    expect(allCases.length).toBeGreaterThanOrEqual(45);
    expect(new Set(allCases.map((each) => each.id)).size).toBe(allCases.length);
  });

  it('names a source for every case, and at least one from outside the project', () => {
    for (const each of allCases) {
      expect(each.sources.some((source) => source.kind !== 'project'), each.id).toBe(true);
      for (const source of each.sources) {
        if (source.kind === 'snapshot') expect(source.file, each.id).toMatch(/^tests\/aws\/services\/.+\.snapshot\.json$/);
        if (source.kind === 'reference') expect(source.url, each.id).toMatch(/^https:\/\/docs\.(aws\.amazon\.com|amazonaws\.cn)\//);
        if (source.kind === 'issue') expect(source.url, each.id).toMatch(/^https:\/\/github\.com\//);
      }
    }
  });

  it('says why moto cannot run a case, and never claims moto for an AWS-side control step', () => {
    for (const each of allCases) {
      if (each.moto !== true) expect(each.moto.false.length, each.id).toBeGreaterThan(10);
      if (each.steps.some((step) => step.service === 'control')) expect(each.moto, each.id).not.toBe(true);
    }
  });

  it('covers the three services', () => {
    const count = (service: string) => allCases.filter((each) => each.service === service).length;
    expect(count('cloudformation')).toBeGreaterThanOrEqual(20);
    expect(count('dynamodb')).toBeGreaterThanOrEqual(10);
    expect(count('route53')).toBeGreaterThanOrEqual(15);
  });

  it('lists every case in the README, and every case id the README names exists', () => {
    for (const each of allCases) expect(readme, each.id).toContain(`\`${each.id}\``);
    const named = [...readme.matchAll(/`((?:cfn|ddb|r53)\.[a-z0-9-]+)`/g)].map((match) => match[1]);
    const known = new Set(allCases.map((each) => each.id));
    expect(named.filter((id) => !known.has(id!))).toEqual([]);
  });
});
