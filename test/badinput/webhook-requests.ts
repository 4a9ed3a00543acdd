// fast-check generators of hostile /webhook requests, each one that the controller must
// refuse (never trigger a sync): wrong signatures, missing headers, bodies cut short,
// bodies over the 1 MiB limit streamed in, content types other than JSON, and signed
// bodies that are not a push payload. Bodies name `after`, a commit the controller has not
// seen, so a request wrongly accepted would sync it and write to the cloud.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';

export interface WebhookTarget {
  secret: string;
  branch: string;
  /** The pushed commit the hostile requests name. */
  after: string;
}

export interface HostileRequest {
  kind: 'wrong-signature' | 'missing-headers' | 'truncated-body' | 'huge-body' | 'wrong-content-type' | 'malformed-json';
  /** One line saying what was sent, for the failure message. */
  describe: string;
  request: RawRequest;
}

const LIMIT = 1024 * 1024;

export function sign(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function pushBody(target: WebhookTarget, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ ref: `refs/heads/${target.branch}`, after: target.after, repository: { full_name: 'example/regions' }, ...extra }));
}

/** The headers GitHub sends with a push, signed over `body` (Connection: close so the server ends the exchange). */
function githubHeaders(target: WebhookTarget, body: Buffer, signature = sign(target.secret, body)): Array<[string, string]> {
  return [
    ['Host', '127.0.0.1'],
    ['Content-Type', 'application/json'],
    ['X-GitHub-Event', 'push'],
    ['X-GitHub-Delivery', '72d3162e-cc78-11e3-81ab-4c9367dc0958'],
    ['X-Hub-Signature-256', signature],
    ['Content-Length', String(body.length)],
    ['Connection', 'close'],
  ];
}

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
/** Printable ASCII: a header value Node's parser takes, so the request reaches the webhook handler. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

function wrongSignature(target: WebhookTarget): fc.Arbitrary<HostileRequest> {
  const body = pushBody(target);
  const right = sign(target.secret, body);
  const signature = fc.oneof(
    hex(64).map((h) => `sha256=${h}`),
    headerText,
    fc.constant(''),
    fc.constant(sign('not-the-secret', body)),
    fc.constant(sign(target.secret, pushBody(target, { forged: true }))),
    fc.constant(`sha1=${createHmac('sha1', target.secret).update(body).digest('hex')}`),
    fc.constant(right.slice(0, -1)),
    fc.nat({ max: 63 }).map((i) => {
      const digits = right.slice('sha256='.length).split('');
      digits[i] = digits[i] === '0' ? '1' : '0';
      return `sha256=${digits.join('')}`;
    }),
  );
  // Hex digits in either case decode to the same bytes: only a different digest is wrong.
  return fc
    .tuple(signature, fc.constantFrom('github', 'gitlab', 'generic'))
    .filter(([value]) => value.trim().toLowerCase() !== right)
    .map(([value, sender]) => {
      const headers = githubHeaders(target, body).filter(([name]) => name !== 'X-Hub-Signature-256' && name !== 'X-GitHub-Event');
      if (sender === 'github') headers.push(['X-GitHub-Event', 'push'], ['X-Hub-Signature-256', value]);
      // GitLab sends its secret as a token; no GitLab or generic secret is configured at all.
      else if (sender === 'gitlab') headers.push(['X-Gitlab-Event', 'Push Hook'], ['X-Gitlab-Token', value === '' ? target.secret : value]);
      else headers.push(['X-Signature-256', value]);
      return { kind: 'wrong-signature' as const, describe: `${sender} signature ${JSON.stringify(value.slice(0, 40))}`, request: { method: 'POST', path: '/webhook', headers, body, delivery: { kind: 'complete' as const } } };
    });
}

function missingHeaders(target: WebhookTarget): fc.Arbitrary<HostileRequest> {
  const body = pushBody(target);
  const all = githubHeaders(target, body);
  // Without any one of these the push is refused; dropping only the others would leave a valid push.
  const essential = ['Content-Type', 'X-GitHub-Event', 'X-Hub-Signature-256'];
  return fc
    .subarray(all.map(([name]) => name), { minLength: 1 })
    .filter((dropped) => dropped.some((name) => essential.includes(name)))
    .map((dropped) => ({
      kind: 'missing-headers' as const,
      describe: `without ${dropped.join(', ')}`,
      request: {
        method: 'POST',
        path: '/webhook',
        // Without Content-Length the body is not part of the request: send none then.
        headers: all.filter(([name]) => !dropped.includes(name)),
        body: dropped.includes('Content-Length') ? Buffer.alloc(0) : body,
        delivery: { kind: 'complete' as const },
      },
    }));
}

function truncatedBody(target: WebhookTarget): fc.Arbitrary<HostileRequest> {
  const body = pushBody(target);
  return fc.tuple(fc.nat({ max: body.length - 1 }), fc.integer({ min: 1, max: LIMIT * 2 })).map(([sendBytes, missing]) => ({
    kind: 'truncated-body' as const,
    describe: `Content-Length ${body.length + missing}, ${sendBytes} bytes sent, then closed`,
    request: {
      method: 'POST',
      path: '/webhook',
      // The signature is right for the whole body, so only the missing bytes make it wrong.
      headers: githubHeaders(target, body).map(([name, value]): [string, string] => (name === 'Content-Length' ? [name, String(body.length + missing)] : [name, value])),
      body,
      delivery: { kind: 'truncate' as const, sendBytes },
    },
  }));
}

function hugeBody(target: WebhookTarget): fc.Arbitrary<HostileRequest> {
  return fc
    .record({ size: fc.integer({ min: LIMIT + 1, max: LIMIT * 3 }), framing: fc.constantFrom('content-length', 'chunked', 'declared-only') })
    .map(({ size, framing }) => {
      // A valid push, correctly signed, padded past the limit: only its size is wrong.
      const base = pushBody(target, { padding: '' });
      const body = pushBody(target, { padding: 'x'.repeat(Math.max(0, size - base.length)) });
      const headers = githubHeaders(target, body).filter(([name]) => name !== 'Content-Length');
      if (framing === 'chunked') {
        headers.push(['Transfer-Encoding', 'chunked']);
        const chunks: Buffer[] = [];
        for (let offset = 0; offset < body.length; offset += 64 * 1024) {
          const chunk = body.subarray(offset, offset + 64 * 1024);
          chunks.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
        }
        chunks.push(Buffer.from('0\r\n\r\n'));
        return { kind: 'huge-body' as const, describe: `${body.length} bytes, chunked`, request: { method: 'POST', path: '/webhook', headers, body: Buffer.concat(chunks), delivery: { kind: 'stream' as const } } };
      }
      headers.push(['Content-Length', String(body.length)]);
      if (framing === 'declared-only') {
        // Announces the size but sends a few bytes and closes: refused on the header alone.
        return { kind: 'huge-body' as const, describe: `Content-Length ${body.length}, 100 bytes sent`, request: { method: 'POST', path: '/webhook', headers, body, delivery: { kind: 'truncate' as const, sendBytes: 100 } } };
      }
      return { kind: 'huge-body' as const, describe: `${body.length} bytes with Content-Length`, request: { method: 'POST', path: '/webhook', headers, body, delivery: { kind: 'stream' as const } } };
    });
}

function isJsonType(value: string): boolean {
  const type = value.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function wrongContentType(target: WebhookTarget): fc.Arbitrary<HostileRequest> {
  const body = pushBody(target);
  // GitHub's other setting sends the payload form-encoded: signed right, still refused.
  const formBody = Buffer.from(`payload=${encodeURIComponent(body.toString())}`);
  return fc
    .tuple(
      fc.oneof(fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/xml', 'json', 'application/json-seq', '*/*'), headerText),
      fc.boolean(),
    )
    .filter(([type]) => !isJsonType(type))
    .map(([type, form]) => {
      const sent = form ? formBody : body;
      const headers = githubHeaders(target, sent).map(([name, value]): [string, string] => (name === 'Content-Type' ? [name, type] : [name, value]));
      return { kind: 'wrong-content-type' as const, describe: `Content-Type ${JSON.stringify(type)}${form ? ' (form-encoded body)' : ''}`, request: { method: 'POST', path: '/webhook', headers, body: sent, delivery: { kind: 'complete' as const } } };
    });
}

function notJson(text: string): boolean {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

function malformedJson(target: WebhookTarget): fc.Arbitrary<HostileRequest> {
  const valid = pushBody(target).toString();
  const body = fc.oneof(
    fc.string({ maxLength: 200 }).filter(notJson),
    fc.nat({ max: valid.length - 1 }).map((end) => valid.slice(0, end)),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')).filter(notJson),
    // JSON, but not an object with the watched ref: nothing to sync.
    fc.jsonValue({ maxDepth: 3 }).filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)).map((value) => JSON.stringify(value) ?? 'null'),
    fc.record({ ref: fc.oneof(fc.integer(), fc.constant(null), fc.constant('refs/heads/other'), fc.constant(`refs/tags/${target.branch}`)), after: fc.constant(target.after) }).map((value) => JSON.stringify(value)),
    fc.constant(JSON.stringify({ after: target.after })),
    fc.constant(`${valid}${valid}`),
    fc.constant(`\uFEFF${valid}`.replace('{', '{,')),
  );
  return body.map((text) => {
    const raw = Buffer.from(text, 'latin1');
    return { kind: 'malformed-json' as const, describe: `signed body ${JSON.stringify(text.slice(0, 60))}`, request: { method: 'POST', path: '/webhook', headers: githubHeaders(target, raw), body: raw, delivery: { kind: 'complete' as const } } };
  });
}

export function hostileRequest(target: WebhookTarget): fc.Arbitrary<HostileRequest> {
  return fc.oneof(wrongSignature(target), missingHeaders(target), truncatedBody(target), hugeBody(target), wrongContentType(target), malformedJson(target));
}
