/**
 * The app engine + loopback bridge as their own process (run with `node --import tsx`), so a
 * browser test can kill -9 the engine mid-upload and start it again, as a crash of the app's engine
 * would. Options arrive as JSON in INGEST_ENGINE_OPTIONS; prints "READY <url>" when listening.
 */
import { appendFileSync } from 'node:fs';
import { openAppEngine } from '../../electron/engine/app-engine';
import { testSecretBox } from '../helpers/test-secret-box';
import { startLoopbackServer } from './loopback-server';

export interface EngineProcessOptions {
  userDataDir: string;
  documentsDir: string;
  staticDir: string;
  indexPath: string;
  dropRoot: string;
  /** Files the picker "chooses". */
  pickFiles: string[];
  secretKeyHex: string;
  port?: number;
  /** Short timeouts and quick retries against the local S3 server. */
  fastRetries?: boolean;
}

const opts = JSON.parse(process.env.INGEST_ENGINE_OPTIONS ?? '{}') as EngineProcessOptions;
/** INGEST_DEBUG_LOG=<file>: the transfer engine's notes (uploads started, resumed, aborted) from every engine life, for a crash test that failed. */
const transferLog = (m: string): void => {
  if (process.env.INGEST_DEBUG_LOG)
    appendFileSync(process.env.INGEST_DEBUG_LOG, `${new Date().toISOString()} ${process.pid} ${m}\n`);
};
const engine = await openAppEngine({
  userDataDir: opts.userDataDir,
  documentsDir: opts.documentsDir,
  secretBox: testSecretBox(opts.secretKeyHex),
  pickFiles: async () => opts.pickFiles,
  watch: false,
  ...(opts.fastRetries
    ? { s3Runtime: { retry: { attempts: 3, baseMs: 50, maxMs: 500 }, idleTimeoutMs: 5_000, log: transferLog } }
    : {}),
});
const server = await startLoopbackServer({
  engine,
  staticDir: opts.staticDir,
  indexPath: opts.indexPath,
  dropRoot: opts.dropRoot,
  ...(opts.port ? { port: opts.port } : {}),
});
process.stdout.write(`READY ${server.url}\n`);

const stop = async (): Promise<void> => {
  await server.close();
  await engine.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
