// Item 5 of issue 12 end to end: one plan adds a region and removes another (with its replica).
// AWS keeps a replica for 24 hours after it was the source of a new replica
// (ddb.source-replica-24h, enforced by the sandbox), so the new replica must be created through
// a region that stays. Through the real CLI on a sandbox state file.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import type { SandboxState } from '../../controller/providers/sandbox/state.js';
import { cliWorkspace } from '../support/cli.js';

const { manifest, state, regionctl } = cliWorkspace('regionctl-swap-', { each: true });

/** The example manifest with `removeReplicas: true` on the table and these regions. */
function writeManifest(regions: string[]): void {
  const text = readFileSync(`${manifest}.orig`, 'utf8');
  expect(text).toMatch(/    - name: orders +#.*\n/);
  expect(text).toMatch(/  regions:\n(    [\w-]+: \{\}\n)+/);
  writeFileSync(
    manifest,
    text
      .replace(/(    - name: orders +#.*\n)/, '$1      removeReplicas: true\n')
      .replace(/  regions:\n(    [\w-]+: \{\}\n)+/, `  regions:\n${regions.map((r) => `    ${r}: {}\n`).join('')}`),
  );
}

function replicas(): { region: string; status: string; sourceOfCreationAt?: number }[] {
  const json = JSON.parse(readFileSync(state, 'utf8')) as SandboxState;
  return json.tables.find((t) => t.name === 'orders')!.replicas;
}

beforeEach(() => {
  cpSync(manifest, `${manifest}.orig`);
  const cloud = new SandboxCloud({ clock: new FakeClock() });
  cloud.seedZone('example.com.');
  cloud.seedTable('orders', 'eu-west-1');
  writeFileSync(state, JSON.stringify(cloud.toJSON()));
});

describe('adding a region and removing another in one plan', () => {
  it('creates the new replica through a region that stays, removes the other replica, and the next diff is clean', () => {
    writeManifest(['eu-west-1', 'us-east-2', 'ap-southeast-1']);
    const first = regionctl('apply', manifest, '--yes');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    writeManifest(['eu-west-1', 'us-east-2', 'us-west-2']);
    const swap = regionctl('apply', manifest, '--yes');
    expect(swap.stderr).toBe('');
    expect(swap.code).toBe(0);
    expect(replicas().map((r) => `${r.region} ${r.status}`).sort()).toEqual(['eu-west-1 ACTIVE', 'us-east-2 ACTIVE', 'us-west-2 ACTIVE']);
    // Every replica was created through eu-west-1, the region that held the table before.
    expect(replicas().filter((r) => r.sourceOfCreationAt !== undefined).map((r) => r.region)).toEqual(['eu-west-1']);

    const diff = regionctl('diff', manifest, '--detailed-exitcode');
    expect(diff.stdout).toMatch(/^No changes\.$/m);
    expect(diff.code).toBe(0);
  });
});
