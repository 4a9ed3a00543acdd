// Replayed webhook deliveries. GitHub's "Redeliver", GitLab's retries and "Resend request",
// a proxy retrying a POST, or someone who captured a signed request and sends it again:
// each comes back with the delivery id of the first. A delivery id seen within the window
// is answered "duplicate delivery ignored" (200, so that the sender does not retry again)
// and counted, instead of starting another sync. Only ids of requests whose signature was
// verified are remembered: a forged request can never make a genuine delivery look like a
// replay. Memory is bounded by the window and by maxEntries (the oldest go first).
//
// Delivery ids by sender:
// - GitHub: X-GitHub-Delivery, a GUID kept by redeliveries.
// - GitLab: Idempotency-Key, kept by automatic retries and manual resends (GitLab 17.4+;
//   https://docs.gitlab.com/ee/user/project/integrations/webhooks.html#delivery-headers).
//   X-Gitlab-Event-UUID and X-Gitlab-Webhook-UUID identify the event chain and the hook,
//   not the delivery: a bot that pushes in answer to a webhook makes a new push with the
//   same X-Gitlab-Event-UUID (recursion detection), which must not be ignored. Not used.
// - generic: Idempotency-Key (the IETF httpapi draft's header), chosen by the sender.
// A request without an id is never a duplicate.

/** Who sent a webhook (defined here, below webhook.ts, which imports this module). */
export type WebhookSource = 'github' | 'gitlab' | 'generic';

const DEFAULT_DELIVERY_WINDOW_MS = 10 * 60_000;
const DEFAULT_MAX_DELIVERIES = 10_000;
/** Longer ids are not remembered (every real sender's id is a UUID). */
const MAX_ID_LENGTH = 200;

export interface DeliveryLogOptions {
  windowMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class DeliveryLog {
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** key → when it was first seen; a Map iterates in insertion order, oldest first. */
  private readonly seenAt = new Map<string, number>();

  constructor(options: DeliveryLogOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_DELIVERY_WINDOW_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_DELIVERIES;
    this.now = options.now ?? Date.now;
  }

  /** True when this delivery was remembered within the window. */
  isDuplicate(source: WebhookSource, id: string): boolean {
    this.expire();
    return this.seenAt.has(`${source}:${id}`);
  }

  /** Remembers a delivery whose signature was verified. */
  remember(source: WebhookSource, id: string): void {
    const key = `${source}:${id}`;
    if (this.seenAt.has(key)) return;
    this.seenAt.set(key, this.now());
    while (this.seenAt.size > this.maxEntries) this.seenAt.delete(this.seenAt.keys().next().value!);
  }

  get size(): number {
    this.expire();
    return this.seenAt.size;
  }

  private expire(): void {
    const oldest = this.now() - this.windowMs;
    for (const [key, at] of this.seenAt) {
      if (at > oldest) break;
      this.seenAt.delete(key);
    }
  }
}

/** The sender's delivery id, or undefined when it sent none (or one too long to be real). */
export function deliveryIdOf(source: WebhookSource, headers: Record<string, string | undefined>): string | undefined {
  const id = (source === 'github' ? headers['x-github-delivery'] : headers['idempotency-key'])?.trim();
  return id && id.length <= MAX_ID_LENGTH ? id : undefined;
}
