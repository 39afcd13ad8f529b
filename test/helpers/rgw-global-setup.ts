/**
 * Vitest global setup: one real radosgw (Ceph's S3 gateway) on 127.0.0.1 for the whole run,
 * started with the project's scripts/rgw-up.sh and stopped (and its data removed) at the end.
 * Fresh start ≈ 16 s. Tests read the endpoint with inject('s3Endpoint'). The integration and
 * browser projects both name this setup; the first to run starts the server, the last to finish
 * stops it (a count kept on globalThis, which every project's copy of this module shares).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);
const scripts = resolve(import.meta.dirname, '../../scripts');

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    /** The cluster's folder (its ceph.conf): for radosgw-admin (a second user with a narrower key). */
    s3Dir: string;
  }
}

interface Shared {
  users: number;
  ready: Promise<{ endpoint: string; dir: string }>;
}
const KEY = Symbol.for('ingest-station.test-rgw');
const registry = globalThis as unknown as Record<symbol, Shared | undefined>;

async function start(): Promise<{ endpoint: string; dir: string }> {
  const port = Number(process.env.INGEST_TEST_RGW_PORT ?? 17480 + (process.pid % 400) * 2);
  const dir = await mkdtemp(join(tmpdir(), 'ingest-rgw-'));
  try {
    await run('bash', [join(scripts, 'rgw-up.sh'), dir, String(port)], {
      // A sparse file; a full OSD makes radosgw writes hang, so benchmarks ask for more room.
      env: { ...process.env, BLOCK_BYTES: String(Number(process.env.INGEST_TEST_RGW_GIB ?? 8) * 1024 ** 3) },
      timeout: 120_000,
    });
  } catch (err) {
    await run('bash', [join(scripts, 'rgw-down.sh'), dir]).catch(() => undefined);
    const e = err as { stderr?: string; message: string };
    throw new Error(`radosgw did not start (run \`npm run test:setup\` to install it): ${e.stderr || e.message}`);
  }
  return { endpoint: `http://127.0.0.1:${port}`, dir };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry[KEY] ??= { users: 0, ready: start() });
  shared.users++;
  const { endpoint, dir } = await shared.ready;
  project.provide('s3Endpoint', endpoint);
  project.provide('s3Dir', dir);
  return async () => {
    if (--shared.users > 0) return;
    registry[KEY] = undefined;
    await run('bash', [join(scripts, 'rgw-down.sh'), dir], { timeout: 60_000 }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
}
