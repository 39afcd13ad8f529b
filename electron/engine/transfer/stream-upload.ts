/**
 * Streams of unknown length — a supplier's `tar … | ingest-station upload - --key …` — through
 * @aws-sdk/lib-storage's `Upload` (the one module that uses it): parts buffered in memory (part
 * size × parts in flight, a bound that does not grow with the stream), a single PUT when the stream
 * fits in one part, and the multipart upload aborted if anything fails. Not resumable: the bytes of
 * a pipe cannot be read again (a file is uploaded by transfer/multipart.ts, which resumes).
 */
import type { Readable } from 'node:stream';
import type { S3Client, StorageClass } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describeTransferError } from './retry.js';
import { unquote } from './etag.js';

export interface StreamUploadOptions {
  client: S3Client;
  bucket: string;
  key: string;
  body: Readable;
  partSize: number;
  partsInFlight: number;
  storageClass?: string;
  contentType?: string;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

export async function uploadStream(o: StreamUploadOptions): Promise<{ etag?: string; size: number }> {
  let size = 0;
  const upload = new Upload({
    client: o.client,
    params: {
      Bucket: o.bucket,
      Key: o.key,
      Body: o.body,
      ...(o.contentType ? { ContentType: o.contentType } : {}),
      ...(o.storageClass ? { StorageClass: o.storageClass as StorageClass } : {}),
    },
    partSize: o.partSize,
    queueSize: o.partsInFlight,
    // A failed stream upload leaves nothing behind at the store.
    leavePartsOnError: false,
  });
  upload.on('httpUploadProgress', (p) => {
    size = Math.max(size, p.loaded ?? 0);
    o.onProgress?.(size);
  });
  const onAbort = (): void => void upload.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const out = await upload.done();
    const etag = unquote(out.ETag);
    return { ...(etag ? { etag } : {}), size };
  } catch (err) {
    throw describeTransferError(err, `Streaming to ${o.key}`);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}
