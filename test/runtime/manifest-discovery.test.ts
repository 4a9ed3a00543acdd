// Which files under the manifest glob the controller reconciles: another tool's YAML is
// skipped, but a regionctl manifest with a wrong kind stalls with line:col in /status
// instead of its RegionSet silently vanishing.
import { describe, expect, it } from 'vitest';
import { condition } from '../../controller/runtime/status.js';
import { captureLines, MANIFEST, runtimeHarness, sandboxWorld } from './helpers.js';

const harness = runtimeHarness();

async function reconcileOnce() {
  const world = sandboxWorld();
  const { runtime } = await harness.start(harness.config(), { sandboxCloud: world.cloud, source: { sync: async () => ({ revision: 'rev-1', dir: harness.repo.dir }) }, logDestination: captureLines().stream });
  await runtime.controller.idle();
  return { world, status: runtime.controller.status.snapshot() };
}

describe('manifest discovery', () => {
  it('a regionctl manifest whose kind is wrong stalls at the kind, with no AWS call', async () => {
    harness.repo.edit('kind: RegionSet', 'kind: Deployment');
    const { world, status } = await reconcileOnce();
    const set = status.regionSets['global-api'];
    expect(set).toBeDefined();
    expect(condition(set!, 'Stalled')).toMatchObject({ status: 'True', reason: 'ManifestInvalid' });
    expect(set!.lastError?.location).toBe(`${MANIFEST}:5:7`);
    expect(world.cloud.calls.count()).toBe(0);
  });

  it("another tool's manifest in the same directory is skipped, and the RegionSet beside it converges", async () => {
    harness.repo.write('manifests/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: other\nresources: []\n');
    const { status } = await reconcileOnce();
    expect(Object.keys(status.regionSets)).toEqual(['global-api']);
    expect(condition(status.regionSets['global-api']!, 'Ready')?.status).toBe('True');
  });
});
