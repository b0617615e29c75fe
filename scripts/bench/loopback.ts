/**
 * The HTTP server both bench endpoints run on: 127.0.0.1, an ephemeral port, each request's body
 * read whole (AWS requests are small) and handed to `handle`. `stop()` closes idle keep-alive
 * connections too, so a client's pool never holds the bench open.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Loopback {
  /** `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL. */
  url: string;
  stop: () => Promise<void>;
}

/** Starts the server; rejects when it cannot listen. */
export async function serveLoopback(
  handle: (request: IncomingMessage, body: string, response: ServerResponse) => void,
): Promise<Loopback> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      handle(request, Buffer.concat(chunks).toString('utf8'), response);
    });
  });
  // Clients keep connections alive; do not let an idle one hold `stop()` open.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolveStop) => {
        server.closeAllConnections();
        server.close(() => {
          resolveStop();
        });
      }),
  };
}
