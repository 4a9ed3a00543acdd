// A raw HTTP/1.1 client on a TCP socket, for requests fetch() refuses to send: a
// Content-Length larger than the body followed by a close, bodies streamed past the size
// limit, headers exactly as given (fetch adds a content type to string bodies). Every
// request is bounded: it ends answered, closed by the server, or timed out.
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  path: string;
  /** Header lines in order, exactly as sent (no Host or Content-Length is added). */
  headers: Array<[string, string]>;
  body: Buffer;
  /**
   * complete: the whole body, then wait for the answer.
   * truncate: the first `sendBytes` bytes of the body, then half-close (the declared Content-Length is larger).
   * stream: the body in 64 KiB chunks with backpressure, stopping once the server answers or closes.
   */
  delivery: { kind: 'complete' } | { kind: 'truncate'; sendBytes: number } | { kind: 'stream' };
}

export interface RawResult {
  /** HTTP status of the answer, when one came. */
  status?: number;
  /** Head and start of the body of the answer. */
  answer: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Neither an answer nor a close within the bound. */
  timedOut: boolean;
  error?: string;
  elapsedMs: number;
}

const CHUNK = 64 * 1024;

export function sendRaw(port: number, request: RawRequest, boundMs: number): Promise<RawResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    let finished = false;
    let error: string | undefined;
    const finish = (closed: boolean, timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      resolve({
        ...(match ? { status: Number(match[1]) } : {}),
        answer: received.slice(0, 2000),
        closed,
        timedOut,
        ...(error ? { error } : {}),
        elapsedMs: Date.now() - started,
      });
    };
    const timer = setTimeout(() => finish(false, true), boundMs);
    socket.on('data', (chunk: Buffer) => {
      if (received.length < 8192) received += chunk.toString('latin1');
    });
    // A reset after the server answered 413 and closed is an ordinary end for a client still sending.
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      finish(true, false);
    });
    socket.on('close', () => finish(true, false));
    socket.on('end', () => finish(true, false));
    socket.on('connect', () => {
      const head = `${request.method} ${request.path} HTTP/1.1\r\n${request.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
      socket.write(head, 'latin1');
      const delivery = request.delivery;
      if (delivery.kind === 'complete') {
        socket.write(request.body);
      } else if (delivery.kind === 'truncate') {
        socket.write(request.body.subarray(0, delivery.sendBytes));
        socket.end();
      } else {
        void stream(request.body);
      }
    });

    async function stream(body: Buffer): Promise<void> {
      for (let offset = 0; offset < body.length; offset += CHUNK) {
        if (finished || socket.destroyed || !socket.writable || received.length > 0) return;
        if (!socket.write(body.subarray(offset, offset + CHUNK))) {
          // Wait for the server to read on, or for the answer/close that stops us.
          await new Promise<void>((resume) => {
            const done = () => {
              socket.off('drain', done);
              socket.off('close', done);
              socket.off('data', done);
              resume();
            };
            socket.once('drain', done);
            socket.once('close', done);
            socket.once('data', done);
          });
        }
      }
    }
  });
}
