/**
 * S3 destination for any S3-compatible store (Backblaze B2, AWS S3, radosgw).
 * Integrity uses Content-MD5 on every request that carries data, and the SDK's own flexible
 * checksums are limited to WHEN_REQUIRED: B2 rejects `x-amz-checksum-*` headers and the SDK's
 * default CRC32 + aws-chunked streaming breaks on radosgw (measured, see docs/ARCHITECTURE.md).
 *
 * Walking skeleton: objects up to SINGLE_PUT_MAX go as one PutObject from a buffer (retryable by
 * the SDK); larger ones through lib-storage. The transfer-engine issue replaces the large path with
 * a resumable multipart uploader that owns its journal (lib-storage cannot resume across restarts).
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { S3DestinationConfig } from '../../common/config.js';
import { StationError, linkedAbort, throwIfAborted } from '../util/errors.js';
import { md5HexToBase64 } from '../util/hash-file.js';
import { assertSafeKey, contentTypeFor, joinKey, type Destination, type PutRequest, type PutResult, type RemoteObject } from './destination.js';

export const SINGLE_PUT_MAX = 16 * 1024 * 1024;

export function createS3Client(cfg: S3DestinationConfig): S3Client {
  return new S3Client({
    region: cfg.region,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    forcePathStyle: cfg.forcePathStyle,
    ...(cfg.accessKeyId && cfg.secretAccessKey
      ? { credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } }
      : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
  });
}

/** One sentence for an S3 failure: code, HTTP status and what was being done. No credentials. */
export function describeS3Error(err: unknown, action: string): StationError {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata?.httpStatusCode;
    return new StationError(`${action} failed: ${err.name}${status ? ` (HTTP ${status})` : ''}: ${err.message}`, `s3-${err.name}`);
  }
  const e = err as NodeJS.ErrnoException;
  return new StationError(`${action} failed: ${e.code ? e.code + ' ' : ''}${e.message ?? String(err)}`, 's3-network');
}

const unquote = (etag: string | undefined): string | undefined => etag?.replace(/^"|"$/g, '');

export class S3Destination implements Destination {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(
    readonly name: string,
    private readonly cfg: S3DestinationConfig,
  ) {
    this.client = createS3Client(cfg);
  }

  describe(): string {
    return `s3://${this.cfg.bucket}${this.cfg.prefix ? '/' + this.cfg.prefix.replace(/^\/+|\/+$/g, '') : ''}` +
      (this.cfg.endpoint ? ` at ${this.cfg.endpoint}` : '');
  }

  locate(key: string): string {
    return `s3://${this.cfg.bucket}/${this.fullKey(key)}`;
  }

  private fullKey(key: string): string {
    assertSafeKey(key);
    return joinKey(this.cfg.prefix, key);
  }

  async put(req: PutRequest): Promise<PutResult> {
    throwIfAborted(req.signal);
    const existing = await this.head(req.key);
    if (existing && existing.size === req.size && existing.etag === req.md5) {
      req.onProgress?.(req.size);
      return { skipped: true };
    }
    const Key = this.fullKey(req.key);
    const common = {
      Bucket: this.cfg.bucket,
      Key,
      ContentType: req.contentType ?? contentTypeFor(req.key),
      ...(this.cfg.storageClass ? { StorageClass: this.cfg.storageClass as StorageClass } : {}),
    };
    const abort = linkedAbort(req.signal);
    try {
      if (req.size <= SINGLE_PUT_MAX) {
        // From a buffer so the SDK can retry the request after a reset (a consumed stream cannot be replayed).
        const body = await readFile(req.localPath);
        if (body.length !== req.size) throw new StationError(`${req.localPath} changed since it was verified`, 'source-changed');
        const out = await this.client.send(
          new PutObjectCommand({ ...common, Body: body, ContentLength: body.length, ContentMD5: md5HexToBase64(req.md5) }),
          { abortSignal: abort.signal },
        );
        // AWS and B2 return the MD5 as the ETag of a single-part object: a mismatch means corruption in flight.
        const etag = unquote(out.ETag);
        if (etag && /^[0-9a-f]{32}$/.test(etag) && etag !== req.md5) {
          throw new StationError(`${Key}: the store's ETag ${etag} does not match the local MD5 ${req.md5}`, 'etag-mismatch');
        }
      } else {
        const upload = new Upload({
          client: this.client,
          params: { ...common, Body: createReadStream(req.localPath) },
          queueSize: 4,
          partSize: Math.max(8 * 1024 * 1024, Math.ceil(req.size / 10_000)),
          leavePartsOnError: false,
          abortController: abort.controller,
        });
        await upload.done();
      }
      req.onProgress?.(req.size);
      return { skipped: false };
    } catch (err) {
      if (err instanceof StationError) throw err;
      if (req.signal?.aborted) throw err;
      throw describeS3Error(err, `Upload of ${Key} to ${this.name}`);
    } finally {
      abort.dispose();
    }
  }

  async head(key: string): Promise<RemoteObject | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.cfg.bucket, Key: this.fullKey(key) }));
      const etag = unquote(out.ETag);
      return { key, size: out.ContentLength ?? 0, ...(etag ? { etag } : {}) };
    } catch (err) {
      if (err instanceof S3ServiceException && (err.$metadata?.httpStatusCode === 404 || err.name === 'NotFound')) return undefined;
      throw describeS3Error(err, `HEAD ${key} on ${this.name}`);
    }
  }

  async *list(prefix: string): AsyncIterable<RemoteObject> {
    const base = this.cfg.prefix ? joinKey(this.cfg.prefix) + '/' : '';
    let ContinuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: base + prefix, ...(ContinuationToken ? { ContinuationToken } : {}) }),
        );
      } catch (err) {
        throw describeS3Error(err, `Listing ${prefix} on ${this.name}`);
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        const etag = unquote(o.ETag);
        yield { key: o.Key.slice(base.length), size: o.Size ?? 0, ...(etag ? { etag } : {}) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async read(key: string): Promise<Uint8Array> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.fullKey(key) }));
      if (!out.Body) throw new Error('empty body');
      return await out.Body.transformToByteArray();
    } catch (err) {
      throw describeS3Error(err, `Reading ${key} from ${this.name}`);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
