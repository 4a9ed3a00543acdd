// NoEcho parameters: secrets that must never be printed, yet whose changes must be seen.
//
// CloudFormation never gives a NoEcho value back: DescribeStacks returns it as asterisks
// ("If the parameter is NoEcho, the value is returned as asterisks", API reference, Parameter:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html). To
// know whether the manifest's value still matches the deployed one, regionctl writes a digest
// of the value it deployed into a stack tag and compares digests, never values.
//
// Why this digest: a stack tag is readable by anyone with cloudformation:DescribeStacks (and
// CloudFormation copies stack tags onto the stack's resources), so a plain SHA-256 of a short
// password would be reversed by brute force in minutes. The digest is scrypt (memory-hard:
// every guess costs ~16 MiB and tens of milliseconds), salted with the RegionSet, region,
// stack and parameter (no rainbow table, and equal secrets in two regions do not show as
// equal). When REGIONCTL_PARAMETER_DIGEST_KEY is set (same value on every replica and CI job),
// it is mixed into the salt as a key that lives nowhere in AWS: without it a stolen tag
// cannot be tested against guesses at all. Changing or removing the key makes every NoEcho
// parameter look changed once (one stack update that re-sends the same values).

import { createHash, scryptSync } from 'node:crypto';

/** What every output shows instead of a NoEcho value. */
export const SECRET_MASK = '****';
const TAG_NOECHO_PREFIX = 'regionctl:noecho:';
export const DIGEST_KEY_ENV = 'REGIONCTL_PARAMETER_DIGEST_KEY';

const DIGEST_VERSION = 'scrypt1';
// N=2^14, r=8: 16 MiB per evaluation, within Node's default scrypt memory limit.
const SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;
const MAX_TAG_KEY = 128;

interface DigestContext {
  regionSet: string;
  region: string;
  stackName: string;
  parameter: string;
}

/** The tag that holds a parameter's digest; long names are hashed to fit AWS's 128-character tag keys. */
export function noEchoTagKey(parameter: string): string {
  const key = `${TAG_NOECHO_PREFIX}${parameter}`;
  return key.length <= MAX_TAG_KEY ? key : `${TAG_NOECHO_PREFIX}${createHash('sha256').update(parameter).digest('hex').slice(0, 40)}`;
}

export function isNoEchoTag(key: string): boolean {
  return key.startsWith(TAG_NOECHO_PREFIX);
}

// Plans are computed on every reconcile: each (context, value, key) is stretched once per
// process. Entries are keyed by a hash so the cache holds no second copy of the secret.
const cache = new Map<string, string>();
const MAX_CACHED = 512;

/** Deterministic, keyed, slow digest of a NoEcho value (see the header for why). */
export function secretDigest(context: DigestContext, value: string, key = ''): string {
  const salt = ['regionctl-noecho', key, context.regionSet, context.region, context.stackName, context.parameter].join('\0');
  const id = createHash('sha256').update(salt).update('\0').update(value).digest('hex');
  const known = cache.get(id);
  if (known) return known;
  const digest = `${DIGEST_VERSION}:${scryptSync(value, salt, 32, SCRYPT).toString('base64url')}`;
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(id, digest);
  return digest;
}

/** A copy of the parameters with every secret value replaced by the mask. */
export function maskParameters(parameters: Record<string, string>, secret: ReadonlySet<string> | readonly string[]): Record<string, string> {
  const names = secret instanceof Set ? secret : new Set(secret);
  return Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, names.has(name) ? SECRET_MASK : value]));
}

/** Replaces every occurrence of the secret values in free text (error messages from AWS or the network). */
export function scrubSecrets(text: string, values: Iterable<string>): string {
  let out = text;
  // Longest first: a secret containing another is replaced whole. Very short values would
  // censor ordinary words, and a NoEcho parameter that short protects nothing anyway.
  for (const value of [...new Set(values)].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length)) {
    if (out.includes(value)) out = out.split(value).join(SECRET_MASK);
  }
  return out;
}
