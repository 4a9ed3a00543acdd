// /status is served to anyone who can reach the port: it must not map the controller's
// filesystem (the checkout, the git cache, the sandbox state file, the temp dir). Paths
// under the source root become relative to it (as manifest files already are); any other
// absolute path keeps only its last segment, which is enough to tell which file is meant.

import path from 'node:path';

/** A file:// URL, or an absolute POSIX path not preceded by a word, URL or path character (nor by …: redacting twice changes nothing). */
const ABSOLUTE_PATH = /file:\/\/\/[^\s'"`,;()<>[\]{}]*|(?<![\w.~:/@…-])\/[^\s'"`,;()<>[\]{}]+/g;

/** Rewrites every absolute path in text: relative under root, else …/<last segment>. */
export function redactPaths(text: string, root?: string): string {
  if (!text.includes('/')) return text;
  let out = text;
  if (root) {
    const base = root.replace(/\/+$/, '');
    out = out.split(`${base}/`).join('');
    out = out.replace(new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![^\\s'"\`,;()<>[\\]{}])`, 'g'), '.');
  }
  return out.replace(ABSOLUTE_PATH, (match) => {
    const trimmed = match.replace(/[.:]+$/, '');
    const tail = match.slice(trimmed.length);
    const last = path.posix.basename(trimmed.replace(/^file:\/\//, ''));
    return `${last ? `…/${last}` : '…'}${tail}`;
  });
}

/** A deep copy of a JSON value with fn applied to every string, keys included. */
export function mapStrings<T>(value: T, fn: (text: string) => string): T {
  const walk = (inner: unknown): unknown => {
    if (typeof inner === 'string') return fn(inner);
    if (Array.isArray(inner)) return inner.map(walk);
    if (inner && typeof inner === 'object') return Object.fromEntries(Object.entries(inner).map(([key, v]) => [fn(key), walk(v)]));
    return inner;
  };
  return walk(value) as T;
}
