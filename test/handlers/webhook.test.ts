// Webhook decisions with real HMACs, and readLimitedBody against a real server on 127.0.0.1.
import { createHmac } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_BODY_BYTES, handlePushWebhook, readLimitedBody, type WebhookConfig } from '../../handlers/webhook.js';

const SECRETS = { github: 'gh-webhook-secret', gitlab: 'gl-webhook-token', generic: 'generic-secret' };
const CONFIG: WebhookConfig = { branch: 'main', secrets: SECRETS };
const SHA = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';

function push(ref = 'refs/heads/main', after = SHA): Buffer {
  return Buffer.from(JSON.stringify({ ref, before: '0'.repeat(40), after, repository: { full_name: 'acme/regions' } }));
}

function sign(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function github(body: Buffer, opts: { event?: string; secret?: string; signature?: string | null; contentType?: string } = {}) {
  const headers: Record<string, string> = { 'Content-Type': opts.contentType ?? 'application/json', 'X-GitHub-Event': opts.event ?? 'push', 'X-GitHub-Delivery': '72d3162e' };
  if (opts.signature !== null) headers['X-Hub-Signature-256'] = opts.signature ?? sign(body, opts.secret ?? SECRETS.github);
  return handlePushWebhook({ headers, body }, CONFIG);
}

describe('GitHub push webhooks', () => {
  it('a signed push to the watched branch triggers a sync of the pushed commit', () => {
    expect(github(push())).toEqual({ status: 200, body: { accepted: true, revision: SHA }, trigger: { source: 'github', revision: SHA } });
  });

  it('a push to another branch is acknowledged and ignored', () => {
    const decision = github(push('refs/heads/feature/x'));
    expect(decision).toEqual({ status: 202, body: { ignored: 'push to refs/heads/feature/x, watching refs/heads/main' } });
  });

  it('a ping answers 200 without a sync', () => {
    const body = Buffer.from(JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }));
    expect(github(body, { event: 'ping' })).toEqual({ status: 200, body: { ok: true, pong: true } });
  });

  it('other events are acknowledged without a sync', () => {
    const decision = github(Buffer.from('{"action":"opened"}'), { event: 'pull_request' });
    expect(decision.status).toBe(202);
    expect(decision.trigger).toBeUndefined();
  });

  it('a missing signature is 401 "signature missing"', () => {
    expect(github(push(), { signature: null })).toMatchObject({ status: 401, body: { error: 'signature missing' } });
  });

  it('a signature made with another secret, or over another body, is 401 "signature invalid"', () => {
    const wrongSecret = github(push(), { secret: 'guessed' });
    const otherBody = github(push(), { signature: sign(push('refs/heads/main', 'b'.repeat(40)), SECRETS.github) });
    const malformed = github(push(), { signature: 'sha1=abc' });
    for (const decision of [wrongSecret, otherBody, malformed]) {
      expect(decision.status).toBe(401);
      expect(decision.body).toEqual({ error: 'signature invalid' });
      expect(decision.trigger).toBeUndefined();
      expect(JSON.stringify(decision)).not.toContain(SECRETS.github);
    }
  });

  it('checks the signature before reading the body: unsigned garbage is 401, not 400', () => {
    expect(github(Buffer.from('{not json'), { signature: null }).status).toBe(401);
    expect(github(Buffer.from('{not json'), { secret: 'wrong' }).status).toBe(401);
  });

  it('a signed body that is not JSON is 400; a non-JSON content type is 415', () => {
    expect(github(Buffer.from('{not json'))).toEqual({ status: 400, body: { error: 'body is not valid JSON' } });
    const form = Buffer.from(`payload=${encodeURIComponent(push().toString())}`);
    expect(github(form, { contentType: 'application/x-www-form-urlencoded' }).status).toBe(415);
    expect(github(push(), { contentType: 'application/json; charset=utf-8' }).status).toBe(200);
  });

  it('a body over 1 MiB is 413, whatever its signature', () => {
    const big = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES + 1, 0x20);
    expect(github(big)).toMatchObject({ status: 413 });
    expect(github(big, { signature: null })).toMatchObject({ status: 413 });
    expect(github(Buffer.concat([push(), Buffer.alloc(MAX_WEBHOOK_BODY_BYTES - push().length, 0x20)])).status).toBe(200);
  });

  it('a push deleting the watched branch does not trigger', () => {
    const decision = github(Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: '0'.repeat(40), deleted: true })));
    expect(decision).toEqual({ status: 202, body: { ignored: 'refs/heads/main was deleted' } });
  });

  it('is refused when no GitHub secret is configured, saying why only in the log reason', () => {
    const body = push();
    const decision = handlePushWebhook({ headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sign(body, 'x') }, body }, { branch: 'main', secrets: { gitlab: 'y' } });
    expect(decision).toEqual({ status: 401, body: { error: 'signature invalid' }, reason: 'a github webhook arrived but no github secret is configured' });
  });
});

describe('GitLab push webhooks', () => {
  const gitlab = (body: Buffer, token: string | undefined, event = 'Push Hook') =>
    handlePushWebhook({ headers: { 'content-type': 'application/json', 'x-gitlab-event': event, ...(token === undefined ? {} : { 'x-gitlab-token': token }) }, body }, CONFIG);

  it('the right token and a push to the branch trigger a sync', () => {
    expect(gitlab(push(), SECRETS.gitlab)).toEqual({ status: 200, body: { accepted: true, revision: SHA }, trigger: { source: 'gitlab', revision: SHA } });
  });

  it('a missing, wrong, or longer token is 401', () => {
    expect(gitlab(push(), undefined).body).toEqual({ error: 'signature missing' });
    expect(gitlab(push(), 'gl-webhook-tokeN').body).toEqual({ error: 'signature invalid' });
    expect(gitlab(push(), `${SECRETS.gitlab}x`).body).toEqual({ error: 'signature invalid' });
  });

  it('a push to another branch is 202, a tag push is ignored', () => {
    expect(gitlab(push('refs/heads/dev'), SECRETS.gitlab)).toEqual({ status: 202, body: { ignored: 'push to refs/heads/dev, watching refs/heads/main' } });
    expect(gitlab(push('refs/tags/v1'), SECRETS.gitlab, 'Tag Push Hook')).toEqual({ status: 202, body: { ignored: 'event Tag Push Hook' } });
  });
});

describe('generic HMAC webhooks (X-Signature-256)', () => {
  const generic = (body: Buffer, signature?: string) =>
    handlePushWebhook({ headers: { 'content-type': 'application/json', ...(signature ? { 'x-signature-256': signature } : {}) }, body }, CONFIG);

  it('a signed body naming the branch and commit triggers a sync of that commit', () => {
    const body = push();
    expect(generic(body, sign(body, SECRETS.generic)).trigger).toEqual({ source: 'generic', revision: SHA });
  });

  it('a signed body without ref is a plain "sync now"', () => {
    const body = Buffer.from('{}');
    expect(generic(body, sign(body, SECRETS.generic))).toEqual({ status: 200, body: { accepted: true }, trigger: { source: 'generic' } });
  });

  it('an unsigned or wrongly signed body is 401, another branch 202', () => {
    expect(generic(push()).status).toBe(401);
    expect(generic(push(), sign(push(), SECRETS.github)).status).toBe(401);
    const other = push('refs/heads/other');
    expect(generic(other, sign(other, SECRETS.generic)).status).toBe(202);
  });
});

describe('readLimitedBody on a real server', () => {
  let server: Server;
  let port = 0;
  const LIMIT = MAX_WEBHOOK_BODY_BYTES;
  const seen: Array<{ outcome: string; bytes: number }> = [];
  // Bytes the server read from each connection cut off, known when its socket closes.
  const cutOff: Array<Promise<number>> = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readLimitedBody(req, LIMIT);
      if (body === 'too-large') {
        seen.push({ outcome: 'too-large', bytes: 0 });
        cutOff.push(new Promise((resolve) => req.socket.once('close', () => resolve(req.socket.bytesRead))));
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end('{"error":"too large"}');
        return;
      }
      seen.push({ outcome: 'read', bytes: body.length });
      res.writeHead(200).end(String(body.length));
    });
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Sends `size` bytes in 16 KiB chunks, declared with Content-Length or chunked.
  function send(size: number, chunked: boolean): Promise<{ status: number | 'reset'; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/hook', headers: chunked ? {} : { 'content-length': String(size) }, timeout: 10_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      // The server closes a connection whose body is too large without reading the rest, so
      // a client still writing may see its socket reset before it has parsed the 413.
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve({ status: 'reset', text: '' }) : reject(error)));
      req.on('timeout', () => req.destroy(new Error('timed out')));
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      let sent = 0;
      const write = () => {
        while (sent < size) {
          const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += part.length;
          if (!req.write(part)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
  }

  it('reads a body at the limit whole, declared or chunked', async () => {
    expect(await send(LIMIT, false)).toEqual({ status: 200, text: String(LIMIT) });
    expect(await send(LIMIT, true)).toEqual({ status: 200, text: String(LIMIT) });
  });

  it('answers 413 to one byte over the limit, declared or chunked', async () => {
    expect((await send(LIMIT + 1, false)).status).toBe(413);
    expect((await send(LIMIT + 1, true)).status).toBe(413);
    expect(seen.filter((s) => s.outcome === 'too-large')).toHaveLength(2);
  });

  it('stops reading a 16 MiB body soon after the limit and closes the connection after the 413', async () => {
    const before = cutOff.length;
    expect([413, 'reset']).toContain((await send(16 * LIMIT, true)).status);
    expect(seen.at(-1)?.outcome).toBe('too-large');
    const bytesRead = await cutOff[before]!;
    expect(bytesRead).toBeGreaterThan(LIMIT);
    expect(bytesRead).toBeLessThan(4 * LIMIT);
  });
});
