// The loader's contract with the planner: what DesiredState looks like for a manifest,
// and that limits and I/O failures come back as issues, never as exceptions.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../../controller/manifest/duration.js';
import { loadManifestFile, loadManifestText, type LoadOptions } from '../../controller/manifest/load.js';
import { MAX_MANIFEST_BYTES } from '../../controller/manifest/parse.js';
import type { DesiredState, LoadResult } from '../../controller/manifest/types.js';
import { shopManifest, TEMPLATE, withTemplate } from './shop.js';

// sha256("AWSTemplateFormatVersion: \"2010-09-09\"\nResources: {}\n"), first 16 hex characters
const TEMPLATE_HASH = '4e4e06e485ce06aa';

const MINIMAL = shopManifest('{ name: API.Example.com, routing: latency, target: ApiDomainName }', '    us-east-2:\n    eu-west-1: {}', 'Example.COM');

async function load(text: string, opts = withTemplate): Promise<DesiredState> {
  const result = await loadManifestText(text, 'repo/regions.yaml', opts);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.column} ${e.rule} ${e.message}`).join('\n'));
  return result.value;
}

function errorsOf(result: LoadResult) {
  return result.ok ? [] : result.errors;
}

describe('normalisation into DesiredState', () => {
  it('applies every default to a minimal manifest', async () => {
    const desired = await load(MINIMAL);
    expect(desired).toEqual({
      name: 'shop',
      file: 'repo/regions.yaml',
      stack: {
        name: 'shop',
        templatePath: 'stacks/api.yaml',
        templateBody: TEMPLATE,
        templateHash: TEMPLATE_HASH,
        noEchoParameters: [],
        capabilities: [],
        tags: {},
        terminationProtection: false,
      },
      tables: [],
      dns: {
        zone: 'example.com.',
        records: [{ name: 'api.example.com.', type: 'CNAME', routing: 'latency', ttl: 60, targetOutput: 'ApiDomainName' }],
      },
      rollout: { maxParallelRegions: 2, minHealthyRegions: 1, ramp: [10, 50, 100], stepWaitMs: 120_000, drainWaitMs: 300_000 },
      regions: [
        { code: 'eu-west-1', state: 'active', weight: 100, geolocation: [], parameters: {} },
        { code: 'us-east-2', state: 'active', weight: 100, geolocation: [], parameters: {} },
      ],
      syncWindows: [],
    } satisfies DesiredState);
  });

  it('merges region parameters over stack parameters as strings, and sorts regions by code', async () => {
    const desired = await load(
      MINIMAL.replace('{ name: shop, template: stacks/api.yaml }', '{ name: shop, template: stacks/api.yaml, parameters: { Stage: prod, Replicas: 2, Debug: false } }').replace(
        '    us-east-2:\n',
        '    us-east-2: { parameters: { Stage: canary, Debug: true } }\n    ap-southeast-1: { state: standby, weight: 0 }\n',
      ),
    );
    expect(desired.regions.map((r) => r.code)).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);
    expect(desired.regions[0]).toMatchObject({ state: 'standby', weight: 0, parameters: { Stage: 'prod', Replicas: '2', Debug: 'false' } });
    expect(desired.regions[2]!.parameters).toEqual({ Stage: 'canary', Replicas: '2', Debug: 'true' });
  });

  it('fills health check defaults, with port 80 for HTTP and 443 for HTTPS', async () => {
    const desired = await load(
      MINIMAL.replace(
        '- { name: API.Example.com, routing: latency, target: ApiDomainName }',
        `- { name: api.example.com., routing: latency, target: ApiDomainName, healthCheck: {} }
      - { name: www.example.com., routing: latency, target: ApiDomainName, healthCheck: { protocol: HTTP, interval: 10, regions: [us-east-1, us-west-2, eu-west-1] } }`,
      ),
    );
    expect(desired.dns.records.map((r) => r.healthCheck)).toEqual([
      { targetOutput: 'ApiDomainName', protocol: 'HTTPS', port: 443, path: '/health', interval: 30, failureThreshold: 3, regions: [] },
      { targetOutput: 'ApiDomainName', protocol: 'HTTP', port: 80, path: '/health', interval: 10, failureThreshold: 3, regions: ['us-east-1', 'us-west-2', 'eu-west-1'] },
    ]);
  });

  it("checks the record's own target unless healthCheck.target names another output", async () => {
    const desired = await load(
      MINIMAL.replace(
        '- { name: API.Example.com, routing: latency, target: ApiDomainName }',
        `- { name: api.example.com., routing: latency, target: ApiDomainName, healthCheck: { path: /prod/health } }
      - { name: www.example.com., routing: latency, target: ApiDomainName, healthCheck: { target: ApiExecuteHost, path: /prod/health } }`,
      ),
    );
    expect(desired.dns.records.map((r) => [r.targetOutput, r.healthCheck?.targetOutput, r.healthCheck?.path])).toEqual([
      ['ApiDomainName', 'ApiDomainName', '/prod/health'],
      ['ApiDomainName', 'ApiExecuteHost', '/prod/health'],
    ]);
  });

  it('keeps alias records without a TTL of their own and defaults evaluateTargetHealth to false', async () => {
    const desired = await load(MINIMAL.replace('routing: latency, target: ApiDomainName', 'type: A, routing: latency, target: ApiDomainName, alias: { hostedZoneIdOutput: ApiHostedZoneId }'));
    expect(desired.dns.records[0]).toMatchObject({ type: 'A', alias: { hostedZoneIdOutput: 'ApiHostedZoneId', evaluateTargetHealth: false } });
  });

  it('turns geolocation into one location per continent, country, subdivision and default', async () => {
    const desired = await load(
      MINIMAL.replace('routing: latency', 'routing: geolocation')
        .replace('    us-east-2:\n', '    us-east-2: { geolocation: { continents: [NA], countries: [BR], subdivisions: [US-CA], default: true } }\n')
        .replace('    eu-west-1: {}', '    eu-west-1: { geolocation: { continents: [EU] } }'),
    );
    expect(desired.regions.find((r) => r.code === 'us-east-2')!.geolocation).toEqual([
      { kind: 'continent', code: 'NA' },
      { kind: 'country', code: 'BR' },
      { kind: 'subdivision', country: 'US', code: 'CA' },
      { kind: 'default' },
    ]);
  });

  it('reads durations in hours, minutes and seconds', () => {
    expect([parseDuration('30s'), parseDuration('5m'), parseDuration('1h'), parseDuration('1h30m'), parseDuration('2m15s')]).toEqual([30_000, 300_000, 3_600_000, 5_400_000, 135_000]);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('5 min')).toBeUndefined();
  });

  it('reads the template relative to the manifest directory', async () => {
    const asked: string[] = [];
    await load(MINIMAL, { readFile: async (p) => (asked.push(p), TEMPLATE) });
    expect(asked).toEqual([path.join('repo', 'stacks', 'api.yaml')]);
  });
});

describe('limits and failures come back as issues', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'regionctl-manifest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file over 1 MiB before parsing it', async () => {
    const file = path.join(dir, 'huge.yaml');
    // A valid-looking manifest padded with comments to just over the limit.
    await writeFile(file, MINIMAL + `# ${'x'.repeat(120)}\n`.repeat(Math.ceil(MAX_MANIFEST_BYTES / 120)));
    expect(errorsOf(await loadManifestFile(file))).toEqual([
      { file, line: 1, column: 1, rule: 'file-too-large', pointer: '', message: 'the file is 1.0 MiB but manifests are limited to 1 MiB; split it into several RegionSet files' },
    ]);
    const text = await loadManifestText('a: 1\n'.repeat(MAX_MANIFEST_BYTES), 'big.yaml', withTemplate);
    expect(errorsOf(text).map((e) => e.rule)).toEqual(['file-too-large']);
  });

  it('reports a missing manifest file', async () => {
    const file = path.join(dir, 'absent.yaml');
    expect(errorsOf(await loadManifestFile(file))).toEqual([
      { file, line: 1, column: 1, rule: 'read-error', pointer: '', message: `${file} does not exist; check the path` },
    ]);
  });

  it('reports a directory passed as a manifest', async () => {
    expect(errorsOf(await loadManifestFile(dir))[0]).toMatchObject({ rule: 'read-error', message: `${dir} is not a file; pass a manifest file such as manifests/global-api.yaml` });
  });

  it('turns an unexpected error while reading the template into an issue at the template path', async () => {
    const failing: LoadOptions = {
      readFile: async () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    };
    const result = await loadManifestText(MINIMAL, 'repo/regions.yaml', failing);
    expect(errorsOf(result)).toEqual([
      {
        file: 'repo/regions.yaml',
        line: 6,
        column: 34,
        rule: 'template-unreadable',
        pointer: '/spec/stack/template',
        message: `template stacks/api.yaml could not be read: ${path.join('repo', 'stacks', 'api.yaml')} cannot be read (permission denied); check its permissions`,
      },
    ]);
  });

  it('rejects an alias bomb quickly and with a clear message', async () => {
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= 20; i++) bomb += `b${i}: &b${i} [${Array(10).fill(i === 1 ? '*a' : `*b${i - 1}`).join(', ')}]\n`;
    const result = await loadManifestText(bomb, 'bomb.yaml', withTemplate);
    expect(errorsOf(result)).toEqual([
      { file: 'bomb.yaml', line: 2, column: 10, rule: 'alias-limit', pointer: '', message: 'YAML aliases expand to more than 100 nodes; write the values out instead of nesting aliases' },
    ]);
  });

  it('allows a few aliases for repeated values', async () => {
    const desired = await load(
      MINIMAL.replace('healthCheck', 'x').replace(
        '- { name: API.Example.com, routing: latency, target: ApiDomainName }',
        `- { name: api.example.com., routing: latency, target: ApiDomainName, healthCheck: &check { path: /ready } }
      - { name: www.example.com., routing: latency, target: ApiDomainName, healthCheck: *check }`,
      ),
    );
    expect(desired.dns.records.map((r) => r.healthCheck?.path)).toEqual(['/ready', '/ready']);
  });
});
