// CloudFormation template documents: YAML with the short-form intrinsic tags (!Ref, !Sub,
// !GetAtt …) or JSON. Shared by the manifest loader (which parameters are NoEcho) and the
// sandbox's template reader, so both read a template the same way.

import { parse, type CollectionTag, type ScalarTag } from 'yaml';

const INTRINSICS = [
  'Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub',
  'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Length', 'ToJsonString',
];

function intrinsicKey(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

/** !Ref x → { Ref: x }, !GetAtt A.B → { 'Fn::GetAtt': ['A', 'B'] }, !Sub [..] → { 'Fn::Sub': [..] } … */
const CFN_TAGS: Array<ScalarTag | CollectionTag> = ['Ref', 'Condition', ...INTRINSICS].flatMap((name) => {
  const key = intrinsicKey(name);
  const scalar: ScalarTag = {
    tag: `!${name}`,
    resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
  };
  const seq: CollectionTag = { tag: `!${name}`, collection: 'seq', resolve: (node) => ({ [key]: node.toJSON() }) };
  const map: CollectionTag = { tag: `!${name}`, collection: 'map', resolve: (node) => ({ [key]: node.toJSON() }) };
  return [scalar, seq, map];
});

/** True when the body is a JSON template (CloudFormation decides by the first character too). */
export function isJsonTemplate(body: string): boolean {
  return body.trim().startsWith('{');
}

/** The template as a plain value; throws the parser's error for a malformed body. */
export function parseTemplateDocument(body: string): unknown {
  return isJsonTemplate(body) ? JSON.parse(body.trim()) : parse(body, { customTags: CFN_TAGS, uniqueKeys: true });
}

/**
 * Names of the parameters the template declares `NoEcho: true` (CloudFormation also accepts
 * the string "true"), sorted; undefined when the template mentions NoEcho but cannot be
 * read, so callers can treat every parameter as secret rather than guess.
 */
export function noEchoParameters(body: string): string[] | undefined {
  // Without the word, no parameter can be NoEcho, and the parse (the slowest part of a cold
  // `validate`) is skipped. A backslash could spell the key with escapes ("No\x45cho"), a NUL
  // means another encoding than UTF-8 (UTF-16): those are parsed.
  if (!body.includes('NoEcho') && !body.includes('\\') && !body.includes('\0')) return [];
  let doc: unknown;
  try {
    doc = parseTemplateDocument(body);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const parameters = (doc as Record<string, unknown>)['Parameters'];
  if (parameters === undefined || parameters === null) return [];
  if (typeof parameters !== 'object' || Array.isArray(parameters)) return undefined;
  return Object.entries(parameters as Record<string, unknown>)
    .filter(([, decl]) => isNoEcho(decl))
    .map(([name]) => name)
    .sort();
}

function isNoEcho(decl: unknown): boolean {
  if (!decl || typeof decl !== 'object') return false;
  const flag = (decl as Record<string, unknown>)['NoEcho'];
  return flag === true || (typeof flag === 'string' && flag.toLowerCase() === 'true');
}
