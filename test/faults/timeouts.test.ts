// A hung or failing AWS endpoint over real HTTP on loopback: the SDK clients' timeouts
// must turn a server that never answers into a TransientError (so the reconcile is
// retried at the next resync) instead of a reconcile that waits forever; a 503 likewise.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../controller/clock.js';
import { TransientError } from '../../controller/errors.js';
import { AwsClients } from '../../controller/providers/aws/clients.js';
import { AwsStackProvider } from '../../controller/providers/aws/stacks.js';
import { matrix, printMatrix } from './world.js';

/** Far above the 300 ms request timeout: only a hang reaches it. */
const HANG_GUARD_MS = 15_000;

async function listen(server: Server | HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

async function close(server: Server | HttpServer): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function stackProvider(endpointUrl: string): { clients: AwsClients; stacks: AwsStackProvider } {
  // maxAttempts 1: the SDK's own retries would only multiply the wait.
  const clients = new AwsClients({ endpointUrl, requestTimeoutMs: 300, maxAttempts: 1 });
  return { clients, stacks: new AwsStackProvider({ clients, clock: new FakeClock() }) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(() => {
  process.env['AWS_ACCESS_KEY_ID'] = 'testing';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'testing';
});

afterAll(() => printMatrix('hung and failing AWS endpoints'));

describe('fault suite: AWS endpoint timeouts and 5xx over loopback', () => {
  it(
    'a server that accepts the connection and never answers fails DescribeStacks with a TransientError instead of hanging',
    async () => {
      const sockets = new Set<Socket>();
      // Accepts and reads, never writes: the TCP connection is up, the answer never comes.
      const silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('data', () => {});
        socket.on('close', () => sockets.delete(socket));
      });
      const endpoint = await listen(silent);
      const { clients, stacks } = stackProvider(endpoint);
      try {
        const error = await rejection(stacks.describe('eu-west-1', 'global-api'));
        expect(error).toBeInstanceOf(TransientError);
        expect((error as Error).message).toMatch(/DescribeStacks/);
        expect((error as TransientError).code).toBe('TimeoutError');
        matrix.push({
          case: 'DescribeStacks to a server that never answers',
          fault: 'TCP accepted, no HTTP answer (requestTimeoutMs 300)',
          outcome: `TransientError naming DescribeStacks (${(error as TransientError).code}), no hang`,
        });
      } finally {
        clients.destroy();
        for (const socket of sockets) socket.destroy();
        await close(silent);
      }
    },
    HANG_GUARD_MS,
  );

  it(
    'a server that answers HTTP 503 fails DescribeStacks with a TransientError',
    async () => {
      let requests = 0;
      const unavailable = createHttpServer((request, response) => {
        requests++;
        request.resume();
        response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      });
      const endpoint = await listen(unavailable);
      const { clients, stacks } = stackProvider(endpoint);
      try {
        const error = await rejection(stacks.describe('eu-west-1', 'global-api'));
        expect(error).toBeInstanceOf(TransientError);
        expect((error as Error).message).toMatch(/DescribeStacks/);
        expect((error as Error).message).toMatch(/HTTP 503/);
        expect(requests, 'maxAttempts 1: one request').toBe(1);
        matrix.push({
          case: 'DescribeStacks to a server answering 503',
          fault: 'HTTP 503 with a non-AWS body',
          outcome: `TransientError naming DescribeStacks (${(error as TransientError).code}, HTTP 503)`,
        });
      } finally {
        clients.destroy();
        unavailable.closeAllConnections();
        await close(unavailable);
      }
    },
    HANG_GUARD_MS,
  );
});
