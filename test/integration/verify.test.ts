/**
 * Verify on a real package made by the real transcode stage, then with planted faults: each must
 * be caught and named precisely — the right file, the right problem, and nothing else flagged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cp, open, readFile, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, type Manifest, type PackageProblemCode } from '../../electron/common/manifest';
import { verifyPackage, type ManifestInfo } from '../../electron/engine/verify/verify-package';
import { hashFile } from '../../electron/engine/util/hash-file';
import { makeMaster } from '../helpers/masters';
import { packageOnly, seedJobAtVerify, tempDir } from '../helpers/station';
import { stationConfigSchema } from '../../electron/common/config';
import { openStation } from '../../electron/engine/station';

let dir: string;
let pkg: string;
let made: { workDir: string; jobId: string };
let counter = 0;
const DURATION = 7;
const info: ManifestInfo = {
  title: 'T',
  source: { path: '/src/m.mp4', size: 1, mtimeMs: 0, durationSec: DURATION },
  encoder: 'libx264',
};

beforeAll(async () => {
  dir = await tempDir('ingest-verify-');
  const master = await makeMaster({ seconds: DURATION });
  const job = await packageOnly(master, join(dir, 'work'));
  pkg = job.packageDir!;
  made = { workDir: join(dir, 'work'), jobId: job.id };
});

/** The package as the encoders left it, before verify wrote its manifest. */
async function copyOfPackage(): Promise<string> {
  const copy = join(dir, `copy-${counter++}`);
  await cp(pkg, copy, { recursive: true });
  await rm(join(copy, MANIFEST_FILE));
  await rm(join(copy, '.ingest-station-package'));
  return copy;
}

const write = (packageDir: string) => verifyPackage({ packageDir, ffprobePath: 'ffprobe', mode: 'write', info });
const check = (packageDir: string, expectedManifestSha256?: string) =>
  verifyPackage({
    packageDir,
    ffprobePath: 'ffprobe',
    mode: 'check',
    ...(expectedManifestSha256 ? { expectedManifestSha256 } : {}),
  });

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
    const r = await verifyPackage({
      packageDir: copy,
      ffprobePath: 'ffprobe',
      mode: 'write',
      info,
      onProgress: (d) => progress.push(d),
    });
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
    const job = await packageOnly(master, join(dir, 'tail'));
    const audio = await readFile(join(job.packageDir!, 'audio', 'aac-und', 'index.m3u8'), 'utf8');
    const durations = [...audio.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
    expect(durations.at(-1)).toBeLessThan(0.05);
    const r = await check(job.packageDir!, job.verified!.manifestSha256);
    expect(r.problems).toEqual([]);
  });
});

describe('verify: planted faults are named precisely', () => {
  const cases: Array<[string, (d: string) => Promise<unknown>, string, PackageProblemCode[]]> = [
    [
      'a segment truncated by half',
      async (d) =>
        truncate(join(d, '360p/seg_00001.m4s'), Math.floor((await stat(join(d, '360p/seg_00001.m4s'))).size / 2)),
      '360p/seg_00001.m4s',
      ['frames-missing', 'undecodable'],
    ],
    [
      'the last 1 KiB cut from a segment',
      async (d) => truncate(join(d, '180p/seg_00002.m4s'), (await stat(join(d, '180p/seg_00002.m4s'))).size - 1024),
      '180p/seg_00002.m4s',
      ['frames-missing', 'decode-error'],
    ],
    ['a zero-length segment', (d) => truncate(join(d, '180p/seg_00000.m4s'), 0), '180p/seg_00000.m4s', ['empty']],
    ['a missing segment', (d) => unlink(join(d, '360p/seg_00002.m4s')), '360p/seg_00002.m4s', ['missing']],
    ['a missing init segment', (d) => unlink(join(d, 'audio/aac-und/init.mp4')), 'audio/aac-und/init.mp4', ['missing']],
    [
      'a playlist referencing a file that does not exist',
      async (d) => {
        for (const p of [join(d, '360p/index.m3u8'), join(d, '360p/iframes.m3u8')])
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
        for (const p of [join(d, '360p/index.m3u8'), join(d, '360p/iframes.m3u8')])
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
    expect(r.problems.filter((p) => p.problem === 'hash-mismatch')).toEqual([
      expect.objectContaining({ file: '360p/seg_00001.m4s' }),
    ]);
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
    expect((await check(copy)).problems).toContainEqual(
      expect.objectContaining({ file: MANIFEST_FILE, problem: 'manifest-invalid' }),
    );
  });
});

describe('the streamed verify refuses a bad chunk, and a retry encodes just that set again', () => {
  it('a chunk damaged before verify fails the title there, names the file, sends nothing of its set; retry delivers it whole', async () => {
    const work = join(dir, 'refuse-work');
    await seedJobAtVerify({
      workDir: work,
      id: 'jrefuse',
      title: 'Refuse',
      from: made,
      damage: (p) => truncate(join(p, '180p', 'seg_00001.m4s'), 0),
    });
    const config = stationConfigSchema.parse({
      destinations: { o: { type: 'folder', path: join(dir, 'refuse-origin') } },
      origin: 'o',
      workDir: work,
      segmentSeconds: 2,
      profile: 'preview',
    });
    const station = await openStation({ config, baseDir: dir });
    try {
      const failed = await station.queue.waitFor('jrefuse');
      expect(failed.state).toBe('failed');
      expect(failed.error!.stage).toBe('verify');
      expect(failed.error!.message).toMatch(
        /^180p\/seg_00001\.m4s failed verification: empty — file is 0 bytes \(retry encodes this segment set again\)/,
      );
      expect(failed.error!.problems).toEqual([
        { file: '180p/seg_00001.m4s', problem: 'empty', detail: 'file is 0 bytes' },
      ]);
      // The bad chunk never reached the origin, and no playlist did: the origin names no chunk it
      // lacks. Chunks proven before it stay in the title's pending version for the retry.
      const left = (await readdir(join(dir, 'refuse-origin'), { recursive: true })).map(String);
      expect(left.filter((f) => f.endsWith('180p/seg_00001.m4s') || f.endsWith('.m3u8'))).toEqual([]);
      expect(left.filter((f) => f.endsWith('.m4s')).length).toBeGreaterThan(0);

      await station.queue.retry('jrefuse');
      const done = await station.queue.waitFor('jrefuse');
      expect(done.state, done.error?.message).toBe('done');
      // Only the rejected set was encoded again: the journal shows one more publication of set 1, no other.
      const journal = (await readFile(join(work, 'jobs', 'jrefuse', 'chunks.jsonl'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { t: string; set?: number });
      const published = journal.filter((r) => r.t === 'published').map((r) => r.set);
      expect(published.filter((s) => s === 1)).toHaveLength(2);
      expect(published.filter((s) => s === 0)).toHaveLength(1);
      expect(published.filter((s) => s === 2)).toHaveLength(1);
      expect(done.audits?.at(-1)?.problems ?? []).toEqual([]);
      const v = await verifyPackage({
        packageDir: join(work, 'jobs', 'jrefuse', 'package'),
        ffprobePath: 'ffprobe',
        mode: 'check',
        expectedManifestSha256: done.verified!.manifestSha256,
      });
      expect(v.problems).toEqual([]);
    } finally {
      await station.close();
    }
  });
});
