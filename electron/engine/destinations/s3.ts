/**
 * S3 destination for any S3-compatible store (Backblaze B2, AWS S3, radosgw).
 *
 * Integrity: Content-MD5 on every request that carries data; the SDK's own flexible checksums only
 * WHEN_REQUIRED, because B2 rejects `x-amz-checksum-*` headers and the SDK's default CRC32 +
 * aws-chunked streaming breaks on radosgw (measured). Objects up to the multipart threshold go as
 * one PutObject from a buffer; larger ones through the resumable multipart uploader
 * (transfer/multipart.ts), which journals every part under the station's work folder.
 * Retries are the station's own (transfer/retry.ts): the SDK's are off so a request is never
 * retried twice over, and every request has connection and idle timeouts so a stall cannot hang.
 */
import {
  GetObjectCommand,
  RestoreObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { describeClaimProtocol, type StoreFacts } from '../../common/store-facts.js';
import { FactsFile } from './facts-file.js';
import { VersionLedger } from './version-ledger.js';
import { removeObject } from './s3-removal.js';
import { ensureRetention, lockConfiguration, lockHeaders, putRetention, retentionFor, retentionOf } from './s3-lock.js';
import { probeConditionalWrites } from './write-probe.js';
import { abortUploads, attributeUploads, listUploads } from '../transfer/janitor.js';
import type { Pool } from '../transfer/adaptive-limit.js';
import { checksumFor, credentialBinding, endpointFor, type S3DestinationConfig } from '../../common/config.js';
import { PreconditionFailed, StationError, linkedAbort, throwIfAborted } from '../util/errors.js';
import { md5HexToBase64 } from '../util/hash-file.js';
import { FileSource, type ByteSource } from '../transfer/byte-source.js';
import { choosePartSize, uploadMultipart } from '../transfer/multipart.js';
import { etagContradicts, multipartEtag, unquote } from '../transfer/etag.js';
import { LinkEstimate, partSizeCandidates, partSizeForLink } from '../transfer/link-estimate.js';
import { uploadStream } from '../transfer/stream-upload.js';
import { describeTransferError, withRetry, type RetryPolicy } from '../transfer/retry.js';
import type { TokenBucket } from '../transfer/token-bucket.js';
import type { ThroughputMeter } from '../transfer/throughput-meter.js';
import { Agent as HttpAgent, type Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  assertSafeKey,
  contentTypeFor,
  joinKey,
  type Destination,
  type ObjectRetention,
  type PutRequest,
  type PutResult,
  type ProgressCallback,
  type PutSourceRequest,
  type RemoteObject,
  type Removal,
  type RestoreTier,
  type StoredObject,
  type WriteOptions,
} from './destination.js';

const MIB = 1024 * 1024;

export interface S3Runtime {
  /** Folder for multipart journals (the station's work folder/uploads). */
  journalDir: string;
  /**
   * The station's work folder: what each store proved (`stores.json`) and the versions the station
   * wrote (`versions/`). Absent (a one-off check): kept in memory only.
   */
  stateDir?: string;
  partsPool?: Pool;
  /** Parts in flight per file: where adaptation starts (or the fixed number). */
  partsPerFile?: number;
  /** Parts in flight per file adapt to the link up to `maxPartsPerFile` (default true). */
  adaptive?: boolean;
  maxPartsPerFile?: number;
  bandwidth?: TokenBucket;
  retry?: RetryPolicy;
  /** Abandon a request whose socket is idle this long (a stalled store). */
  idleTimeoutMs?: number;
  /** The station's throughput meter (requests in flight). */
  meter?: ThroughputMeter;
  log?: (message: string) => void;
}

/**
 * Bodies are signed as UNSIGNED-PAYLOAD. The SDK otherwise SHA-256-hashes every Buffer body on the
 * main thread to sign it (~3 CPU-s per GiB, measured as the bottleneck on 2 cores); integrity is
 * already enforced end to end by the Content-MD5 every data request carries, which the store checks.
 */
const unsignedPayload =
  (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
    const req = args.request as { headers?: Record<string, string>; body?: unknown };
    if (req.headers && req.body instanceof Uint8Array && req.headers['content-md5'])
      req.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    return next(args);
  };

/**
 * B2 answers 503 "no tomes available" when the storage pod behind a connection is full; its advice
 * is to try again on another connection. The failed connection goes back to the keep-alive pool as
 * soon as its answer is read, so the retry would take it again: every idle connection is closed,
 * and the retry opens a fresh one (requests in flight keep theirs).
 */
const freshConnectionAfterNoTomes =
  (agents: Agent[]) => (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (err) {
      if (
        err instanceof S3ServiceException &&
        err.$metadata?.httpStatusCode === 503 &&
        /no tomes available/i.test(err.message)
      )
        dropIdleConnections(agents);
      throw err;
    }
  };

function dropIdleConnections(agents: Agent[]): void {
  for (const agent of agents)
    for (const list of Object.values(agent.freeSockets)) for (const socket of list ?? []) socket.destroy();
}

/** Every request to the store counted in and out, for the station's in-flight graph. */
const countRequests =
  (meter: ThroughputMeter) => (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    meter.request(1);
    try {
      return await next(args);
    } finally {
      meter.request(-1);
    }
  };

export function createS3Client(
  cfg: S3DestinationConfig,
  runtime: Pick<S3Runtime, 'idleTimeoutMs' | 'meter'> = {},
): S3Client {
  const agents = [
    new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  ];
  const client = makeClient(cfg, runtime, agents);
  client.middlewareStack.add(freshConnectionAfterNoTomes(agents) as never, {
    step: 'finalizeRequest',
    name: 'ingestStationFreshConnection',
  });
  if (runtime.meter)
    client.middlewareStack.add(countRequests(runtime.meter) as never, {
      step: 'finalizeRequest',
      name: 'ingestStationCountRequests',
    });
  // B2 insists that x-amz-content-sha256 is signed, and nothing in its documentation says it
  // accepts UNSIGNED-PAYLOAD: a wrong guess would fail every upload at the real origin, and no store
  // here can tell. So the b2 preset signs each body's SHA-256 (cheap next to a WAN); others do not.
  if (signsPayload(cfg)) return client;
  client.middlewareStack.add(unsignedPayload as never, { step: 'build', name: 'ingestStationUnsignedPayload' });
  return client;
}

/** Whether requests to this store carry the SHA-256 of their body in the signature. */
export function signsPayload(cfg: Pick<S3DestinationConfig, 'preset'>): boolean {
  return cfg.preset === 'b2';
}

function makeClient(
  cfg: S3DestinationConfig,
  runtime: Pick<S3Runtime, 'idleTimeoutMs'>,
  [httpAgent, httpsAgent]: Agent[],
): S3Client {
  const endpoint = endpointFor(cfg);
  return new S3Client({
    region: cfg.region,
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: cfg.forcePathStyle,
    ...(cfg.accessKeyId && cfg.secretAccessKey
      ? { credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } }
      : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 10_000,
      socketTimeout: runtime.idleTimeoutMs ?? 60_000,
      httpAgent: httpAgent!,
      httpsAgent: httpsAgent as HttpsAgent,
    },
  });
}

/** The multipart ETag this station produces for a source cut into parts of partSize. */
async function expectedMultipartEtag(source: ByteSource, size: number, partSize: number): Promise<string> {
  const md5s: string[] = [];
  for (let offset = 0; offset < size; offset += partSize) {
    md5s.push(
      createHash('md5')
        .update(await source.read(offset, Math.min(partSize, size - offset)))
        .digest('hex'),
    );
  }
  return multipartEtag(md5s);
}

export class S3Destination implements Destination {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  /** The flexible checksum sent with every object and part (see the config's `checksum`). */
  private readonly checksum: 'SHA256' | undefined;
  /** What uploads to this destination learned of the link (parts in flight, one request's rate). */
  readonly link = new LinkEstimate();
  /** The versions this station wrote (a versioned bucket), so it deletes its own and nothing else. */
  private readonly ledger: VersionLedger | undefined;
  private known: Promise<StoreFacts> | undefined;

  constructor(
    readonly name: string,
    private readonly cfg: S3DestinationConfig,
    private readonly runtime: S3Runtime,
  ) {
    this.client = createS3Client(cfg, runtime);
    this.checksum = checksumFor(cfg);
    this.ledger = runtime.stateDir
      ? new VersionLedger(join(runtime.stateDir, 'versions', `${this.storeId().slice(0, 32)}.jsonl`))
      : undefined;
  }

  /** The store's identity for what it proved: endpoint and bucket (a prefix does not change how it behaves). */
  private storeId(): string {
    return createHash('sha256').update(`${this.endpointId()}\n${this.cfg.bucket}`).digest('hex');
  }

  facts(opts: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<StoreFacts> {
    if (opts.refresh) this.known = undefined;
    return (this.known ??= (async () => {
      const file = this.runtime.stateDir ? new FactsFile(join(this.runtime.stateDir, 'stores.json')) : undefined;
      const id = credentialBinding(this.cfg);
      const remembered = opts.refresh ? undefined : await file?.get(id);
      if (remembered) return remembered;
      const probed = await probeConditionalWrites(this, opts.signal);
      await file?.set(id, probed);
      this.runtime.log?.(`${this.name}: ${describeClaimProtocol(probed)}`);
      return probed;
    })().catch((err: unknown) => {
      this.known = undefined; // asked again next time
      throw err;
    }));
  }

  get storageClass(): string | undefined {
    return this.cfg.storageClass;
  }

  get objectLock(): S3DestinationConfig['objectLock'] {
    return this.cfg.objectLock;
  }

  async extendRetention(key: string, versionId?: string): Promise<ObjectRetention> {
    if (!this.cfg.objectLock) throw new Error(`${this.name} writes no Object Lock retention (objectLock is not set)`);
    const want = retentionFor(this.cfg.objectLock);
    await putRetention(this.lockContext(), this.fullKey(key), versionId, want);
    return want;
  }

  get bucket(): string {
    return this.cfg.bucket;
  }

  describe(): string {
    const endpoint = endpointFor(this.cfg);
    return (
      `s3://${this.cfg.bucket}${this.cfg.prefix ? '/' + this.cfg.prefix.replace(/^\/+|\/+$/g, '') : ''}` +
      (endpoint ? ` at ${endpoint}` : '')
    );
  }

  locate(key: string): string {
    return `s3://${this.cfg.bucket}/${this.fullKey(key)}`;
  }

  /** The configured prefix as a key prefix ("titles/"), or "" for the bucket root. */
  keyPrefix(): string {
    return this.cfg.prefix ? joinKey(this.cfg.prefix) + '/' : '';
  }

  fullKey(key: string): string {
    assertSafeKey(key);
    return joinKey(this.cfg.prefix, key);
  }

  private get threshold(): number {
    return this.cfg.multipartThresholdMiB * MIB;
  }

  private journalPath(fullKey: string): string {
    const id = createHash('sha256')
      .update(`${this.endpointId()}\n${this.cfg.bucket}\n${fullKey}`)
      .digest('hex')
      .slice(0, 32);
    return join(this.runtime.journalDir, `${id}.jsonl`);
  }

  private endpointId(): string {
    return endpointFor(this.cfg) ?? `aws:${this.cfg.region}`;
  }

  /** `size`: the caller's (known already; the source's identity is read by the upload itself, once). */
  private async multipart(
    source: ByteSource,
    size: number,
    Key: string,
    contentType: string,
    signal: AbortSignal | undefined,
    onProgress: ProgressCallback | undefined,
  ) {
    const done = await uploadMultipart({
      client: this.client,
      bucket: this.cfg.bucket,
      key: Key,
      source,
      journalPath: this.journalPath(Key),
      preferredPartSize: this.partSizeFor(size),
      concurrency: this.runtime.partsPerFile ?? 4,
      link: this.link,
      adaptive: this.runtime.adaptive ?? true,
      ...(this.runtime.maxPartsPerFile ? { maxConcurrency: this.runtime.maxPartsPerFile } : {}),
      ...(this.runtime.partsPool ? { partsPool: this.runtime.partsPool } : {}),
      ...(this.runtime.bandwidth ? { bandwidth: this.runtime.bandwidth } : {}),
      ...(this.runtime.retry ? { retry: this.runtime.retry } : {}),
      ...(this.cfg.storageClass ? { storageClass: this.cfg.storageClass } : {}),
      ...(this.checksum ? { checksum: this.checksum } : {}),
      ...(this.cfg.objectLock ? { objectLock: lockHeaders(this.cfg.objectLock) } : {}),
      ...(this.runtime.log ? { log: this.runtime.log } : {}),
      contentType,
      ...(signal ? { signal } : {}),
      onProgress: (p) => onProgress?.(p.acked, { inFlight: p.inFlight, reused: p.reused }),
    });
    this.ledger?.record(Key, done.versionId);
    // Some stores (radosgw 16) complete a multipart object without the retention asked at its start.
    if (this.cfg.objectLock) await ensureRetention(this.lockContext(), Key, done.versionId, this.cfg.objectLock);
    return done;
  }

  /**
   * Whether copies written here will be immutable, and until when, as the bucket's own Object Lock
   * configuration says. Throws (the connection test fails) when `objectLock` is set on a bucket
   * without Object Lock: every write would be refused.
   */
  async describeLock(): Promise<string> {
    const c = await lockConfiguration(this.lockContext());
    const want = this.cfg.objectLock;
    const byDefault = c.defaultRetention
      ? `the bucket locks every new object by default (${c.defaultRetention.mode}, ${c.defaultRetention.days ? `${c.defaultRetention.days} days` : `${c.defaultRetention.years} years`})`
      : undefined;
    if (want && !c.enabled)
      throw new StationError(
        `objectLock is set (${want.mode}, ${want.days} days) but bucket ${this.cfg.bucket} has no Object Lock: every write would be refused. Object Lock is chosen when a bucket is made (S3: --object-lock-enabled-for-bucket; B2: File Lock) — or remove objectLock`,
        'object-lock-missing',
      );
    if (want) {
      const r = retentionFor(want);
      return `copies written now are immutable (${r.mode}${r.mode === 'GOVERNANCE' ? ': a key with s3:BypassGovernanceRetention can still remove them' : ': nobody can delete or shorten it'}) until ${r.until.slice(0, 10)}${byDefault ? `; ${byDefault}` : ''}`;
    }
    if (byDefault) return byDefault;
    return c.enabled
      ? 'the bucket has Object Lock but this destination asks for no retention (set objectLock): copies can be deleted with a delete-capable key'
      : 'no Object Lock on this bucket: anyone holding a delete-capable key can destroy these copies';
  }

  private lockContext() {
    return {
      client: this.client,
      bucket: this.cfg.bucket,
      name: this.name,
      ...(this.runtime.retry ? { retry: this.runtime.retry } : {}),
    };
  }

  /** The runtime's retry policy (tests and "test connection" shorten it) for every request. */
  private retryContext(): { policy?: RetryPolicy } {
    return this.runtime.retry ? { policy: this.runtime.retry } : {};
  }

  private async putBuffer(
    Key: string,
    body: Buffer,
    md5: string,
    contentType: string,
    signal: AbortSignal | undefined,
    condition: Pick<WriteOptions, 'ifAbsent' | 'ifEtag' | 'transient'> = {},
    storageClass = this.cfg.storageClass,
  ): Promise<{ etag: string; versionId?: string }> {
    await this.runtime.bandwidth?.take(body.length, signal);
    const abort = linkedAbort(signal);
    try {
      const out = await withRetry(
        `Upload of ${Key} to ${this.name}`,
        () =>
          this.client
            .send(
              new PutObjectCommand({
                // radosgw compares If-Match with the unquoted ETag only; AWS accepts it unquoted too.
                ...(condition.ifAbsent ? { IfNoneMatch: '*' } : {}),
                ...(condition.ifEtag ? { IfMatch: condition.ifEtag } : {}),
                Bucket: this.cfg.bucket,
                Key,
                Body: body,
                ContentLength: body.length,
                ContentMD5: md5HexToBase64(md5),
                ...(this.checksum ? { ChecksumSHA256: createHash('sha256').update(body).digest('base64') } : {}),
                ContentType: contentType,
                ...(storageClass ? { StorageClass: storageClass as StorageClass } : {}),
                ...(condition.transient ? {} : lockHeaders(this.cfg.objectLock)),
              }),
              { abortSignal: abort.signal },
            )
            .catch((err: unknown) => {
              // 412: the precondition failed; 409 ConditionalRequestConflict: a concurrent conditional
              // write won. Either way the caller reads again and decides; neither is worth a retry.
              const status = err instanceof S3ServiceException ? err.$metadata?.httpStatusCode : undefined;
              if ((condition.ifAbsent || condition.ifEtag) && (status === 412 || status === 409))
                throw new PreconditionFailed(`${this.name}:${Key}`);
              throw err;
            }),
        { signal: abort.signal, ...this.retryContext() },
      );
      // AWS and B2 return the MD5 as the ETag of a single-part object: a mismatch means corruption in flight.
      const etag = unquote(out.ETag);
      if (etagContradicts(etag, md5)) {
        throw new StationError(`${Key}: the store's ETag ${etag} does not match the local MD5 ${md5}`, 'etag-mismatch');
      }
      this.ledger?.record(Key, out.VersionId);
      return { etag: etag || md5, ...(out.VersionId ? { versionId: out.VersionId } : {}) };
    } finally {
      abort.dispose();
    }
  }

  async put(req: PutRequest): Promise<PutResult> {
    throwIfAborted(req.signal);
    const Key = this.fullKey(req.key);
    const contentType = req.contentType ?? contentTypeFor(req.key);
    const existing = req.force
      ? undefined
      : req.existing !== undefined
        ? (req.existing ?? undefined)
        : await this.head(req.key);
    if (
      existing &&
      existing.size === req.size &&
      existing.etag === (await this.expectedEtag(new FileSource(req.localPath), req.size, req.md5, existing.etag))
    ) {
      // Already there: acknowledged, but not by this run.
      req.onProgress?.(req.size, { inFlight: 0, reused: req.size });
      return { skipped: true };
    }
    if (req.size <= this.threshold) {
      const body = await readFile(req.localPath);
      if (body.length !== req.size)
        throw new StationError(`${req.localPath} changed since it was verified`, 'source-changed');
      await this.putBuffer(Key, body, req.md5 ?? createHash('md5').update(body).digest('hex'), contentType, req.signal);
      req.onProgress?.(req.size);
      return { skipped: false };
    }
    const { parts, partsReused, partsSent, bytesSent, resumed } = await this.multipart(
      new FileSource(req.localPath),
      req.size,
      Key,
      contentType,
      req.signal,
      req.onProgress,
    );
    return { skipped: false, transfer: { parts, partsReused, partsSent, bytesSent, resumed } };
  }

  async putSource(req: PutSourceRequest): Promise<PutResult & { etag?: string; size: number }> {
    throwIfAborted(req.signal);
    const Key = this.fullKey(req.key);
    const contentType = req.contentType ?? contentTypeFor(req.key);
    const { size } = await req.source.identity();
    if (size <= this.threshold) {
      const body = await req.source.read(0, size);
      const md5 = createHash('md5').update(body).digest('hex');
      const existing = req.force ? undefined : await this.head(req.key);
      if (existing?.size === size && existing.etag === md5) return { skipped: true, etag: md5, size };
      await this.putBuffer(Key, body, md5, contentType, req.signal);
      req.onProgress?.(size);
      return { skipped: false, etag: md5, size };
    }
    const r = await this.multipart(req.source, size, Key, contentType, req.signal, req.onProgress);
    return { skipped: false, etag: r.etag, size };
  }

  async head(key: string): Promise<RemoteObject | undefined> {
    try {
      const out = await withRetry(
        `HEAD ${key} on ${this.name}`,
        () => this.client.send(new HeadObjectCommand({ Bucket: this.cfg.bucket, Key: this.fullKey(key) })),
        this.retryContext(),
      );
      const etag = unquote(out.ETag);
      const restore = parseRestore(out.Restore);
      const lock = retentionOf(out);
      return {
        key,
        size: out.ContentLength ?? 0,
        ...(etag ? { etag } : {}),
        ...(out.StorageClass ? { storageClass: out.StorageClass } : {}),
        ...(restore ? { restore } : {}),
        ...(out.LastModified ? { lastModified: out.LastModified.toISOString() } : {}),
        ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
        ...(lock ? { lock } : {}),
      };
    } catch (err) {
      if (
        /NotFound|NoSuchKey|\(HTTP 404\)/.test((err as Error).message) ||
        (err instanceof S3ServiceException && err.$metadata?.httpStatusCode === 404)
      )
        return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<RemoteObject> {
    const base = this.keyPrefix();
    let ContinuationToken: string | undefined;
    do {
      const page = await withRetry(
        `Listing ${prefix} on ${this.name}`,
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: this.cfg.bucket,
              Prefix: base + prefix,
              ...(ContinuationToken ? { ContinuationToken } : {}),
            }),
          ),
        this.retryContext(),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        const etag = unquote(o.ETag);
        yield {
          key: o.Key.slice(base.length),
          size: o.Size ?? 0,
          ...(etag ? { etag } : {}),
          ...(o.StorageClass ? { storageClass: o.StorageClass } : {}),
          ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}),
        };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async read(key: string): Promise<Uint8Array> {
    try {
      const out = await withRetry(
        `Reading ${key} from ${this.name}`,
        () => this.client.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.fullKey(key) })),
        this.retryContext(),
      );
      if (!out.Body) throw new Error('empty body');
      return await out.Body.transformToByteArray();
    } catch (err) {
      throw describeTransferError(err, `Reading ${key} from ${this.name}`);
    }
  }

  /** A stream of unknown length (stdin): lib-storage, bounded memory, aborted on failure; not resumable. */
  async putStream(req: {
    stream: Readable;
    key: string;
    contentType?: string;
    signal?: AbortSignal;
    onProgress?: (bytes: number) => void;
  }): Promise<{ etag?: string; size: number }> {
    assertSafeKey(req.key);
    const sent = await uploadStream({
      client: this.client,
      bucket: this.cfg.bucket,
      key: this.fullKey(req.key),
      body: req.stream,
      partSize: this.cfg.partSizeMiB * MIB,
      partsInFlight: this.runtime.partsPerFile ?? 4,
      ...(this.cfg.storageClass ? { storageClass: this.cfg.storageClass } : {}),
      contentType: req.contentType ?? contentTypeFor(req.key),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    });
    // Read back what the store holds (some stores' Complete answers carry no ETag).
    const held = await this.head(req.key);
    if (!held || held.size !== sent.size)
      throw new StationError(
        `${this.locate(req.key)}: the store holds ${held ? `${held.size} bytes` : 'nothing'} after ${sent.size} bytes were streamed`,
        'size-mismatch',
      );
    return { size: sent.size, ...((held.etag ?? sent.etag) ? { etag: held.etag ?? sent.etag } : {}) };
  }

  async readRange(key: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start))
      throw new RangeError(`readRange(${key}): bad range [${start}, ${end})`);
    const what = `Reading bytes ${start}–${end - 1} of ${key} from ${this.name}`;
    try {
      const body = await withRetry(
        what,
        async () => {
          const r = await this.client.send(
            new GetObjectCommand({
              Bucket: this.cfg.bucket,
              Key: this.fullKey(key),
              Range: `bytes=${start}-${end - 1}`,
            }),
            signal ? { abortSignal: signal } : {},
          );
          return Buffer.from(r.Body ? await r.Body.transformToByteArray() : new Uint8Array());
        },
        { ...(signal ? { signal } : {}), ...this.retryContext() },
      );
      if (body.length !== end - start)
        throw new StationError(`${what}: the store sent ${body.length} bytes, not ${end - start}`, 'short-read');
      return body;
    } catch (err) {
      if (/InvalidObjectState/.test((err as Error).name + (err as Error).message)) {
        throw new StationError(
          `${this.locate(key)} is in an archive class and not restored: request a restore first`,
          'archive-not-restored',
        );
      }
      throw describeTransferError(err, what);
    }
  }

  async downloadTo(key: string, localPath: string, signal?: AbortSignal): Promise<void> {
    const partial = `${localPath}.downloading`;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.fullKey(key) }),
        signal ? { abortSignal: signal } : {},
      );
      if (!out.Body) throw new Error('empty body');
      await pipeline(out.Body as Readable, createWriteStream(partial), signal ? { signal } : {});
      await rename(partial, localPath);
    } catch (err) {
      await rm(partial, { force: true });
      if (/InvalidObjectState/.test((err as Error).name + (err as Error).message))
        throw new StationError(
          `${this.locate(key)} is in an archive class and not restored: request a restore first`,
          'archive-not-restored',
        );
      throw describeTransferError(err, `Downloading ${key} from ${this.name}`);
    }
  }

  async *listPrefixes(prefix: string): AsyncIterable<string> {
    const base = this.keyPrefix();
    let ContinuationToken: string | undefined;
    do {
      const page = await withRetry(
        `Listing the titles under ${prefix || '/'} on ${this.name}`,
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: this.cfg.bucket,
              Prefix: base + prefix,
              Delimiter: '/',
              ...(ContinuationToken ? { ContinuationToken } : {}),
            }),
          ),
        this.retryContext(),
      );
      for (const p of page.CommonPrefixes ?? [])
        if (p.Prefix) yield p.Prefix.slice(base.length + prefix.length).replace(/\/$/, '');
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async getObject(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
    const Key = this.fullKey(key);
    try {
      const out = await withRetry(
        `Reading ${key} from ${this.name}`,
        async () => {
          const r = await this.client.send(
            new GetObjectCommand({ Bucket: this.cfg.bucket, Key }),
            signal ? { abortSignal: signal } : {},
          );
          return {
            body: Buffer.from(r.Body ? await r.Body.transformToByteArray() : new Uint8Array()),
            etag: unquote(r.ETag),
          };
        },
        { ...(signal ? { signal } : {}), ...this.retryContext() },
      );
      return { body: out.body, ...(out.etag ? { etag: out.etag } : {}) };
    } catch (err) {
      if (/NoSuchKey|NotFound|\(HTTP 404\)/.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  async writeObject(
    key: string,
    body: Buffer,
    opts: WriteOptions = {},
  ): Promise<{ etag?: string; versionId?: string }> {
    const md5 = createHash('md5').update(body).digest('hex');
    // Claims and entry points are read often and must stay readable: never in an archive class.
    return this.putBuffer(
      this.fullKey(key),
      body,
      md5,
      opts.contentType ?? contentTypeFor(key),
      opts.signal,
      opts,
      undefined,
    );
  }

  async expectedEtag(source: ByteSource, size: number, md5?: string, stored?: string): Promise<string | undefined> {
    if (size <= this.threshold)
      return (
        md5 ??
        createHash('md5')
          .update(await source.read(0, size))
          .digest('hex')
      );
    // The part size was chosen for the link when the object was written: the stored ETag's part
    // count says which of the sizes this station cuts into it was.
    const count = Number(/-(\d+)$/.exec(stored ?? '')?.[1] ?? NaN);
    const configured = choosePartSize(size, this.cfg.partSizeMiB * MIB);
    const sizes = Number.isInteger(count)
      ? partSizeCandidates(size, configured).filter((p) => Math.ceil(size / p) === count)
      : [];
    let first: string | undefined;
    for (const p of sizes.length ? sizes : [configured]) {
      const etag = await expectedMultipartEtag(source, size, p);
      if (etag === stored) return etag;
      first ??= etag;
    }
    return first;
  }

  /** Adaptive transfers cut a file for the link (link-estimate.ts); fixed ones at the configured size. */
  private partSizeFor(size: number): number {
    const configured = this.cfg.partSizeMiB * MIB;
    if (this.runtime.adaptive === false) return configured;
    const inFlight = this.runtime.maxPartsPerFile ?? this.runtime.partsPerFile ?? 4;
    return partSizeForLink(size, {
      link: this.link,
      configured,
      concurrency: this.link.concurrency ?? inFlight,
      memoryBudget: configured * inFlight,
    });
  }

  /**
   * Ask the store to restore an archived (DEEP_ARCHIVE) object for `days`. Deep Archive restores
   * take up to 12 hours (Standard tier; Bulk up to 48 h) before the object can be read.
   */
  async requestRestore(
    key: string,
    opts: { days: number; tier: RestoreTier } = { days: 7, tier: 'Standard' },
  ): Promise<void> {
    try {
      await withRetry(
        `Requesting the restore of ${key} from ${this.name}`,
        () =>
          this.client.send(
            new RestoreObjectCommand({
              Bucket: this.cfg.bucket,
              Key: this.fullKey(key),
              RestoreRequest: { Days: opts.days, GlacierJobParameters: { Tier: opts.tier } },
            }),
          ),
        this.retryContext(),
      );
    } catch (err) {
      // Asked twice: the first request stands (S3 answers 409 while it runs).
      if (/RestoreAlreadyInProgress/.test((err as Error).name + (err as Error).message)) return;
      throw err;
    }
  }

  async delete(key: string, signal?: AbortSignal): Promise<Removal> {
    return removeObject(
      {
        client: this.client,
        bucket: this.cfg.bucket,
        name: this.name,
        mode: this.cfg.noncurrentVersions ?? 'lifecycle',
        ...(this.ledger ? { ledger: this.ledger } : {}),
        ...(this.runtime.retry ? { retry: this.runtime.retry } : {}),
        ...(signal ? { signal } : {}),
      },
      key,
      this.fullKey(key),
    );
  }

  async abortAbandonedUploads(prefix: string): Promise<string[]> {
    const base = this.keyPrefix();
    const found = await attributeUploads(await listUploads(this.client, this.cfg.bucket, base + prefix), {
      journalDir: this.runtime.journalDir,
      destination: this,
      keyPrefix: base,
    });
    const abandoned = found.filter((u) => u.ours !== 'journal');
    await abortUploads(this.client, this.cfg.bucket, abandoned);
    return abandoned.map((u) => u.key.slice(base.length));
  }

  close(): void {
    void this.ledger?.close();
    this.client.destroy();
  }
}

/** S3's `x-amz-restore` header: `ongoing-request="true"`, or `ongoing-request="false", expiry-date="…"`. */
export function parseRestore(header: string | undefined): RemoteObject['restore'] {
  if (!header) return undefined;
  if (/ongoing-request="true"/.test(header)) return { ongoing: true };
  const expiry = /expiry-date="([^"]+)"/.exec(header)?.[1];
  return { ongoing: false, ...(expiry ? { expiry } : {}) };
}
