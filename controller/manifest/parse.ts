// YAML → plain data with source positions, under limits that keep a hostile or broken file
// from hurting the controller: size, nesting depth, alias expansion, one document, unique keys.
import { CST, Composer, Lexer, LineCounter, Parser, isScalar, visit, type Document, type Pair } from 'yaml';
import { PositionIndex, type SourcePosition } from './positions.js';

/** Manifests larger than this are refused before parsing. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Alias nodes resolved per document; stops "billion laughs" style expansion. */
export const MAX_ALIAS_COUNT = 100;
/**
 * Collections nested deeper than this are refused before the document is built: the YAML
 * composer and everything after it recurse, and a few thousand levels ("[[[[...") overflow
 * the stack. A manifest needs about 7 levels.
 */
const MAX_NESTING_DEPTH = 64;

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
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(1, line), column: Math.max(1, col) };
  };
  // The parser builds the syntax tree without recursion; its depth is checked before the
  // (recursive) composer sees it. Deep flow nesting ("[[[[…") is found first by the lexer,
  // which stops there: the parser takes seconds on 100,000 open brackets. The parser is fed
  // the same lexemes (yaml's documented user-provided lexer), so the text is lexed once.
  const { lexemes, flowTooDeep } = lexWithFlowDepth(text);
  lineCounter.addNewLine(0);
  if (flowTooDeep !== undefined) {
    // Not parsed: the line starts up to the offset, for its position (as the parser would).
    for (let i = text.indexOf('\n'); i !== -1 && i < flowTooDeep; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
  }
  const tokens: CST.Token[] = [];
  if (flowTooDeep === undefined) {
    const parser = new Parser(lineCounter.addNewLine);
    for (const lexeme of lexemes) for (const token of parser.next(lexeme)) tokens.push(token);
    for (const token of parser.end()) tokens.push(token);
  }
  const tooDeep = flowTooDeep ?? deepestCollection(tokens);
  if (tooDeep !== undefined) {
    return {
      ok: false,
      errors: [
        {
          ...position(tooDeep),
          pointer: '',
          rule: 'nesting-too-deep',
          message: `lists and mappings are nested deeper than ${MAX_NESTING_DEPTH} levels here; a manifest needs far fewer, so flatten the value`,
        },
      ],
    };
  }
  // uniqueKeys off: duplicates are found below, with both keys' positions in the message.
  const list = [...new Composer({ uniqueKeys: false, prettyErrors: false }).compose(tokens, true, text.length)];

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
    if (error instanceof RangeError) {
      // Aliases nesting anchors in anchors can still go deep after the check on the text.
      return { ok: false, errors: [{ ...at, pointer: '', rule: 'nesting-too-deep', message: 'YAML aliases nest lists and mappings too deeply; write the values out instead of nesting aliases' }] };
    }
    return { ok: false, errors: [{ ...at, pointer: '', rule: 'yaml-syntax', message: `invalid YAML: ${message}` }] };
  }
  return { ok: true, value: { data, positions: new PositionIndex(doc, lineCounter) } };
}

/**
 * The lexemes of text, up to the first flow collection more than MAX_NESTING_DEPTH brackets
 * deep (its offset is then flowTooDeep; block nesting is left to deepestCollection). The
 * lexer's control tokens (document start, scalar, flow error end) take no room in the text.
 */
function lexWithFlowDepth(text: string): { lexemes: string[]; flowTooDeep?: number } {
  const lexemes: string[] = [];
  let offset = 0;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      if (++depth > MAX_NESTING_DEPTH) return { lexemes, flowTooDeep: offset };
    } else if (type === 'flow-map-end' || type === 'flow-seq-end') depth = Math.max(0, depth - 1);
    if (token !== CST.DOCUMENT && token !== CST.FLOW_END && token !== CST.SCALAR) offset += token.length;
    lexemes.push(token);
  }
  return { lexemes };
}

/** Offset of the first collection deeper than MAX_NESTING_DEPTH, walking the tree with an explicit stack. */
function deepestCollection(tokens: CST.Token[]): number | undefined {
  const stack: Array<[CST.Token | undefined, number]> = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > MAX_NESTING_DEPTH) return token.offset;
      for (const item of token.items) {
        if ('key' in item) stack.push([item.key ?? undefined, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
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
