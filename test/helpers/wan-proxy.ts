/**
 * A WAN between a client and a store, in userspace (the kernel here has no netem): a TCP proxy on
 * 127.0.0.1 that gives every connection a one-way delay each way, a per-connection rate (what a
 * TCP window over a long path allows one stream) and one shared uplink rate for everything sent
 * towards the store. Bytes leave in the order they came, each connection's queue is bounded (the
 * client is paused — TCP backpressure — while it is full), and the proxy closes itself after
 * `lifetimeMs` whatever happens.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface LinkProfile {
  name: string;
  /** One-way delay (RTT = 2 ×). */
  delayMs: number;
  /** Bytes per second one connection can carry. */
  perConnectionBps: number;
  /** Bytes per second the uplink carries for all connections together. */
  uplinkBps: number;
}

export interface WanProxy {
  endpoint: string;
  /** Bytes carried towards the store, and connections opened. */
  stats: { upBytes: number; connections: number; peakConnections: number };
  close(): Promise<void>;
}

const SLICE = 64 * 1024;
const QUEUE_LIMIT = 1024 * 1024;

export async function startWanProxy(target: string, link: LinkProfile, lifetimeMs = 30 * 60_000): Promise<WanProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const stats = { upBytes: 0, connections: 0, peakConnections: 0 };
  let uplinkNext = 0; // when the shared uplink is free again (ms, performance.now clock)
  let open = 0;

  /** One direction of one connection: delay, then rate (per connection, and the uplink when `shared`). */
  const pipe = (from: Socket, to: Socket, shared: boolean): void => {
    const queue: Array<{ buf: Buffer; at: number }> = [];
    let queued = 0;
    let connNext = 0;
    let pumping = false;
    let ended = false;
    const pump = async (): Promise<void> => {
      if (pumping) return;
      pumping = true;
      while (queue.length) {
        const item = queue[0]!;
        const now = performance.now();
        const len = item.buf.length;
        const start = Math.max(now, item.at, connNext, shared ? uplinkNext : 0);
        connNext = start + (len / link.perConnectionBps) * 1000;
        if (shared) uplinkNext = Math.max(uplinkNext, start) + (len / link.uplinkBps) * 1000;
        const wait = Math.max(0, (shared ? Math.max(connNext, uplinkNext) : connNext) - now);
        if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
        queue.shift();
        queued -= len;
        if (shared) stats.upBytes += len;
        if (!to.destroyed) to.write(item.buf);
        if (queued < QUEUE_LIMIT / 2 && from.isPaused()) from.resume();
      }
      pumping = false;
      if (ended && !to.destroyed) to.end();
    };
    from.on('data', (chunk: Buffer) => {
      const at = performance.now() + link.delayMs;
      for (let o = 0; o < chunk.length; o += SLICE) {
        const buf = chunk.subarray(o, o + SLICE);
        queue.push({ buf, at });
        queued += buf.length;
      }
      if (queued > QUEUE_LIMIT) from.pause();
      void pump();
    });
    from.on('end', () => {
      ended = true;
      void pump();
    });
  };

  const server: Server = createServer((client) => {
    stats.connections++;
    stats.peakConnections = Math.max(stats.peakConnections, ++open);
    const store = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    for (const s of [client, store]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {
        client.destroy();
        store.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    // A side that ends is ended on the other side once its delayed bytes are delivered (pipe's
    // 'end'); only a side that breaks takes the other down at once.
    client.on('close', (hadError) => {
      open--;
      if (hadError) store.destroy();
    });
    store.on('close', (hadError) => {
      if (hadError) client.destroy();
    });
    pipe(client, store, true);
    pipe(store, client, false);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const timer = setTimeout(() => void close(), lifetimeMs);
  timer.unref();
  const close = async (): Promise<void> => {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats, close };
}
