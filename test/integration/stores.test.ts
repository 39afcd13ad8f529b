/**
 * Stores as they really are, on a real radosgw: versioned buckets (radosgw 16 ignores
 * If-None-Match and refuses the right If-Match there), an Object-Locked archive, and a stand-in for
 * a store that ignores conditional headers altogether. Conditional writes are probed, not assumed;
 * where they do not hold, a listing decides who claims a title.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeMaster } from '../helpers/masters';
import { freshBucket, listKeys } from '../helpers/s3';
import { startUnconditionalProxy, type UnconditionalProxy } from '../helpers/unconditional-proxy';
import { tempDir, testStation } from '../helpers/station';
import { S3Destination } from '../../electron/engine/destinations/s3';
import type { Destination } from '../../electron/engine/destinations/destination';
import { checkConnection } from '../../electron/engine/destinations/check-connection';
import { claimAt, readClaim, type ClaimVerdict } from '../../electron/engine/title/claim';
import { claimKey, type MasterRef } from '../../electron/common/title';
import { auditJob } from '../../electron/engine/audit/job-audit';
import { abortUploads, attributeUploads, listUploads } from '../../electron/engine/transfer/janitor';
import type { S3DestinationConfig } from '../../electron/common/config';

let dir: string;
let endpoint: string;
const FAST = { attempts: 2, baseMs: 10, maxMs: 50 };

beforeAll(async () => {
  dir = await tempDir('ingest-stores-');
  endpoint = inject('s3Endpoint');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const destination = (cfg: S3DestinationConfig, name = 'origin', stateDir?: string): S3Destination =>
  new S3Destination(name, cfg, { journalDir: join(dir, 'uploads'), retry: FAST, ...(stateDir ? { stateDir } : {}) });

describe('conditional writes are proven, not assumed', () => {
  let proxy: UnconditionalProxy;
  beforeAll(async () => {
    proxy = await startUnconditionalProxy(endpoint);
  });
  afterAll(async () => proxy.close());

  it('an unversioned bucket honours both; a versioned one and a store that ignores the headers do not — and the station says so', async () => {
    const plain = await freshBucket(endpoint, 'films');
    const versioned = await freshBucket(endpoint, 'films', {}, { versioned: true });
    const ignoring = await freshBucket(proxy.endpoint, 'films');
    const facts = async (cfg: S3DestinationConfig) => {
      const d = destination(cfg);
      try {
        return await d.facts();
      } finally {
        d.close();
      }
    };
    expect(await facts(plain.cfg)).toMatchObject({ createOnly: true, compareAndSwap: true, versioned: false });
    const v = await facts(versioned.cfg);
    expect(v).toMatchObject({ createOnly: false, compareAndSwap: false, versioned: true });
    expect(v.findings.join('; ')).toMatch(/If-None-Match: \* was ignored.*If-Match with the current ETag was refused/);
    const stripped = proxy.stripped;
    const i = await facts(ignoring.cfg);
    expect(i).toMatchObject({ createOnly: false, compareAndSwap: false, versioned: false });
    expect(i.findings.join('; ')).toMatch(/If-Match with a wrong ETag was ignored/);
    expect(proxy.stripped - stripped).toBe(4); // every conditional write of the probe met the stand-in
    // The probe leaves nothing behind on a bucket without versions.
    expect(await listKeys(plain.client, plain.cfg.bucket)).toEqual([]);
  });

  it('Test connection probes and says which claim protocol the station will use; the work folder remembers it', async () => {
    const versioned = await freshBucket(endpoint, 'films', {}, { versioned: true });
    const work = join(dir, 'conn-work');
    const r = await checkConnection('origin', versioned.cfg, dir, join(work, 'uploads'), work);
    expect(r.ok, JSON.stringify(r.steps)).toBe(true);
    const step = (name: string) => r.steps.find((s) => s.step === name)?.detail ?? '';
    expect(step('Delete it')).toMatch(/delete marker \(versioned bucket\)/);
    expect(step('Conditional writes')).toMatch(/^Claims by the listing protocol .*If-None-Match: \* was ignored/);
    expect(step('Object Lock')).toMatch(/no Object Lock on this bucket/);
    const remembered = JSON.parse(await readFile(join(work, 'stores.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.values(remembered)).toEqual([expect.objectContaining({ createOnly: false, versioned: true })]);
    // The next destination on that work folder takes the remembered facts: no probe request.
    const again = destination(versioned.cfg, 'origin', work);
    const before = await listKeys(versioned.client, versioned.cfg.bucket);
    expect((await again.facts()).at).toBe((Object.values(remembered)[0] as { at: string }).at);
    expect(await listKeys(versioned.client, versioned.cfg.bucket)).toEqual(before);
    again.close();
  });
});

const master = (n: number): MasterRef => ({ name: `m${n}.mov`, size: 1000 + n, headTailSha256: String(n).repeat(64) });

/** The claim calls of one station, with hooks around its reads and writes of the claim object. */
function gated(
  d: Destination,
  titleId: string,
  hooks: { beforeWrite?: () => Promise<unknown>; afterRead?: () => void },
): Destination {
  return new Proxy(d, {
    get(target, prop, receiver) {
      if (prop === 'writeObject')
        return async (
          key: string,
          ...rest: Parameters<Destination['writeObject']> extends [string, ...infer R] ? R : never
        ) => {
          if (key === claimKey(titleId)) await hooks.beforeWrite?.();
          return target.writeObject(key, ...rest);
        };
      if (prop === 'getObject')
        return async (key: string, signal?: AbortSignal) => {
          const got = await target.getObject(key, signal);
          if (key === claimKey(titleId)) hooks.afterRead?.();
          return got;
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('a store that ignores conditional writes', () => {
  let proxy: UnconditionalProxy;
  beforeAll(async () => {
    proxy = await startUnconditionalProxy(endpoint);
  });
  afterAll(async () => proxy.close());

  it('two stations claiming one title in the interleaving that let both win (both read "free", then both write): exactly one wins', async () => {
    // Fails on the code that assumed conditional writes: A read, B read, A wrote and read its own
    // claim back, B overwrote it and read its own back — both "new", both delivering into one prefix.
    const { cfg, client } = await freshBucket(proxy.endpoint, 'titles');
    const titleId = 'race-film';
    let bRead!: () => void;
    const bHasRead = new Promise<void>((r) => (bRead = r));
    let aDone!: () => void;
    const aFinished = new Promise<void>((r) => (aDone = r));
    const [da, db] = [destination(cfg, 'origin'), destination(cfg, 'origin')];
    const a = gated(da, titleId, { beforeWrite: () => Promise.race([bHasRead, sleep(3000)]) });
    const b = gated(db, titleId, {
      afterRead: () => bRead(),
      beforeWrite: () => Promise.race([aFinished, sleep(3000)]),
    });
    const req = (d: Destination, n: number) => ({
      destination: d,
      titleId,
      master: master(n),
      jobId: `job-${n}`,
      version: `v20261206T120000Z-000${n}`,
      replace: false,
    });
    const results: ClaimVerdict[] = await Promise.all([claimAt(req(a, 1)).finally(() => aDone()), claimAt(req(b, 2))]);
    da.close();
    db.close();
    expect(results.map((r) => r.mode).sort()).toEqual(['conflict', 'new']);
    const loser = results.find((r) => r.mode === 'conflict') as { message: string };
    expect(loser.message).toMatch(/^"race-film" at origin is being delivered from m\d\.mov .* by job job-\d since/);
    const reader = destination(cfg);
    const held = (await readClaim(reader, titleId))!.claim;
    reader.close();
    const winner = results[0]!.mode === 'new' ? 'job-1' : 'job-2';
    expect(held.pending?.jobId).toBe(winner);
    // The intents are withdrawn: nothing of the protocol is left at the store.
    expect(await listKeys(client, cfg.bucket, 'titles/.ingest-station/claims/')).toEqual([]);
  });

  it('two stations racing for one title through the whole pipeline: one delivers it, the other stops at the claim with a sentence', async () => {
    const { cfg, client } = await freshBucket(proxy.endpoint, 'titles');
    const [m1, m2] = [join(dir, 'race', 'one.mov'), join(dir, 'race', 'two.mov')];
    await mkdir(join(dir, 'race'), { recursive: true });
    await copyFile(await makeMaster({ seconds: 3 }), m1);
    await copyFile(await makeMaster({ seconds: 3, fps: 25 }), m2);
    const [s1, s2] = await Promise.all([
      testStation(join(dir, 'race-1'), cfg, undefined),
      testStation(join(dir, 'race-2'), cfg, undefined),
    ]);
    try {
      const [[j1], [j2]] = await Promise.all([
        s1.queue.add([m1], { [m1]: { titleId: 'contested' } }),
        s2.queue.add([m2], { [m2]: { titleId: 'contested' } }),
      ]);
      const done = await Promise.all([s1.queue.waitFor(j1!.id), s2.queue.waitFor(j2!.id)]);
      expect(done.map((d) => d.state).sort()).toEqual(['done', 'failed']);
      const lost = done.find((d) => d.state === 'failed')!;
      const won = done.find((d) => d.state === 'done')!;
      expect(lost.error!.stage).toBe('claim');
      expect(lost.error!.message).toMatch(
        /^"contested" at origin is (being delivered from|live with) .*Set another title ID, or choose Replace/,
      );
      // Only the winner's version is at the origin.
      const versions = new Set((await listKeys(client, cfg.bucket, 'titles/contested/')).map((k) => k.split('/')[2]));
      expect([...versions].filter((v) => v!.startsWith('v'))).toEqual([won.claim!.version]);
    } finally {
      await Promise.all([s1.close(), s2.close()]);
    }
  });
});

describe('a versioned origin and an Object-Locked archive', () => {
  let origin: Awaited<ReturnType<typeof freshBucket>>;
  let archive: Awaited<ReturnType<typeof freshBucket>>;
  const versionsUnder = async (c: S3Client, bucket: string, prefix: string) => {
    const out = await c.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
    return { versions: out.Versions ?? [], markers: out.DeleteMarkers ?? [] };
  };

  beforeAll(async () => {
    origin = await freshBucket(endpoint, 'titles', { noncurrentVersions: 'delete-own' }, { versioned: true });
    archive = await freshBucket(
      endpoint,
      '',
      { objectLock: { mode: 'COMPLIANCE', days: 1 }, multipartThresholdMiB: 5, partSizeMiB: 5 },
      { objectLock: true },
    );
  });

  it('ingest, replace, retire, audit and repair all work; every archive object is under COMPLIANCE retention; removals say what they mean', async () => {
    const first = join(dir, 'v', 'film.mov');
    const second = join(dir, 'v', 'film-fixed.mov');
    await mkdir(join(dir, 'v'), { recursive: true });
    await copyFile(await makeMaster({ seconds: 3 }), first);
    await copyFile(await makeMaster({ seconds: 4 }), second);
    const station = await testStation(join(dir, 'versioned'), origin.cfg, archive.cfg, { retireGraceHours: 0 });
    try {
      const [j1] = await station.queue.add([first], { [first]: { titleId: 'vfilm' } });
      const one = await station.queue.waitFor(j1!.id);
      expect(one.state, one.error?.message).toBe('done');
      const v1 = one.claim!.version;

      // A version of one of v1's chunks written by someone else (not the station): never deleted by it.
      const foreignKey = (await listKeys(origin.client, origin.cfg.bucket, `titles/vfilm/${v1}/`)).find((k) =>
        k.endsWith('.m4s'),
      )!;
      await origin.client.send(
        new PutObjectCommand({ Bucket: origin.cfg.bucket, Key: foreignKey, Body: 'not the station' }),
      );

      const [j2] = await station.queue.add([second], { [second]: { titleId: 'vfilm', replace: true } });
      const two = await station.queue.waitFor(j2!.id);
      expect(two.state, two.error?.message).toBe('done');
      expect(two.claim!.destinations.origin).toEqual({ mode: 'replace', replaced: v1 });
      const job2 = station.queue.get(j2!.id)!;

      // The replaced version is gone from both listings...
      expect((await listKeys(origin.client, origin.cfg.bucket, 'titles/vfilm/')).filter((k) => k.includes(v1))).toEqual(
        [],
      );
      expect((await listKeys(archive.client, archive.cfg.bucket, 'vfilm/')).filter((k) => k.includes(v1))).toEqual([]);
      // ...at the origin (delete-own) every version the station wrote is deleted, the foreign one kept under a marker;
      const atOrigin = await versionsUnder(origin.client, origin.cfg.bucket, `titles/vfilm/${v1}/`);
      expect(atOrigin.versions.map((v) => v.Key)).toEqual([foreignKey]);
      expect(atOrigin.markers.map((m) => m.Key)).toEqual([foreignKey]);
      // ...at the archive (lifecycle: the default) delete markers hide it and the locked versions remain;
      const atArchive = await versionsUnder(archive.client, archive.cfg.bucket, `vfilm/${v1}/`);
      expect(atArchive.versions.length).toBeGreaterThanOrEqual(2);
      expect(atArchive.markers.length).toBe(atArchive.versions.length);
      // ...and the job says what the removals meant.
      expect(job2.warnings.join('\n')).toMatch(
        /^archive: 2 hidden by delete markers \(a versioned bucket: their older versions remain and are billed until the bucket's lifecycle rules expire them\)$/m,
      );
      expect(job2.warnings.join('\n')).toMatch(
        /^origin: 1 hidden by delete markers .*1 of them written by another writer, never deleted by the station/m,
      );

      // Every archive object of the live version (and the claim) carries COMPLIANCE retention for a day.
      for (const key of await listKeys(archive.client, archive.cfg.bucket, 'vfilm/')) {
        const head = await archive.client.send(new HeadObjectCommand({ Bucket: archive.cfg.bucket, Key: key }));
        expect(head.ObjectLockMode, key).toBe('COMPLIANCE');
        expect(head.ObjectLockRetainUntilDate!.getTime(), key).toBeGreaterThan(Date.now() + 23 * 3_600_000);
      }

      // Audit both stores clean; then a chunk removed at the origin is put back from the archive's tar.
      expect((await auditJob(job2, station.auditContext)).map((r) => [r.destination, r.problems.length])).toEqual([
        ['origin', 0],
        ['archive', 0],
      ]);
      const chunk = (await listKeys(origin.client, origin.cfg.bucket, `titles/vfilm/${two.claim!.version}/`)).find(
        (k) => k.endsWith('.m4s'),
      )!;
      await station.origin.delete(chunk.slice('titles/'.length));
      const lib = await station.library.run({ repair: true });
      expect(lib.problems).toEqual([]);
      expect(lib.repaired.map((t) => [t.titleId, t.repairedKeys])).toEqual([
        ['vfilm', [chunk.slice('titles/'.length)]],
      ]);

      // The janitor on the locked archive: an upload left in the live version's folder is the title's, and aborted.
      const left = `vfilm/${two.claim!.version}/source/left-behind.mov`;
      await archive.client.send(new CreateMultipartUploadCommand({ Bucket: archive.cfg.bucket, Key: left }));
      const arch = station.archive as S3Destination;
      const found = await attributeUploads(await listUploads(arch.client, arch.bucket, arch.keyPrefix()), {
        journalDir: join(dir, 'versioned', 'work', 'uploads'),
        destination: arch,
        keyPrefix: arch.keyPrefix(),
      });
      expect(found.map((u) => [u.key, u.ours])).toEqual([[left, 'claim']]);
      await abortUploads(arch.client, arch.bucket, found);
      expect(await listUploads(arch.client, arch.bucket)).toEqual([]);
    } finally {
      await station.close();
    }
  });

  it('a multipart object on the locked archive gets its retention even where the store drops it from the upload’s start', async () => {
    const d = destination(archive.cfg, 'archive');
    const big = join(dir, 'big.bin');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(big, Buffer.alloc(6 * 1024 * 1024, 7));
    await d.put({ localPath: big, key: 'probe/big.bin', size: 6 * 1024 * 1024 });
    const head = await d.head('probe/big.bin');
    expect(head?.etag).toMatch(/-2$/); // it went multipart
    expect(head?.lock?.mode).toBe('COMPLIANCE');
    expect(Date.parse(head!.lock!.until)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    d.close();
  });
});
