// Maps JSON pointers (from ajv errors and semantic rules) to 1-based line:column in the
// YAML source, so every issue points at the text the user has to change.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export interface SourcePosition {
  line: number;
  column: number;
}

/** Where in the node an issue points: the value itself, or the key it sits under. */
export type Anchor = 'value' | 'key';

export function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function encodePointer(segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Human path for messages: spec.regions.eu-west-1.weight, spec.dns.records[0].ttl. */
export function displayPath(pointer: string): string {
  let out = '';
  for (const segment of decodePointer(pointer)) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out || 'the document';
}

export class PositionIndex {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /**
   * Position of the node at `pointer`. A key that is missing falls back to the deepest node
   * that exists (the parent mapping); a value that is empty (`eu-west-1:`) to its key.
   */
  locate(pointer: string, anchor: Anchor = 'value'): SourcePosition {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    let best = this.start(node) ?? 0;
    for (const segment of decodePointer(pointer)) {
      node = this.resolve(node);
      pair = undefined;
      if (isMap(node)) {
        pair = node.items.find((item) => keyText(item.key) === segment);
        if (!pair) break;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        node = item;
      } else {
        break;
      }
      best = (anchor === 'key' && pair ? this.start(pair.key) : undefined) ?? this.start(node) ?? this.start(pair?.key) ?? best;
    }
    return this.toPosition(best);
  }

  /** Position of a character offset (for YAML parser errors). */
  toPosition(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line: Math.max(1, line), column: Math.max(1, col) };
  }

  private resolve(node: unknown): unknown {
    // Aliases point at their anchor: issues inside them point at the anchored text.
    for (let depth = 0; isAlias(node) && depth < 100; depth++) node = node.resolve(this.doc);
    return node;
  }

  private start(node: unknown): number | undefined {
    if (!node || typeof node !== 'object' || isPair(node)) return undefined;
    const range = (node as Node).range;
    // An empty value (`key:` with nothing after it) has a zero-length range: use the key instead.
    if (!range || (isScalar(node) && node.value === null && range[0] === range[1])) return undefined;
    return range[0];
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}
