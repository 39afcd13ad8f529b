/**
 * A farm worker as an operator runs it: the built CLI in its own process (`ingest-station worker`),
 * its stderr kept line by line, its exit awaited — so a test can send it SIGTERM and see whether it
 * stops, or kill it -9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, CLI_ENV } from './cli';

export interface CliWorker {
  child: ChildProcess;
  log: string[];
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

export function startCliWorker(args: string[], env: NodeJS.ProcessEnv = CLI_ENV): CliWorker {
  const child = spawn(process.execPath, [BIN, 'worker', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const keep = (d: Buffer): void => void log.push(...d.toString().split('\n').filter(Boolean));
  child.stderr!.on('data', keep);
  child.stdout!.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, log, exited };
}
