/**
 * Finds and aborts unfinished multipart uploads. An unfinished upload keeps its parts — and keeps
 * billing, at Deep Archive rates on the archive — until someone aborts it. Only uploads the station
 * can prove are its own are aborted by default: one its part journals started, or one inside a
 * version folder that an Ingest Station claim names. Another tool's upload in the same bucket is
 * listed and left alone unless the operator says `--all`.
 */
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { knownVersions } from '../../common/title.js';
import type { Destination } from '../destinations/destination.js';
import { readClaim } from '../title/claim.js';
import { CLOCK_SLACK_MS, abortUpload } from './multipart.js';
import { PartJournal } from './part-journal.js';
import { withRetry } from './retry.js';

export interface StaleUpload {
  key: string;
  uploadId: string;
  initiated?: string;
  /** How the station knows it started this upload; absent: it cannot tell (another tool's?). */
  ours?: 'journal' | 'claim';
}

/**
 * Upload ids this work folder's part journals started, and the keys whose upload a journal asked
 * for but never heard back about (a crash in between): an upload of that key since then is ours.
 */
async function journalledUploads(journalDir: string): Promise<{ ids: Set<string>; intents: Map<string, number> }> {
  const ids = new Set<string>();
  const intents = new Map<string, number>();
  for (const f of await readdir(journalDir).catch(() => [] as string[])) {
    if (!f.endsWith('.jsonl')) continue;
    // Another process may be appending to it: read only. One that cannot be read proves nothing.
    const j = await new PartJournal(join(journalDir, f)).load({ readOnly: true }).catch(() => undefined);
    if (j?.state === 'started') ids.add(j.uploadId);
    else if (j?.state === 'pending') intents.set(j.header.key, Date.parse(j.header.createdAt) - CLOCK_SLACK_MS);
  }
  return { ids, intents };
}

/**
 * Mark each upload with how the station knows it is its own. `keyPrefix` is the destination's
 * configured prefix (keys from the listing are full keys).
 */
export async function attributeUploads(
  uploads: StaleUpload[],
  opts: { journalDir: string; destination: Destination; keyPrefix: string },
): Promise<StaleUpload[]> {
  const journalled = await journalledUploads(opts.journalDir);
  const claims = new Map<string, Set<string> | undefined>();
  const out: StaleUpload[] = [];
  for (const u of uploads) {
    const since = journalled.intents.get(u.key);
    if (
      journalled.ids.has(u.uploadId) ||
      (since !== undefined && u.initiated !== undefined && Date.parse(u.initiated) >= since)
    ) {
      out.push({ ...u, ours: 'journal' });
      continue;
    }
    const [titleId, version] = u.key.slice(opts.keyPrefix.length).split('/');
    if (titleId && version) {
      if (!claims.has(titleId))
        claims.set(
          titleId,
          await readClaim(opts.destination, titleId).then(
            (r) => (r ? knownVersions(r.claim) : undefined),
            () => undefined,
          ),
        );
      if (claims.get(titleId)?.has(version)) {
        out.push({ ...u, ours: 'claim' });
        continue;
      }
    }
    out.push(u);
  }
  return out;
}

export async function listUploads(
  client: S3Client,
  bucket: string,
  prefix = '',
  olderThanMs = 0,
): Promise<StaleUpload[]> {
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
