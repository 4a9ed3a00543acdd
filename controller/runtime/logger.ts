// JSON logs (pino). Every reconcile logs through a child logger carrying reconcileId,
// revision and regionSet; executor steps add region and step.
//
// Secrets never reach the output, by three layers:
//   1. `redact` paths: fields named like credentials (token, secret, signature, key,
//      authorization and the webhook signature headers) are censored wherever they are.
//   2. an `err` serializer and a logMethod hook that scrub the configured secrets (git
//      token, webhook secrets, trigger token) from error messages, stacks and messages;
//   3. the destination scrubs every written line once more, as a backstop for a secret
//      that travels in some other field (a URL, a git message quoted in a cause).

import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

// Fields whose value is a credential, at the top level and one level down.
const SECRET_FIELDS = [
  'token',
  'accessToken',
  'triggerToken',
  'password',
  'secret',
  'secrets',
  'webhookSecret',
  'signature',
  'authorization',
  'key',
  'apiKey',
  'privateKey',
  'secretAccessKey',
  'sessionToken',
  'cookie',
];
const SECRET_HEADERS = ['authorization', 'cookie', 'x-hub-signature', 'x-hub-signature-256', 'x-gitlab-token', 'x-signature', 'x-signature-256', 'x-regionctl-signature'];

const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
  ...SECRET_HEADERS.flatMap((header) => [`headers["${header}"]`, `*.headers["${header}"]`, `req.headers["${header}"]`]),
];

// Shorter values would censor ordinary words and digits (and break the JSON of numbers).
export const MIN_SCRUBBED_SECRET_LENGTH = 4;

export interface LoggerOptions {
  level?: string;
  /** Values that must never be printed (tokens, webhook secrets). */
  secrets?: Array<string | undefined>;
  /** Where lines go (default stdout). */
  destination?: DestinationStream;
  /** Fields on every line (beside pid, hostname and name). */
  base?: Record<string, unknown>;
}

/** Replaces every configured secret (raw and as it appears JSON-escaped) in text. */
export function makeScrubber(secrets: Array<string | undefined>): (text: string) => string {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SCRUBBED_SECRET_LENGTH))];
  const forms = [...new Set(values.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s), Buffer.from(s).toString('base64')]))]
    // Longest first: a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const scrub = makeScrubber(options.secrets ?? []);
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  const scrubbingDestination: DestinationStream = {
    write: (line: string) => destination.write(scrub(line)),
  };
  return pino(
    {
      name: 'regionctl',
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: {
        err: (error: unknown) => scrubValue(pino.stdSerializers.err(error as Error), scrub),
        error: (error: unknown) => (error instanceof Error ? scrubValue(pino.stdSerializers.err(error), scrub) : error),
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    scrubbingDestination,
  );
}

function scrubValue<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = scrubValue(item, scrub);
    return out as T;
  }
  return value;
}

/** A logger that drops everything (tests, one-shot use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
