// Issue #11, item 7 through the real CLI and a sandbox state file, as a user meets it:
// another team's latency record in a Region the example does not serve is shown as foreign
// and changes nothing; the inventory record deleted by hand and a region line removed makes
// `diff` say the inventory was lost and plan that region's stack away, and `apply` does it.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseInventory } from '../../controller/plan/identity.js';
import { loadSandbox, saveSandbox } from '../../controller/providers/sandbox/persist.js';
import { cliWorkspace } from '../support/cli.js';

const INVENTORY = '_regionctl.global-api.example.com.';
// The example's cloud: its zone and table, then the example converged.
const { manifest, state, regionctl } = cliWorkspace('regionctl-ownership-', { converge: true });

it('diff shows a foreign latency record of another Region as foreign, exits 0 and leaves the state file as it was', async () => {
  const cloud = await loadSandbox(state);
  const zoneId = cloud.zones()[0]!.id;
  await cloud.providers().dns.change(zoneId, [{ action: 'CREATE', record: { name: 'api.example.com.', type: 'CNAME', setIdentifier: 'team-b:eu-north-1', ttl: 60, region: 'eu-north-1', values: ['north.other.example.org'] } }], 'team b');
  await saveSandbox(cloud, state);
  const before = JSON.parse(readFileSync(state, 'utf8')).zones;

  const diff = regionctl('diff', manifest, '--detailed-exitcode');
  expect(diff.stderr).toBe('');
  expect(diff.code).toBe(0);
  expect(diff.stdout).toContain('No changes.');
  expect(diff.stdout).toContain('= foreign api.example.com. CNAME latency team-b:eu-north-1 Region eu-north-1 (not ours, kept)');
  expect(JSON.parse(readFileSync(state, 'utf8')).zones).toEqual(before);
});

it('inventory deleted by hand and a region line removed: diff says so and plans the stack away (exit 2); apply removes it', async () => {
  const cloud = await loadSandbox(state);
  const zoneId = cloud.zones()[0]!.id;
  const inventory = cloud.recordsOf('example.com.').find((r) => r.name === INVENTORY && r.type === 'TXT')!;
  await cloud.providers().dns.change(zoneId, [{ action: 'DELETE', record: inventory }], 'deleted by hand');
  await saveSandbox(cloud, state);
  const text = readFileSync(manifest, 'utf8');
  expect(text).toContain('    us-east-2: {}\n');
  writeFileSync(manifest, text.replace('    us-east-2: {}\n', ''));

  const diff = regionctl('diff', manifest, '--detailed-exitcode');
  expect(diff.stderr).toBe('');
  expect(diff.code).toBe(2);
  expect(diff.stdout).toMatch(/^us-east-2 \(leaving\):$/m);
  expect(diff.stdout).toMatch(/^ {2}- stack global-api$/m);
  expect(diff.stdout).toContain(`  - inventory lost: the inventory record ${INVENTORY} TXT is missing although resources of this RegionSet exist; it is rebuilt`);

  const apply = regionctl('apply', manifest, '--yes');
  expect(apply.stderr).toBe('');
  expect(apply.code).toBe(0);
  const after = await loadSandbox(state);
  expect(after.listStacks().map((s) => s.region).sort()).toEqual(['ap-southeast-1', 'eu-west-1']);
  expect(parseInventory(after.recordsOf('example.com.').find((r) => r.name === INVENTORY && r.type === 'TXT')!)).toEqual(['ap-southeast-1', 'eu-west-1']);
  expect(regionctl('diff', manifest, '--detailed-exitcode').code).toBe(0);
});
