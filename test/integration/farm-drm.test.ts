/**
 * A farm delivering a DRM title (issue #25 with the farm): a headless worker (the built CLI) on a
 * real Redis, its config's `drm` section pointing at the SPEKE v2 stand-in (the token read from the
 * worker's environment), takes a title submitted with `ingest-station submit` and delivers it to a
 * radosgw origin and archive. Proven: the provider got one request, for the key IDs the manifest
 * names (audio, SD, HD); every segment at the origin carries encrypted samples and ffmpeg decrypts
 * it with the provider's key for its key ID; no key and not the token in the worker's output or at
 * either store. Then a worker whose config asks for local keys takes the next title and stops it
 * with its sentence (local keys live sealed on one station), before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FarmQueue, type FarmTitle } from '../../electron/engine/farm/farm-queue';
import { FARM_LOCAL_KEYS } from '../../electron/engine/drm/station-drm';
import { segmentLayout } from '../../electron/engine/media/fmp4';
import { runCli } from '../helpers/cli';
import { startCliWorker, type CliWorker } from '../helpers/cli-worker';
import { download, drmStation, publishedManifest, secretsIn, spekeEnv, spekeProvider } from '../helpers/drm-ingest';
import { makeMaster } from '../helpers/masters';
import { startRedis, type TestRedis } from '../helpers/redis';
import { listKeys } from '../helpers/s3';
import { startSpekeServer, type SpekeServer } from '../helpers/speke-server';
import { tempDir } from '../helpers/station';

const run = promisify(execFile);

let dir: string;
let redis: TestRedis;
let speke: SpekeServer;
let farm: FarmQueue;
let masters: string;
const workers: CliWorker[] = [];

beforeAll(async () => {
  dir = await tempDir('ingest-farm-drm-');
  redis = await startRedis(join(dir, 'redis'));
  speke = await startSpekeServer();
  await writeFile(join(dir, 'speke-ca.pem'), speke.ca);
  masters = join(dir, 'masters');
  await mkdir(masters);
  for (const name of ['Studio Film.mp4', 'Local Keys Film.mp4'])
    await copyFile(await makeMaster({ seconds: 6 }), join(masters, name));
  farm = await FarmQueue.open({ url: redis.url });
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await farm?.close();
  await redis?.stop();
  await speke?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A worker config: its own buckets and work folder, DRM on with the given key provider. */
async function workerConfig(name: string, keyProvider: Record<string, unknown>) {
  return drmStation(
    inject('s3Endpoint'),
    join(dir, `${name}.json`),
    join(dir, name),
    { enabled: true, keyProvider },
    { activeJobs: 1 },
  );
}

function startWorker(name: string, config: string): CliWorker {
  const args = ['--queue', redis.url, '--config', config, '--name', name, '--lock-seconds', '4', '--allow', masters];
  const w = startCliWorker(args, spekeEnv(speke));
  workers.push(w);
  return w;
}

/** Submit one master and wait until the farm says it ended. */
async function deliver(master: string): Promise<FarmTitle> {
  const sub = await runCli(['submit', join(masters, master), '--queue', redis.url, '--json']);
  expect(sub.code, sub.stderr).toBe(0);
  const id = (JSON.parse(sub.stdout) as { titles: FarmTitle[] }).titles[0]!.id;
  const [ended] = await Promise.race([
    farm.waitForAll([id], 300),
    new Promise<never>((_, no) => setTimeout(() => no(new Error(`"${master}" did not end in 90 s`)), 90_000)),
  ]);
  return ended!;
}

describe('a farm worker delivering a DRM title', () => {
  it('with keys from the SPEKE provider: encrypted at the origin under the key IDs the provider was asked for', async () => {
    const s = await workerConfig('speke-worker', spekeProvider(speke, join(dir, 'speke-ca.pem')));
    const w = startWorker('drm-w1', s.config);
    const t = await deliver('Studio Film.mp4');
    expect(`${t.state} ${t.error ?? ''}`, w.log.slice(-10).join('\n')).toBe('done ');
    expect(t.worker).toBe('drm-w1');
    w.child.kill('SIGTERM');
    await w.exited;

    const at = join(dir, 'speke-at-origin');
    await download(s.origin.client, s.origin.cfg.bucket, at);
    const { manifest, base } = await publishedManifest(at, 'studio-film');
    expect(manifest.encryption).toMatchObject({ method: 'cenc', scheme: 'cbcs' });
    const named = (manifest.encryption as { keys: Array<{ kid: string; trackType: string }> }).keys;
    expect(named.map((k) => k.trackType).sort()).toEqual(['audio', 'hd', 'sd']);
    // One request (the claim's), for exactly the key IDs the manifest names, with the worker's token.
    expect(speke.requests).toHaveLength(1);
    expect([...speke.requests[0]!.kids].sort()).toEqual(named.map((k) => k.kid).sort());
    expect(speke.requests[0]!.headers['x-api-key']).toBe(speke.apiKey);

    const segments = manifest.files.filter((f) => f.kind === 'segment' && f.path.endsWith('.m4s'));
    expect(segments.length).toBeGreaterThanOrEqual(9);
    for (const seg of segments) {
      const init = manifest.files.find((f) => f.kind === 'init-segment' && f.rendition === seg.rendition)!;
      const chunk = await readFile(join(base, seg.path));
      expect(
        segmentLayout(chunk).trafChildren.map((b) => b.type),
        seg.path,
      ).toContain('senc');
      const file = join(dir, 'one.mp4');
      await writeFile(file, Buffer.concat([await readFile(join(base, init.path)), chunk]));
      const key = speke.keys.get(seg.keyId!)!.toString('hex');
      const { stderr } = await run('ffmpeg', [
        '-v',
        'error',
        '-xerror',
        '-decryption_key',
        key,
        '-i',
        file,
        '-f',
        'null',
        '-',
      ]);
      expect(stderr, seg.path).toBe('');
    }
    const archived = join(dir, 'speke-at-archive');
    await download(s.archive.client, s.archive.cfg.bucket, archived);
    expect(await secretsIn(speke, { worker: w.log.join('\n') }, [at, archived, s.workDir])).toEqual([]);
  });

  it('asked for local keys: the worker stops the title with its sentence, before anything is sent', async () => {
    const s = await workerConfig('local-worker', { type: 'local' });
    const w = startWorker('drm-w2', s.config);
    const t = await deliver('Local Keys Film.mp4');
    expect(t.state).toBe('failed');
    expect(t.error).toContain(FARM_LOCAL_KEYS);
    expect(t.worker).toBe('drm-w2');
    // The claim is all either store holds; no local key was made for the title.
    for (const b of [s.origin, s.archive])
      expect((await listKeys(b.client, b.cfg.bucket)).filter((k) => !k.endsWith('/title.json'))).toEqual([]);
    expect(await readdir(join(s.workDir, 'keys', 'drm')).catch(() => [])).toEqual([]);
    w.child.kill('SIGTERM');
    await w.exited;
  });
});
