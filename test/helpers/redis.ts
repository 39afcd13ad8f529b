/**
 * A real Redis (Debian's redis-server) for the farm tests, on 127.0.0.1 and a free port, configured
 * as a farm's must be: AOF on (fsync always, so a restart loses nothing), noeviction, no RDB
 * snapshots. `restart()` stops it (SIGTERM: it writes nothing more) and starts it again on the
 * same port and data folder — what a studio's Redis does when its host reboots.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { freePort } from './loopback-listen';

export const FARM_SETTINGS = [
  '--appendonly',
  'yes',
  '--appendfsync',
  'always',
  '--maxmemory-policy',
  'noeviction',
  '--save',
  '',
];

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  restart(downMs?: number): Promise<void>;
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      // A Redis with a password answers NOAUTH: up all the same.
      resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
    });
    s.once('error', () => resolve(false));
  });
}

/** `settings`: redis-server flags replacing the farm's defaults (e.g. to start one the station must refuse). */
export async function startRedis(dir: string, settings: string[] = FARM_SETTINGS): Promise<TestRedis> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        ...settings,
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not answer within 5 s (is the redis-server package installed?)');
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart(downMs = 0) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
  };
}
