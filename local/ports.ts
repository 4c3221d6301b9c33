import { type Server, createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';

/** A port free on 127.0.0.1 right now (for child processes that cannot listen on port 0 themselves). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

/**
 * An HTTP server already listening on a free 127.0.0.1 port, with no request handler yet: for a port that
 * must be known before its server is ready (local/runtime.ts tells the acquirers the merchant API's URL
 * first). Holding the socket, unlike freePort, keeps any other listener from taking the port in between.
 */
export const listeningHttpServer = (): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createHttpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });

/** Start `server` listening on 127.0.0.1 (`port`, or a free one) and answer its base URL; a bind error rejects. */
export const listenLocally = (server: Server, port = 0): Promise<string> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
  });
