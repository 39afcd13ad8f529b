/**
 * The ransomware drill, on a real radosgw. A title is delivered with the least-privilege keys the
 * README documents (docs/policies/*.json, given to a second radosgw user): the origin's, and the
 * archive's — no delete right at all — to a COMPLIANCE-locked archive. Then, with those same
 * stolen keys, the attacker destroys every object and version at the origin and tries to delete
 * every archive version; the workstation's package is gone too. One `audit <manifest> --repair`
 * puts the origin back byte-identical from the archive. Not one archive version was deletable.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeMaster } from '../helpers/masters';
import { freshBucket, keyWithDocumentedPolicy, listKeys } from '../helpers/s3';
import { runCli } from '../helpers/cli';
import { tempDir, testStation } from '../helpers/station';
import { createS3Client } from '../../electron/engine/destinations/s3';
import type { S3DestinationConfig } from '../../electron/common/config';
import type { Manifest } from '../../electron/common/manifest';

let dir: string;
let origin: Awaited<ReturnType<typeof freshBucket>>;
let archive: Awaited<ReturnType<typeof freshBucket>>;
let originCfg: S3DestinationConfig;
let archiveCfg: S3DestinationConfig;
/** The station's keys: on radosgw an object belongs to the user who wrote it, so the checks read with them. */
let asOrigin: S3Client;
let asArchive: S3Client;

async function body(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function versions(client: S3Client, bucket: string) {
  const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return [
    ...(out.Versions ?? []).map((v) => ({ key: v.Key!, id: v.VersionId! })),
    ...(out.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, id: m.VersionId! })),
  ];
}

const attempt = async (fn: () => Promise<unknown>): Promise<'done' | string> =>
  fn().then(
    () => 'done',
    (err: Error) => err.name,
  );

beforeAll(async () => {
  dir = await tempDir('ingest-drill-');
  const endpoint = inject('s3Endpoint');
  origin = await freshBucket(endpoint, 'titles', {}, { versioned: true });
  archive = await freshBucket(endpoint, '', {}, { objectLock: true });
  const originKey = await keyWithDocumentedPolicy(inject('s3Dir'), origin.client, origin.cfg.bucket, 'origin');
  const archiveKey = await keyWithDocumentedPolicy(inject('s3Dir'), archive.client, archive.cfg.bucket, 'archive');
  originCfg = { ...origin.cfg, ...originKey };
  archiveCfg = { ...archive.cfg, ...archiveKey, objectLock: { mode: 'COMPLIANCE', days: 1 } };
  asOrigin = createS3Client(originCfg);
  asArchive = createS3Client(archiveCfg);
});
afterAll(async () => {
  asOrigin?.destroy();
  asArchive?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('ransomware drill', () => {
  it('a delete-less key on a locked archive: every origin object destroyed with the stolen keys, one audit --repair puts it back byte-identical', async () => {
    const film = join(dir, 'masters', 'Drill Film.mov');
    await mkdir(join(dir, 'masters'), { recursive: true });
    await copyFile(await makeMaster({ seconds: 4 }), film);
    const work = join(dir, 'station');
    const station = await testStation(work, originCfg, archiveCfg, { retireGraceHours: 0 });
    let packageDir: string;
    let version: string;
    try {
      const [j] = await station.queue.add([film], { [film]: { titleId: 'drill' } });
      const done = await station.queue.waitFor(j!.id);
      expect(done.state, done.error?.message).toBe('done');
      packageDir = station.queue.get(j!.id)!.packageDir!;
      version = done.claim!.version;
    } finally {
      await station.close();
    }
    // What the origin held, byte for byte; and every archive object under COMPLIANCE retention.
    const delivered = new Map<string, string>();
    for (const key of await listKeys(asOrigin, origin.cfg.bucket, 'titles/drill/'))
      delivered.set(
        key,
        createHash('sha256')
          .update(await body(asOrigin, origin.cfg.bucket, key))
          .digest('hex'),
      );
    const archived = await listKeys(asArchive, archive.cfg.bucket, 'drill/');
    expect(archived).toEqual([
      'drill/title.json',
      `drill/${version}/package.tar`,
      `drill/${version}/source/Drill Film.mov`,
    ]);
    for (const key of archived) {
      const head = await asArchive.send(new HeadObjectCommand({ Bucket: archive.cfg.bucket, Key: key }));
      expect(head.ObjectLockMode, key).toBe('COMPLIANCE');
    }

    // The workstation loses its package (the operator kept the manifest, as the report says).
    const kept = join(dir, 'kept', 'manifest.json');
    await mkdir(join(dir, 'kept'), { recursive: true });
    await copyFile(join(packageDir, 'manifest.json'), kept);
    await rm(packageDir, { recursive: true, force: true });

    // The attacker, with the station's own keys.
    const stolenOrigin = createS3Client(originCfg);
    const stolenArchive = createS3Client(archiveCfg);
    for (const v of await versions(stolenOrigin, originCfg.bucket))
      await stolenOrigin.send(new DeleteObjectCommand({ Bucket: originCfg.bucket, Key: v.key, VersionId: v.id }));
    expect(await listKeys(asOrigin, origin.cfg.bucket)).toEqual([]);
    const archiveVersions = await versions(stolenArchive, archiveCfg.bucket);
    expect(archiveVersions.length).toBeGreaterThanOrEqual(3);
    const outcomes: string[] = [];
    for (const v of archiveVersions) {
      const deleteVersion = await attempt(() =>
        stolenArchive.send(new DeleteObjectCommand({ Bucket: archiveCfg.bucket, Key: v.key, VersionId: v.id })),
      );
      const hide = await attempt(() =>
        stolenArchive.send(new DeleteObjectCommand({ Bucket: archiveCfg.bucket, Key: v.key })),
      );
      outcomes.push(`${v.key} ${v.id}: delete version ${deleteVersion}, delete marker ${hide}`);
      // The title's copies are under COMPLIANCE: their retention cannot be cut short either.
      if (v.key.startsWith('drill/'))
        outcomes.push(
          `${v.key} ${v.id}: shorten retention ${await attempt(() =>
            stolenArchive.send(
              new PutObjectRetentionCommand({
                Bucket: archiveCfg.bucket,
                Key: v.key,
                VersionId: v.id,
                Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 60_000) },
                BypassGovernanceRetention: true,
              }),
            ),
          )}`,
        );
    }
    outcomes.push(
      `bucket policy ${await attempt(() =>
        stolenArchive.send(
          new PutBucketPolicyCommand({ Bucket: archiveCfg.bucket, Policy: '{"Version":"2012-10-17","Statement":[]}' }),
        ),
      )}`,
    );
    console.log(
      `ransomware drill: ${archiveVersions.length} archive versions, ${outcomes.length} attacks, none went through`,
    );
    expect(outcomes.filter((o) => o.includes(' done'))).toEqual([]);
    expect((await versions(asArchive, archive.cfg.bucket)).map((v) => v.id).sort()).toEqual(
      archiveVersions.map((v) => v.id).sort(),
    );
    stolenOrigin.destroy();
    stolenArchive.destroy();

    // One audit, from the kept manifest: the origin comes back from the archive.
    const config = join(dir, 'station.json');
    await writeFile(
      config,
      JSON.stringify({
        destinations: { origin: originCfg, archive: archiveCfg },
        origin: 'origin',
        archive: 'archive',
        workDir: join(work, 'work'),
        retireGraceHours: 0,
      }),
    );
    const r = await runCli(['audit', kept, '--dest', 'origin', '--config', config, '--repair']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/after repair from the archive tar \(\d+ re-uploaded, 0 deleted\) — .* 0 problem\(s\)/);
    const manifest = JSON.parse(await readFile(kept, 'utf8')) as Manifest;
    for (const f of manifest.files) {
      const key = `titles/drill/${version}/${f.path}`;
      expect(delivered.get(key), key).toBe(f.sha256);
      expect(
        createHash('sha256')
          .update(await body(asOrigin, origin.cfg.bucket, key))
          .digest('hex'),
        key,
      ).toBe(f.sha256);
    }
    // The package files, the manifest and the public entry points come back byte-identical; the claim names the same live version.
    for (const [key, sha] of delivered) {
      if (key.endsWith('title.json')) continue;
      expect(
        createHash('sha256')
          .update(await body(asOrigin, origin.cfg.bucket, key))
          .digest('hex'),
        key,
      ).toBe(sha);
    }
    const claim = JSON.parse((await body(asOrigin, origin.cfg.bucket, 'titles/drill/title.json')).toString()) as {
      current: { version: string; master: Record<string, unknown> };
    };
    expect(claim.current.version).toBe(version);
    expect(claim.current.master).not.toHaveProperty('path');
    expect(await listKeys(asOrigin, origin.cfg.bucket, 'titles/drill/')).toEqual([...delivered.keys()].sort());
  });

  it('audit --dest archive --extend-retention: each copy’s retention reported, and extended where less than half its term is left', async () => {
    const config = join(dir, 'extend.json');
    // Asking three days now: the one-day retention written at delivery has less than half of it left.
    await writeFile(
      config,
      JSON.stringify({
        destinations: { origin: originCfg, archive: { ...archiveCfg, objectLock: { mode: 'COMPLIANCE', days: 3 } } },
        origin: 'origin',
        archive: 'archive',
        workDir: join(dir, 'extend-work'),
      }),
    );
    const before = await runCli(['audit', '--dest', 'archive', '--config', config]);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/drill\/title\.json: COMPLIANCE until \d{4}-/);
    expect(before.stderr).toMatch(
      /retention — COMPLIANCE retention until .* less than half of the 3 days asked are left/,
    );
    const r = await runCli(['audit', '--dest', 'archive', '--config', config, '--extend-retention']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/retention at .*: 1 titles, 3 copies, 3 extended, 0 problem\(s\)/);
    for (const key of await listKeys(asArchive, archive.cfg.bucket, 'drill/')) {
      const head = await asArchive.send(new HeadObjectCommand({ Bucket: archive.cfg.bucket, Key: key }));
      expect(head.ObjectLockRetainUntilDate!.getTime(), key).toBeGreaterThan(Date.now() + 2.9 * 86_400_000);
    }
  });
});
