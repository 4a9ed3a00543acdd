// A RegionSet lives in one AWS partition (aws, aws-cn, aws-us-gov), derived from its region
// codes: validate refuses a manifest that mixes them; the partition decides where the Route 53
// API is called and how ARNs are spelt.
import { describe, expect, it } from 'vitest';
import { loadManifestText } from '../../controller/manifest/load.js';
import { arnIn, partitionOf, route53RegionOf } from '../../controller/partition.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { shopManifest, withTemplate as files } from './shop.js';
import { AwsTargets } from '../../controller/targets/aws.js';

const manifest = (regions: string[]) => shopManifest('{ name: api.example.com, routing: latency, target: ApiDomainName }', regions.map((r) => `    ${r}: {}`).join('\n'));

describe('partitions', () => {
  it('accepts a manifest whose regions are all in aws-cn, or all in aws-us-gov', async () => {
    for (const regions of [['cn-north-1', 'cn-northwest-1'], ['us-gov-west-1', 'us-gov-east-1']]) {
      const result = await loadManifestText(manifest(regions), 'repo/regions.yaml', files);
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }
  });

  it('refuses regions of different partitions in one manifest, naming the region and the way out', async () => {
    const result = await loadManifestText(manifest(['eu-west-1', 'us-east-2', 'cn-north-1']), 'repo/regions.yaml', files);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const mixed = result.errors.filter((e) => e.rule === 'mixed-partitions');
    expect(mixed.map((e) => e.message)).toEqual([
      'region cn-north-1 is in the aws-cn partition, but eu-west-1, us-east-2 are in aws: one RegionSet cannot span AWS partitions (accounts, ARNs and Route 53 are separate); use one manifest per partition',
    ]);
  });

  it('derives the partition, the Route 53 endpoint region and ARNs from a region code', () => {
    expect(['eu-west-1', 'cn-northwest-1', 'us-gov-east-1'].map(partitionOf)).toEqual(['aws', 'aws-cn', 'aws-us-gov']);
    expect((['aws', 'aws-cn', 'aws-us-gov'] as const).map(route53RegionOf)).toEqual(['us-east-1', 'cn-northwest-1', 'us-gov-west-1']);
    expect(arnIn('cn-north-1', 'dynamodb', '123456789012', 'table/orders')).toBe('arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders');
  });

  it('calls Route 53 in the partition of the manifest: cn-northwest-1 for aws-cn, us-gov-west-1 for aws-us-gov, us-east-1 otherwise', async () => {
    const regionOf = async (clients: AwsClients) => clients.route53().config.region();
    expect(await regionOf(new AwsClients({ homeRegion: 'cn-north-1' }))).toBe('cn-northwest-1');
    expect(await regionOf(new AwsClients({ homeRegion: 'us-gov-east-1' }))).toBe('us-gov-west-1');
    expect(await regionOf(new AwsClients({ homeRegion: 'eu-west-1' }))).toBe('us-east-1');
    const inferred = new AwsClients({});
    inferred.dynamodb('cn-northwest-1');
    expect(await regionOf(inferred)).toBe('cn-northwest-1');
  });

  it("the controller's AWS target calls Route 53 in each RegionSet's own partition, whichever RegionSet it served first", async () => {
    // One controller process, three manifests; no network: the clients' configured region is read.
    const targets = new AwsTargets({ kind: 'aws' });
    const route53RegionFor = async (regions: string[]) => {
      const loaded = await loadManifestText(manifest(regions), 'repo/regions.yaml', files);
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      const target = await targets.open(loaded.value);
      const clients = (target.providers.dns as unknown as { deps: { clients: AwsClients } }).deps.clients;
      return clients.route53().config.region();
    };
    try {
      expect(await route53RegionFor(['eu-west-1', 'us-east-2'])).toBe('us-east-1');
      expect(await route53RegionFor(['cn-north-1', 'cn-northwest-1'])).toBe('cn-northwest-1');
      expect(await route53RegionFor(['us-gov-east-1'])).toBe('us-gov-west-1');
    } finally {
      targets.close();
    }
  });
});
