/**
 * Removing an object from an S3 bucket, versioned or not, and saying what it meant.
 *
 * Unversioned: DeleteObject removes it. Versioned (S3, B2, radosgw): DeleteObject without a version
 * ID only adds a delete marker — listings and GETs no longer see the key, but every older version
 * stays and is billed until the bucket's lifecycle rules expire it. With `noncurrentVersions:
 * "delete-own"` the station then deletes, by version ID, the versions its ledger says it wrote
 * (version-ledger.ts), never another's; the marker goes too when nothing else is left under it (a
 * marker kept over another writer's version stops that version from becoming current again).
 *
 * A store that refuses (AccessDenied: a key without s3:DeleteObject, or Object Lock's "forbidden by
 * object lock") leaves the object as it was; that is returned, not thrown, so the caller can name
 * what it left (an archive key without delete rights is the recommended setup).
 */
import { DeleteObjectCommand, ListObjectVersionsCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { Removal } from './destination.js';
import type { VersionLedger } from './version-ledger.js';
import { describeTransferError, withRetry, type RetryPolicy } from '../transfer/retry.js';
import { StationError } from '../util/errors.js';

export interface RemovalContext {
  client: S3Client;
  bucket: string;
  name: string;
  mode: 'lifecycle' | 'delete-own';
  ledger?: VersionLedger;
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

/** The store said no (permissions or Object Lock): nothing was changed. */
export function isRefusal(err: unknown): boolean {
  if (err instanceof S3ServiceException)
    return err.$metadata?.httpStatusCode === 403 || /AccessDenied|forbidden by object lock/i.test(err.message);
  return (
    err instanceof StationError && /^s3-(AccessDenied|Forbidden)$/.test(err.code) // after describeTransferError
  );
}

async function send<T>(ctx: RemovalContext, what: string, fn: () => Promise<T>): Promise<T> {
  return withRetry(what, fn, {
    ...(ctx.retry ? { policy: ctx.retry } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

/** Every version (and delete marker) of exactly this key, newest first as the store lists them. */
async function versionsOf(ctx: RemovalContext, Key: string): Promise<{ versionId: string; marker: boolean }[]> {
  const out: { versionId: string; marker: boolean }[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await send(ctx, `Listing the versions of ${Key} on ${ctx.name}`, () =>
      ctx.client.send(
        new ListObjectVersionsCommand({
          Bucket: ctx.bucket,
          Prefix: Key,
          ...(KeyMarker ? { KeyMarker } : {}),
          ...(VersionIdMarker ? { VersionIdMarker } : {}),
        }),
      ),
    );
    for (const v of page.Versions ?? [])
      if (v.Key === Key && v.VersionId) out.push({ versionId: v.VersionId, marker: false });
    for (const m of page.DeleteMarkers ?? [])
      if (m.Key === Key && m.VersionId) out.push({ versionId: m.VersionId, marker: true });
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker);
  return out;
}

async function deleteVersion(ctx: RemovalContext, Key: string, VersionId: string): Promise<boolean> {
  try {
    await send(ctx, `Deleting version ${VersionId} of ${Key} on ${ctx.name}`, () =>
      ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key, VersionId })),
    );
    return true;
  } catch (err) {
    if (isRefusal(err)) return false;
    throw err;
  }
}

export async function removeObject(ctx: RemovalContext, key: string, Key: string): Promise<Removal> {
  let marker: string | undefined;
  try {
    const out = await send(ctx, `Deleting ${Key} from ${ctx.name}`, () =>
      ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key })),
    );
    if (!out.DeleteMarker && !out.VersionId) return { key, outcome: 'deleted' };
    marker = out.VersionId;
  } catch (err) {
    if (isRefusal(err))
      return { key, outcome: 'refused', detail: describeTransferError(err, `Deleting ${Key}`).message };
    throw err;
  }
  ctx.ledger?.record(Key, marker);
  if (ctx.mode !== 'delete-own' || !ctx.ledger) return { key, outcome: 'marker' };
  // The marker hides the key first, so deleting versions below it never lets another writer's
  // older version become the current one.
  let left = 0;
  for (const v of await versionsOf(ctx, Key)) {
    if (v.versionId === marker) continue;
    if ((await ctx.ledger.wrote(Key, v.versionId)) && (await deleteVersion(ctx, Key, v.versionId))) continue;
    left++;
  }
  if (left > 0) return { key, outcome: 'marker', versionsLeft: left };
  if (marker && !(await deleteVersion(ctx, Key, marker))) return { key, outcome: 'marker', versionsLeft: 0 };
  return { key, outcome: 'deleted', versionsLeft: 0 };
}
