/**
 * Verify on a real package made by the real transcode stage, then with planted faults: each must
 * be caught and named precisely (file + problem).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, type Manifest } from '../../electron/common/manifest';
import { probeMaster } from '../../electron/engine/stages/probe';
import { planTranscode } from '../../electron/engine/stages/plan';
import { transcode } from '../../electron/engine/stages/transcode';
import { inspectPackage, verifyPackage } from '../../electron/engine/stages/verify';
import { hashFile } from '../../electron/engine/util/hash-file';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';

let dir: string;
let pkg: string;
let counter = 0;

beforeAll(async () => {
  dir = await tempDir('ingest-verify-');
  const master = await makeMaster({ seconds: 6 });
  const media = await probeMaster(master, { ffprobePath: 'ffprobe' });
  const plan = planTranscode(media, { segmentSeconds: 2 });
  pkg = await transcode({ ffmpegPath: 'ffmpeg', sourcePath: master, durationSec: media.durationSec, plan, jobDir: join(dir, 'job') });
});

async function copyOfPackage(): Promise<string> {
  const copy = join(dir, `copy-${counter++}`);
  await cp(pkg, copy, { recursive: true });
  return copy;
}

const source = { path: '/src/m.mp4', size: 1, mtimeMs: 0, durationSec: 6 };

describe('verify', () => {
  it('a clean package verifies and gets a manifest with SHA-256 and MD5 of every file', async () => {
    const copy = await copyOfPackage();
    const r = await verifyPackage({ packageDir: copy, title: 'T', source, encoder: 'libx264' });
    const manifest = JSON.parse(await readFile(join(copy, MANIFEST_FILE), 'utf8')) as Manifest;
    expect(manifest.files.length).toBe(r.manifest.files.length);
    const seg = manifest.files.find((f) => f.path === '360p/seg_00000.m4s')!;
    expect(seg).toMatchObject({ kind: 'segment', rendition: '360p', durationSec: 2 });
    const d = await hashFile(join(copy, seg.path));
    expect([seg.size, seg.md5, seg.sha256]).toEqual([d.size, d.md5, d.sha256]);
    expect(r.manifestSha256).toBe((await hashFile(join(copy, MANIFEST_FILE))).sha256);
    expect(manifest.files.map((f) => f.path)).toContain('audio/init_2.mp4');
  });

  it.each([
    ['a missing segment', async (d: string) => unlink(join(d, '360p/seg_00001.m4s')), { file: '360p/seg_00001.m4s', problem: 'missing' }],
    ['a zero-length segment', async (d: string) => truncate(join(d, '180p/seg_00002.m4s'), 0), { file: '180p/seg_00002.m4s', problem: 'empty' }],
    ['a missing init segment', async (d: string) => unlink(join(d, 'audio/init_2.mp4')), { file: 'audio/init_2.mp4', problem: 'missing' }],
    ['a stray file', async (d: string) => writeFile(join(d, '360p/leftover.m4s'), 'x'), { file: '360p/leftover.m4s', problem: 'stray' }],
    ['a missing media playlist', async (d: string) => unlink(join(d, '180p/index.m3u8')), { file: '180p/index.m3u8', problem: 'missing' }],
    [
      'a playlist pointing outside the package',
      async (d: string) => {
        const p = join(d, '360p/index.m3u8');
        await writeFile(p, (await readFile(p, 'utf8')).replace('seg_00000.m4s', '../../../etc/passwd'));
      },
      { file: '../../../etc/passwd', problem: 'outside-package' },
    ],
    ['a garbled master playlist', async (d: string) => writeFile(join(d, 'master.m3u8'), 'hello'), { file: 'master.m3u8', problem: 'unparsable' }],
  ])('catches %s and names it', async (_name, plant, expected) => {
    const copy = await copyOfPackage();
    await plant(copy);
    const { problems } = await inspectPackage(copy);
    expect(problems).toContainEqual(expect.objectContaining(expected));
    await expect(verifyPackage({ packageDir: copy, title: 'T', source, encoder: 'x' })).rejects.toThrow(/Package failed verification/);
    await expect(readFile(join(copy, MANIFEST_FILE))).rejects.toThrow(/ENOENT/);
    await rm(copy, { recursive: true, force: true });
  });
});
