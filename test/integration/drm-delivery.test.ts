/**
 * Studio DRM through the real pipeline (issue #25): the built CLI's `ingest --drm` delivers a tiny
 * 720p master to a radosgw origin and archive with keys from the SPEKE v2 stand-in, is killed with
 * SIGKILL once verify has encrypted its first chunk, and is run again. Proven: the resumed run asks
 * the provider for the same key IDs (and the provider's key check holds); three key IDs (audio, SD,
 * HD); every segment at the origin carries encrypted samples and every init tenc + pssh; ffmpeg
 * decrypts every chunk of every rendition, as the origin holds it, without an error; the playlists
 * carry SAMPLE-AES with FairPlay, Widevine and PlayReady, the master session keys and I-frame
 * playlists; DASH has ContentProtection per AdaptationSet with SD and HD apart; the manifest names
 * key IDs, clear and encrypted hashes; and no content key is anywhere at the origin or the archive.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { S3DestinationConfig } from '../../electron/common/config';
import type { Manifest } from '../../electron/common/manifest';
import { initLayout, segmentLayout } from '../../electron/engine/media/fmp4';
import {
  cliWithSpeke,
  download,
  drmStation,
  killAfterFirstEncryptedChunk,
  publishedManifest,
  spekeProvider,
} from '../helpers/drm-ingest';
import { keyBytesIn } from '../helpers/drm-package';
import { makeMaster } from '../helpers/masters';
import { startSpekeServer, type SpekeServer } from '../helpers/speke-server';
import { tempDir } from '../helpers/station';

const run = promisify(execFile);

let dir: string;
let speke: SpekeServer;
let origin: { cfg: S3DestinationConfig; client: S3Client };
let archive: { cfg: S3DestinationConfig; client: S3Client };
let originDir: string;
let archiveDir: string;
let killedBeforePackaged = false;
let first: { code: number; stdout: string; stderr: string };
let manifest: Manifest;
let base: string;

beforeAll(async () => {
  dir = await tempDir('ingest-drm-delivery-');
  speke = await startSpekeServer();
  const master = await makeMaster({ seconds: 8, width: 1280, height: 720 });
  await writeFile(join(dir, 'speke-ca.pem'), speke.ca);
  const config = join(dir, 'station.json');
  ({ origin, archive } = await drmStation(
    inject('s3Endpoint'),
    config,
    join(dir, 'work'),
    { keyProvider: spekeProvider(speke, join(dir, 'speke-ca.pem')) },
    { dash: true },
  ));
  const args = ['ingest', master, '--config', config, '--drm', '--json'];
  killedBeforePackaged = await killAfterFirstEncryptedChunk(speke, args, join(dir, 'work'));
  first = await cliWithSpeke(speke, args);
  originDir = join(dir, 'at-origin');
  archiveDir = join(dir, 'at-archive');
  await download(origin.client, origin.cfg.bucket, originDir);
  await download(archive.client, archive.cfg.bucket, archiveDir);
  const titleId = (JSON.parse(first.stdout) as { titles: Array<{ titleId: string }> }).titles[0]!.titleId;
  // The version folder: the one holding the manifest (<titleId>/<version>/manifest.json).
  ({ manifest, base } = await publishedManifest(originDir, titleId));
}, 600_000);

afterAll(async () => {
  await speke?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ingest --drm to radosgw with SPEKE keys, killed mid-verify and resumed', () => {
  it('the kill landed mid-title; the resumed run finished and asked the provider for the same key IDs', async () => {
    expect(killedBeforePackaged).toBe(true);
    expect(first.code, first.stderr).toBe(0);
    expect(speke.requests.length).toBeGreaterThanOrEqual(2);
    const asked = speke.requests.map((r) => [...r.kids].sort().join(','));
    expect(new Set(asked).size).toBe(1);
    expect(speke.requests[0]!.kids).toHaveLength(3);
    const out = JSON.parse(first.stdout) as {
      drm: Record<string, { keys: Array<{ kid: string; trackType: string }> }>;
    };
    const keys = Object.values(out.drm)[0]!.keys;
    expect(keys.map((k) => k.trackType).sort()).toEqual(['audio', 'hd', 'sd']);
    expect(keys.map((k) => k.kid).sort()).toEqual([...speke.requests[0]!.kids].sort());
  });

  it('the manifest: a cenc section with the key IDs, and per segment clear and encrypted hashes and its key ID', () => {
    expect(manifest.encryption).toMatchObject({ method: 'cenc', scheme: 'cbcs' });
    const segments = manifest.files.filter((f) => f.kind === 'segment' && f.path.endsWith('.m4s'));
    expect(segments.length).toBeGreaterThanOrEqual(16);
    for (const f of segments) {
      expect(f.clear?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(f.clear!.sha256).not.toBe(f.sha256);
      expect(speke.requests[0]!.kids).toContain(f.keyId);
    }
    const kidOf = (r: string) => new Set(segments.filter((f) => f.rendition === r).map((f) => f.keyId));
    expect(kidOf('720p').size).toBe(1);
    expect(kidOf('360p')).toEqual(kidOf('180p'));
    expect([...kidOf('720p')][0]).not.toBe([...kidOf('360p')][0]);
  });

  it('every chunk at the origin carries encrypted samples, every init tenc and pssh; ffmpeg decrypts each without an error', async () => {
    const key = (kid: string) => speke.keys.get(kid)!.toString('hex');
    for (const init of manifest.files.filter((f) => f.kind === 'init-segment')) {
      const bytes = await readFile(join(base, init.path));
      const l = initLayout(bytes);
      expect(l.protection?.scheme).toBe('cbcs');
      expect(l.pssh.length).toBe(2);
      for (const seg of manifest.files.filter((f) => f.kind === 'segment' && f.rendition === init.rendition)) {
        const chunk = await readFile(join(base, seg.path));
        expect(segmentLayout(chunk).trafChildren.map((b) => b.type)).toContain('senc');
        const file = join(dir, 'one.mp4');
        await writeFile(file, Buffer.concat([bytes, chunk]));
        const { stdout, stderr } = await run(
          'ffmpeg',
          ['-v', 'error', '-decryption_key', key(seg.keyId!), '-i', file, '-f', 'framemd5', '-'],
          { maxBuffer: 1 << 24 },
        );
        expect(stderr, seg.path).toBe('');
        expect(stdout.split('\n').filter((x) => x && !x.startsWith('#')).length).toBeGreaterThan(0);
      }
    }
  });

  it('HLS: SAMPLE-AES with FairPlay, Widevine and PlayReady per media playlist, session keys, I-frame playlists', async () => {
    const master = await readFile(join(base, 'master.m3u8'), 'utf8');
    expect(master).toContain('#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES');
    expect(master).toContain('KEYFORMAT="com.apple.streamingkeydelivery"');
    expect(master).toContain('#EXT-X-I-FRAME-STREAM-INF');
    const media = await readFile(join(base, '720p', 'index.m3u8'), 'utf8');
    expect(media).toMatch(/#EXT-X-MAP:URI="init.mp4"\n#EXT-X-KEY:METHOD=SAMPLE-AES/);
    expect(media).toContain('skd://provider/');
    expect(media).toContain('KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"');
    // PlayReady as the provider signalled it (its own KEYFORMAT), used as given.
    expect(media).toMatch(/KEYFORMAT="(com\.microsoft\.playready|urn:uuid:9a04f079-9840-4286-ab92-e65be0885f95)"/);
    const iframes = await readFile(join(base, '720p', 'iframes.m3u8'), 'utf8');
    expect(iframes).toContain('#EXT-X-KEY:METHOD=SAMPLE-AES');
    // Each byte range ends inside its (encrypted) chunk, past the moof that grew with senc.
    for (const m of iframes.matchAll(/#EXT-X-BYTERANGE:(\d+)@0\n(\S+)/g)) {
      const size = (await readFile(join(base, '720p', m[2]!))).length;
      const l = segmentLayout(await readFile(join(base, '720p', m[2]!)));
      expect(Number(m[1])).toBeGreaterThan(l.dataStart);
      expect(Number(m[1])).toBeLessThanOrEqual(size);
    }
  });

  it('DASH: ContentProtection (mp4protection, Widevine, PlayReady) per AdaptationSet, SD and HD video apart', async () => {
    const mpd = await readFile(join(base, 'manifest.mpd'), 'utf8');
    const sets = mpd.split('<AdaptationSet').slice(1);
    const video = sets.filter((s) => s.includes('contentType="video"'));
    expect(video).toHaveLength(2);
    for (const s of sets.filter((x) => !x.includes('contentType="text"'))) {
      expect(s).toContain('schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs" cenc:default_KID=');
      expect(s).toContain('urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed');
      expect(s).toContain('urn:uuid:9a04f079-9840-4286-ab92-e65be0885f95');
    }
    const kids = video.map((s) => /default_KID="([^"]+)"/.exec(s)![1]);
    expect(new Set(kids).size).toBe(2);
  });

  it('no content key anywhere at the origin or in the archive (its tar included), in three encodings', async () => {
    const keys = [...speke.keys.values()];
    expect(keys.length).toBe(3);
    expect(await keyBytesIn(originDir, keys)).toEqual([]);
    expect(await keyBytesIn(archiveDir, keys)).toEqual([]);
  });
});
