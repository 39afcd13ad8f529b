/**
 * One generated master through every stage on real components: ffprobe, one ffmpeg process,
 * verify + manifest, upload to a real radosgw (and to a folder), then every object read back and
 * compared byte for byte with the local package. The source master must come out untouched.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { Manifest } from '../../electron/common/manifest';
import { hashFile } from '../../electron/engine/util/hash-file';
import { uploadPackage } from '../../electron/engine/delivery/deliver';
import { readClaim } from '../../electron/engine/title/claim';
import { makeMaster } from '../helpers/masters';
import { freshBucket } from '../helpers/s3';
import { tempDir, testStation } from '../helpers/station';

let master: string;
let dir: string;

beforeAll(async () => {
  master = await makeMaster({ seconds: 7 });
  dir = await tempDir();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readManifest(packageDir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(packageDir, 'manifest.json'), 'utf8')) as Manifest;
}

describe('pipeline on real components', () => {
  it('ingests to radosgw: every object byte-identical, playlists present, archive in DEEP_ARCHIVE', async () => {
    const endpoint = inject('s3Endpoint');
    const origin = await freshBucket(endpoint, 'titles');
    const archive = await freshBucket(endpoint);
    const before = await hashFile(master);
    const beforeStat = await stat(master);
    const station = await testStation(join(dir, 's3'), origin.cfg, { ...archive.cfg, storageClass: 'DEEP_ARCHIVE' });
    try {
      const [job] = await station.queue.add([master]);
      const done = await station.queue.waitFor(job!.id);
      expect(done.error).toBeUndefined();
      expect(done.state).toBe('done');
      expect(Object.values(done.stages).map((s) => s.state)).toEqual([
        'done',
        'done',
        'done',
        'done',
        'done',
        'done',
        'done',
        'done',
        'done',
        'done',
      ]);

      const packageDir = done.packageDir!;
      const manifest = await readManifest(packageDir);
      // master, 2 media playlists + audio playlist, 3 init segments, segments for 7 s at 2 s each
      expect(manifest.files.filter((f) => f.kind === 'master-playlist')).toHaveLength(1);
      expect(manifest.files.filter((f) => f.kind === 'media-playlist')).toHaveLength(3);
      expect(manifest.files.filter((f) => f.kind === 'init-segment')).toHaveLength(3);
      expect(manifest.files.filter((f) => f.kind === 'segment' && f.rendition === '360p')).toHaveLength(4);

      const listed = await origin.client.send(new ListObjectsV2Command({ Bucket: origin.cfg.bucket }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
      // The title owns <titleId>/: its claim, the public entry point, and the version folder.
      const { titleId, version } = done.claim!;
      expect(titleId).toBe(manifest.titleId);
      expect(keys).toEqual(
        [
          ...manifest.files.map((f) => `titles/${titleId}/${version}/${f.path}`),
          `titles/${titleId}/${version}/manifest.json`,
          `titles/${titleId}/master.m3u8`,
          `titles/${titleId}/title.json`,
        ].sort(),
      );

      const dest = station.origin;
      for (const f of [...manifest.files, { path: 'manifest.json' }]) {
        const remote = Buffer.from(await dest.read(`${titleId}/${version}/${f.path}`));
        const local = await readFile(join(packageDir, f.path));
        expect(remote.equals(local), `${f.path} differs at the origin`).toBe(true);
      }
      // The public master playlist is the version's, every reference moved under the version.
      const entry = Buffer.from(await dest.read(`${titleId}/master.m3u8`)).toString('utf8');
      const own = await readFile(join(packageDir, 'master.m3u8'), 'utf8');
      expect(entry).toBe(
        own
          .split('\n')
          .map((l) =>
            l && !l.startsWith('#') ? `${version}/${l}` : l.replace(/URI="([^"]+)"/g, `URI="${version}/$1"`),
          )
          .join('\n'),
      );
      const claim = (await readClaim(dest, titleId))!.claim;
      expect(claim.current).toMatchObject({
        version,
        jobId: job!.id,
        master: { name: master.split('/').pop(), size: before.size },
      });
      expect(claim.pending).toBeUndefined();

      const report = station.queue.get(job!.id)!.report!;
      // Every package file, the version's manifest, the public master playlist and the claim.
      expect(report.uploads.filter((u) => u.destination === 'origin')).toHaveLength(manifest.files.length + 3);
      const archived = report.uploads.find((u) => u.destination === 'archive' && u.key.includes('/source/'))!;
      expect(archived.md5).toBe(before.md5);
      const head = await archive.client.send(new HeadObjectCommand({ Bucket: archive.cfg.bucket, Key: archived.key }));
      expect(head.StorageClass).toBe('DEEP_ARCHIVE');
      expect(head.ContentLength).toBe(before.size);
      expect(Buffer.from(await station.archive!.read(archived.key)).equals(await readFile(master))).toBe(true);
      // The package went to the archive as one deterministic tar: it extracts to exactly the package.
      const tarUpload = report.uploads.find((u) => u.destination === 'archive' && u.key.endsWith('/package.tar'))!;
      const tarHead = await archive.client.send(
        new HeadObjectCommand({ Bucket: archive.cfg.bucket, Key: tarUpload.key }),
      );
      expect(tarHead.StorageClass).toBe('DEEP_ARCHIVE');
      expect(tarUpload.key).toBe(`${titleId}/${version}/package.tar`);
      expect(archived.key).toBe(`${titleId}/${version}/source/${master.split('/').pop()}`);
      const tarFile = join(dir, 'archive.tar');
      await writeFile(tarFile, await station.archive!.read(tarUpload.key));
      await mkdir(join(dir, 'untar'), { recursive: true });
      await promisify(execFile)('tar', ['-xf', tarFile, '-C', join(dir, 'untar')]);
      for (const f of [...manifest.files, { path: 'manifest.json' }]) {
        expect(
          (await readFile(join(dir, 'untar', titleId, f.path))).equals(await readFile(join(packageDir, f.path))),
          `tar: ${f.path}`,
        ).toBe(true);
      }
      const dangling = await origin.client.send(new ListMultipartUploadsCommand({ Bucket: origin.cfg.bucket }));
      expect(dangling.Uploads ?? []).toHaveLength(0);
    } finally {
      await station.close();
    }
    // The source master is never modified.
    expect(await hashFile(master)).toEqual(before);
    expect((await stat(master)).mtimeMs).toBe(beforeStat.mtimeMs);
  });

  it('uploading a package again skips every object already at the origin with the same size and MD5', async () => {
    const origin = await freshBucket(inject('s3Endpoint'));
    const station = await testStation(join(dir, 's3-rerun'), origin.cfg);
    try {
      const first = await station.queue.waitFor((await station.queue.add([master]))[0]!.id);
      expect(first.state).toBe('done');
      expect(station.queue.get(first.id)!.uploads.every((u) => !u.skipped)).toBe(true);
      const said: string[] = [];
      const again = await uploadPackage({
        destination: station.origin,
        packageDir: first.packageDir!,
        manifest: await readManifest(first.packageDir!),
        keyPrefix: `${first.claim!.titleId}/${first.claim!.version}`,
        onProgress: (p) => said.push(p.detail ?? ''),
      });
      expect(again.length).toBeGreaterThan(10);
      expect(again.filter((u) => !u.skipped).map((u) => u.key)).toEqual([]);
      // The pass says what it does: it confirms what is there, it neither sends nor resumes anything.
      expect(said.at(-1)).toMatch(
        new RegExp(`^confirming delivered files: ${again.length} of ${again.length} already at the store · `),
      );
      expect(said.filter((d) => /sending|resumed/.test(d))).toEqual([]);
    } finally {
      await station.close();
    }
  });

  it('ingests to a folder destination: every file byte-identical', async () => {
    const station = await testStation(join(dir, 'folder'), { type: 'folder', path: join(dir, 'folder-origin') });
    try {
      const [job] = await station.queue.add([master]);
      const done = await station.queue.waitFor(job!.id);
      expect(done.state).toBe('done');
      const manifest = await readManifest(done.packageDir!);
      const { titleId, version } = done.claim!;
      for (const f of [...manifest.files, { path: 'manifest.json' }]) {
        const remote = await readFile(join(dir, 'folder-origin', titleId, version, f.path));
        expect(remote.equals(await readFile(join(done.packageDir!, f.path))), f.path).toBe(true);
      }
      const listed: string[] = [];
      for await (const o of station.origin.list(titleId + '/')) listed.push(o.key);
      expect(listed.sort()).toEqual(
        [
          ...manifest.files.map((f) => `${titleId}/${version}/${f.path}`),
          `${titleId}/${version}/manifest.json`,
          `${titleId}/master.m3u8`,
          `${titleId}/title.json`,
        ].sort(),
      );
    } finally {
      await station.close();
    }
  });
});
