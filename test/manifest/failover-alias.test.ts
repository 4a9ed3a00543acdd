// A failover alias record (type A to the regional endpoint) fails over only when Route 53
// evaluates the alias target's health: EvaluateTargetHealth defaults to true for failover
// aliases (r53.failover-alias), stays as written when the manifest sets it, and other routing
// policies keep false.
import { describe, expect, it } from 'vitest';
import { loadManifestText } from '../../controller/manifest/load.js';
import { shopManifest, withTemplate as files } from './shop.js';

const manifest = (routing: string, alias: string, regions: string) =>
  shopManifest(`{ name: api.example.com, type: A, routing: ${routing}, target: ApiDomainName, alias: ${alias}, healthCheck: { path: /health } }`, regions);

async function aliasOf(routing: string, alias: string, regions: string) {
  const result = await loadManifestText(manifest(routing, alias, regions), 'repo/regions.yaml', files);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.rule} ${e.message}`).join('\n'));
  return result.value.dns.records[0]!.alias;
}

const FAILOVER = '    us-east-1: { failover: PRIMARY }\n    eu-west-1: { failover: SECONDARY }';
const LATENCY = '    us-east-1: {}\n    eu-west-1: {}';

describe('failover alias records', () => {
  it('evaluate the alias target health unless the manifest says otherwise', async () => {
    expect(await aliasOf('failover', '{ hostedZoneIdOutput: ApiHostedZoneId }', FAILOVER)).toEqual({ hostedZoneIdOutput: 'ApiHostedZoneId', evaluateTargetHealth: true });
    expect((await aliasOf('failover', '{ hostedZoneIdOutput: ApiHostedZoneId, evaluateTargetHealth: false }', FAILOVER))?.evaluateTargetHealth).toBe(false);
    expect((await aliasOf('latency', '{ hostedZoneIdOutput: ApiHostedZoneId }', LATENCY))?.evaluateTargetHealth).toBe(false);
  });
});
