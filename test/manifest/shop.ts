// The small RegionSet "shop" the loader tests write out, and the stack template it names.
import path from 'node:path';
import type { LoadOptions } from '../../controller/manifest/load.js';

/** The smallest template the loader accepts. */
export const TEMPLATE = 'AWSTemplateFormatVersion: "2010-09-09"\nResources: {}\n';

/** A loader that finds TEMPLATE at repo/stacks/api.yaml (where a manifest at repo/regions.yaml names it) and nothing else. */
export const withTemplate: LoadOptions = { readFile: async (p) => (p === path.join('repo', 'stacks/api.yaml') ? TEMPLATE : undefined) };

/** The manifest of RegionSet shop: its stack stacks/api.yaml, one record (a flow mapping) in `zone`, and the region lines as given. */
export function shopManifest(record: string, regions: string, zone = 'example.com'): string {
  return `
apiVersion: regionctl/v1
kind: RegionSet
metadata: { name: shop }
spec:
  stack: { name: shop, template: stacks/api.yaml }
  dns:
    zone: ${zone}
    records:
      - ${record}
  regions:
${regions}
`;
}
