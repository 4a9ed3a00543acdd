// Push webhooks, as pure request → decision functions (no HTTP framework, no I/O beyond
// readLimitedBody). The runtime answers with `status` and `body` and, when `trigger` is set,
// schedules a sync and reconcile; handlers never plan or call AWS.
//
// Senders, told apart by their headers:
// - GitHub: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>, X-GitHub-Event.
// - GitLab: X-Gitlab-Token: <the secret>, X-Gitlab-Event: Push Hook.
// - generic (CI systems, scripts): X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>
//   over a JSON body. `{"ref": "refs/heads/main", "after": "<sha>"}` like a GitHub push;
//   both fields optional: without `ref` the request is a plain "sync now".
//
// Order of checks: size (413), signature over the raw bytes (401), replayed delivery id
// (200, ignored: deliveries.ts), content type (415), JSON (400), event and branch
// (200/202). Nobody unauthenticated learns more than 401.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { deliveryIdOf, type DeliveryLog, type WebhookSource } from './deliveries.js';

/** Largest body accepted (1 MiB); GitHub caps payloads at 25 MB but a push to one branch is far smaller. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export type { WebhookSource } from './deliveries.js';

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface WebhookConfig {
  /** The branch the controller follows, e.g. main. */
  branch: string;
  /** One secret per sender; a sender without a secret is refused. */
  secrets: { github?: string; gitlab?: string; generic?: string };
}

export interface WebhookDecision {
  status: 200 | 202 | 400 | 401 | 413 | 415;
  /** JSON body of the response. */
  body: object;
  /** Set when a sync should run; revision is the pushed commit when the sender named it. */
  trigger?: { revision?: string; source: WebhookSource };
  /** For the controller's log only, never sent: why the request was refused. Holds no secret. */
  reason?: string;
  /** Set when the request is a replay of a delivery already handled (signature verified). */
  duplicate?: { source: WebhookSource; id: string };
}

const SIGNATURE_MISSING: WebhookDecision = { status: 401, body: { error: 'signature missing' } };
const SIGNATURE_INVALID: WebhookDecision = { status: 401, body: { error: 'signature invalid' } };

/** With `deliveries`, a replayed delivery id is ignored and the ids of handled deliveries are remembered. */
export function handlePushWebhook(request: WebhookRequest, config: WebhookConfig, deliveries?: DeliveryLog): WebhookDecision {
  const headers = lowerCaseHeaders(request.headers);
  if (request.body.length > MAX_WEBHOOK_BODY_BYTES) {
    return { status: 413, body: { error: `body larger than ${MAX_WEBHOOK_BODY_BYTES} bytes` } };
  }

  const source = senderOf(headers);
  const auth = authenticate(source, headers, request.body, config.secrets);
  if (auth) return auth;

  // Only now, with the signature verified: a forged request neither learns nor records anything.
  const id = deliveries ? deliveryIdOf(source, headers) : undefined;
  if (deliveries && id !== undefined && deliveries.isDuplicate(source, id)) {
    return { status: 200, body: { ignored: 'duplicate delivery ignored', delivery: id }, duplicate: { source, id } };
  }
  const decision = decideAuthenticated(source, headers, request.body, config);
  // A handled delivery (2xx) is remembered; a malformed one may be fixed and sent again.
  if (deliveries && id !== undefined && decision.status < 300) deliveries.remember(source, id);
  return decision;
}

function decideAuthenticated(source: WebhookSource, headers: Record<string, string | undefined>, body: Buffer, config: WebhookConfig): WebhookDecision {
  if (!isJsonContentType(headers['content-type'])) {
    return { status: 415, body: { error: 'content type must be application/json (for GitHub, set the webhook content type to application/json)' } };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, body: { error: 'body is not valid JSON' } };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { status: 400, body: { error: 'body must be a JSON object' } };
  }
  const push = payload as { ref?: unknown; after?: unknown; deleted?: unknown };

  const event = eventOf(source, headers);
  if (source === 'github' && event === 'ping') return { status: 200, body: { ok: true, pong: true } };
  if (event !== 'push') return { status: 202, body: { ignored: `event ${event || '(none)'}` } };

  const watched = `refs/heads/${config.branch}`;
  if (source === 'generic' && push.ref === undefined) {
    return accepted(source, push.after);
  }
  if (typeof push.ref !== 'string') return { status: 400, body: { error: 'push payload has no ref' } };
  if (push.ref !== watched) return { status: 202, body: { ignored: `push to ${push.ref}, watching ${watched}` } };
  if (push.deleted === true || (typeof push.after === 'string' && /^0+$/.test(push.after))) {
    return { status: 202, body: { ignored: `${watched} was deleted` } };
  }
  return accepted(source, push.after);
}

function accepted(source: WebhookSource, after: unknown): WebhookDecision {
  // A signed payload is trusted, but only a well-formed SHA becomes a revision.
  const revision = typeof after === 'string' && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(after) ? after : undefined;
  return { status: 200, body: { accepted: true, ...(revision ? { revision } : {}) }, trigger: { source, ...(revision ? { revision } : {}) } };
}

function senderOf(headers: Record<string, string | undefined>): WebhookSource {
  if (headers['x-github-event'] !== undefined || headers['x-hub-signature-256'] !== undefined) return 'github';
  if (headers['x-gitlab-event'] !== undefined || headers['x-gitlab-token'] !== undefined) return 'gitlab';
  return 'generic';
}

function eventOf(source: WebhookSource, headers: Record<string, string | undefined>): string {
  if (source === 'github') return headers['x-github-event'] ?? '';
  if (source === 'gitlab') return headers['x-gitlab-event'] === 'Push Hook' ? 'push' : (headers['x-gitlab-event'] ?? '');
  return 'push';
}

/** undefined when the request carries the right signature (or token) for its sender. */
function authenticate(source: WebhookSource, headers: Record<string, string | undefined>, body: Buffer, secrets: WebhookConfig['secrets']): WebhookDecision | undefined {
  const secret = secrets[source];
  if (source === 'gitlab') {
    const token = headers['x-gitlab-token'];
    if (!token) return SIGNATURE_MISSING;
    if (!secret) return { ...SIGNATURE_INVALID, reason: 'a GitLab webhook arrived but no GitLab secret is configured' };
    return constantTimeEqual(token, secret) ? undefined : { ...SIGNATURE_INVALID, reason: 'X-Gitlab-Token does not match' };
  }
  const header = source === 'github' ? 'x-hub-signature-256' : 'x-signature-256';
  const signature = headers[header];
  if (!signature) return SIGNATURE_MISSING;
  if (!secret) return { ...SIGNATURE_INVALID, reason: `a ${source} webhook arrived but no ${source} secret is configured` };
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!match) return { ...SIGNATURE_INVALID, reason: `${header} is not sha256=<64 hex digits>` };
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex')) ? undefined : { ...SIGNATURE_INVALID, reason: `${header} does not match the body` };
}

/** Compares two strings in time independent of where they differ or how long they are. */
export function constantTimeEqual(given: string, expected: string): boolean {
  // Hashing first gives equal-length buffers, as timingSafeEqual requires, without leaking the length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

function isJsonContentType(value: string | undefined): boolean {
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type !== undefined && /^application\/[a-z0-9.+-]+\+json$/.test(type));
}

/** Header names lower-cased; a header sent several times counts as absent (ambiguous). */
export function lowerCaseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    const single = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
    out[key] = key in out ? undefined : single;
  }
  return out;
}

/**
 * Reads a request body of at most `limit` bytes. A larger body (by Content-Length or by
 * counting) resolves 'too-large' as soon as it is known: no byte past limit + 1 chunk is
 * kept, and the request stops being read. The caller then answers 413 with
 * `Connection: close`, so Node closes the socket after the answer instead of waiting for
 * the rest of the body.
 */
export function readLimitedBody(req: IncomingMessage, limit: number = MAX_WEBHOOK_BODY_BYTES): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      stopReading();
      return resolve('too-large');
    }
    const chunks: Buffer[] = [];
    let received = 0;
    function onData(chunk: Buffer) {
      received += chunk.length;
      if (received > limit) {
        chunks.length = 0;
        stopReading();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    }
    function onEnd() {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    }
    function onError(error: Error) {
      cleanup();
      reject(error);
    }
    function onAborted() {
      cleanup();
      reject(new Error('request aborted before its body was complete'));
    }
    function cleanup() {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    }
    function stopReading() {
      cleanup();
      // A client cut off may reset the connection later; that is expected, not a crash.
      req.on('error', () => {});
      req.pause();
      // The socket is no longer read; a client still sending is stopped by TCP flow control
      // until the 413 goes out and the connection closes.
      req.unpipe();
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
