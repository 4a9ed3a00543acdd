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
  const lower = decodeDnsEscapes(name.trim()).toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Whether two spellings name the same DNS name (`*.a.example.com` and `\052.A.example.com.`). */
export function sameDnsName(a: string, b: string): boolean {
  return a === b || dnsNameKey(a) === dnsNameKey(b);
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
