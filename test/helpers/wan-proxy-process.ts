/**
 * The shaping proxy in a process of its own, as a real network would be: in the benchmark's own
 * process the station's work (MD5 of every part, the SDK) held up the proxy's timers, and the
 * link the station saw was slower than the one the peers (separate processes) saw.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWanProxy, type LinkProfile, type WanProxy } from './wan-proxy';

type Message = { endpoint: string } | { stats: WanProxy['stats'] };

export async function startWanProxyProcess(target: string, link: LinkProfile): Promise<WanProxy> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [target, JSON.stringify(link)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stats = { upBytes: 0, connections: 0, peakConnections: 0 };
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the WAN proxy exited (${code}) before it listened`)));
    child.on('message', (m: Message) => {
      if ('endpoint' in m) resolve(m.endpoint);
      else Object.assign(stats, m.stats);
    });
  });
  return {
    endpoint,
    stats,
    close: async () => {
      // The last stats arrive before the child exits.
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send('close');
      await exited;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  const [target, link] = process.argv.slice(2);
  const proxy = await startWanProxy(target!, JSON.parse(link!) as LinkProfile);
  process.send({ endpoint: proxy.endpoint });
  setInterval(() => process.send!({ stats: proxy.stats }), 250).unref();
  process.on('message', (m) => {
    if (m !== 'close') return;
    void proxy.close().then(() => process.send!({ stats: proxy.stats }, () => process.exit(0)));
  });
  // The parent gone: nothing to proxy for.
  process.on('disconnect', () => void proxy.close().then(() => process.exit(0)));
}
