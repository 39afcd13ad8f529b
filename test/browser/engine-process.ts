/**
 * The app engine + loopback bridge as their own process (run with `node --import tsx`), so a
 * browser test can kill -9 the engine mid-upload and start it again, as a crash of the app's engine
 * would. Options arrive as JSON in INGEST_ENGINE_OPTIONS; prints "READY <url>" when listening.
 */
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
const engine = await openAppEngine({
  userDataDir: opts.userDataDir,
  documentsDir: opts.documentsDir,
  secretBox: testSecretBox(opts.secretKeyHex),
  pickFiles: async () => opts.pickFiles,
  watch: false,
  ...(opts.fastRetries ? { s3Runtime: { retry: { attempts: 3, baseMs: 50, maxMs: 500 }, idleTimeoutMs: 5_000 } } : {}),
});
const server = await startLoopbackServer({ engine, staticDir: opts.staticDir, indexPath: opts.indexPath, dropRoot: opts.dropRoot, ...(opts.port ? { port: opts.port } : {}) });
process.stdout.write(`READY ${server.url}\n`);

const stop = async (): Promise<void> => {
  await server.close();
  await engine.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
