/**
 * Object Lock on an S3 archive: every object the station writes there carries the destination's
 * retention (`objectLock: {mode, days}` → ObjectLockMode + ObjectLockRetainUntilDate, with the
 * Content-MD5 S3 requires of such writes — the station sends one on every PutObject and part).
 *
 * Trust the store's answer, not the request: radosgw 16 accepts the lock headers on
 * CreateMultipartUpload and completes the object without any retention (measured), so after a
 * multipart upload the station reads the version's retention back and, where it is missing or
 * shorter, puts it with PutObjectRetention on that version. The same call extends retention
 * later (`audit --dest archive --extend-retention`); a store never lets it be shortened.
 */
import {
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  PutObjectRetentionCommand,
  type ObjectLockMode,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectRetention } from './destination.js';
import { withRetry, type RetryPolicy } from '../transfer/retry.js';

export interface LockSetting {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days: number;
}

const DAY_MS = 86_400_000;

/** The retention a write made now must carry. */
export function retentionFor(lock: LockSetting, now = Date.now()): ObjectRetention {
  return { mode: lock.mode, until: new Date(now + lock.days * DAY_MS).toISOString() };
}

/** Request fields for a write under retention (PutObject, CreateMultipartUpload). */
export function lockHeaders(lock: LockSetting | undefined): {
  ObjectLockMode?: ObjectLockMode;
  ObjectLockRetainUntilDate?: Date;
} {
  if (!lock) return {};
  const r = retentionFor(lock);
  return { ObjectLockMode: r.mode, ObjectLockRetainUntilDate: new Date(r.until) };
}

/** A retention as the SDK reports it (HEAD), or undefined when the version has none. */
export function retentionOf(head: {
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
}): ObjectRetention | undefined {
  if (!head.ObjectLockMode || !head.ObjectLockRetainUntilDate) return undefined;
  return { mode: head.ObjectLockMode as ObjectRetention['mode'], until: head.ObjectLockRetainUntilDate.toISOString() };
}

/** True when `have` protects at least as long as `want` (COMPLIANCE counts as at least GOVERNANCE). */
export function covers(have: ObjectRetention | undefined, want: ObjectRetention): boolean {
  if (!have) return false;
  if (want.mode === 'COMPLIANCE' && have.mode !== 'COMPLIANCE') return false;
  return Date.parse(have.until) >= Date.parse(want.until) - 60_000;
}

export interface LockContext {
  client: S3Client;
  bucket: string;
  name: string;
  retry?: RetryPolicy;
}

const policy = (ctx: LockContext) => (ctx.retry ? { policy: ctx.retry } : {});

/** Put `want` on one version (extend, or set where the write carried none). */
export async function putRetention(
  ctx: LockContext,
  Key: string,
  versionId: string | undefined,
  want: ObjectRetention,
): Promise<void> {
  await withRetry(
    `Setting the retention of ${Key} on ${ctx.name}`,
    () =>
      ctx.client.send(
        new PutObjectRetentionCommand({
          Bucket: ctx.bucket,
          Key,
          ...(versionId ? { VersionId: versionId } : {}),
          Retention: { Mode: want.mode, RetainUntilDate: new Date(want.until) },
        }),
      ),
    policy(ctx),
  );
}

/** After a write: the version's retention as the store holds it, put right where it falls short. */
export async function ensureRetention(
  ctx: LockContext,
  Key: string,
  versionId: string | undefined,
  lock: LockSetting,
): Promise<ObjectRetention> {
  const want = retentionFor(lock);
  const head = await withRetry(
    `Reading the retention of ${Key} on ${ctx.name}`,
    () =>
      ctx.client.send(
        new HeadObjectCommand({ Bucket: ctx.bucket, Key, ...(versionId ? { VersionId: versionId } : {}) }),
      ),
    policy(ctx),
  );
  const have = retentionOf(head);
  // Within a day of what was asked at write time: already right (the write's own retention).
  if (have && covers(have, { ...want, until: new Date(Date.parse(want.until) - DAY_MS).toISOString() })) return have;
  await putRetention(ctx, Key, head.VersionId ?? versionId, want);
  return want;
}

/** The bucket's Object Lock configuration: enabled or not, and its default retention. */
export async function lockConfiguration(
  ctx: LockContext,
): Promise<{ enabled: boolean; defaultRetention?: { mode: string; days?: number; years?: number } }> {
  try {
    const out = await withRetry(
      `Reading the Object Lock configuration of ${ctx.bucket}`,
      () => ctx.client.send(new GetObjectLockConfigurationCommand({ Bucket: ctx.bucket })),
      policy(ctx),
    );
    const c = out.ObjectLockConfiguration;
    const d = c?.Rule?.DefaultRetention;
    return {
      enabled: c?.ObjectLockEnabled === 'Enabled',
      ...(d?.Mode
        ? {
            defaultRetention: {
              mode: d.Mode,
              ...(d.Days ? { days: d.Days } : {}),
              ...(d.Years ? { years: d.Years } : {}),
            },
          }
        : {}),
    };
  } catch (err) {
    // S3 answers ObjectLockConfigurationNotFoundError for a bucket made without Object Lock.
    if (
      /ObjectLockConfigurationNotFound|NoSuchObjectLockConfiguration/i.test(
        `${(err as Error).name} ${(err as Error).message}`,
      )
    )
      return { enabled: false };
    throw err;
  }
}
