import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Listen on 127.0.0.1 (a free port) and track the server's connections, so the test proxies can
 * close at once — open keep-alive sockets included. Returns the http:// endpoint and close().
 */
export async function listenLoopback(server: Server): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
