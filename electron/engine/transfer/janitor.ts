/**
 * Finds and aborts unfinished multipart uploads. An unfinished upload keeps its parts — and keeps
 * billing, at Deep Archive rates on the archive — until someone aborts it.
 */
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { abortUpload } from './multipart.js';
import { withRetry } from './retry.js';

export interface StaleUpload {
  key: string;
  uploadId: string;
  initiated?: string;
}

export async function listUploads(client: S3Client, bucket: string, prefix = '', olderThanMs = 0): Promise<StaleUpload[]> {
  const out: StaleUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  const cutoff = Date.now() - olderThanMs;
  for (;;) {
    const page = await withRetry(`Listing unfinished uploads in ${bucket}`, () =>
      client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
        }),
      ),
    );
    for (const u of page.Uploads ?? []) {
      if (!u.Key || !u.UploadId) continue;
      if (olderThanMs > 0 && u.Initiated && u.Initiated.getTime() > cutoff) continue;
      out.push({ key: u.Key, uploadId: u.UploadId, ...(u.Initiated ? { initiated: u.Initiated.toISOString() } : {}) });
    }
    if (!page.IsTruncated) return out;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
    if (!keyMarker && !uploadIdMarker) return out;
  }
}

export async function abortUploads(client: S3Client, bucket: string, uploads: StaleUpload[]): Promise<void> {
  for (const u of uploads) await abortUpload(client, bucket, u.key, u.uploadId);
}

/** "24h", "30m", "7d", "90s" → milliseconds. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`not an age: ${JSON.stringify(text)} (use e.g. 90s, 30m, 24h, 7d)`);
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
