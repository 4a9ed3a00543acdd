// The README's manifest reference is generated from the schema: this test fails when
// someone changes the schema without regenerating it (or edits the table by hand).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderManifestReference, withFreshReference } from '../../controller/manifest/reference.js';

const schema = JSON.parse(readFileSync('schemas/regions.schema.json', 'utf8'));
const readme = readFileSync('README.md', 'utf8');

it('README manifest reference matches schemas/regions.schema.json (regenerate: npx tsx controller/manifest/reference.ts --write)', () => {
  expect(withFreshReference(readme, schema)).toBe(readme);
});

it('documents every property of the schema with its default', () => {
  const table = renderManifestReference(schema);
  for (const field of ['spec.rollout.drainWait', 'spec.regions.<region>.state', 'spec.dns.records[].healthCheck.interval', 'spec.tables[].removeReplicas']) {
    expect(table).toContain(`\`${field}\``);
  }
  expect(table).toMatch(/\| `spec\.rollout\.ramp` \| list of integer \(1–100\) \| `\[10,50,100\]` \|/);
});

it('a schema change makes the README stale', () => {
  const changed = structuredClone(schema);
  changed.definitions.rollout.properties.drainWait.default = '10m';
  expect(withFreshReference(readme, changed)).not.toBe(readme);
});
