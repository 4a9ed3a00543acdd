// Free loopback ports for servers a test starts (moto, git daemon, the controller): the OS
// picks one, the probe closes it, the caller binds it. Racy only against other processes.

import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port on 127.0.0.1'))));
    });
  });
}
