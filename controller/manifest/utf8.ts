// Strict UTF-8 for manifests: Node's default decoder silently turns invalid bytes into
// U+FFFD, so a Latin-1 "é" in a record name or tag would reach AWS as a replacement
// character. The file is refused instead, at the position of the first invalid byte.
import { Buffer, isUtf8 } from 'node:buffer';
import type { PositionedIssue } from './parse.js';

export type Utf8Result = { ok: true; text: string } | { ok: false; issue: PositionedIssue };

/** Decodes `bytes` or says where the first invalid byte is. */
export function decodeUtf8(bytes: Uint8Array): Utf8Result {
  // isUtf8 and Buffer's decoder, not a fatal TextDecoder: the first use of TextDecoder loads
  // Node's encoding modules, a cost every cold `validate` and `diff` paid. The decoder keeps
  // a leading BOM in the text, as readFile(…, 'utf8') did: the YAML parser accepts it and an
  // edited file keeps it.
  if (isUtf8(bytes)) return { ok: true, text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') };
  const bad = firstInvalid(bytes);
  const lineStart = bad.offset === 0 ? 0 : bytes.lastIndexOf(0x0a, bad.offset - 1) + 1;
  const line = countNewlines(bytes, lineStart) + 1;
  // Columns count characters, as the YAML positions do; the line's start is valid UTF-8.
  const column = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(lineStart, bad.offset)).length + 1;
  const hex = `0x${bytes[bad.offset]!.toString(16).padStart(2, '0')}`;
  return {
    ok: false,
    issue: {
      line,
      column,
      pointer: '',
      rule: 'invalid-utf8',
      message: `byte ${hex} at byte offset ${bad.offset} is not valid UTF-8 (${bad.reason}); manifests must be UTF-8: save the file as UTF-8 and retype the character there`,
    },
  };
}

/** The first byte that starts an invalid sequence, by the WHATWG decoder's rules. */
function firstInvalid(bytes: Uint8Array): { offset: number; reason: string } {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let trailing: number;
    // Bounds of the first continuation byte exclude overlong forms, surrogates and > U+10FFFF.
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) trailing = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      trailing = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      trailing = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else {
      return { offset: i, reason: 'it cannot start a character' };
    }
    for (let k = 1; k <= trailing; k++) {
      const next = bytes[i + k];
      if (next === undefined) return { offset: i, reason: 'the file ends inside a character' };
      if (next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return { offset: i, reason: 'an incomplete or overlong character' };
    }
    i += trailing + 1;
  }
  // Not reached: called only after the strict decoder failed.
  return { offset: 0, reason: 'unknown' };
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}
