/**
 * Resumable multipart upload that owns its state (lib-storage cannot resume across restarts).
 *
 * Parts are read from the source by offset (never the whole source in memory), sent N at a time
 * with a per-part Content-MD5, and journalled after every acknowledgement. After a crash the same
 * call resumes: ListParts (paged), each listed part checked against the journal (size and ETag) —
 * a part the store holds but the journal missed (crash between ack and append) is adopted when its
 * ETag equals the local MD5 — and only what is missing is sent. Then Complete with the full
 * ordered list, and HEAD to compare size and the expected `md5-of-part-md5s-N` ETag.
 *
 * A source that changed since the journal aborts the old upload and starts clean. Cancel, a source
 * change and non-retryable errors abort the upload and delete the journal (no dangling uploads);
 * errors that outlasted their retries (TransientError) keep both so a retry resumes.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { AdaptiveLimit, type Pool } from './adaptive-limit.js';
import type { LinkEstimate } from './link-estimate.js';
import { setMaxListeners } from 'node:events';
import { CancelledError, StationError, TransientError, isCancelled, isShutdown, linkedAbort } from '../util/errors.js';
import type { ByteSource, SourceIdentity } from './byte-source.js';
import { PartJournal, type PartRecord, type UploadHeader } from './part-journal.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { TokenBucket } from './token-bucket.js';

const MIB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MIB;
export const MAX_PARTS = 10_000;

/** Part size ≥ ceil(size / 10,000), ≥ 5 MiB and ≥ the preferred size, rounded up to whole MiB. */
export function choosePartSize(size: number, preferred = 16 * MIB): number {
  const need = Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS), preferred);
  return Math.ceil(need / MIB) * MIB;
}

/** The ETag S3 gives a multipart object: MD5 of the concatenated binary part MD5s, "-", part count. */
export function multipartEtag(partMd5Hex: string[]): string {
  const h = createHash('md5');
  for (const m of partMd5Hex) h.update(Buffer.from(m, 'hex'));
  return `${h.digest('hex')}-${partMd5Hex.length}`;
}

const unquote = (etag: string | undefined): string => (etag ?? '').replace(/^"|"$/g, '');
const md5Hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const sha256Base64 = (b: Buffer): string => createHash('sha256').update(b).digest('base64');
const sameIdentity = (a: SourceIdentity, b: SourceIdentity): boolean =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.fingerprint === b.fingerprint;

export interface MultipartProgress {
  /** Bytes of parts the store acknowledged (including parts reused from before a restart). */
  acked: number;
  /** Bytes of parts being sent right now. */
  inFlight: number;
  total: number;
  /** Of `acked`, bytes that were already at the store when this run started (a resumed upload). */
  reused: number;
}

export interface MultipartOptions {
  client: S3Client;
  bucket: string;
  key: string;
  source: ByteSource;
  journalPath: string;
  preferredPartSize?: number;
  /** Parts in flight for this object: where adaptation starts, or the fixed number. */
  concurrency?: number;
  /** Let the parts in flight adapt to the link (adaptive-limit.ts) up to `maxConcurrency`; false: `concurrency` exactly. */
  adaptive?: boolean;
  maxConcurrency?: number;
  /** What the station learned of this link from earlier files: start there, and leave what this file learns. */
  link?: LinkEstimate;
  /** Global cap on parts in flight across every upload of the station. */
  partsPool?: Pool;
  bandwidth?: TokenBucket;
  storageClass?: string;
  contentType?: string;
  /** Send and have the store verify a SHA-256 per part (AWS); a resumed upload keeps what it started with. */
  checksum?: 'SHA256';
  /** Object Lock retention asked at the upload's start (the caller checks the completed object has it). */
  objectLock?: { ObjectLockMode?: 'GOVERNANCE' | 'COMPLIANCE'; ObjectLockRetainUntilDate?: Date };
  retry?: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (p: MultipartProgress) => void;
  log?: (message: string) => void;
}

export interface MultipartResult {
  etag: string;
  /** The completed object's version, on a versioned bucket. */
  versionId?: string;
  size: number;
  parts: number;
  partsReused: number;
  partsSent: number;
  bytesSent: number;
  resumed: boolean;
}

async function listAllParts(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<Map<number, { etag: string; size: number }>> {
  const parts = new Map<number, { etag: string; size: number }>();
  let marker: string | undefined;
  for (;;) {
    const page = await withRetry(
      `Listing parts of ${key}`,
      () =>
        client.send(
          new ListPartsCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            ...(marker ? { PartNumberMarker: marker } : {}),
          }),
        ),
      signal ? { signal } : {},
    );
    for (const p of page.Parts ?? [])
      if (p.PartNumber) parts.set(p.PartNumber, { etag: unquote(p.ETag), size: p.Size ?? 0 });
    if (!page.IsTruncated || !page.NextPartNumberMarker) return parts;
    marker = String(page.NextPartNumberMarker);
  }
}

/** AWS says NoSuchUpload; radosgw says NoSuchKey for an unknown upload id. Both mean "gone". */
function uploadIsGone(err: unknown): boolean {
  const code = err instanceof StationError ? err.code : err instanceof S3ServiceException ? `s3-${err.name}` : '';
  return code === 's3-NoSuchUpload' || code === 's3-NoSuchKey';
}

export async function abortUpload(client: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  await withRetry(`Aborting the multipart upload of ${key}`, () =>
    client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
  ).catch((err) => {
    if (!uploadIsGone(err)) throw err;
  });
}

/** Leeway between this machine's clock and the store's when matching an upload to its intent. */
export const CLOCK_SLACK_MS = 5 * 60_000;

/**
 * Uploads of exactly `key` that the store started since `since` (less clock slack) and that are
 * not `keep`: the station's own — it had journalled that it meant to write that key then — made by
 * a request whose answer it never recorded: a process killed in between, a retried Create (not
 * idempotent), or a dead process's request the store only got to later. They are aborted.
 */
async function abortUnrecorded(
  client: S3Client,
  h: Pick<UploadHeader, 'bucket' | 'key'> & { since: string },
  log: (m: string) => void,
  signal?: AbortSignal,
  keep?: string,
): Promise<void> {
  const since = Date.parse(h.since) - CLOCK_SLACK_MS;
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  for (;;) {
    const page = await withRetry(
      `Listing unfinished uploads of ${h.key}`,
      () =>
        client.send(
          new ListMultipartUploadsCommand({
            Bucket: h.bucket,
            Prefix: h.key,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(idMarker ? { UploadIdMarker: idMarker } : {}),
          }),
        ),
      signal ? { signal } : {},
    );
    for (const u of page.Uploads ?? []) {
      if (u.Key !== h.key || !u.UploadId || u.UploadId === keep || (u.Initiated && u.Initiated.getTime() < since))
        continue;
      log(
        `aborting upload ${u.UploadId} of ${h.key}: started for this station by a request whose answer it never recorded`,
      );
      await abortUpload(client, h.bucket, h.key, u.UploadId);
    }
    if (!page.IsTruncated) return;
    keyMarker = page.NextKeyMarker;
    idMarker = page.NextUploadIdMarker;
    if (!keyMarker && !idMarker) return;
  }
}

/**
 * CreateMultipartUpload, with the intent journalled first: a crash between the store's answer and
 * our record leaves a header that says an upload of this key may exist (abortUnrecorded finds it
 * on the next run). Create is not idempotent: when an attempt timed out or failed after the store
 * had acted, the retry made a second upload — the extra ones are aborted here, at once.
 */
async function createUpload(
  opts: MultipartOptions,
  journal: PartJournal,
  h: Pick<UploadHeader, 'size' | 'partSize' | 'source' | 'checksum' | 'intentSince'>,
  log: (m: string) => void,
): Promise<{ uploadId: string; intentAt: string }> {
  const { client, bucket, key } = opts;
  const header: UploadHeader = { version: 1, bucket, key, ...h, createdAt: new Date().toISOString() };
  await journal.create(header);
  log(`asking ${bucket} for an upload of ${key}`);
  let retried = false;
  try {
    const created = await withRetry(
      `Starting the multipart upload of ${key}`,
      () =>
        client.send(
          new CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            ...(opts.contentType ? { ContentType: opts.contentType } : {}),
            ...(opts.storageClass ? { StorageClass: opts.storageClass as StorageClass } : {}),
            ...(h.checksum ? { ChecksumAlgorithm: h.checksum } : {}),
            ...opts.objectLock,
          }),
        ),
      {
        ...(opts.signal ? { signal: opts.signal } : {}),
        onRetry: (err) => {
          retried = true;
          log(`starting the upload of ${key}: retry after ${(err as Error).name}: ${(err as Error).message}`);
        },
      },
    );
    if (!created.UploadId) throw new StationError(`${key}: the store returned no upload id`, 's3-no-upload-id');
    await journal.started(created.UploadId);
    log(`started upload ${created.UploadId} of ${key}`);
    if (retried)
      await abortUnrecorded(client, { bucket, key, since: header.createdAt }, log, opts.signal, created.UploadId);
    return { uploadId: created.UploadId, intentAt: header.intentSince ?? header.createdAt };
  } catch (err) {
    // The header stays: the next run looks for an upload the store made but never told us about.
    await journal.close();
    throw err;
  }
}

export async function uploadMultipart(opts: MultipartOptions): Promise<MultipartResult> {
  const { client, bucket, key, source } = opts;
  const log = opts.log ?? (() => undefined);
  const journal = new PartJournal(opts.journalPath);
  const identity = await source.identity();
  const done = new Map<number, PartRecord>();
  let uploadId: string | undefined;
  /** Since when this station has meant to write the key (for uploads it started but never heard of). */
  let intentAt: string | undefined;
  let partSize = choosePartSize(identity.size, opts.preferredPartSize);
  let checksum = opts.checksum;
  let resumed = false;

  const loaded = await journal.load();
  // The first moment this station meant to write the key (kept across a kill in the window).
  const since = loaded?.header.intentSince ?? loaded?.header.createdAt;
  intentAt = since;
  if (loaded?.state === 'pending')
    await abortUnrecorded(
      client,
      { bucket: loaded.header.bucket, key: loaded.header.key, since: since! },
      log,
      opts.signal,
    );
  const previous = loaded?.state === 'started' ? loaded : undefined;
  if (previous) {
    const h = { ...previous.header, uploadId: previous.uploadId };
    if (h.bucket !== bucket || h.key !== key) {
      log(`journal ${opts.journalPath} belongs to ${h.bucket}/${h.key}; aborting that upload and starting clean`);
      await abortUpload(client, h.bucket, h.key, h.uploadId);
    } else if (!sameIdentity(h.source, identity)) {
      log(
        `${source.description} changed since its upload started (size, modification time or fingerprint); aborting the old upload and starting clean`,
      );
      await abortUpload(client, bucket, key, h.uploadId);
    } else {
      try {
        const listed = await listAllParts(client, bucket, key, h.uploadId, opts.signal);
        uploadId = h.uploadId;
        partSize = h.partSize;
        checksum = h.checksum;
        resumed = true;
        for (const [n, rec] of previous.parts) {
          const l = listed.get(n);
          if (l && l.etag === rec.etag && l.size === rec.size) done.set(n, rec);
        }
        // Parts the store holds that the journal never recorded (crash between ack and append).
        for (const [n, l] of listed) {
          if (done.has(n) || !/^[0-9a-f]{32}$/.test(l.etag)) continue;
          const offset = (n - 1) * partSize;
          const len = Math.min(partSize, identity.size - offset);
          if (len !== l.size) continue;
          const bytes = await source.read(offset, len);
          const md5 = md5Hex(bytes);
          if (md5 === l.etag)
            done.set(n, {
              part: n,
              etag: l.etag,
              size: len,
              md5,
              ...(checksum ? { sha256: sha256Base64(bytes) } : {}),
            });
        }
        // Complete must name every part's checksum: fill in any the journal lacks.
        if (checksum) {
          for (const rec of done.values()) {
            if (!rec.sha256) rec.sha256 = sha256Base64(await source.read((rec.part - 1) * partSize, rec.size));
          }
        }
        log(`resuming ${key}: ${done.size} parts already at the store`);
      } catch (err) {
        if (!uploadIsGone(err)) throw err;
        log(`the store no longer has upload ${h.uploadId} of ${key}; starting clean`);
      }
    }
  }

  const partCount = Math.max(1, Math.ceil(identity.size / partSize));
  if (partCount > MAX_PARTS)
    throw new StationError(`${key}: ${partCount} parts exceed the store's limit of ${MAX_PARTS}`, 'too-many-parts');

  if (uploadId) {
    await journal.reopen();
    for (const rec of done.values()) if (!previous?.parts.has(rec.part)) await journal.append(rec);
  } else {
    ({ uploadId, intentAt } = await createUpload(
      opts,
      journal,
      {
        size: identity.size,
        partSize,
        source: identity,
        ...(checksum ? { checksum } : {}),
        ...(loaded?.state === 'pending' && since ? { intentSince: since } : {}),
      },
      log,
    ));
  }
  const id = uploadId;

  let acked = [...done.values()].reduce((n, p) => n + p.size, 0);
  let inFlight = 0;
  let bytesSent = 0;
  let partsSent = 0;
  const partsReused = done.size;
  const reused = acked;
  const report = (): void => opts.onProgress?.({ acked, inFlight, total: identity.size, reused });
  report();

  // One failure stops the siblings: a local abort linked to the caller's signal.
  const local = linkedAbort(opts.signal);
  // Every part in flight listens on it (up to the adaptive limit): not a leak.
  setMaxListeners(512, local.signal);
  const adaptive = opts.adaptive !== false;
  const known =
    adaptive && opts.link?.concurrency && opts.link.perRequestBps
      ? { concurrency: opts.link.concurrency, perRequestBps: opts.link.perRequestBps }
      : undefined;
  const perFile = new AdaptiveLimit({
    min: 1,
    initial: opts.concurrency ?? 4,
    max: Math.max(opts.concurrency ?? 4, opts.maxConcurrency ?? 32),
    fixed: !adaptive,
    ...(known ? { known } : {}),
    log,
  });
  const learn = (): void => {
    const l = perFile.learned();
    if (l && adaptive) opts.link?.learn(l.concurrency, l.perRequestBps);
  };
  const global = opts.partsPool ?? ((fn: () => Promise<void>) => fn());

  // Part buffers are reused: garbage buffers waiting for the collector would otherwise push the
  // peak RSS past part size × parts in flight. Every part carries its Content-MD5, so a request
  // abandoned mid-send whose buffer is refilled can never be stored with mixed bytes.
  const free: Buffer[] = [];
  const sendPart = async (n: number): Promise<void> => {
    if (local.signal.aborted) throw new CancelledError();
    const offset = (n - 1) * partSize;
    const len = Math.min(partSize, identity.size - offset);
    const held = source.readInto ? (free.pop() ?? Buffer.allocUnsafeSlow(partSize)) : undefined;
    try {
      await sendPartBody(
        n,
        len,
        held ? await source.readInto!(held.subarray(0, len), offset) : await source.read(offset, len),
      );
    } finally {
      if (held) free.push(held);
    }
  };
  const sendPartBody = async (n: number, len: number, body: Buffer): Promise<void> => {
    const md5 = md5Hex(body);
    const sha256 = checksum ? sha256Base64(body) : undefined;
    await opts.bandwidth?.take(len, local.signal);
    inFlight += len;
    report();
    try {
      const out = await withRetry(
        `Upload of part ${n}/${partCount} of ${key}`,
        async () => {
          bytesSent += len;
          const wire = performance.now();
          const sent = await client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: id,
              PartNumber: n,
              Body: body,
              ContentLength: len,
              ContentMD5: Buffer.from(md5, 'hex').toString('base64'),
              ...(sha256 ? { ChecksumSHA256: sha256 } : {}),
            }),
            { abortSignal: local.signal },
          );
          perFile.observe(len, (performance.now() - wire) / 1000);
          return sent;
        },
        {
          signal: local.signal,
          ...(opts.retry ? { policy: opts.retry } : {}),
          onRetry: (err, attempt) => {
            log(`part ${n} of ${key}: retry ${attempt} after ${(err as Error).name}: ${(err as Error).message}`);
            // The store pushing back, or a request that timed out: fewer in flight.
            if (
              /SlowDown|Throttl|TimeoutError|RequestTimeout|503/.test(
                `${(err as Error).name} ${(err as Error).message}`,
              )
            )
              perFile.throttled(`${(err as Error).name} on part ${n}`);
          },
        },
      );
      const etag = unquote(out.ETag);
      if (/^[0-9a-f]{32}$/.test(etag) && etag !== md5) {
        throw new StationError(
          `${key} part ${n}: the store's ETag ${etag} differs from the part's MD5 ${md5}`,
          'etag-mismatch',
        );
      }
      if (sha256 && out.ChecksumSHA256 && out.ChecksumSHA256 !== sha256) {
        throw new StationError(
          `${key} part ${n}: the store's SHA-256 ${out.ChecksumSHA256} differs from the part's ${sha256}`,
          'checksum-mismatch',
        );
      }
      const rec: PartRecord = { part: n, etag: etag || md5, size: len, md5, ...(sha256 ? { sha256 } : {}) };
      done.set(n, rec);
      await journal.append(rec);
      partsSent++;
      acked += len;
    } finally {
      inFlight -= len;
      report();
    }
  };

  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
  try {
    const settled = await Promise.allSettled(
      missing.map((n) =>
        perFile.run(() =>
          global(async () => {
            try {
              await sendPart(n);
            } catch (err) {
              local.controller.abort();
              throw err;
            }
          }),
        ),
      ),
    );
    const failures = settled
      .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
      .map((s) => s.reason as unknown);
    if (failures.length > 0) throw failures.find((e) => !isCancelled(e)) ?? failures[0];

    const now = await source.identity();
    if (!sameIdentity(now, identity))
      throw new StationError(`${source.description} changed while it was being uploaded`, 'source-changed');

    const ordered = Array.from({ length: partCount }, (_, i) => done.get(i + 1)!);
    await withRetry(
      `Completing the upload of ${key}`,
      () =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: id,
            MultipartUpload: {
              Parts: ordered.map((p) => ({
                PartNumber: p.part,
                ETag: `"${p.etag}"`,
                ...(p.sha256 ? { ChecksumSHA256: p.sha256 } : {}),
              })),
            },
          }),
        ),
      opts.signal ? { signal: opts.signal } : {},
    );
  } catch (err) {
    learn();
    local.dispose();
    await journal.close();
    // Keep the upload and its journal when a later attempt can resume: retries ran out, or the
    // station is shutting down (the job resumes on the next start).
    if ((err instanceof TransientError && !opts.signal?.aborted) || isShutdown(opts.signal)) throw err;
    log(`aborting upload ${id} of ${key}: ${(err as Error).message}`);
    await abortUpload(client, bucket, key, id).catch((e: unknown) =>
      log(`could not abort upload ${id} of ${key}: ${(e as Error).message}`),
    );
    await journal.remove();
    throw opts.signal?.aborted ? new CancelledError() : err;
  }
  learn();
  local.dispose();
  await journal.remove();
  log(`completed upload ${id} of ${key}`);
  // A request of a killed run can reach the store after this run looked: once the key is whole,
  // no other upload of it started since the station first meant to write it may stay open.
  if (intentAt) await abortUnrecorded(client, { bucket, key, since: intentAt }, log, opts.signal);

  // radosgw returns an empty ETag from Complete; HEAD is the authority on what was stored.
  const expected = multipartEtag(Array.from({ length: partCount }, (_, i) => done.get(i + 1)!.md5));
  const head = await withRetry(`Checking ${key} after upload`, () =>
    client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
  );
  const stored = unquote(head.ETag);
  if (head.ContentLength !== identity.size) {
    throw new StationError(
      `${key}: the store holds ${head.ContentLength} bytes after upload; expected ${identity.size}`,
      'size-mismatch',
    );
  }
  if (/^[0-9a-f]{32}-\d+$/.test(stored) && stored !== expected) {
    throw new StationError(`${key}: the store's ETag ${stored} differs from the expected ${expected}`, 'etag-mismatch');
  }
  return {
    etag: stored || expected,
    ...(head.VersionId && head.VersionId !== 'null' ? { versionId: head.VersionId } : {}),
    size: identity.size,
    parts: partCount,
    partsReused,
    partsSent,
    bytesSent,
    resumed,
  };
}
