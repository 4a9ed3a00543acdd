// The JSON object bodies of the control endpoints (/suspend, /resume, /drain): read with a
// size bound by the server; one message a client can act on when they are not an object.

/** The body as a JSON object, or the message saying what is wrong with it (`example` shows the shape). */
export function jsonObjectBody(body: Buffer | 'too-large', maxBytes: number, example: string): Record<string, unknown> | string {
  if (body === 'too-large') return `body larger than ${maxBytes} bytes or incomplete`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return `body is not JSON: send ${example}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'body must be a JSON object';
  return parsed as Record<string, unknown>;
}
