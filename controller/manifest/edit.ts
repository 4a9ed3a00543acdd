// One-line edits of spec.regions, made on the text itself: the YAML parser only tells us
// where things are (source ranges), so comments, order, quoting and alignment everywhere
// else stay byte for byte as written and `git diff` shows just the edited line.
//
// Placement rules (documented in the README of the commands):
// - add: a new `REGION: {}` line at the indentation of its siblings; in sorted position
//   when the listed regions are already sorted, otherwise after the last region. The value
//   is always a one-line flow mapping (`{ weight: 50 }`) so the edit stays one line, even
//   among block-mapping siblings; when siblings use empty values (`eu-west-1:`), so does it.
// - drain: `state: drained` is merged into the region's own line (flow mapping or empty
//   value), keeping its trailing comment; a block mapping gets one `state: drained` line.
// - remove: deletes the region's line, or all lines of a block mapping (said in the result).
import { isMap, isScalar, parseDocument, type Pair, type Range, type YAMLMap } from 'yaml';
import { closest } from './regions.js';

export interface TextChange {
  /** 1-based line of the first changed line in the new text (where removed lines were, for removals). */
  line: number;
  removed: string[];
  added: string[];
}

export type EditResult = { ok: true; text: string; change: TextChange } | { ok: false; message: string };

interface RegionsBlock {
  map: YAMLMap;
  pairs: Array<{ pair: Pair; code: string; keyStart: number }>;
}

const refuse = (message: string): EditResult => ({ ok: false, message });

export function addRegion(text: string, code: string, options: { weight?: number } = {}): EditResult {
  const found = regionsBlock(text);
  if (typeof found === 'string') return refuse(found);
  const existing = found.pairs.find((p) => p.code.toLowerCase() === code.toLowerCase());
  if (existing) {
    const at = lineColumn(text, existing.keyStart);
    return refuse(`${code} is already listed in spec.regions (line ${at.line}); edit that line, or use drain-region or remove-region`);
  }
  const last = found.pairs.at(-1);
  if (!last) return refuse('spec.regions has no region line to copy the indentation from; write the first region by hand');

  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = text.slice(lineStart(text, last.keyStart), last.keyStart);
  const value = newRegionValue(text, found, options);
  const line = `${indent}${code}:${value === '' ? '' : ` ${value}`}`;

  const codes = found.pairs.map((p) => p.code);
  const sorted = codes.length > 1 && codes.every((c, i) => i === 0 || codes[i - 1]! < c);
  const before = sorted ? found.pairs.find((p) => p.code > code) : undefined;
  let at: number;
  if (before) {
    at = startOfLeadingComments(text, lineStart(text, before.keyStart), indent);
  } else {
    at = nextLineStart(text, lastContentOffset(text, last.pair));
  }
  // A file without a final newline: the new line goes after the last one.
  const prefix = at === text.length && text.length > 0 && !text.endsWith('\n') ? eol : '';
  const newText = `${text.slice(0, at)}${prefix}${line}${eol}${text.slice(at)}`;
  return { ok: true, text: newText, change: { line: lineColumn(newText, at + prefix.length).line, removed: [], added: [line] } };
}

export function drainRegion(text: string, code: string): EditResult {
  const found = regionsBlock(text);
  if (typeof found === 'string') return refuse(found);
  const entry = findRegion(found, code);
  if (typeof entry === 'string') return refuse(entry);
  const { pair } = entry;
  const value = pair.value;
  const keyEnd = (pair.key as { range: Range }).range[1];

  if (isScalar(value) && value.value === null) {
    // `eu-west-1:` (maybe with a comment): the value goes right after the colon.
    const colon = text.indexOf(':', keyEnd);
    return replaceInLine(text, colon + 1, colon + 1, ` ${flowMapping(['state: drained'], spacedBraces(text, found))}`);
  }
  if (!isMap(value)) return refuse(`spec.regions.${code} is not a mapping; write it as ${code}: {} first`);

  const state = value.items.find((item) => isScalar(item.key) && item.key.value === 'state');
  if (state) {
    if (isScalar(state.value) && state.value.value === 'drained') return refuse(`${code} is already drained (state: drained)`);
    const range = (state.value as { range?: Range } | null)?.range;
    if (!range) return refuse(`spec.regions.${code}.state has no value to replace; write state: drained by hand`);
    return replaceInLine(text, range[0], range[1], 'drained');
  }

  const range = value.range!;
  if (value.flow) {
    if (value.items.length === 0) return replaceInLine(text, range[0], range[1], flowMapping(['state: drained'], spacedBraces(text, found)));
    const lastItem = value.items.at(-1)!;
    const itemEnd = (lastItem.value as { range?: Range } | null)?.range?.[1] ?? (lastItem.key as { range: Range }).range[1];
    return replaceInLine(text, itemEnd, itemEnd, ', state: drained');
  }

  // Block mapping: one new line with the indentation of its first key.
  const firstKey = (value.items[0]!.key as { range: Range }).range[0];
  const start = lineStart(text, firstKey);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const line = `${text.slice(start, firstKey)}state: drained`;
  const newText = `${text.slice(0, start)}${line}${eol}${text.slice(start)}`;
  return { ok: true, text: newText, change: { line: lineColumn(newText, start).line, removed: [], added: [line] } };
}

export function removeRegion(text: string, code: string): EditResult {
  const found = regionsBlock(text);
  if (typeof found === 'string') return refuse(found);
  const entry = findRegion(found, code);
  if (typeof entry === 'string') return refuse(entry);
  const start = lineStart(text, entry.keyStart);
  const end = nextLineStart(text, lastContentOffset(text, entry.pair));
  const lines = text.slice(start, end).replace(/\r?\n$/, '').split(/\r?\n/);
  // Anything before the key or after the value on its lines belongs to something else.
  if (text.slice(start, entry.keyStart).trim() !== '') return refuse(`${code} shares its line with other text; remove it by hand`);
  const tail = text.slice(lastContentOffset(text, entry.pair), end).trim();
  if (tail !== '' && !tail.startsWith('#')) return refuse(`${code} shares its last line with other text; remove it by hand`);
  return { ok: true, text: `${text.slice(0, start)}${text.slice(end)}`, change: { line: lineColumn(text, start).line, removed: lines, added: [] } };
}

// ---- locating --------------------------------------------------------------------------------

function regionsBlock(text: string): RegionsBlock | string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return 'the file is not valid YAML; run regionctl validate on it and fix that first';
  const map = doc.getIn(['spec', 'regions'], true);
  if (!isMap(map)) return 'the file has no spec.regions mapping; add one (see manifests/global-api.yaml)';
  if (map.flow) return 'spec.regions is written as a flow mapping ({ ... }); write one region per line to edit it with regionctl';
  const pairs = map.items.map((pair) => {
    const key = pair.key as { value?: unknown; range?: Range } | null;
    return { pair, code: String(key?.value ?? ''), keyStart: key?.range?.[0] ?? 0 };
  });
  return { map, pairs };
}

function findRegion(found: RegionsBlock, code: string): RegionsBlock['pairs'][number] | string {
  const entry = found.pairs.find((p) => p.code === code);
  if (entry) return entry;
  const listed = found.pairs.map((p) => p.code);
  // Tighter than the loader's typo distance: among a few listed codes, a far match misleads (sa-east-1 → us-east-2).
  const near = closest(code, listed, 2);
  return `${code} is not listed in spec.regions${near ? `; did you mean ${near}?` : ''} (listed: ${listed.join(', ') || 'none'})`;
}

/** Offset just after the last character of the pair's value (or key, for an empty value). */
function lastContentOffset(text: string, pair: Pair): number {
  const value = pair.value as { range?: Range } | null;
  let end = value?.range?.[1] ?? (pair.key as { range: Range }).range[1];
  end = Math.max(end, (pair.key as { range: Range }).range[1]);
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  return end;
}

// ---- writing -----------------------------------------------------------------------------------

function newRegionValue(text: string, found: RegionsBlock, options: { weight?: number }): string {
  const entries = options.weight === undefined ? [] : [`weight: ${options.weight}`];
  const values = found.pairs.map((p) => p.pair.value);
  const allEmpty = values.every((v) => isScalar(v) && v.value === null);
  if (entries.length === 0 && allEmpty) return '';
  return flowMapping(entries, spacedBraces(text, found));
}

function flowMapping(entries: string[], spaced: boolean): string {
  if (entries.length === 0) return '{}';
  return spaced ? `{ ${entries.join(', ')} }` : `{${entries.join(', ')}}`;
}

/** Siblings written `{weight: 1}` get the same; `{ weight: 1 }` (the examples' style) is the default. */
function spacedBraces(text: string, found: RegionsBlock): boolean {
  for (const { pair } of found.pairs) {
    const value = pair.value;
    if (isMap(value) && value.flow && value.items.length > 0 && value.range) return text[value.range[0] + 1] === ' ';
  }
  return true;
}

/** Replaces [from, to) when it lies within one line; the change reports that line before and after. */
function replaceInLine(text: string, from: number, to: number, replacement: string): EditResult {
  const start = lineStart(text, from);
  const end = lineEnd(text, to);
  if (text.slice(from, to).includes('\n')) return refuse('the value spans several lines; edit it by hand');
  // Keep an aligned trailing comment in its column when the padding before it allows.
  let tail = text.slice(to, end);
  const growth = replacement.length - (to - from);
  const padded = /^([^#'"]*?)( {2,})(#.*)$/.exec(tail);
  if (growth > 0 && padded) tail = `${padded[1]}${' '.repeat(Math.max(1, padded[2]!.length - growth))}${padded[3]}`;
  const newLine = `${text.slice(start, from)}${replacement}${tail}`;
  const newText = `${text.slice(0, start)}${newLine}${text.slice(end)}`;
  return { ok: true, text: newText, change: { line: lineColumn(text, start).line, removed: [text.slice(start, end)], added: [newLine] } };
}

// ---- lines ---------------------------------------------------------------------------------------

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** End of the line holding offset, before its \r\n or \n. */
function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  const end = newline === -1 ? text.length : newline;
  return text[end - 1] === '\r' ? end - 1 : end;
}

function nextLineStart(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

/** Comment lines right above a region (at its indentation) describe it: insert above them. */
function startOfLeadingComments(text: string, start: number, indent: string): number {
  let at = start;
  while (at > 0) {
    const previous = lineStart(text, at - 1);
    const line = text.slice(previous, at).replace(/\r?\n$/, '');
    if (!line.startsWith(`${indent}#`)) break;
    at = previous;
  }
  return at;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { line, column: offset - lineStart(text, offset) + 1 };
}
