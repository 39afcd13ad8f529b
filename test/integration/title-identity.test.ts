/**
 * Title identity on a real radosgw: four masters whose names collided under the old ASCII slug
 * (東京物語.mov and Крёстный отец.mov both became "untitled", two suppliers' master.mov both became
 * "master") get four prefixes, each audits clean after all four are delivered; a corrected
 * re-delivery replaces one while a lister watches the origin — at no instant does a playlist there
 * name a chunk the origin lacks; a different master under a taken ID stops with a sentence naming
 * both masters and touches nothing; the same master again is recognised as delivered.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { makeMaster } from '../helpers/masters';
import { freshBucket } from '../helpers/s3';
import { tempDir, testStation } from '../helpers/station';
import type { Station } from '../../electron/engine/station';
import { readClaim } from '../../electron/engine/title/claim';
import { auditJob } from '../../electron/engine/audit/job-audit';
import type { JobSnapshot } from '../../electron/common/jobs';

let dir: string;
let origin: Awaited<ReturnType<typeof freshBucket>>;
let archive: Awaited<ReturnType<typeof freshBucket>>;
let station: Station;
const masters: Record<string, string> = {};
const jobs: Record<string, JobSnapshot> = {};

const open = (name: string, extra: Record<string, unknown> = {}) =>
  testStation(join(dir, name), origin.cfg, archive.cfg, { retireGraceHours: 0, ...extra });

async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

const exists = (client: S3Client, bucket: string, key: string) =>
  client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  dir = await tempDir('ingest-identity-');
  origin = await freshBucket(inject('s3Endpoint'), 'titles');
  archive = await freshBucket(inject('s3Endpoint'), '', { storageClass: 'DEEP_ARCHIVE' });
  const specs: Array<[string, string, number]> = [
    ['東京物語.mov', 'jp', 3],
    ['Крёстный отец.mov', 'ru', 4],
    ['master.mov', 'supplier-a', 5],
    ['master.mov', 'supplier-b', 6],
  ];
  for (const [name, folder, seconds] of specs) {
    await mkdir(join(dir, folder), { recursive: true });
    const path = join(dir, folder, name);
    await copyFile(await makeMaster({ seconds }), path);
    masters[`${folder}/${name}`] = path;
  }
  station = await open('station-1');
  const added = await station.queue.add(Object.values(masters));
  for (const [i, j] of added.entries()) jobs[Object.keys(masters)[i]!] = await station.queue.waitFor(j.id);
}, 240_000);

afterAll(async () => {
  await station?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a title ID that cannot collide', () => {
  it('four masters, four prefixes: Unicode kept, the second master.mov told apart by its fingerprint', async () => {
    for (const [k, j] of Object.entries(jobs)) expect(j.state, `${k}: ${j.error?.message}`).toBe('done');
    const ids = Object.fromEntries(Object.entries(jobs).map(([k, j]) => [k, j.claim!.titleId]));
    expect(ids['jp/東京物語.mov']).toBe('東京物語');
    expect(ids['ru/Крёстный отец.mov']).toBe('крёстный-отец');
    expect(new Set(Object.values(ids)).size).toBe(4);
    const masterIds = [ids['supplier-a/master.mov'], ids['supplier-b/master.mov']].sort();
    expect(masterIds[0]).toBe('master');
    expect(masterIds[1]).toMatch(/^master-[0-9a-f]{8}$/);
    const prefixes = new Set((await listKeys(origin.client, origin.cfg.bucket, 'titles/')).map((k) => k.split('/')[1]));
    expect([...prefixes].sort()).toEqual(Object.values(ids).sort());
    // Each claim names its own master, at the origin (by name and fingerprint only: it is public)
    // and the archive (which keeps where it was read from).
    for (const [k, j] of Object.entries(jobs)) {
      const atOrigin = (await readClaim(station.origin, j.claim!.titleId))!.claim.current!.master;
      const atArchive = (await readClaim(station.archive!, j.claim!.titleId))!.claim.current!.master;
      expect(atArchive.path, k).toBe(masters[k]);
      expect(atOrigin, k).toEqual({
        name: atArchive.name,
        size: atArchive.size,
        headTailSha256: atArchive.headTailSha256,
      });
    }
  });

  it('every title audits clean after all four are delivered (the audit deleted nothing of another title)', async () => {
    for (const [k, j] of Object.entries(jobs)) {
      const records = await auditJob(station.queue.get(j.id)!, station.auditContext, { repair: true });
      expect(
        records.map((r) => [r.destination, r.problems.length]),
        k,
      ).toEqual([
        ['origin', 0],
        ['archive', 0],
      ]);
      expect(
        records.every((r) => !r.repaired),
        k,
      ).toBe(true);
    }
  });

  it('the same master again is recognised as delivered: same title ID, nothing transcoded or sent', async () => {
    const again = await open('station-same');
    try {
      const [j] = await again.queue.add([masters['supplier-b/master.mov']!]);
      const done = await again.queue.waitFor(j!.id);
      expect(done.state, done.error?.message).toBe('done');
      expect(done.claim!.titleId).toBe(jobs['supplier-b/master.mov']!.claim!.titleId);
      expect(Object.values(done.claim!.destinations).map((d) => d.mode)).toEqual(['delivered', 'delivered']);
      expect([
        done.stages.transcode.state,
        done.stages.verify.state,
        done.stages.uploadOrigin.state,
        done.stages.uploadArchive.state,
      ]).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
      expect(done.audits!.map((a) => a.problems.length)).toEqual([0, 0]);
    } finally {
      await again.close();
    }
  });
});

describe('a different master under a taken ID', () => {
  it('stops at the claim with a sentence naming both masters, and changes nothing at the stores', async () => {
    const intruder = join(dir, 'other', 'Другой.mov');
    await mkdir(join(dir, 'other'), { recursive: true });
    await copyFile(await makeMaster({ seconds: 3, fps: 25 }), intruder);
    const before = await listKeys(origin.client, origin.cfg.bucket, 'titles/крёстный-отец/');
    const s = await open('station-intruder');
    try {
      const [j] = await s.queue.add([intruder], { [intruder]: { titleId: 'крёстный-отец' } });
      const done = await s.queue.waitFor(j!.id);
      expect(done.state).toBe('failed');
      expect(done.error!.stage).toBe('claim');
      expect(done.error!.message).toMatch(
        /^"крёстный-отец" at origin is live with Крёстный отец\.mov \([\d.]+ [KM]B\), delivered \d{4}-\d\d-\d\d; this title's master is Другой\.mov \([\d.]+ [KM]B\)\. "крёстный-отец" at archive is live with Крёстный отец\.mov \(.*\/ru\/Крёстный отец\.mov.*\), delivered \d{4}-\d\d-\d\d; this title's master is Другой\.mov \(.*\/other\/Другой\.mov.*\)\. .*Replace/,
      );
      expect(done.stages.transcode.state).toBe('pending');
    } finally {
      await s.close();
    }
    expect(await listKeys(origin.client, origin.cfg.bucket, 'titles/крёстный-отец/')).toEqual(before);
  });
});

describe('replacement without a broken moment', () => {
  it('a corrected re-delivery goes in beside the live version, the playlists switch, the old version goes; a lister never sees a broken playlist', async () => {
    const corrected = join(dir, 'jp', '東京物語 (corrected).mov');
    await copyFile(await makeMaster({ seconds: 4, fps: 25 }), corrected);
    const old = jobs['jp/東京物語.mov']!;
    const prefix = 'titles/東京物語/';
    const { client } = origin;
    const bucket = origin.cfg.bucket;

    // The lister: every playlist present at the origin must have every object it names present.
    let stop = false;
    let samples = 0;
    let sawBoth = 0;
    const broken: string[] = [];
    const lister = (async () => {
      while (!stop) {
        const keys = await listKeys(client, bucket, prefix);
        const listed = new Set(keys);
        samples++;
        if (new Set(keys.map((k) => k.split('/')[2]).filter((v) => v?.startsWith('v'))).size >= 2) sawBoth++;
        for (const key of keys.filter((k) => k.endsWith('.m3u8'))) {
          let text: string;
          try {
            text = await (
              await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
            ).Body!.transformToString();
          } catch {
            continue; // removed after the listing (the old version going): it no longer names anything
          }
          const refs = [...text.matchAll(/URI="([^"]+)"/g)]
            .map((m) => m[1]!)
            .concat(text.split('\n').filter((l) => l.trim() && !l.startsWith('#')));
          for (const ref of refs) {
            const target = posix.normalize(posix.join(posix.dirname(key), ref.trim()));
            if (listed.has(target) || (await exists(client, bucket, target))) continue;
            // Missing now: a violation only while the playlist naming it is still there.
            if (await exists(client, bucket, key)) broken.push(`${key} names ${target}, which the origin lacks`);
          }
        }
      }
    })();

    // Another station, with a slow uplink so the new version's upload takes a while.
    const s = await open('station-fix', { bandwidthLimitMBps: 0.15 });
    let done: JobSnapshot;
    try {
      const [j] = await s.queue.add([corrected], { [corrected]: { titleId: '東京物語', replace: true } });
      done = await s.queue.waitFor(j!.id);
    } finally {
      stop = true;
      await lister;
      await s.close();
    }
    expect(done.state, done.error?.message).toBe('done');
    expect(done.claim!.titleId).toBe('東京物語');
    expect(done.claim!.destinations.origin).toEqual({ mode: 'replace', replaced: old.claim!.version });
    expect(broken).toEqual([]);
    console.log(`replacement watched: ${samples} listings, ${sawBoth} with both versions present`);
    expect(samples).toBeGreaterThan(5);
    expect(sawBoth).toBeGreaterThan(0);

    // Afterwards: only the new version, the entry point and the claim; the old version is gone.
    const keys = await listKeys(client, bucket, prefix);
    expect(keys.filter((k) => k.includes(old.claim!.version))).toEqual([]);
    expect(keys).toContain(`${prefix}master.m3u8`);
    const entry = Buffer.from(await station.origin.read('東京物語/master.m3u8')).toString();
    expect(entry).toContain(`${done.claim!.version}/`);
    const claim = (await readClaim(station.origin, '東京物語'))!.claim;
    expect(claim.current).toMatchObject({ version: done.claim!.version, master: { name: '東京物語 (corrected).mov' } });
    expect((await readClaim(station.archive!, '東京物語'))!.claim.current!.master.path).toBe(corrected);
    expect(claim.retired).toEqual([]);
    // The replaced job's audit says its version is no longer live — and touches nothing.
    const oldAudit = await auditJob(station.queue.get(old.id)!, station.auditContext, { repair: true });
    expect(oldAudit.map((r) => r.problems.map((p) => p.problem))).toEqual([['not-live'], ['not-live']]);
    expect(await listKeys(client, bucket, prefix)).toEqual(keys);
    // The other three titles are untouched and still whole.
    for (const k of ['ru/Крёстный отец.mov', 'supplier-a/master.mov', 'supplier-b/master.mov']) {
      const records = await auditJob(station.queue.get(jobs[k]!.id)!, station.auditContext);
      expect(
        records.map((r) => r.problems.length),
        k,
      ).toEqual([0, 0]);
    }
  });
});
