/** Start / kill -9 / stop the engine process (engine-process.ts) that browser tests talk to. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { EngineProcessOptions } from './engine-process';

const ROOT = resolve(import.meta.dirname, '../..');

export interface EngineProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** stderr so far (for failure messages). */
  log(): string;
  /** SIGKILL: no cleanup, exactly like a crash. */
  kill(): Promise<void>;
  /** SIGTERM: orderly shutdown. */
  stop(): Promise<void>;
}

export async function startEngineProcess(opts: EngineProcessOptions): Promise<EngineProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/browser/engine-process.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      INGEST_ENGINE_OPTIONS: JSON.stringify(opts),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`engine process did not start in 60 s:\n${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`engine process exited (${code}) before it was ready:\n${err}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    log: () => err,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
