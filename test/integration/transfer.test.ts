/**
 * The transfer engine against a real radosgw on 127.0.0.1: large multipart uploads read back
 * byte-identical with the right ETag; cancel, source changes and fatal errors leave no multipart
 * upload behind; faults injected by a proxy are retried to an exact result; re-runs skip.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { appendFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { S3Destination, type S3Runtime } from '../../electron/engine/destinations/s3';
import { uploadMultipart } from '../../electron/engine/transfer/multipart';
import { multipartEtag } from '../../electron/engine/transfer/etag';
import { PartJournal } from '../../electron/engine/transfer/part-journal';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { hashFile } from '../../electron/engine/util/hash-file';
import { CancelledError } from '../../electron/engine/util/errors';
import { TokenBucket } from '../../electron/engine/transfer/token-bucket';
import { FileSource } from '../../electron/engine/transfer/byte-source';
import { freshBucket } from '../helpers/s3';
import { makeBigFile, sha256 } from '../helpers/files';
import { startFaultProxy } from '../helpers/fault-proxy';
import { tempDir } from '../helpers/station';
import { createHash } from 'node:crypto';

const MIB = 1024 * 1024;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('ingest-transfer-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runtime(extra: Partial<S3Runtime> = {}): S3Runtime {
  return {
    journalDir: join(dir, 'journals'),
    partsPool: pLimit(8),
    partsPerFile: 4,
    retry: { attempts: 6, baseMs: 20, maxMs: 200 },
    ...extra,
  };
}

async function partMd5s(path: string, partSize: number): Promise<string[]> {
  const data = await readFile(path);
  const out: string[] = [];
  for (let o = 0; o < data.length; o += partSize)
    out.push(
      createHash('md5')
        .update(data.subarray(o, o + partSize))
        .digest('hex'),
    );
  return out;
}

async function unfinished(dest: S3Destination): Promise<number> {
  const r = await dest.client.send(new ListMultipartUploadsCommand({ Bucket: dest.bucket }));
  return (r.Uploads ?? []).length;
}

describe('multipart uploads', () => {
  it('a 200 MiB file goes multipart, reads back byte-identical, with the md5-of-part-md5s ETag', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'), 'big', { partSizeMiB: 16 });
    const dest = new S3Destination('origin', cfg, runtime());
    const file = await makeBigFile(join(dir, 'big.bin'), 200 * MIB + 12345);
    const d = await hashFile(file);
    const acked: number[] = [];
    const r = await dest.put({
      localPath: file,
      key: 'big.bin',
      size: d.size,
      md5: d.md5,
      onProgress: (b) => acked.push(b),
    });
    expect(r.transfer).toMatchObject({ parts: 13, partsSent: 13, partsReused: 0, resumed: false });
    expect(acked.at(-1)).toBe(d.size);
    expect(acked.every((b, i) => i === 0 || b >= acked[i - 1]!)).toBe(true);
    const head = await dest.head('big.bin');
    expect(head).toMatchObject({ size: d.size, etag: multipartEtag(await partMd5s(file, 16 * MIB)) });
    expect(sha256(await dest.read('big.bin'))).toBe(d.sha256);
    expect(await unfinished(dest)).toBe(0);
    await expect(readdir(join(dir, 'journals'))).resolves.toEqual([]);
    // Uploading it again is recognised by the multipart ETag and skipped.
    expect((await dest.put({ localPath: file, key: 'big.bin', size: d.size, md5: d.md5 })).skipped).toBe(true);
    dest.close();
  });

  it('a part size chosen for the link (larger parts on a fat one) is recognised by its ETag: skipped again, audited clean', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'), 'fat', { partSizeMiB: 5, multipartThresholdMiB: 5 });
    const dest = new S3Destination('origin', cfg, runtime({ maxPartsPerFile: 8 }));
    // What earlier uploads learned: two requests fill the link, each carrying 50 MB/s.
    dest.link.learn(2, 50e6);
    const file = await makeBigFile(join(dir, 'fat.bin'), 130 * MIB + 99, 5);
    const d = await hashFile(file);
    const r = await dest.put({ localPath: file, key: 'fat.bin', size: d.size, md5: d.md5 });
    // 10 MiB parts (the configured 5 MiB doubled: six rounds of two parts), not 5 MiB ones.
    expect(r.transfer?.parts).toBe(Math.ceil(d.size / (10 * MIB)));
    const head = await dest.head('fat.bin');
    expect(head?.etag).toBe(multipartEtag(await partMd5s(file, 10 * MIB)));
    // The ETag the audit expects follows the stored part count (the configured size would give another).
    expect(await dest.expectedEtag(new FileSource(file), d.size, d.md5, head!.etag)).toBe(head!.etag);
    expect(multipartEtag(await partMd5s(file, 5 * MIB))).not.toBe(head!.etag);
    expect((await dest.put({ localPath: file, key: 'fat.bin', size: d.size, md5: d.md5 })).skipped).toBe(true);
    await rm(file);
    dest.close();
  });

  it('killed between asking the store for an upload and recording its id: the next run aborts exactly that upload', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'), 'intent', { partSizeMiB: 5 });
    const dest = new S3Destination('origin', cfg, runtime());
    const file = await makeBigFile(join(dir, 'intent.bin'), 11 * MIB);
    const source = new FileSource(file);
    // Another tool's upload of a key that merely starts the same: not ours.
    const theirs = await dest.client.send(
      new CreateMultipartUploadCommand({ Bucket: dest.bucket, Key: 'intent.bin.part' }),
    );
    const journalPath = join(dir, 'journals', 'intent.jsonl');
    const journal = new PartJournal(journalPath);
    // What the station leaves when it dies in the window: the intent, then the store's upload, no id.
    await journal.create({
      version: 1,
      bucket: dest.bucket,
      key: 'intent.bin',
      size: 11 * MIB,
      partSize: 5 * MIB,
      source: await source.identity(),
      createdAt: new Date().toISOString(),
    });
    await journal.close();
    const ours = await dest.client.send(new CreateMultipartUploadCommand({ Bucket: dest.bucket, Key: 'intent.bin' }));
    expect((await new PartJournal(journalPath).load())?.state).toBe('pending');
    const logged: string[] = [];
    const r = await uploadMultipart({
      client: dest.client,
      bucket: dest.bucket,
      key: 'intent.bin',
      source,
      journalPath,
      preferredPartSize: 5 * MIB,
      log: (m) => logged.push(m),
      retry: { attempts: 3, baseMs: 10, maxMs: 50 },
    });
    expect(r.parts).toBe(3);
    const left = (await dest.client.send(new ListMultipartUploadsCommand({ Bucket: dest.bucket }))).Uploads ?? [];
    expect(left.map((u) => u.UploadId)).toEqual([theirs.UploadId]);
    expect(logged.join('\n')).toContain(`aborting upload ${ours.UploadId} of intent.bin`);
    await dest.client.send(
      new (await import('@aws-sdk/client-s3')).AbortMultipartUploadCommand({
        Bucket: dest.bucket,
        Key: 'intent.bin.part',
        UploadId: theirs.UploadId,
      }),
    );
  });

  it('an answer to "start the upload" lost on the way: the retry made a second upload, the first is aborted at once', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 5, multipartThresholdMiB: 5 });
    const proxy = await startFaultProxy(
      inject('s3Endpoint'),
      (_n, req) => (req.method === 'POST' && /[?&]uploads(=|&|$)/.test(req.url ?? '') ? 'lose-answer' : undefined),
      1,
    );
    const logged: string[] = [];
    const dest = new S3Destination(
      'origin',
      { ...cfg, endpoint: proxy.endpoint },
      runtime({ journalDir: join(dir, 'j-lost'), log: (m) => logged.push(m) }),
    );
    try {
      const file = await makeBigFile(join(dir, 'lost.bin'), 12 * MIB, 9);
      const d = await hashFile(file);
      await dest.put({ localPath: file, key: 'lost.bin', size: d.size, md5: d.md5 });
      expect(proxy.injected.map((f) => f.fault)).toEqual(['lose-answer']);
      expect(await unfinished(dest)).toBe(0);
      expect(logged.join('\n')).toMatch(
        /aborting upload \S+ of lost\.bin: started for this station by a request whose answer it never recorded/,
      );
      expect((await dest.head('lost.bin'))?.size).toBe(d.size);
    } finally {
      dest.close();
      await proxy.close();
    }
  });

  it('cancel mid-upload aborts the multipart upload and removes its journal', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 5, multipartThresholdMiB: 5 });
    const dest = new S3Destination(
      'origin',
      cfg,
      runtime({ journalDir: join(dir, 'j-cancel'), bandwidth: new TokenBucket(40e6) }),
    );
    const file = await makeBigFile(join(dir, 'cancel.bin'), 60 * MIB, 2);
    const d = await hashFile(file);
    const ac = new AbortController();
    const run = dest.put({
      localPath: file,
      key: 'cancel.bin',
      size: d.size,
      md5: d.md5,
      signal: ac.signal,
      onProgress: (b) => b > 0 && ac.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(await unfinished(dest)).toBe(0);
    expect(await dest.head('cancel.bin')).toBeUndefined();
    await expect(readdir(join(dir, 'j-cancel'))).resolves.toEqual([]);
    dest.close();
  });

  it('a source modified mid-upload is detected; nothing is left half-written', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 5, multipartThresholdMiB: 5 });
    const dest = new S3Destination(
      'origin',
      cfg,
      runtime({ journalDir: join(dir, 'j-mod'), bandwidth: new TokenBucket(40e6) }),
    );
    const file = await makeBigFile(join(dir, 'mod.bin'), 40 * MIB, 3);
    const d = await hashFile(file);
    let touched = false;
    const run = dest.put({
      localPath: file,
      key: 'mod.bin',
      size: d.size,
      md5: d.md5,
      onProgress: (b) => {
        if (b > 0 && !touched) {
          touched = true;
          void appendFile(file, 'supplier re-exported the master');
        }
      },
    });
    await expect(run).rejects.toThrow(/changed while it was being uploaded|shorter than|changed since/);
    expect(await unfinished(dest)).toBe(0);
    expect(await dest.head('mod.bin')).toBeUndefined();
    dest.close();
  });

  it('wrong credentials and a missing bucket fail at once with a sentence, leaving nothing behind', async () => {
    const { cfg: direct } = await freshBucket(inject('s3Endpoint'));
    // Through a pass-through proxy that counts requests: a fatal error must not be retried.
    const counter = await startFaultProxy(inject('s3Endpoint'), () => undefined);
    const cfg = { ...direct, endpoint: counter.endpoint };
    const file = join(dir, 'small.txt');
    await writeFile(file, 'hello');
    const d = await hashFile(file);
    const bad = new S3Destination('origin', { ...cfg, secretAccessKey: 'wrong' }, runtime());
    // The first request is a HEAD (skip if already there): its 403 has no body, so the sentence names the status.
    await expect(bad.put({ localPath: file, key: 'a.txt', size: d.size, md5: d.md5 })).rejects.toThrow(
      /HEAD a\.txt on origin failed: Forbidden \(HTTP 403\): the store refused the request — check the credentials/,
    );
    await expect(
      bad.putSource({ source: new FileSource(file), key: 'b.txt' }).catch((e: Error) => e.message),
    ).resolves.toMatch(/SignatureDoesNotMatch \(HTTP 403\)|Forbidden \(HTTP 403\)/);
    const unknown = new S3Destination('origin', { ...cfg, accessKeyId: 'NOBODY' }, runtime());
    await expect(unknown.put({ localPath: file, key: 'a.txt', size: d.size, md5: d.md5 })).rejects.toThrow(
      /Forbidden \(HTTP 403\): the store refused the request — check the credentials/,
    );
    const nobucket = new S3Destination('origin', { ...cfg, bucket: 'no-such-bucket-here' }, runtime());
    await expect(nobucket.put({ localPath: file, key: 'a.txt', size: d.size, md5: d.md5 })).rejects.toThrow(
      /NoSuchBucket .*the bucket does not exist/,
    );
    // HEAD 403 (put); HEAD 403 (putSource); HEAD 403 (unknown key); HEAD 404 + PUT NoSuchBucket — each once, no retries.
    expect(counter.requests).toBe(5);
    await counter.close();
    const good = new S3Destination('origin', direct, runtime());
    expect(await good.head('a.txt')).toBeUndefined();
    expect(await unfinished(good)).toBe(0);
    for (const x of [bad, unknown, nobucket, good]) x.close();
  });
});

describe('integrity on the wire', () => {
  it('bodies are not SHA-256-signed, but Content-MD5 is enforced: a wrong MD5 is refused (BadDigest)', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'));
    const dest = new S3Destination('origin', cfg, runtime({ retry: { attempts: 2, baseMs: 1, maxMs: 5 } }));
    const file = join(dir, 'digest.txt');
    await writeFile(file, 'the bytes the store must check');
    await expect(
      dest.put({ localPath: file, key: 'd.txt', size: 30, md5: '0'.repeat(32), existing: null }),
    ).rejects.toThrow(/BadDigest/);
    expect(await dest.head('d.txt')).toBeUndefined();
    dest.close();
  });
});

describe('faults injected between the station and the store', () => {
  it('resets mid-body, 503 SlowDown and stalls are retried until every object is exact', async () => {
    const { cfg, client } = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 5, multipartThresholdMiB: 5 });
    // Every third PUT gets a fault, cycling reset → SlowDown → stall, nine faults in all.
    const faults = ['reset', 'slowdown', 'stall'] as const;
    let puts = 0;
    const proxy = await startFaultProxy(
      inject('s3Endpoint'),
      (_n, req) => (req.method === 'PUT' && ++puts % 3 === 0 ? faults[(puts / 3 - 1) % 3] : undefined),
      9,
    );
    // A stall costs one idle timeout; 3 s leaves room for a store slowed by a busy 2-core machine.
    const dest = new S3Destination(
      'origin',
      { ...cfg, endpoint: proxy.endpoint },
      runtime({ journalDir: join(dir, 'j-faults'), idleTimeoutMs: 3000 }),
    );
    try {
      const big = await makeBigFile(join(dir, 'faults.bin'), 32 * MIB, 4);
      const smallDir = join(dir, 'faults-small');
      await mkdir(smallDir, { recursive: true });
      const smalls = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const p = join(smallDir, `s${i}.bin`);
          await makeBigFile(p, 100_000 + i, 100 + i);
          return p;
        }),
      );
      const files = [big, ...smalls];
      const digests = await Promise.all(files.map((f) => hashFile(f)));
      await Promise.all(
        files.map((f, i) => dest.put({ localPath: f, key: `k/${i}`, size: digests[i]!.size, md5: digests[i]!.md5 })),
      );
      expect(proxy.injected.map((f) => f.fault)).toEqual([
        'reset',
        'slowdown',
        'stall',
        'reset',
        'slowdown',
        'stall',
        'reset',
        'slowdown',
        'stall',
      ]);
      const direct = new S3Destination('direct', cfg, runtime());
      for (const [i, d] of digests.entries()) expect(sha256(await direct.read(`k/${i}`)), `object ${i}`).toBe(d.sha256);
      const mpu = await client.send(new ListMultipartUploadsCommand({ Bucket: cfg.bucket }));
      expect(mpu.Uploads ?? []).toHaveLength(0);
      direct.close();
    } finally {
      dest.close();
      await proxy.close();
    }
  });
});

describe('many small objects', () => {
  it('2,000 objects through the shared pool; a re-run skips every one', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'));
    const dest = new S3Destination('origin', cfg, runtime());
    const src = join(dir, 'many');
    await mkdir(src, { recursive: true });
    const files = await Promise.all(
      Array.from({ length: 2000 }, async (_, i) => {
        const p = join(src, `c${i}.m4s`);
        await writeFile(p, `${i}:`.padEnd(2000 + (i % 100), 'x'));
        return { p, d: await hashFile(p) };
      }),
    );
    const pool = pLimit(16);
    const first = await Promise.all(
      files.map((f, i) => pool(() => dest.put({ localPath: f.p, key: `t/c${i}.m4s`, size: f.d.size, md5: f.d.md5 }))),
    );
    expect(first.filter((r) => r.skipped)).toHaveLength(0);
    const again = await Promise.all(
      files.map((f, i) => pool(() => dest.put({ localPath: f.p, key: `t/c${i}.m4s`, size: f.d.size, md5: f.d.md5 }))),
    );
    expect(again.filter((r) => !r.skipped)).toHaveLength(0);
    let listed = 0;
    for await (const _o of dest.list('t/')) listed++;
    expect(listed).toBe(2000);
    dest.close();
  });
});

describe('flexible checksums (aws preset)', () => {
  it('every object and part carries its SHA-256; Complete names each part’s; b2 and generic send none', async () => {
    const { cfg } = await freshBucket(inject('s3Endpoint'), '', { partSizeMiB: 5, multipartThresholdMiB: 5 });
    const seen: Array<{
      method: string;
      url: string;
      headers: Record<string, string | string[] | undefined>;
      body: Buffer[];
    }> = [];
    const proxy = await startFaultProxy(inject('s3Endpoint'), (_n, req) => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: [] as Buffer[] };
      if (req.method === 'POST') req.on('data', (c: Buffer) => rec.body.push(c));
      seen.push(rec);
      return undefined;
    });
    const big = await makeBigFile(join(dir, 'sha-big.bin'), 12 * MIB, 9);
    const small = join(dir, 'sha-small.txt');
    await writeFile(small, 'a small playlist');
    const bigBytes = await readFile(big);
    const b64 = (b: Buffer): string => createHash('sha256').update(b).digest('base64');
    try {
      const aws = new S3Destination(
        'archive',
        { ...cfg, preset: 'aws', endpoint: proxy.endpoint },
        runtime({ journalDir: join(dir, 'j-sha') }),
      );
      const db = await hashFile(big);
      await aws.put({ localPath: big, key: 'sha/big.bin', size: db.size, existing: null });
      await aws.put({
        localPath: small,
        key: 'sha/small.txt',
        size: 16,
        md5: (await hashFile(small)).md5,
        existing: null,
      });
      const puts = seen.filter((r) => r.method === 'PUT');
      const parts = puts.filter((r) => r.url.includes('partNumber='));
      expect(parts).toHaveLength(3);
      for (const p of parts) {
        const n = Number(/partNumber=(\d+)/.exec(p.url)![1]);
        expect(p.headers['x-amz-checksum-sha256'], `part ${n}`).toBe(
          b64(bigBytes.subarray((n - 1) * 5 * MIB, n * 5 * MIB)),
        );
      }
      expect(puts.find((r) => r.url.includes('small.txt'))!.headers['x-amz-checksum-sha256']).toBe(
        b64(Buffer.from('a small playlist')),
      );
      const create = seen.find((r) => r.method === 'POST' && r.url.includes('uploads'))!;
      expect(create.headers['x-amz-checksum-algorithm']).toBe('SHA256');
      const complete = Buffer.concat(
        seen.find((r) => r.method === 'POST' && r.url.includes('uploadId='))!.body,
      ).toString();
      expect(complete.match(/<ChecksumSHA256>[^<]+<\/ChecksumSHA256>/g)).toHaveLength(3);
      // No aws-chunked trailers: the checksum travels as a plain header radosgw (and B2) can parse.
      for (const r of puts) expect(r.headers['content-encoding'] ?? '').not.toContain('aws-chunked');
      expect(sha256(await aws.read('sha/big.bin'))).toBe(db.sha256);
      aws.close();

      seen.length = 0;
      const generic = new S3Destination(
        'origin',
        { ...cfg, endpoint: proxy.endpoint },
        runtime({ journalDir: join(dir, 'j-sha2') }),
      );
      await generic.put({ localPath: small, key: 'sha/plain.txt', size: 16, existing: null });
      expect(seen.find((r) => r.method === 'PUT')!.headers['x-amz-checksum-sha256']).toBeUndefined();
      generic.close();
    } finally {
      await proxy.close();
    }
  });

  it('a SHA-256 checksum on a B2 destination is refused by the config, with the reason', async () => {
    const { stationConfigSchema, describeZodError } = await import('../../electron/common/config');
    const r = stationConfigSchema.safeParse({
      destinations: { b2: { type: 's3', preset: 'b2', bucket: 'films', checksum: 'SHA256' } },
      origin: 'b2',
    });
    expect(describeZodError(r.error!)).toBe(
      'destinations.b2.checksum: Backblaze B2 rejects x-amz-checksum-* headers: use "none" (Content-MD5 still protects every upload)',
    );
  });
});
