// The SDK's standard retry strategy resends any request that timed out or lost its connection
// (TimeoutError, ECONNRESET... count as transient). For a write whose answer was lost that is a
// blind retry: Route 53 may have applied the first ChangeResourceRecordSets, and a CREATE sent
// again is refused as "already exists" (r53.create-existing-record). Issue 12 item 8: such a
// write is retried only after re-reading state, which the adapter does
// (route53-lost-answer.ts). This middleware, inside the SDK's retry loop, turns the timeout of
// those operations into a ResponseLost error the SDK does not retry.

/** Writes without an idempotency token: never resent by the SDK after a lost answer. */
const NOT_RESENT = new Set(['ChangeResourceRecordSetsCommand']);

/** Errors after which the request may have taken effect (its answer, not the request, was lost). */
const LOST = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export const RESPONSE_LOST = 'ResponseLost';

interface Stack {
  add: (middleware: unknown, options: { step: string; name: string; priority?: string }) => void;
}

export function addNoBlindRetry(client: { middlewareStack: unknown }): void {
  (client.middlewareStack as Stack).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (error) {
        const e = error as { name?: string; code?: string; message?: string };
        if (!NOT_RESENT.has(context.commandName ?? '') || !(LOST.has(e?.name ?? '') || LOST.has(e?.code ?? ''))) throw error;
        // No `cause`, no `code`, no HTTP status: the SDK's classifier finds nothing transient.
        const lost = new Error(`${e.name ?? e.code ?? 'Error'}: ${e.message ?? ''} (the answer was lost; the request may have been applied)`);
        lost.name = RESPONSE_LOST;
        throw Object.assign(lost, { original: error });
      }
    },
    // The deserialize step runs inside the retry middleware (finalizeRequest): once per attempt.
    { step: 'deserialize', name: 'regionctlNoBlindRetry', priority: 'high' },
  );
}
