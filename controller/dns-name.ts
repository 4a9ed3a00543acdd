// DNS names, one spelling rule for the whole codebase (manifest, planner, providers).
// Route 53 stores and returns names in lower case with a trailing dot and writes every byte
// outside a-z 0-9 - _ . as a three-digit octal escape: `*.api.example.com` comes back as
// `\052.api.example.com.`, `@` as `\100` (Route 53 Developer Guide, "DNS domain name
// format"). Names are compared by their canonical key (escapes decoded, lower case, trailing
// dot); people see the manifest's spelling.

const ESCAPE = /\\(\d{3}|.)/g;
const PLAIN_BYTE = /[a-z0-9\-_.]/;

/** Escapes decoded (`\052` → `*`, `\.` → `.`), nothing else changed. */
export function decodeDnsEscapes(name: string): string {
  if (!name.includes('\\')) return name;
  return name.replace(ESCAPE, (_, code: string) => (code.length === 3 ? String.fromCharCode(parseInt(code, 8)) : code));
}

/** The key two spellings of one name share: escapes decoded, lower case, trailing dot. */
export function dnsNameKey(name: string): string {
  if (isCanonical(name)) return name;
  const lower = decodeDnsEscapes(name.trim()).toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Already its own key (planning speed: most names are, and then nothing is built): lower-case ASCII, no escape or space, trailing dot. */
function isCanonical(name: string): boolean {
  const length = name.length;
  if (length === 0 || name.charCodeAt(length - 1) !== 46) return false;
  for (let i = 0; i < length; i++) {
    const code = name.charCodeAt(i);
    if (code <= 32 || code === 92 || (code >= 65 && code <= 90) || code > 127) return false;
  }
  return true;
}

/** Whether two spellings name the same DNS name (`*.a.example.com` and `\052.A.example.com.`). */
export function sameDnsName(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.includes('\\') || b.includes('\\')) return dnsNameKey(a) === dnsNameKey(b);
  // The planner compares every live record with every manifest name: no strings built here.
  const [aStart, aEnd] = nameBounds(a);
  const [bStart, bEnd] = nameBounds(b);
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) {
    const x = a.charCodeAt(aStart + i);
    const y = b.charCodeAt(bStart + i);
    if (x === y) continue;
    if (x > 127 || y > 127) return dnsNameKey(a) === dnsNameKey(b);
    if (lowerAscii(x) !== lowerAscii(y)) return false;
  }
  return true;
}

/** Start and end of a name without surrounding spaces and its trailing dot. */
function nameBounds(name: string): [number, number] {
  let start = 0;
  let end = name.length;
  while (start < end && name.charCodeAt(start) <= 32) start++;
  while (end > start && name.charCodeAt(end - 1) <= 32) end--;
  if (end > start && name.charCodeAt(end - 1) === 46) end--;
  return [start, end];
}

function lowerAscii(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/** The name as Route 53 writes it: lower case, trailing dot, other bytes as octal escapes. */
export function route53Name(name: string): string {
  const key = dnsNameKey(name);
  let out = '';
  for (const char of key) {
    if (PLAIN_BYTE.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}
