/**
 * Hostile cases of issue #22 on a real radosgw — what the station believes about a title, and from
 * whom:
 *  2. a retried title keeps its title ID (a failed job run again, a lost jobs.jsonl): the station
 *     recognises its own unfinished delivery and resumes it; what the attempt left is cleaned;
 *  3. repair never deletes on the word of the store it repairs (a replaced manifest.json, a
 *     title.json that calls the live version retired);
 * 10. nothing about the station's machine reaches the origin.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { hostname, homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { makeMaster } from '../helpers/masters';
import { freshBucket, listKeys } from '../helpers/s3';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { tempDir, testStation } from '../helpers/station';
import type { Station } from '../../electron/engine/station';
import type { JobSnapshot } from '../../electron/common/jobs';
import { auditJob } from '../../electron/engine/audit/job-audit';

let dir: string;
let origin: Awaited<ReturnType<typeof freshBucket>>;
let archive: Awaited<ReturnType<typeof freshBucket>>;

beforeAll(async () => {
  dir = await tempDir('ingest-trust-');
  origin = await freshBucket(inject('s3Endpoint'), 'titles');
  archive = await freshBucket(inject('s3Endpoint'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = async (client: S3Client, bucket: string, key: string): Promise<string> =>
  (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

async function master(name: string, seconds: number, fps = 24): Promise<string> {
  const path = join(dir, 'masters', name);
  await mkdir(dirname(path), { recursive: true });
  await copyFile(await makeMaster({ seconds, fps }), path);
  return path;
}

/** An archive behind a proxy that refuses (403) the master's upload while `refuse` is on. */
async function refusingArchive(): Promise<{ proxy: FaultProxy; set(on: boolean): void }> {
  let refuse = true;
  const proxy = await startFaultProxy(
    inject('s3Endpoint'),
    (_n, req) => (refuse && req.method === 'PUT' && /\/source\//.test(req.url ?? '') ? 'forbidden' : undefined),
    1_000,
  );
  return { proxy, set: (on) => void (refuse = on) };
}

describe('#22.2 a retried title keeps its title ID', () => {
  it('failed after its claim (403 at the archive), then run again: delivered as itself, same version, nothing left dangling', async () => {
    // Fails on the old code: the rerun was a new job clashing with the station's own pending
    // claim, and the title was delivered as "film-e-<8 hex>".
    const faulty = await refusingArchive();
    const work = join(dir, 'retry');
    const film = await master('film-e.mov', 3);
    const archiveCfg = { ...archive.cfg, endpoint: faulty.proxy.endpoint };
    let station: Station = await testStation(work, origin.cfg, archiveCfg);
    try {
      const [j] = await station.queue.add([film]);
      const failed = await station.queue.waitFor(j!.id);
      expect(failed.state).toBe('failed');
      expect(failed.error!.message).toMatch(/AccessDenied/);
      const { titleId, version } = failed.claim!;
      expect(titleId).toBe('film-e');
      // What a killed attempt leaves behind: an unfinished multipart upload of the master no journal knows.
      await archive.client.send(
        new CreateMultipartUploadCommand({
          Bucket: archive.cfg.bucket,
          Key: `${titleId}/${version}/source/film-e.mov`,
        }),
      );
      faulty.set(false);
      const [again] = await station.queue.add([film]);
      const done = await station.queue.waitFor(again!.id);
      expect(done.state, done.error?.message).toBe('done');
      expect(done.id).toBe(j!.id);
      expect(done.claim).toMatchObject({ titleId: 'film-e', version });
      expect(station.queue.get(done.id)!.warnings.join('\n')).toMatch(
        /archive: an earlier attempt's unfinished uploads of film-e\/v.*source\/film-e\.mov were aborted/,
      );
      const open = await archive.client.send(new ListMultipartUploadsCommand({ Bucket: archive.cfg.bucket }));
      expect(open.Uploads ?? []).toEqual([]);
      // One prefix only; the library audit finds it whole (no "not-live" leftovers).
      expect(
        new Set((await listKeys(origin.client, origin.cfg.bucket, 'titles/')).map((k) => k.split('/')[1])),
      ).toEqual(new Set(['film-e']));
      const lib = await station.library.run({ repair: false });
      expect(lib.problems).toEqual([]);
      await station.close();

      // The same station with its jobs.jsonl lost: another master fails the same way...
      faulty.set(true);
      station = await testStation(work, origin.cfg, archiveCfg);
      const film2 = await master('film-c.mov', 3, 25);
      const [k] = await station.queue.add([film2]);
      const failed2 = await station.queue.waitFor(k!.id);
      expect(failed2.state).toBe('failed');
      await station.close();
      await rm(join(work, 'work', 'jobs.jsonl'));
      faulty.set(false);
      // ...and is run again, this time with its ID set by hand: the station knows its own delivery.
      station = await testStation(work, origin.cfg, archiveCfg);
      const [m] = await station.queue.add([film2], { [film2]: { titleId: 'film-c' } });
      const done2: JobSnapshot = await station.queue.waitFor(m!.id);
      expect(done2.state, done2.error?.message).toBe('done');
      expect(done2.id).not.toBe(k!.id);
      expect(done2.claim).toMatchObject({ titleId: 'film-c', version: failed2.claim!.version });
      expect(station.queue.get(done2.id)!.warnings.join('\n')).toContain(
        `resumed the delivery of "film-c" (${failed2.claim!.version}) that job ${k!.id} of this station left unfinished at origin`,
      );
    } finally {
      await station.close();
      await faulty.proxy.close();
    }
  });
});

describe('#22.3 and #22.10: one delivered title', () => {
  let station: Station;
  let job: JobSnapshot;
  let film: string;
  beforeAll(async () => {
    film = await master('trusted.mov', 4);
    station = await testStation(join(dir, 'trust'), origin.cfg, archive.cfg, { retireGraceHours: 0 });
    const [j] = await station.queue.add([film], { [film]: { titleId: 'trusted' } });
    job = await station.queue.waitFor(j!.id);
    expect(job.state, job.error?.message).toBe('done');
  }, 120_000);
  afterAll(async () => station?.close());

  const versionKeys = async () => listKeys(origin.client, origin.cfg.bucket, `titles/trusted/${job.claim!.version}/`);

  it('#22.10 nothing about the station’s machine is in anything at the origin; the archive keeps where the master came from', async () => {
    // Fails on the old code: manifest.json carried source.path, title.json the path and the host name.
    const secrets = [dirname(film), film, hostname(), homedir()];
    const user = userInfo().username;
    const texts = (await listKeys(origin.client, origin.cfg.bucket, 'titles/trusted/')).filter((k) =>
      /\.(json|m3u8|mpd|vtt)$/.test(k),
    );
    expect(texts.length).toBeGreaterThan(5);
    for (const key of texts) {
      const body = await text(origin.client, origin.cfg.bucket, key);
      for (const s of secrets) expect(body.includes(s), `${key} names ${s}`).toBe(false);
      expect(new RegExp(`\\b${user}\\b`).test(body), `${key} names the user ${user}`).toBe(false);
    }
    const manifest = JSON.parse(
      await text(origin.client, origin.cfg.bucket, `titles/trusted/${job.claim!.version}/manifest.json`),
    ) as {
      source: Record<string, unknown>;
    };
    expect(manifest.source.name).toBe('trusted.mov');
    expect(manifest.source).not.toHaveProperty('path');
    const kept = JSON.parse(await text(archive.client, archive.cfg.bucket, 'trusted/title.json')) as {
      current: { master: { path: string; station: string } };
    };
    expect(kept.current.master.path).toBe(film);
  });

  it('#22.3 a manifest.json replaced at the origin by one that lists only master.m3u8: nothing deleted, the disagreement reported, the real one put back', async () => {
    // Fails on the old code: the library repair deleted all chunks and media playlists and said "proven whole".
    const before = await versionKeys();
    const manifestKey = `titles/trusted/${job.claim!.version}/manifest.json`;
    const real = await text(origin.client, origin.cfg.bucket, manifestKey);
    const fake = JSON.parse(real) as { files: { path: string }[] };
    fake.files = fake.files.filter((f) => f.path === 'master.m3u8');
    await origin.client.send(
      new PutObjectCommand({ Bucket: origin.cfg.bucket, Key: manifestKey, Body: JSON.stringify(fake, null, 2) + '\n' }),
    );
    const lib = await station.library.run({ repair: true });
    const entry = lib.problems.find((t) => t.titleId === 'trusted');
    expect(entry?.problems.map((p) => p.problem)).toContain('manifest-disagrees');
    expect(entry!.problems.find((p) => p.problem === 'manifest-disagrees')!.detail).toMatch(
      /the manifest at origin .* disagrees with the manifest SHA-256 the claim at archive recorded .*: the archive's copy is used and put back/,
    );
    expect(await versionKeys()).toEqual(before);
    expect(await text(origin.client, origin.cfg.bucket, manifestKey)).toBe(real);
    // The next run, with nothing wrong, proves it whole.
    expect((await station.library.run({ repair: true })).problems).toEqual([]);
  });

  it('#22.3 a title.json edited to call the live version retired: the live version untouched, the claim reported', async () => {
    // Fails on the old code: the repair swept the "retired" live version away (every object of it).
    const before = await versionKeys();
    const claimText = await text(origin.client, origin.cfg.bucket, 'titles/trusted/title.json');
    const claim = JSON.parse(claimText) as { current: Record<string, unknown>; retired: unknown[] };
    claim.retired.push({ ...claim.current, retiredAt: '2020-01-01T00:00:00.000Z' });
    await origin.client.send(
      new PutObjectCommand({
        Bucket: origin.cfg.bucket,
        Key: 'titles/trusted/title.json',
        Body: JSON.stringify(claim),
      }),
    );
    const lib = await station.library.run({ repair: true });
    const entry = lib.problems.find((t) => t.titleId === 'trusted');
    expect(entry?.problems.map((p) => p.problem)).toEqual(['claim-disagrees']);
    expect(await versionKeys()).toEqual(before);
    // The job's own audit with repair leaves it too.
    const records = await auditJob(station.queue.get(job.id)!, station.auditContext, { repair: true });
    expect(records.map((r) => r.problems.map((p) => p.problem))).toEqual([['claim-disagrees'], []]);
    expect(await versionKeys()).toEqual(before);
    await origin.client.send(
      new PutObjectCommand({ Bucket: origin.cfg.bucket, Key: 'titles/trusted/title.json', Body: claimText }),
    );
  });
});
