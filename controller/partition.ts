// AWS partitions, derived from region codes instead of hard-coded: the partition decides ARNs
// (arn:PARTITION:…) and where Route 53's global API lives. Sources: AWS General Reference,
// "Amazon Route 53 endpoints and quotas" (route53.amazonaws.com in us-east-1,
// route53.amazonaws.com.cn in cn-northwest-1, route53.us-gov.amazonaws.com in us-gov-west-1)
// and "Amazon Resource Names (ARNs)" (partition aws, aws-cn, aws-us-gov).

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** cn-* regions are aws-cn, us-gov-* are aws-us-gov, every other region is aws. */
export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

const ROUTE53_REGIONS: Record<Partition, string> = { aws: 'us-east-1', 'aws-cn': 'cn-northwest-1', 'aws-us-gov': 'us-gov-west-1' };

/** The region whose endpoint serves Route 53 (a global service) in a partition. */
export function route53RegionOf(partition: Partition): string {
  return ROUTE53_REGIONS[partition];
}

/** An ARN in the partition of `region`. */
export function arnIn(region: string, service: string, account: string, resource: string, resourceRegion: string = region): string {
  return `arn:${partitionOf(region)}:${service}:${resourceRegion}:${account}:${resource}`;
}

/** The partitions a set of regions spans, each with its regions (sorted), for validate's message. */
export function partitionsOf(regions: Iterable<string>): Map<Partition, string[]> {
  const out = new Map<Partition, string[]>();
  for (const region of regions) out.set(partitionOf(region), [...(out.get(partitionOf(region)) ?? []), region].sort());
  return out;
}
