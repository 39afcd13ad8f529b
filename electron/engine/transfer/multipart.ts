/**
 * Resumable multipart upload that owns its state (lib-storage cannot resume across restarts), as
 * one session object with a method per phase, in lib-storage's shape: open → resume → create →
 * sendParts → complete → finish → verify (`uploadMultipart` runs them in order; `fail` is the
 * error policy of sending and completing).
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

import { PartJournal, type LoadedJournal, type PartRecord, type UploadHeader } from './part-journal.js';
import { isThrottle, withRetry, type RetryPolicy } from './retry.js';
import { etagContradicts, isMultipartEtag, isPlainMd5, multipartEtag, unquote } from './etag.js';
import type { TokenBucket } from './token-bucket.js';

const MIB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MIB;
export const MAX_PARTS = 10_000;

/** Part size ≥ ceil(size / 10,000), ≥ 5 MiB and ≥ the preferred size, rounded up to whole MiB. */
export function choosePartSize(size: number, preferred = 16 * MIB): number {
  const need = Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS), preferred);
  return Math.ceil(need / MIB) * MIB;
}

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
 * One multipart upload of one object. Each phase is a method; the state they share — the journal,
 * the upload id, the parts the store holds — lives here, so a phase can be read (and tested) alone.
 */
export class MultipartSession {
  private readonly journal: PartJournal;
  private readonly log: (message: string) => void;
  /** Parts the store acknowledged (or holds from before), by number. */
  private readonly done = new Map<number, PartRecord>();
  private uploadId: string | undefined;
  /** Since when this station has meant to write the key (for uploads it started but never heard of). */
  private intentAt: string | undefined;
  private partSize: number;
  private checksum: 'SHA256' | undefined;
  private resumed = false;
  private partsReused = 0;
  private partsSent = 0;
  private bytesSent = 0;

  private constructor(
    private readonly opts: MultipartOptions,
    private readonly identity: SourceIdentity,
    private readonly loaded: LoadedJournal | undefined,
  ) {
    this.journal = new PartJournal(opts.journalPath);
    this.log = opts.log ?? (() => undefined);
    this.partSize = choosePartSize(identity.size, opts.preferredPartSize);
    this.checksum = opts.checksum;
    this.intentAt = loaded?.header.intentSince ?? loaded?.header.createdAt;
  }

  /**
   * The source as it is now and the journal of an earlier run. A journal that only recorded the
   * intent (killed before the store answered Create) may have left an upload the station never
   * heard of: it is aborted here.
   */
  static async open(opts: MultipartOptions): Promise<MultipartSession> {
    const identity = await opts.source.identity();
    const loaded = await new PartJournal(opts.journalPath).load();
    const session = new MultipartSession(opts, identity, loaded);
    if (loaded?.state === 'pending')
      await abortUnrecorded(
        opts.client,
        { bucket: loaded.header.bucket, key: loaded.header.key, since: session.intentAt! },
        session.log,
        opts.signal,
      );
    return session;
  }

  private get partCount(): number {
    return Math.max(1, Math.ceil(this.identity.size / this.partSize));
  }

  private partLength(n: number): number {
    return Math.min(this.partSize, this.identity.size - (n - 1) * this.partSize);
  }

  /**
   * An upload started by an earlier run is taken up where it stopped — unless it was of another
   * key or the source changed since (then it is aborted), or the store no longer has it.
   */
  async resume(): Promise<void> {
    const { client, bucket, key, source } = this.opts;
    const previous = this.loaded?.state === 'started' ? this.loaded : undefined;
    if (!previous) return;
    const h = { ...previous.header, uploadId: previous.uploadId };
    if (h.bucket !== bucket || h.key !== key) {
      this.log(
        `journal ${this.opts.journalPath} belongs to ${h.bucket}/${h.key}; aborting that upload and starting clean`,
      );
      return abortUpload(client, h.bucket, h.key, h.uploadId);
    }
    if (!sameIdentity(h.source, this.identity)) {
      this.log(
        `${source.description} changed since its upload started (size, modification time or fingerprint); aborting the old upload and starting clean`,
      );
      return abortUpload(client, bucket, key, h.uploadId);
    }
    try {
      const listed = await listAllParts(client, bucket, key, h.uploadId, this.opts.signal);
      this.uploadId = h.uploadId;
      this.partSize = h.partSize;
      this.checksum = h.checksum;
      this.resumed = true;
      for (const [n, rec] of previous.parts) {
        const l = listed.get(n);
        if (l && l.etag === rec.etag && l.size === rec.size) this.done.set(n, rec);
      }
      await this.adoptUnrecorded(listed);
      this.log(`resuming ${key}: ${this.done.size} parts already at the store`);
    } catch (err) {
      if (!uploadIsGone(err)) throw err;
      this.log(`the store no longer has upload ${h.uploadId} of ${key}; starting clean`);
    }
  }

  /**
   * Parts the store holds that the journal never recorded (a crash between the acknowledgement and
   * the append) are adopted when their plain-MD5 ETag equals the local part's MD5.
   */
  private async adoptUnrecorded(listed: Map<number, { etag: string; size: number }>): Promise<void> {
    const { source } = this.opts;
    for (const [n, l] of listed) {
      if (this.done.has(n) || !isPlainMd5(l.etag) || this.partLength(n) !== l.size) continue;
      const bytes = await source.read((n - 1) * this.partSize, l.size);
      const md5 = md5Hex(bytes);
      if (md5 === l.etag)
        this.done.set(n, {
          part: n,
          etag: l.etag,
          size: l.size,
          md5,
          ...(this.checksum ? { sha256: sha256Base64(bytes) } : {}),
        });
    }
    // Complete must name every part's checksum: fill in any the journal lacks.
    if (this.checksum)
      for (const rec of this.done.values())
        rec.sha256 ??= sha256Base64(await source.read((rec.part - 1) * this.partSize, rec.size));
  }

  /**
   * A resumed upload records the parts it adopted; otherwise CreateMultipartUpload, with the intent
   * journalled first: a crash between the store's answer and our record leaves a header that says
   * an upload of this key may exist (abortUnrecorded finds it on the next run). Create is not
   * idempotent: when an attempt timed out or failed after the store had acted, the retry made a
   * second upload — the extra ones are aborted here, at once.
   */
  async create(): Promise<void> {
    const { key } = this.opts;
    if (this.partCount > MAX_PARTS)
      throw new StationError(
        `${key}: ${this.partCount} parts exceed the store's limit of ${MAX_PARTS}`,
        'too-many-parts',
      );
    this.partsReused = this.done.size;
    if (this.uploadId) {
      await this.journal.reopen();
      const previous = this.loaded?.state === 'started' ? this.loaded.parts : undefined;
      for (const rec of this.done.values()) if (!previous?.has(rec.part)) await this.journal.append(rec);
      return;
    }
    const header: UploadHeader = {
      version: 1,
      bucket: this.opts.bucket,
      key,
      size: this.identity.size,
      partSize: this.partSize,
      source: this.identity,
      ...(this.checksum ? { checksum: this.checksum } : {}),
      ...(this.loaded?.state === 'pending' && this.intentAt ? { intentSince: this.intentAt } : {}),
      createdAt: new Date().toISOString(),
    };
    await this.journal.create(header);
    try {
      this.uploadId = await this.requestCreate(header);
      this.intentAt = header.intentSince ?? header.createdAt;
    } catch (err) {
      // The header stays: the next run looks for an upload the store made but never told us about.
      await this.journal.close();
      throw err;
    }
  }

  private async requestCreate(header: UploadHeader): Promise<string> {
    const { client, bucket, key } = this.opts;
    this.log(`asking ${bucket} for an upload of ${key}`);
    let retried = false;
    const created = await withRetry(
      `Starting the multipart upload of ${key}`,
      () =>
        client.send(
          new CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            ...(this.opts.contentType ? { ContentType: this.opts.contentType } : {}),
            ...(this.opts.storageClass ? { StorageClass: this.opts.storageClass as StorageClass } : {}),
            ...(header.checksum ? { ChecksumAlgorithm: header.checksum } : {}),
            ...this.opts.objectLock,
          }),
        ),
      {
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        onRetry: (err) => {
          retried = true;
          this.log(`starting the upload of ${key}: retry after ${(err as Error).name}: ${(err as Error).message}`);
        },
      },
    );
    if (!created.UploadId) throw new StationError(`${key}: the store returned no upload id`, 's3-no-upload-id');
    await this.journal.started(created.UploadId);
    this.log(`started upload ${created.UploadId} of ${key}`);
    if (retried)
      await abortUnrecorded(
        client,
        { bucket, key, since: header.createdAt },
        this.log,
        this.opts.signal,
        created.UploadId,
      );
    return created.UploadId;
  }

  /** Every part the store does not hold yet, through the adaptive per-file limit and the station's parts pool. */
  async sendParts(): Promise<void> {
    const sender = new PartSender(this.opts, this.identity.size, this.partSize, this.partCount, this.checksum, {
      uploadId: this.uploadId!,
      acked: [...this.done.values()].reduce((n, p) => n + p.size, 0),
      log: this.log,
      record: async (rec) => {
        this.done.set(rec.part, rec);
        await this.journal.append(rec);
        this.partsSent++;
      },
    });
    const missing = Array.from({ length: this.partCount }, (_, i) => i + 1).filter((n) => !this.done.has(n));
    try {
      await sender.sendAll(missing);
    } finally {
      this.bytesSent = sender.bytesSent;
    }
    const now = await this.opts.source.identity();
    if (!sameIdentity(now, this.identity))
      throw new StationError(`${this.opts.source.description} changed while it was being uploaded`, 'source-changed');
  }

  private orderedParts(): PartRecord[] {
    return Array.from({ length: this.partCount }, (_, i) => this.done.get(i + 1)!);
  }

  /** CompleteMultipartUpload with the full ordered list. */
  async complete(): Promise<void> {
    const { client, bucket, key } = this.opts;
    await withRetry(
      `Completing the upload of ${key}`,
      () =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: this.uploadId,
            MultipartUpload: {
              Parts: this.orderedParts().map((p) => ({
                PartNumber: p.part,
                ETag: `"${p.etag}"`,
                ...(p.sha256 ? { ChecksumSHA256: p.sha256 } : {}),
              })),
            },
          }),
        ),
      this.opts.signal ? { signal: this.opts.signal } : {},
    );
  }

  /**
   * The journal has done its work once the object is whole. A request of a killed run can reach
   * the store after this run looked: no other upload of the key started since the station first
   * meant to write it may stay open.
   */
  async finish(): Promise<void> {
    const { client, bucket, key, signal } = this.opts;
    await this.journal.remove();
    this.log(`completed upload ${this.uploadId} of ${key}`);
    if (this.intentAt) await abortUnrecorded(client, { bucket, key, since: this.intentAt }, this.log, signal);
  }

  /**
   * What the store holds now, by HEAD (radosgw's Complete returns an empty ETag): the size, and the
   * `md5-of-part-md5s-N` ETag when the store gives one.
   */
  async verify(): Promise<MultipartResult> {
    const { client, bucket, key } = this.opts;
    const expected = multipartEtag(this.orderedParts().map((p) => p.md5));
    const head = await withRetry(`Checking ${key} after upload`, () =>
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
    );
    const stored = unquote(head.ETag);
    if (head.ContentLength !== this.identity.size)
      throw new StationError(
        `${key}: the store holds ${head.ContentLength} bytes after upload; expected ${this.identity.size}`,
        'size-mismatch',
      );
    if (isMultipartEtag(stored) && stored !== expected)
      throw new StationError(
        `${key}: the store's ETag ${stored} differs from the expected ${expected}`,
        'etag-mismatch',
      );
    return {
      etag: stored || expected,
      ...(head.VersionId && head.VersionId !== 'null' ? { versionId: head.VersionId } : {}),
      size: this.identity.size,
      parts: this.partCount,
      partsReused: this.partsReused,
      partsSent: this.partsSent,
      bytesSent: this.bytesSent,
      resumed: this.resumed,
    };
  }

  /**
   * The error policy of the send and complete phases. The upload and its journal are kept when a
   * later attempt can resume (retries ran out, or the station is shutting down); otherwise (cancel,
   * a changed source, a fatal error) the upload is aborted and the journal deleted: nothing dangles.
   */
  async fail(err: unknown): Promise<unknown> {
    const { client, bucket, key, signal } = this.opts;
    await this.journal.close();
    if ((err instanceof TransientError && !signal?.aborted) || isShutdown(signal)) return err;
    this.log(`aborting upload ${this.uploadId} of ${key}: ${(err as Error).message}`);
    await abortUpload(client, bucket, key, this.uploadId!).catch((e: unknown) =>
      this.log(`could not abort upload ${this.uploadId} of ${key}: ${(e as Error).message}`),
    );
    await this.journal.remove();
    return signal?.aborted ? new CancelledError() : err;
  }
}

/** What the part sender needs of its session: where parts go, and how an acknowledged part is recorded. */
interface PartSink {
  uploadId: string;
  /** Bytes the store already holds (a resumed upload). */
  acked: number;
  log: (message: string) => void;
  record: (rec: PartRecord) => Promise<void>;
}

/**
 * Sends parts: read by offset into reused buffers, N in flight (the per-file adaptive limit inside
 * the station's global parts pool), each with its Content-MD5, checked against the ETag rules when
 * acknowledged. One failure stops its siblings.
 */
class PartSender {
  bytesSent = 0;
  private acked: number;
  private inFlight = 0;
  private readonly reused: number;
  private readonly local: ReturnType<typeof linkedAbort>;
  private readonly perFile: AdaptiveLimit;
  private readonly adaptive: boolean;
  // Part buffers are reused: garbage buffers waiting for the collector would otherwise push the
  // peak RSS past part size × parts in flight. Every part carries its Content-MD5, so a request
  // abandoned mid-send whose buffer is refilled can never be stored with mixed bytes.
  private readonly free: Buffer[] = [];

  constructor(
    private readonly opts: MultipartOptions,
    private readonly size: number,
    private readonly partSize: number,
    private readonly partCount: number,
    private readonly checksum: 'SHA256' | undefined,
    private readonly sink: PartSink,
  ) {
    this.acked = sink.acked;
    this.reused = sink.acked;
    this.local = linkedAbort(opts.signal);
    // Every part in flight listens on it (up to the adaptive limit): not a leak.
    setMaxListeners(512, this.local.signal);
    this.adaptive = opts.adaptive !== false;
    const known =
      this.adaptive && opts.link?.concurrency && opts.link.perRequestBps
        ? { concurrency: opts.link.concurrency, perRequestBps: opts.link.perRequestBps }
        : undefined;
    this.perFile = new AdaptiveLimit({
      min: 1,
      initial: opts.concurrency ?? 4,
      max: Math.max(opts.concurrency ?? 4, opts.maxConcurrency ?? 32),
      fixed: !this.adaptive,
      ...(known ? { known } : {}),
      log: sink.log,
    });
  }

  private report(): void {
    this.opts.onProgress?.({ acked: this.acked, inFlight: this.inFlight, total: this.size, reused: this.reused });
  }

  async sendAll(parts: number[]): Promise<void> {
    this.report();
    const global = this.opts.partsPool ?? ((fn: () => Promise<void>) => fn());
    try {
      const settled = await Promise.allSettled(
        parts.map((n) =>
          this.perFile.run(() =>
            global(async () => {
              try {
                await this.sendPart(n);
              } catch (err) {
                this.local.controller.abort();
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
    } finally {
      // What this file learned of the link is left for the next one, whatever happened.
      const l = this.perFile.learned();
      if (l && this.adaptive) this.opts.link?.learn(l.concurrency, l.perRequestBps);
      this.local.dispose();
    }
  }

  private async sendPart(n: number): Promise<void> {
    if (this.local.signal.aborted) throw new CancelledError();
    const { source } = this.opts;
    const offset = (n - 1) * this.partSize;
    const len = Math.min(this.partSize, this.size - offset);
    const held = source.readInto ? (this.free.pop() ?? Buffer.allocUnsafeSlow(this.partSize)) : undefined;
    try {
      const body = held ? await source.readInto!(held.subarray(0, len), offset) : await source.read(offset, len);
      await this.sendBody(n, len, body);
    } finally {
      if (held) this.free.push(held);
    }
  }

  private async sendBody(n: number, len: number, body: Buffer): Promise<void> {
    const md5 = md5Hex(body);
    const sha256 = this.checksum ? sha256Base64(body) : undefined;
    await this.opts.bandwidth?.take(len, this.local.signal);
    this.inFlight += len;
    this.report();
    try {
      const out = await this.request(n, len, body, md5, sha256);
      const etag = unquote(out.ETag);
      const key = this.opts.key;
      if (etagContradicts(etag, md5))
        throw new StationError(
          `${key} part ${n}: the store's ETag ${etag} differs from the part's MD5 ${md5}`,
          'etag-mismatch',
        );
      if (sha256 && out.ChecksumSHA256 && out.ChecksumSHA256 !== sha256)
        throw new StationError(
          `${key} part ${n}: the store's SHA-256 ${out.ChecksumSHA256} differs from the part's ${sha256}`,
          'checksum-mismatch',
        );
      await this.sink.record({ part: n, etag: etag || md5, size: len, md5, ...(sha256 ? { sha256 } : {}) });
      this.acked += len;
    } finally {
      this.inFlight -= len;
      this.report();
    }
  }

  /** UploadPart with retries; each attempt's time on the wire teaches the adaptive limit, a throttle halves it. */
  private request(n: number, len: number, body: Buffer, md5: string, sha256: string | undefined) {
    const { client, bucket, key } = this.opts;
    return withRetry(
      `Upload of part ${n}/${this.partCount} of ${key}`,
      async () => {
        this.bytesSent += len;
        const wire = performance.now();
        const sent = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: this.sink.uploadId,
            PartNumber: n,
            Body: body,
            ContentLength: len,
            ContentMD5: Buffer.from(md5, 'hex').toString('base64'),
            ...(sha256 ? { ChecksumSHA256: sha256 } : {}),
          }),
          { abortSignal: this.local.signal },
        );
        this.perFile.observe(len, (performance.now() - wire) / 1000);
        return sent;
      },
      {
        signal: this.local.signal,
        ...(this.opts.retry ? { policy: this.opts.retry } : {}),
        onRetry: (err, attempt) => {
          this.sink.log(
            `part ${n} of ${key}: retry ${attempt} after ${(err as Error).name}: ${(err as Error).message}`,
          );
          if (isThrottle(err)) this.perFile.throttled(`${(err as Error).name} on part ${n}`);
        },
      },
    );
  }
}

/** One object, phase by phase: a resumable multipart upload (see MultipartSession). */
export async function uploadMultipart(opts: MultipartOptions): Promise<MultipartResult> {
  const session = await MultipartSession.open(opts);
  await session.resume();
  await session.create();
  try {
    await session.sendParts();
    await session.complete();
  } catch (err) {
    throw await session.fail(err);
  }
  await session.finish();
  return session.verify();
}
