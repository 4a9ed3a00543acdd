// DesiredStates for scenario tests, through the real manifest loader (so defaults and
// normalisation are the ones users get) with the reference regional template.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadManifestText } from '../../controller/manifest/index.js';
import type { DesiredState } from '../../controller/manifest/types.js';

const TEMPLATE = readFileSync(fileURLToPath(new URL('../../manifests/stacks/regional-api.yaml', import.meta.url)), 'utf8');

export interface ScenarioManifest {
  /** Region code → its manifest line body, e.g. `{}` or `{ state: drained }`. */
  regions: Record<string, string>;
  removeReplicas?: boolean;
  minHealthyRegions?: number;
  maxParallelRegions?: number;
}

export async function desiredState(manifest: ScenarioManifest): Promise<DesiredState> {
  const regions = Object.entries(manifest.regions)
    .map(([code, body]) => `    ${code}: ${body}`)
    .join('\n');
  const text = `apiVersion: regionctl/v1
kind: RegionSet
metadata: { name: global-api }
spec:
  stack: { name: global-api, template: stacks/regional-api.yaml, capabilities: [CAPABILITY_IAM] }
  tables: [ { name: orders, removeReplicas: ${manifest.removeReplicas ?? false} } ]
  dns:
    zone: example.com.
    records:
      - { name: api.example.com., routing: weighted, target: ApiDomainName, ttl: 60, healthCheck: { path: /health } }
  rollout:
    maxParallelRegions: ${manifest.maxParallelRegions ?? 2}
    minHealthyRegions: ${manifest.minHealthyRegions ?? 1}
    ramp: [10, 50, 100]
    stepWait: 2m
    drainWait: 5m
  regions:
${regions}
`;
  const result = await loadManifestText(text, 'regions.yaml', { readFile: async () => TEMPLATE });
  if (!result.ok) throw new Error(`test manifest is invalid: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.value;
}
