// The schema is the contract editors and the loader share: it must agree with the
// TypeScript types, carry the defaults the normaliser applies, document every property,
// and the committed standalone validator must be generated from it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../controller/manifest/normalise.js';
import { GENERATED_FILE, generateValidatorSource } from '../../controller/manifest/schema-codegen.js';
import { REPO_ROOT } from './cli-runner.js';
import { schemaToTypeScript, type JsonSchema } from './schema-to-typescript.js';

type Node = JsonSchema & { description?: string; default?: unknown; examples?: unknown[]; minimum?: number; maximum?: number };

const schema = JSON.parse(await readFile(path.join(REPO_ROOT, 'schemas/regions.schema.json'), 'utf8')) as Node;
const def = (name: string) => schema.definitions![name] as Node;
const prop = (node: Node, ...keys: string[]): Node => keys.reduce((n, key) => (n.properties![key] ?? def(n.properties![key]!.$ref!.split('/').pop()!)) as Node, node);

/** Every object schema in the file, with a readable location. */
function objectSchemas(node: Node, where: string, out: Array<[string, Node]> = []): Array<[string, Node]> {
  const types = ([] as string[]).concat(node.type ?? []);
  if (types.includes('object')) out.push([where, node]);
  for (const [key, child] of Object.entries(node.properties ?? {})) objectSchemas(child as Node, `${where}.${key}`, out);
  if (typeof node.additionalProperties === 'object') objectSchemas(node.additionalProperties as Node, `${where}.*`, out);
  if (node.items) objectSchemas(node.items as Node, `${where}[]`, out);
  for (const [name, child] of Object.entries(node.definitions ?? {})) objectSchemas(child as Node, `#${name}`, out);
  return out;
}

describe('schemas/regions.schema.json', () => {
  it('describes the same written shape as RegionSetManifest in controller/manifest/types.ts', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'regionctl-schema-types-'));
    try {
      const withoutWeight = structuredClone(schema);
      delete withoutWeight.definitions!.region!.properties!.weight;
      const typesModule = path.join(REPO_ROOT, 'controller/manifest/types.js');
      await writeFile(
        path.join(dir, 'check.mts'),
        `import type { RegionSetManifest } from ${JSON.stringify(typesModule)};
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type FromSchema = ${schemaToTypeScript(schema)};
type FromSchemaWithoutWeight = ${schemaToTypeScript(withoutWeight)};
export const schemaMatchesTypes: Equal<FromSchema, RegionSetManifest> = true;
export const typesCanBeAssignedToSchema: FromSchema = {} as RegionSetManifest;
export const schemaCanBeAssignedToTypes: RegionSetManifest = {} as FromSchema;
// Control: the comparison notices a single missing property.
// @ts-expect-error
export const controlDiffers: Equal<FromSchemaWithoutWeight, RegionSetManifest> = true;
`,
      );
      const tsc = path.join(REPO_ROOT, 'node_modules/.bin/tsc');
      const run = await promisify(execFile)(tsc, ['--ignoreConfig', '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--types', 'node', '--typeRoots', path.join(REPO_ROOT, 'node_modules/@types'), path.join(dir, 'check.mts')], { cwd: REPO_ROOT }).then(
        () => ({ ok: true, output: '' }),
        (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
      );
      expect(run.output).toBe('');
      expect(run.ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('declares the defaults the normaliser applies', () => {
    const stack = def('stack');
    const record = def('record');
    const healthCheck = def('healthCheck');
    const rollout = def('rollout');
    const region = def('region');
    expect({
      stack: { parameters: def('parameters').default, capabilities: prop(stack, 'capabilities').default, tags: prop(stack, 'tags').default, terminationProtection: prop(stack, 'terminationProtection').default },
      table: { removeReplicas: prop(def('table'), 'removeReplicas').default },
      record: { type: prop(record, 'type').default, ttl: prop(record, 'ttl').default },
      alias: { evaluateTargetHealth: prop(record, 'alias', 'evaluateTargetHealth').default },
      healthCheck: Object.fromEntries(['path', 'protocol', 'interval', 'failureThreshold', 'regions'].map((k) => [k, prop(healthCheck, k).default])),
      healthCheckPort: { HTTPS: prop(healthCheck, 'port').default, HTTP: 80 },
      rollout: Object.fromEntries(Object.keys(DEFAULTS.rollout).map((k) => [k, prop(rollout, k).default])),
      region: { state: prop(region, 'state').default, weight: prop(region, 'weight').default },
    }).toEqual(DEFAULTS);
    expect(prop(healthCheck, 'port').description).toContain('443 for HTTPS and 80 for HTTP');
  });

  it('documents every property for editors, with a default or an example', () => {
    const undocumented: string[] = [];
    for (const [where, node] of objectSchemas(schema, '')) {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const target = (child.$ref ? def(child.$ref.split('/').pop()!) : child) as Node;
        const description = (child as Node).description ?? target.description;
        const hasValue = 'default' in child || 'examples' in child || 'default' in target || 'examples' in target;
        // Required keys with no sensible default (names) carry an example instead.
        if (!description || !hasValue) undocumented.push(`${where}.${key}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('rejects unknown keys in every mapping', () => {
    const open = objectSchemas(schema, '')
      .filter(([, node]) => node.additionalProperties !== false && typeof node.additionalProperties !== 'object')
      .map(([where]) => where);
    expect(open).toEqual([]);
  });

  it('matches the committed standalone validator (regenerate with: npx tsx controller/manifest/schema-codegen.ts)', async () => {
    expect(await readFile(GENERATED_FILE, 'utf8')).toBe(await generateValidatorSource());
  });
});
