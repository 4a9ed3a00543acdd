// Route 53's 18% rule through the real CLI and a sandbox state file: a region joins by a
// weighted ramp gated on its health check, which Route 53 counts healthy when MORE than 18% of
// its checkers report healthy (r53.healthy-above-18-percent). 3 of 16 (18.75%) lets the ramp
// finish and the next diff is clean; 2 of 16 (12.5%) stops it with the region at no traffic.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliSync, sandboxFlags } from '../support/cli.js';

const dirs: string[] = [];

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'regionctl-checkers-'));
  dirs.push(dir);
  cpSync('manifests', join(dir, 'manifests'), { recursive: true });
  const manifest = join(dir, 'manifests/weighted.yaml');
  const state = join(dir, 'sandbox.json');
  const regionctl = (...args: string[]) => {
    return runCliSync([...args, ...sandboxFlags(state)]);
  };
  return { manifest, state, regionctl };
}

/** The checkers of eu-central-1's health check report `healthy` Success and `unhealthy` Failure. */
function setCheckerReports(state: string, healthy: number, unhealthy: number): void {
  const json = JSON.parse(readFileSync(state, 'utf8'));
  const stack = json.stacks.find((s: { region: string }) => s.region === 'eu-central-1');
  const fqdns = new Set(Object.values(stack.current.outputs as Record<string, string>).map((v) => v.toLowerCase()));
  const checks = json.healthChecks.filter((h: { deleted: boolean; config: { fqdn: string } }) => !h.deleted && fqdns.has(h.config.fqdn.toLowerCase()));
  expect(checks).toHaveLength(1);
  checks[0].checkerReports = { healthy, unhealthy };
  writeFileSync(state, JSON.stringify(json));
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('ramp gating on the share of healthy checkers (CLI, sandbox)', () => {
  for (const [healthy, converges] of [[3, true], [2, false]] as const) {
    it(`${healthy} of 16 checkers healthy: the ramp ${converges ? 'finishes and the next diff is clean' : 'stops and the region gets no traffic'}`, () => {
      const { manifest, state, regionctl } = setup();
      expect(regionctl('apply', manifest, '--yes').code).toBe(0);
      setCheckerReports(state, healthy, 16 - healthy);
      writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('eu-central-1: { state: standby }', 'eu-central-1: {}'));

      const apply = regionctl('apply', manifest, '--yes');
      const weights = () =>
        JSON.parse(readFileSync(state, 'utf8'))
          .zones.flatMap((z: { records: Array<{ name: string; setIdentifier?: string; weight?: number }> }) => z.records)
          .filter((r: { name: string; setIdentifier?: string }) => r.name === 'checkout.example.com.' && r.setIdentifier?.includes('eu-central-1'))
          .map((r: { weight?: number }) => r.weight);
      if (converges) {
        expect(apply.stderr).toBe('');
        expect(apply.code).toBe(0);
        expect(weights()).toEqual([100]);
        const diff = regionctl('diff', manifest, '--detailed-exitcode');
        expect(diff.stdout).toMatch(/^No changes\.$/m);
        expect(diff.code).toBe(0);
      } else {
        expect(apply.code).not.toBe(0);
        expect(apply.stdout + apply.stderr).toMatch(/health check of checkout\.example\.com\. in eu-central-1/);
        expect(weights()).toEqual([0]);
      }
    }, 120_000);
  }
});
