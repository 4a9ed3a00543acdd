// The controller's HTTP endpoints (node:http, no framework):
//   GET  /healthz                 200 while the process is up
//   GET  /readyz                  200 after the first successful sync and manifest listing, else 503
//   GET  /metrics                 Prometheus text
//   GET  /status                  JSON (see status.ts)
//   GET  / (or /status.html)      the status page: HTML of /status and recent /history (status-page.ts)
//   POST /webhook                 push webhooks (handlers/webhook.ts decides; only a trigger syncs;
//                                 a replayed delivery id is ignored: handlers/deliveries.ts)
//   POST /trigger[?regionSet=X]   manual: sync + reconcile all, or reconcile X now (bearer token)
//   GET  /history[?regionSet=X]   JSON: reconciles that planned changes, suspends and resumes (runtime/control.ts)
//   POST /suspend?regionSet=X     stop reconciling X on every replica until resumed (same bearer token);
//                                 JSON body {"reason": "...", "by": "..."}, or the X-Regionctl-Actor header for by
//   POST /resume?regionSet=X      resume X and reconcile it now (same bearer token and body)
//   POST /drain?regionSet=X       break-glass drain (same bearer token): JSON {"region", "reason", "by"?, "for"?};
//                                 202 and a reconcile at once, 409 when a guardrail refuses it (runtime/drains.ts)
//   POST /sync-window-override?regionSet=X  lift X's sync windows for an emergency (same token);
//                                 body {"reason": "...", "by": "...", "for": "1h"} (at most 24h), recorded in history
// During shutdown the listener is closed; requests still arriving on open connections get
// 503 for everything that would schedule work.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleManualTrigger } from '../../handlers/trigger.js';
import { DeliveryLog } from '../../handlers/deliveries.js';
import { handlePushWebhook, MAX_WEBHOOK_BODY_BYTES, readLimitedBody, type WebhookConfig } from '../../handlers/webhook.js';
import type { Controller } from './controller.js';
import { parseDrainRequest } from './drains.js';
import { jsonObjectBody } from './json-body.js';
import { parseDuration } from '../manifest/duration.js';
import { DEFAULT_OVERRIDE_MS, MAX_OVERRIDE_MS } from './sync-window.js';
import type { Logger } from './logger.js';
import { pageHeaders, refreshSeconds, renderStatusPage, type StatusPageInput } from './status-page.js';

export interface ServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  webhook: WebhookConfig;
  /** Bearer token of /trigger, /suspend, /resume and /drain; without it they answer 404. */
  triggerToken?: string;
  logger: Logger;
  /** Remembers handled webhook deliveries to ignore replays (default: 10 min window, 10 000 ids). */
  deliveries?: DeliveryLog;
}

export interface RuntimeServer {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections; requests on open ones get 503 from now on. */
  stopAccepting(): void;
  /** Closes every connection; resolves when the server is closed. */
  close(): Promise<void>;
}

export async function startServer(controller: Controller, options: ServerOptions): Promise<RuntimeServer> {
  let accepting = true;
  const log = options.logger.child({ component: 'http' });
  const deliveries = options.deliveries ?? new DeliveryLog();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, method: req.method, path: pathOf(req) }, 'request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  // Slow or silent clients must not hold sockets open forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      switch (path) {
        case '/healthz':
          return send(res, 200, { ok: true });
        case '/readyz':
          return controller.ready && accepting ? send(res, 200, { ready: true }) : send(res, 503, { ready: false, reason: accepting ? 'no successful source sync yet' : 'shutting down' });
        case '/metrics': {
          const text = await controller.metrics.text();
          res.writeHead(200, { 'content-type': controller.metrics.contentType, 'cache-control': 'no-store' });
          res.end(text);
          return;
        }
        case '/status':
          return send(res, 200, controller.status.snapshot());
        case '/history':
          return history(req, res);
        case '/':
        case '/status.html':
          return page(req, res);
      }
    }
    const actions = ['/webhook', '/trigger', '/suspend', '/resume', '/drain', '/sync-window-override'];
    if (!actions.includes(path)) {
      const known = ['/healthz', '/readyz', '/metrics', '/status', '/history', '/', '/status.html'].includes(path);
      return send(res, known ? 405 : 404, { error: known ? `use GET for ${path}` : `no such endpoint ${path}` });
    }
    if (method !== 'POST') return send(res, 405, { error: `use POST for ${path}` });
    if (!accepting || controller.isStopping) {
      req.resume();
      return send(res, 503, { error: 'shutting down' }, { 'retry-after': '30', connection: 'close' });
    }
    if (path === '/webhook') return webhook(req, res);
    return manual(path, req, res);
  }

  async function webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer | 'too-large';
    try {
      body = await readLimitedBody(req, MAX_WEBHOOK_BODY_BYTES);
    } catch (error) {
      // The client closed before its body was complete: its doing, not a server error to alert on.
      log.info({ path: '/webhook', reason: error instanceof Error ? error.message : String(error) }, 'webhook dropped: the connection ended before the body was complete');
      return send(res, 400, { error: 'request body incomplete' }, { connection: 'close' });
    }
    if (body === 'too-large') {
      log.warn({ path: '/webhook' }, 'webhook refused: body too large');
      return send(res, 413, { error: `body larger than ${MAX_WEBHOOK_BODY_BYTES} bytes` }, { connection: 'close' });
    }
    const decision = handlePushWebhook({ headers: req.headers, body }, options.webhook, deliveries);
    if (decision.status === 401) log.warn({ reason: decision.reason }, 'webhook refused: bad or missing signature');
    if (decision.duplicate) {
      controller.metrics.recordWebhookDuplicate(decision.duplicate.source);
      log.info({ sender: decision.duplicate.source, delivery: decision.duplicate.id }, 'webhook ignored: duplicate delivery (already handled)');
    }
    if (decision.trigger) {
      const revision = decision.trigger.revision ? ` ${decision.trigger.revision.slice(0, 12)}` : '';
      controller.requestSync(`webhook (${decision.trigger.source}${revision})`);
      log.info({ sender: decision.trigger.source, pushedRevision: decision.trigger.revision }, 'webhook accepted: sync scheduled');
    }
    return send(res, decision.status, decision.body);
  }

  async function history(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = new URL(req.url ?? '/', 'http://localhost').searchParams.get('regionSet') ?? undefined;
    return send(res, 200, { regionSets: await controller.history(name) });
  }

  // The page's history is read at most every PAGE_HISTORY_MS however many browsers reload it
  // (one GetItem per RegionSet with a lease table); a failed read shows the page without it.
  let pageHistory: { at: number; read: Promise<PageHistory> } | undefined;
  function recentHistory(): Promise<PageHistory> {
    const now = Date.now();
    if (!pageHistory || now - pageHistory.at >= PAGE_HISTORY_MS) {
      pageHistory = { at: now, read: controller.history().then((history) => ({ history }), (error: unknown) => ({ history: {}, historyError: error instanceof Error ? error.message : String(error) })) };
    }
    return pageHistory.read;
  }

  async function page(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const nonce = randomBytes(16).toString('base64');
    const text = renderStatusPage({ status: controller.status.snapshot(), ...(await recentHistory()), now: Date.now(), refreshSeconds: refreshSeconds(query) }, nonce);
    res.writeHead(200, pageHeaders(nonce));
    res.end(text);
  }

  async function manual(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = path === '/trigger' ? (req.resume(), Buffer.alloc(0)) : await readLimitedBody(req, MAX_CONTROL_BODY_BYTES).catch(() => 'too-large' as const);
    const decision = handleManualTrigger(req.headers, options.triggerToken ? { token: options.triggerToken } : {}, req.url ?? '');
    if (!decision.trigger) {
      if (decision.status === 401) log.warn({ path }, 'refused: bad or missing bearer token');
      return send(res, decision.status, decision.body);
    }
    const name = decision.trigger.regionSet;
    const actor = headerValue(req, 'x-regionctl-actor');
    if (path === '/trigger') {
      const reason = actor ? `manual trigger by ${actor}` : 'manual trigger';
      if (name === undefined) {
        controller.requestSync(reason);
        return send(res, 202, decision.body);
      }
      if (!controller.requestReconcile(name, reason)) return send(res, 404, { error: `no RegionSet ${name} in the current revision` });
      return send(res, 202, decision.body);
    }
    if (name === undefined) return send(res, 400, { error: `${path} needs ?regionSet=NAME` });
    if (!controller.knows(name)) return send(res, 404, { error: `no RegionSet ${name} in the current revision` });
    if (path === '/drain') {
      const request = parseDrainRequest(body, actor);
      const answer = typeof request === 'string' ? { status: 400, body: { error: request } } : await controller.drain(name, request);
      return send(res, answer.status, answer.body);
    }
    const fields = controlFields(body);
    if (typeof fields === 'string') return send(res, 400, { error: fields });
    if (path !== '/resume' && !fields.reason) return send(res, 400, { error: `${path.slice(1)} needs a reason: send {"reason": "..."} (regionctl ${path === '/suspend' ? 'suspend' : 'sync-window override'} NAME --reason TEXT)` });
    const who = { reason: fields.reason ?? '', by: fields.by ?? actor ?? 'token holder' };
    try {
      if (path === '/sync-window-override') {
        const forMs = fields.for === undefined ? DEFAULT_OVERRIDE_MS : parseDuration(fields.for);
        if (!forMs || forMs > MAX_OVERRIDE_MS) return send(res, 400, { error: `"for" must be a duration from 1s to 24h such as 1h (got "${fields.for}")` });
        const override = await controller.overrideSyncWindows(name, { ...who, forMs });
        return send(res, 200, { regionSet: name, syncWindowOverride: { ...override, at: new Date(override.at).toISOString(), until: new Date(override.until).toISOString() } });
      }
      const state = path === '/suspend' ? await controller.suspend(name, who) : await controller.resume(name, who);
      return send(res, 200, { regionSet: name, ...state, at: new Date(state.at).toISOString(), suspended: controller.isSuspended(name) });
    } catch (error) {
      log.warn({ err: error, regionSet: name, path }, 'control state not written');
      return send(res, 503, { error: `control state not written, nothing changed: ${error instanceof Error ? error.message : String(error)}; try again` });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, 'listening');

  let closed: Promise<void> | undefined;
  const stopAccepting = (): void => {
    if (!accepting) return;
    accepting = false;
    closed = new Promise((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
  };
  return {
    url,
    port: address.port,
    stopAccepting,
    async close() {
      stopAccepting();
      server.closeAllConnections();
      await closed;
    },
  };
}

const PAGE_HISTORY_MS = 5_000;
type PageHistory = Pick<StatusPageInput, 'history' | 'historyError'>;

/** Bodies of /suspend, /resume, /drain and /sync-window-override: a reason, who asked, a duration. */
const MAX_CONTROL_BODY_BYTES = 4096;

function controlFields(body: Buffer | 'too-large'): { reason?: string; by?: string; for?: string } | string {
  if (body !== 'too-large' && body.length === 0) return {};
  const parsed = jsonObjectBody(body, MAX_CONTROL_BODY_BYTES, '{"reason": "...", "by": "..."}');
  if (typeof parsed === 'string') return parsed;
  const { reason, by, for: forText } = parsed;
  if ([reason, by, forText].some((value) => value !== undefined && typeof value !== 'string')) return 'reason, by and for must be strings';
  return { ...(reason ? { reason: (reason as string).slice(0, 500) } : {}), ...(by ? { by: (by as string).slice(0, 200) } : {}), ...(forText ? { for: (forText as string).slice(0, 20) } : {}) };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text.slice(0, 200) : undefined;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}
