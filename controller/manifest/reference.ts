// The manifest reference in the README, generated from schemas/regions.schema.json so the
// documentation can never disagree with validation. A test fails when the README is stale;
// `npx tsx controller/manifest/reference.ts --write` regenerates it.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  required?: string[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

interface Schema extends SchemaNode {
  definitions?: Record<string, SchemaNode>;
}

const REFERENCE_START = '<!-- manifest-reference:start (generated from schemas/regions.schema.json; do not edit) -->';
const REFERENCE_END = '<!-- manifest-reference:end -->';

/** One Markdown table row per field: path, type, required or default, description. */
export function renderManifestReference(schema: Schema): string {
  const rows: string[] = ['| field | type | required / default | description |', '| --- | --- | --- | --- |'];
  const resolve = (node: SchemaNode): SchemaNode => {
    // `allOf: [{$ref}]` is how the schema attaches a description to a shared definition.
    if (node.allOf?.length === 1 && !node.$ref) {
      const { allOf, ...rest } = node;
      return resolve({ ...allOf[0]!, ...rest });
    }
    if (!node.$ref) return node;
    const name = node.$ref.replace('#/definitions/', '');
    const target = schema.definitions?.[name];
    if (!target) throw new Error(`schema: unresolved $ref ${node.$ref}`);
    return { ...resolve(target), ...(node.description ? { description: node.description } : {}), ...(node.default !== undefined ? { default: node.default } : {}) };
  };
  const walk = (path: string, raw: SchemaNode, required: boolean): void => {
    const node = resolve(raw);
    if (path) rows.push(`| \`${path}\` | ${typeOf(node, resolve)} | ${requirement(node, required)} | ${escape(node.description ?? '')} |`);
    if (node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(path ? `${path}.${key}` : key, child, node.required?.includes(key) ?? false);
    }
    if (node.additionalProperties && typeof node.additionalProperties === 'object') {
      walk(`${path}.<${path.endsWith('regions') ? 'region' : 'name'}>`, node.additionalProperties, false);
    }
    if (node.items) {
      const items = resolve(node.items);
      if (items.properties) walk(`${path}[]`, { ...items, description: undefined } as SchemaNode, false);
    }
  };
  walk('', schema, true);
  // The `field[]` rows of arrays of objects carry no description of their own: drop them.
  return rows.filter((row) => !/^\| `[^`]*\[\]` \| object \| {2}\| {2}\|$/.test(row)).join('\n');
}

function typeOf(node: SchemaNode, resolve: (n: SchemaNode) => SchemaNode): string {
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const variants = node.oneOf ?? node.anyOf;
  if (variants) return [...new Set(variants.map((v) => typeOf(resolve(v), resolve)))].join(' \\| ');
  const type = Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'any');
  if (type === 'array' && node.items) return `list of ${typeOf(resolve(node.items), resolve)}`;
  if (type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object' && !node.properties) return 'map';
  const range = node.minimum !== undefined || node.maximum !== undefined ? ` (${node.minimum ?? ''}–${node.maximum ?? ''})` : '';
  return `${type}${range}`;
}

function requirement(node: SchemaNode, required: boolean): string {
  if (required) return 'required';
  if (node.default === undefined) return '';
  return `\`${JSON.stringify(node.default)}\``;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The README with its reference section replaced by a fresh rendering. */
export function withFreshReference(readme: string, schema: Schema): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no manifest reference markers (${REFERENCE_START} … ${REFERENCE_END})`);
  return `${readme.slice(0, start + REFERENCE_START.length)}\n${renderManifestReference(schema)}\n${readme.slice(end)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes('--write')) {
  const root = new URL('../../', import.meta.url);
  const schema = JSON.parse(readFileSync(new URL('schemas/regions.schema.json', root), 'utf8')) as Schema;
  const readmePath = new URL('README.md', root);
  writeFileSync(readmePath, withFreshReference(readFileSync(readmePath, 'utf8'), schema));
}
