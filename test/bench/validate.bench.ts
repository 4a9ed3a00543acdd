// Manifest validation speed: a large (30-region) manifest in a warm process, and the cold
// start of `regionctl validate` (what CI and pre-commit hooks pay on every run).
import { CLI } from '../support/cli.js';
import { readFile } from 'node:fs/promises';
import { loadManifestText } from '../../controller/manifest/load.js';
import { AWS_REGIONS } from '../../controller/manifest/regions.js';
import { partitionOf } from '../../controller/partition.js';
import type { Figure } from './run.js';
import { coldStartMs, medianMs } from './stats.js';

/** A weighted RegionSet over 30 regions with health checks, tables and per-region parameters. */
export function manifestWithRegions(count: number): string {
  // One partition: validate refuses a RegionSet spanning aws and aws-cn (partition.ts).
  const regions = AWS_REGIONS.filter((code) => partitionOf(code) === 'aws')
    .slice(0, count)
    .map((code, i) => `    ${code}: { weight: ${(i * 37) % 256}, parameters: { Shard: ${i}, Canary: ${i % 5 === 0} } }`)
    .join('\n');
  return `apiVersion: regionctl/v1
kind: RegionSet
metadata: { name: bench, labels: { purpose: benchmark } }
spec:
  stack:
    name: bench
    template: stacks/regional-api.yaml
    parameters: { Stage: prod, TableName: orders }
    capabilities: [CAPABILITY_IAM]
  tables: [{ name: orders }, { name: sessions, removeReplicas: true }]
  dns:
    zone: example.com.
    records:
      - { name: api.example.com., routing: weighted, target: ApiDomainName, healthCheck: { path: /health, interval: 10 } }
      - { name: www.example.com., routing: weighted, target: ApiDomainName, ttl: 30, healthCheck: { regions: [us-east-1, eu-west-1, ap-southeast-1] } }
      - { name: edge.example.com., type: A, routing: latency, target: ApiDomainName, alias: { hostedZoneIdOutput: ApiHostedZoneId } }
  rollout: { maxParallelRegions: 4, minHealthyRegions: 20, ramp: [5, 25, 50, 100], stepWait: 2m, drainWait: 5m }
  regions:
${regions}
`;
}

export async function benchValidate(): Promise<Figure[]> {
  const template = await readFile('manifests/stacks/regional-api.yaml', 'utf8');
  const text = manifestWithRegions(30);
  const validateLarge = async () => {
    const result = await loadManifestText(text, 'manifests/bench.yaml', { readFile: async () => template });
    if (!result.ok) throw new Error(`benchmark manifest is invalid: ${result.errors.map((e) => e.message).join('; ')}`);
  };
  const large = await medianMs(50, validateLarge, 5);
  const cold = coldStartMs([CLI, 'validate', 'manifests/global-api.yaml'], 10);
  return [
    { name: 'validate a 30-region manifest (warm, in process)', value: large, unit: 'ms' },
    { name: 'cold start: `regionctl validate manifests/global-api.yaml`', value: cold, unit: 'ms' },
  ];
}
