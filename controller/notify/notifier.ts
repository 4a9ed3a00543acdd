// Delivery: events are routed to providers and queued; a bounded pool sends them with
// retries (exponential backoff with full jitter on 5xx, 429 — honouring Retry-After —,
// timeouts and connection errors; never on another 4xx). emit() never waits and never
// throws, so a slow or dead receiver cannot hold up a reconcile; a full queue drops the
// delivery and counts it. Logs name the provider, the event and the HTTP status — never a
// URL, a token or a signature.

import { randomUUID } from 'node:crypto';
import type { Logger } from '../runtime/logger.js';
import type { NotifyEvent, RuntimeEvent } from './events.js';
import { buildRequest, type OutgoingRequest, type ProviderSettings } from './providers.js';

export type DeliveryOutcome = 'delivered' | 'failed' | 'dropped';

export interface NamedProvider {
  name: string;
  settings: ProviderSettings;
  /** Attempts after the first (default 3). */
  retries: number;
  /** First backoff (default 1 s), doubling per attempt up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Bound of one HTTP attempt (default 10 s). */
  timeoutMs: number;
}

export interface Route {
  /** RegionSet names; undefined: every RegionSet. */
  regionSets?: ReadonlySet<string>;
  /** undefined: every event. */
  events?: ReadonlySet<string>;
  providers: string[];
}

export interface NotifierOptions {
  providers: NamedProvider[];
  routes: Route[];
  logger: Logger;
  record(provider: string, event: string, outcome: DeliveryOutcome): void;
  /** Deliveries sent at once (default 4). */
  concurrency?: number;
  /** Deliveries waiting beyond the running ones; more are dropped (default 1000). */
  maxQueue?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

interface Delivery {
  provider: NamedProvider;
  event: NotifyEvent;
  request: OutgoingRequest;
}

const sleepFor = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

export class Notifier {
  private readonly queue: Delivery[] = [];
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly closing = new AbortController();
  private readonly byName: Map<string, NamedProvider>;
  /** Last repeatable event (drift-found, plan-refused) per RegionSet: the same one again is not re-sent every resync. */
  private readonly lastRepeatable = new Map<string, string>();

  constructor(private readonly options: NotifierOptions) {
    this.byName = new Map(options.providers.map((p) => [p.name, p]));
  }

  /** Routes and queues the event; returns at once. A converged RegionSet is not announced: it only ends the drift's de-duplication. */
  emit(event: RuntimeEvent): void {
    if (event.type === 'converged') {
      this.lastRepeatable.delete(event.regionSet);
      return;
    }
    if (this.closing.signal.aborted || this.isRepeat(event)) return;
    const names = new Set<string>();
    for (const route of this.options.routes) {
      if (route.regionSets && !route.regionSets.has(event.regionSet)) continue;
      if (route.events && !route.events.has(event.type)) continue;
      for (const name of route.providers) names.add(name);
    }
    for (const name of names) {
      const provider = this.byName.get(name);
      if (!provider) continue;
      const request = buildRequest(provider.settings, event, randomUUID());
      if (!request) continue;
      if (this.queue.length >= (this.options.maxQueue ?? 1000)) {
        this.options.record(name, event.type, 'dropped');
        this.options.logger.warn({ provider: name, event: event.type, regionSet: event.regionSet }, 'notification dropped: the delivery queue is full');
        continue;
      }
      this.queue.push({ provider, event, request });
    }
    this.pump();
  }

  /** Resolves when nothing is queued or sending (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Shutdown: waits up to `boundMs` for queued deliveries, then abandons the rest (counted as dropped). */
  async close(boundMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
    this.closing.abort(new Error('notifier closed'));
    for (const delivery of this.queue.splice(0)) this.options.record(delivery.provider.name, delivery.event.type, 'dropped');
  }

  private isRepeat(event: NotifyEvent): boolean {
    if (event.type !== 'drift-found' && event.type !== 'plan-refused') {
      if (event.type !== 'apply-started') this.lastRepeatable.delete(event.regionSet);
      return false;
    }
    const key = JSON.stringify([event.type, event.revision, event.summary?.stepsByAction, event.refusals]);
    if (this.lastRepeatable.get(event.regionSet) === key) return true;
    this.lastRepeatable.set(event.regionSet, key);
    return false;
  }

  private pump(): void {
    while (this.running < (this.options.concurrency ?? 4) && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      this.running++;
      void this.deliver(delivery).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async deliver({ provider, event, request }: Delivery): Promise<void> {
    const log = this.options.logger.child({ provider: provider.name, providerType: provider.settings.type, event: event.type, regionSet: event.regionSet });
    const doFetch = this.options.fetch ?? fetch;
    const sleep = this.options.sleep ?? sleepFor;
    const random = this.options.random ?? Math.random;
    let last = '';
    for (let attempt = 0; attempt <= provider.retries; attempt++) {
      let waitMs: number | undefined;
      try {
        const response = await doFetch(request.url, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          redirect: 'error',
          signal: AbortSignal.any([AbortSignal.timeout(provider.timeoutMs), this.closing.signal]),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.options.record(provider.name, event.type, 'delivered');
          log.debug({ status: response.status, attempt: attempt + 1 }, 'notification delivered');
          return;
        }
        last = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) {
          // The receiver refused the request itself (bad URL, token, payload): sending it again will not help.
          break;
        }
        if (response.status === 429) waitMs = retryAfterMs(response.headers.get('retry-after'), Date.now());
      } catch (error) {
        if (this.closing.signal.aborted) break;
        last = failureText(error);
      }
      if (attempt === provider.retries) break;
      const backoff = Math.min(provider.maxBackoffMs, provider.backoffMs * 2 ** attempt);
      const delay = waitMs !== undefined ? Math.min(waitMs, provider.maxBackoffMs) : Math.round(random() * backoff);
      log.info({ attempt: attempt + 1, failure: last, retryInMs: delay }, 'notification not delivered; retrying');
      try {
        await sleep(delay, this.closing.signal);
      } catch {
        break;
      }
    }
    this.options.record(provider.name, event.type, 'failed');
    log.warn({ failure: last }, 'notification failed; reconciling goes on');
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** What went wrong, without the URL (undici's messages and causes can carry it). */
function failureText(error: unknown): string {
  const err = error as { name?: string; cause?: { code?: string; name?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  const code = err?.cause?.code ?? err?.cause?.name;
  return code ? `connection failed (${code})` : `request failed (${err?.name ?? 'Error'})`;
}
