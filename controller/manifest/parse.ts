// YAML → plain data with source positions, under limits that keep a hostile or broken file
// from hurting the controller: size, alias expansion, one document, unique keys.
import { LineCounter, isScalar, parseAllDocuments, visit, type Document, type Pair } from 'yaml';
import { PositionIndex, type SourcePosition } from './positions.js';

/** Manifests larger than this are refused before parsing. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Alias nodes resolved per document; stops "billion laughs" style expansion. */
export const MAX_ALIAS_COUNT = 100;

export interface ParsedManifest {
  data: unknown;
  positions: PositionIndex;
}

export interface PositionedIssue extends SourcePosition {
  rule: string;
  message: string;
  pointer: string;
}

export type ParseResult = { ok: true; value: ParsedManifest } | { ok: false; errors: PositionedIssue[] };

export function sizeIssue(bytes: number): PositionedIssue | undefined {
  if (bytes <= MAX_MANIFEST_BYTES) return undefined;
  const mib = (bytes / MAX_MANIFEST_BYTES).toFixed(1);
  return {
    line: 1,
    column: 1,
    pointer: '',
    rule: 'file-too-large',
    message: `the file is ${mib} MiB but manifests are limited to 1 MiB; split it into several RegionSet files`,
  };
}

export function parseManifestYaml(text: string): ParseResult {
  const tooLarge = sizeIssue(Buffer.byteLength(text, 'utf8'));
  if (tooLarge) return { ok: false, errors: [tooLarge] };

  const lineCounter = new LineCounter();
  // uniqueKeys off: duplicates are found below, with both keys' positions in the message.
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(1, line), column: Math.max(1, col) };
  };

  if (list.length > 1) {
    const second = list[1]!;
    return {
      ok: false,
      errors: [
        {
          ...position(second.range[0]),
          pointer: '',
          rule: 'multiple-documents',
          message: `the file holds ${list.length} YAML documents (separated by ---) but a manifest is one RegionSet; move each into a file of its own`,
        },
      ],
    };
  }
  const doc = list[0];
  if (!doc || doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && doc.errors.length === 0)) {
    return {
      ok: false,
      errors: [{ line: 1, column: 1, pointer: '', rule: 'empty-file', message: 'the file has no content; a RegionSet needs apiVersion, kind, metadata and spec (see manifests/global-api.yaml)' }],
    };
  }

  // Only the first syntax error: the ones after it are mostly consequences of it.
  const syntax = doc.errors.slice(0, 1).map<PositionedIssue>((error) => ({
    ...position(error.pos[0]),
    pointer: '',
    rule: 'yaml-syntax',
    message: `invalid YAML: ${error.message.replace(/\s+/g, ' ').trim()}`,
  }));
  const duplicates = duplicateKeyIssues(doc, position);
  if (syntax.length || duplicates.length) return { ok: false, errors: sortByPosition([...syntax, ...duplicates]) };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = position(firstAliasOffset(doc));
    if (/excessive alias count/i.test(message)) {
      return {
        ok: false,
        errors: [{ ...at, pointer: '', rule: 'alias-limit', message: `YAML aliases expand to more than ${MAX_ALIAS_COUNT} nodes; write the values out instead of nesting aliases` }],
      };
    }
    return { ok: false, errors: [{ ...at, pointer: '', rule: 'yaml-syntax', message: `invalid YAML: ${message}` }] };
  }
  return { ok: true, value: { data, positions: new PositionIndex(doc, lineCounter) } };
}

function duplicateKeyIssues(doc: Document, position: (offset: number) => SourcePosition): PositionedIssue[] {
  const issues: PositionedIssue[] = [];
  visit(doc, {
    Map(_key, map) {
      const first = new Map<string, Pair>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) {
          // `? [a, b]` keys would be stringified by JavaScript objects; no manifest key needs one.
          const range = (pair.key as { range?: [number, number, number] } | null)?.range;
          issues.push({ ...position(range?.[0] ?? 0), pointer: '', rule: 'complex-key', message: 'mapping keys must be plain strings, not lists or mappings; write the key as text' });
          continue;
        }
        const name = String(pair.key.value);
        const earlier = first.get(name);
        if (!earlier) {
          first.set(name, pair);
          continue;
        }
        const earlierAt = position((earlier.key as { range?: [number, number, number] }).range?.[0] ?? 0);
        issues.push({
          ...position(pair.key.range?.[0] ?? 0),
          pointer: '',
          rule: 'duplicate-key',
          message: `key "${name}" appears twice in the same mapping (first on line ${earlierAt.line}); YAML would keep only one, so remove or merge them`,
        });
      }
    },
  });
  return issues;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

function sortByPosition<T extends SourcePosition>(issues: T[]): T[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}
