/**
 * Verify on a real package made by the real transcode stage, then with planted faults: each must
 * be caught and named precisely — the right file, the right problem, and nothing else flagged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cp, open, readFile, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, type Manifest, type PackageProblemCode } from '../../electron/common/manifest';
import { probeMaster } from '../../electron/engine/stages/probe';
import { planTranscode } from '../../electron/engine/stages/plan';
import { transcode } from '../../electron/engine/stages/transcode';
import { verifyPackage, type ManifestInfo } from '../../electron/engine/stages/verify';
import { hashFile } from '../../electron/engine/util/hash-file';
import { makeMaster } from '../helpers/masters';
import { PREVIEW, seedJobAtVerify, tempDir } from '../helpers/station';
import { stationConfigSchema } from '../../electron/common/config';
import { openStation } from '../../electron/engine/station';

let dir: string;
let pkg: string;
let counter = 0;
const DURATION = 7;
const info: ManifestInfo = { title: 'T', source: { path: '/src/m.mp4', size: 1, mtimeMs: 0, durationSec: DURATION }, encoder: 'libx264' };

beforeAll(async () => {
  dir = await tempDir('ingest-verify-');
  const master = await makeMaster({ seconds: DURATION });
  const media = (await probeMaster(master, { ffprobePath: 'ffprobe' })).media;
  const plan = planTranscode(media, { segmentSeconds: 2, profile: PREVIEW });
  pkg = await transcode({ ffmpegPath: 'ffmpeg', sourcePath: master, durationSec: media.durationSec, plan, jobDir: join(dir, 'job') });
});

async function copyOfPackage(): Promise<string> {
  const copy = join(dir, `copy-${counter++}`);
  await cp(pkg, copy, { recursive: true });
  return copy;
}

const write = (packageDir: string) => verifyPackage({ packageDir, ffprobePath: 'ffprobe', mode: 'write', info });
const check = (packageDir: string, expectedManifestSha256?: string) =>
  verifyPackage({ packageDir, ffprobePath: 'ffprobe', mode: 'check', ...(expectedManifestSha256 ? { expectedManifestSha256 } : {}) });

async function flipBytes(path: string, count: number): Promise<void> {
  const size = (await stat(path)).size;
  const fh = await open(path, 'r+');
  const buf = Buffer.alloc(count);
  const at = Math.floor(size / 2);
  await fh.read(buf, 0, count, at);
  for (let i = 0; i < count; i++) buf[i] = buf[i]! ^ 0xff;
  await fh.write(buf, 0, count, at);
  await fh.close();
}

describe('verify: clean packages', () => {
  it('verifies clean, decodes every segment and writes a manifest of every file', async () => {
    const copy = await copyOfPackage();
    const progress: number[] = [];
    const r = await verifyPackage({ packageDir: copy, ffprobePath: 'ffprobe', mode: 'write', info, onProgress: (d) => progress.push(d) });
    expect(r.problems).toEqual([]);
    expect(r.segmentsChecked).toBe(r.manifest!.files.filter((f) => f.kind === 'segment').length);
    expect(progress.at(-1)).toBe(r.segmentsChecked);
    const manifest = JSON.parse(await readFile(join(copy, MANIFEST_FILE), 'utf8')) as Manifest;
    expect(manifest.schemaVersion).toBe(1);
    const seg = manifest.files.find((f) => f.path === '360p/seg_00000.m4s')!;
    expect(seg).toMatchObject({ kind: 'segment', rendition: '360p', durationSec: 2 });
    const d = await hashFile(join(copy, seg.path));
    expect([seg.size, seg.md5, seg.sha256]).toEqual([d.size, d.md5, d.sha256]);
    expect(r.manifestSha256).toBe((await hashFile(join(copy, MANIFEST_FILE))).sha256);
    // A re-check of the untouched package against its manifest is clean too.
    expect((await check(copy, r.manifestSha256)).problems).toEqual([]);
  });

  it('a package whose audio rendition ends in a one-AAC-frame tail segment verifies clean', async () => {
    const master = await makeMaster({ seconds: 4, width: 320, height: 240, audioExtraSec: 0.021 });
    const media = (await probeMaster(master, { ffprobePath: 'ffprobe' })).media;
    const tailPkg = await transcode({ ffmpegPath: 'ffmpeg', sourcePath: master, durationSec: media.durationSec, plan: planTranscode(media, { segmentSeconds: 2, profile: PREVIEW }), jobDir: join(dir, 'tail') });
    const audio = await readFile(join(tailPkg, 'audio', 'index.m3u8'), 'utf8');
    const durations = [...audio.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
    expect(durations.at(-1)).toBeLessThan(0.05);
    const r = await verifyPackage({ packageDir: tailPkg, ffprobePath: 'ffprobe', mode: 'write', info: { ...info, source: { ...info.source, durationSec: media.durationSec } } });
    expect(r.problems).toEqual([]);
  });
});

describe('verify: planted faults are named precisely', () => {
  const cases: Array<[string, (d: string) => Promise<unknown>, string, PackageProblemCode[]]> = [
    ['a segment truncated by half', async (d) => truncate(join(d, '360p/seg_00001.m4s'), Math.floor((await stat(join(d, '360p/seg_00001.m4s'))).size / 2)), '360p/seg_00001.m4s', ['frames-missing', 'undecodable']],
    ['the last 1 KiB cut from a segment', async (d) => truncate(join(d, '180p/seg_00002.m4s'), (await stat(join(d, '180p/seg_00002.m4s'))).size - 1024), '180p/seg_00002.m4s', ['frames-missing', 'decode-error']],
    ['a zero-length segment', (d) => truncate(join(d, '180p/seg_00000.m4s'), 0), '180p/seg_00000.m4s', ['empty']],
    ['a missing segment', (d) => unlink(join(d, '360p/seg_00002.m4s')), '360p/seg_00002.m4s', ['missing']],
    ['a missing init segment', (d) => unlink(join(d, 'audio/init_2.mp4')), 'audio/init_2.mp4', ['missing']],
    [
      'a playlist referencing a file that does not exist',
      async (d) => {
        const p = join(d, '360p/index.m3u8');
        await writeFile(p, (await readFile(p, 'utf8')).replace('seg_00001.m4s', 'seg_09999.m4s'));
        await unlink(join(d, '360p/seg_00001.m4s'));
      },
      '360p/seg_09999.m4s',
      ['missing'],
    ],
    ['a stray unreferenced file', (d) => writeFile(join(d, '360p/leftover.m4s'), 'x'), '360p/leftover.m4s', ['stray']],
    [
      'EXTINF above TARGETDURATION',
      async (d) => {
        const p = join(d, '180p/index.m3u8');
        await writeFile(p, (await readFile(p, 'utf8')).replace(/#EXTINF:2\.0+,/, '#EXTINF:3.600000,'));
      },
      '180p/index.m3u8',
      ['extinf-over-target'],
    ],
    [
      'a playlist pointing outside the package',
      async (d) => {
        const p = join(d, '360p/index.m3u8');
        await writeFile(p, (await readFile(p, 'utf8')).replace('seg_00000.m4s', '../../../etc/passwd'));
        await unlink(join(d, '360p/seg_00000.m4s'));
      },
      '../../../etc/passwd',
      ['outside-package'],
    ],
    ['a garbled master playlist', (d) => writeFile(join(d, 'master.m3u8'), 'hello'), 'master.m3u8', ['unparsable']],
  ];

  it.each(cases)('%s', async (_name, plant, file, codes) => {
    const copy = await copyOfPackage();
    await plant(copy);
    const r = await write(copy);
    expect(r.problems.length, JSON.stringify(r.problems)).toBeGreaterThan(0);
    // Everything flagged is the planted file, under one of the expected codes — nothing else.
    for (const p of r.problems) {
      expect(p.file, JSON.stringify(r.problems)).toBe(file);
      expect(codes, JSON.stringify(r.problems)).toContain(p.problem);
    }
    await expect(readFile(join(copy, MANIFEST_FILE))).rejects.toThrow(/ENOENT/);
    await rm(copy, { recursive: true, force: true });
  });

  it('16 bytes flipped in the middle of a segment: caught by hash against the manifest on re-verify', async () => {
    const copy = await copyOfPackage();
    const { manifestSha256 } = await write(copy);
    await flipBytes(join(copy, '360p/seg_00001.m4s'), 16);
    const r = await check(copy, manifestSha256);
    expect(r.problems.filter((p) => p.problem === 'hash-mismatch')).toEqual([expect.objectContaining({ file: '360p/seg_00001.m4s' })]);
    expect(r.problems.every((p) => p.file === '360p/seg_00001.m4s')).toBe(true);
  });

  it('a manifest edited by hand: its SHA-256 no longer matches the one recorded', async () => {
    const copy = await copyOfPackage();
    const { manifestSha256 } = await write(copy);
    const path = join(copy, MANIFEST_FILE);
    const m = JSON.parse(await readFile(path, 'utf8')) as Manifest;
    m.title = 'Someone Else’s Film';
    await writeFile(path, JSON.stringify(m, null, 2) + '\n');
    const r = await check(copy, manifestSha256);
    expect(r.problems).toEqual([expect.objectContaining({ file: MANIFEST_FILE, problem: 'manifest-tampered' })]);
    // Edited into something that is not a manifest at all:
    await writeFile(path, '{"files": 3}');
    expect((await check(copy)).problems).toContainEqual(expect.objectContaining({ file: MANIFEST_FILE, problem: 'manifest-invalid' }));
  });
});

describe('the pipeline refuses to upload a package that does not verify', () => {
  it('a job resumed at verify with a damaged package fails there, names the file, and uploads nothing', async () => {
    const work = join(dir, 'refuse-work');
    await seedJobAtVerify({
      workDir: work, id: 'jrefuse', title: 'Refuse', sourcePath: await makeMaster({ seconds: DURATION }), packageDir: pkg,
      damage: (p) => truncate(join(p, '180p', 'seg_00001.m4s'), 0),
    });
    const config = stationConfigSchema.parse({ destinations: { o: { type: 'folder', path: join(dir, 'refuse-origin') } }, origin: 'o', workDir: work });
    const station = await openStation({ config, baseDir: dir });
    try {
      const done = await station.queue.waitFor('jrefuse');
      expect(done.state).toBe('failed');
      expect(done.error!.stage).toBe('verify');
      expect(done.error!.message).toMatch(/^Package failed verification: 1 problem \(first: 180p\/seg_00001\.m4s empty/);
      expect(done.error!.problems).toEqual([{ file: '180p/seg_00001.m4s', problem: 'empty', detail: 'file is 0 bytes' }]);
      expect(done.stages.uploadOrigin.state).toBe('pending');
      // The title's claim was taken before the transcode (a retry resumes it); no package object left.
      const left = await readdir(join(dir, 'refuse-origin'), { recursive: true });
      expect(left.filter((f) => !f.endsWith('title.json') && f !== done.claim!.titleId)).toEqual([]);
    } finally {
      await station.close();
    }
  });
});
