// A webhook client that declares a Content-Length, sends less and closes: the controller
// answers 400 (or the socket is simply gone), logs no error and keeps serving. Before, the
// aborted body read surfaced as "request failed" at error level with an attempted 500.
import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { captureLines, runtimeHarness, sandboxWorld } from './helpers.js';

const harness = runtimeHarness();

/** Sends `head` and `sent` body bytes, half-closes, and returns whatever the server wrote before closing. */
function truncatedPost(port: number, head: string, sent: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const timer = setTimeout(() => reject(new Error(`no answer or close within 10 s; got ${JSON.stringify(answer)}`)), 10_000);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('connect', () => {
      socket.write(head + sent);
      socket.end();
    });
  });
}

it('a webhook body cut short by the client gets no 5xx and no error log; the server keeps answering', async () => {
  const logs = captureLines();
  const { runtime, http } = await harness.start(harness.config({ webhookSecrets: { github: 'github-webhook-secret-7f3a' }, logLevel: 'debug' }), {
    sandboxCloud: sandboxWorld().cloud,
    source: { sync: async () => ({ revision: 'rev-1', dir: harness.repo.dir }) },
    logDestination: logs.stream,
  });
  const head = 'POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nContent-Length: 5000\r\n\r\n';
  const answer = await truncatedPost(runtime.server.port, head, '{"ref": "refs/heads/ma');
  expect(answer).not.toMatch(/^HTTP\/1\.1 5\d\d/);
  expect((await http('/healthz')).status).toBe(200);
  expect(logs.records().filter((record) => record['level'] === 'error')).toEqual([]);
  expect(logs.records().some((record) => record['msg'] === 'webhook dropped: the connection ended before the body was complete')).toBe(true);
});
