/**
 * Audit of a queued title: its origin (and archive, when configured) against its manifest — the
 * local one, or the version's copy at the origin when the local package is gone — at the title ID
 * and version its claim stage recorded.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, manifestSchema, type AuditRecord, type Manifest } from '../../common/manifest.js';
import { versionKey } from '../../common/title.js';
import type { KeyStore } from '../package/encryption.js';
import type { Pool } from '../transfer/adaptive-limit.js';
import type { Destination, RestoreTier } from '../destinations/destination.js';
import type { JobRecord } from '../queue/job-queue.js';
import { StationError } from '../util/errors.js';
import { auditTitle, type Rebuild } from './title-audit.js';
import { manifestTrust, type ManifestTrust } from './evidence.js';

export interface JobAuditContext {
  origin: Destination;
  archive?: Destination;
  ffprobePath(): string;
  /** How long replaced versions stay for viewers mid-title (ms); a repair removes them after that. */
  retireGraceMs: number;
  /** Content keys of encrypted titles (a repair decodes the local package through them). */
  keys?: KeyStore;
  /** The station's shared pool of small objects, for a repair's uploads. */
  pool?: Pool;
  /** Restores of archived copies a repair needs (tier and days). */
  restore?: { tier: RestoreTier; days: number };
  /** A title whose archived package tar is gone is transcoded again from its archived master. */
  rebuild?: Rebuild;
}

/** Audits kept per title: enough history to show "last proven whole", bounded for the UI. */
const KEEP_AUDITS = 20;

export interface TitleManifest {
  manifest: Manifest;
  /** Read back from the origin (the local package is gone): its bytes and how far they are trusted. */
  fromStore?: { text: Buffer; trust: ManifestTrust };
}

/**
 * The title's manifest: the local package's, else the version's copy at the origin — checked
 * against the SHA-256 this station recorded when it made the package (audit/evidence.ts); one that
 * disagrees is replaced by the archive's copy when that one agrees, else the audit says so.
 */
export async function manifestFor(
  job: JobRecord,
  ctx: Pick<JobAuditContext, 'origin' | 'archive'>,
  titleId: string,
  version: string,
): Promise<TitleManifest> {
  if (job.packageDir) {
    try {
      return {
        manifest: manifestSchema.parse(JSON.parse(await readFile(join(job.packageDir, MANIFEST_FILE), 'utf8'))),
      };
    } catch {
      /* gone: fall back to the origin's copy */
    }
  }
  let text: Buffer;
  try {
    text = Buffer.from(await ctx.origin.read(versionKey(titleId, version, MANIFEST_FILE)));
  } catch (err) {
    throw new StationError(
      `"${job.title}" has no manifest locally or at the origin (${(err as Error).message}): nothing to audit against`,
      'no-manifest',
    );
  }
  const trust = await manifestTrust({
    text,
    titleId,
    version,
    store: ctx.origin,
    ...(ctx.archive ? { archive: ctx.archive } : {}),
    ...(job.verified?.manifestSha256 ? { recorded: job.verified.manifestSha256 } : {}),
  });
  if (trust.state === 'disagrees' && trust.replacement)
    return { manifest: trust.replacement.manifest, fromStore: { text: trust.replacement.text, trust } };
  if (trust.state === 'disagrees')
    throw new StationError(`"${job.title}": ${trust.detail} — nothing is repaired on its word`, 'manifest-disagrees');
  return { manifest: manifestSchema.parse(JSON.parse(text.toString('utf8'))), fromStore: { text, trust } };
}

export async function auditJob(
  job: JobRecord,
  ctx: JobAuditContext,
  opts: { repair?: boolean; deep?: boolean | number; signal?: AbortSignal } = {},
): Promise<AuditRecord[]> {
  if (!job.claim)
    throw new StationError(
      `"${job.title}" has no title claim (it was delivered by an older version of the station): deliver it again to audit it`,
      'no-claim',
    );
  const { titleId, version } = job.claim;
  const { manifest, fromStore } = await manifestFor(job, ctx, titleId, version);
  const common = {
    manifest,
    titleId,
    version,
    masterPath: job.sourcePath,
    peers: [ctx.origin, ...(ctx.archive ? [ctx.archive] : [])],
    ...(fromStore
      ? {
          manifestText: fromStore.text,
          trust: fromStore.trust.state === 'disagrees' ? ('confirmed' as const) : fromStore.trust.state,
        }
      : {}),
    retireGraceMs: ctx.retireGraceMs,
    ...(job.packageDir ? { packageDir: job.packageDir } : {}),
    ...(opts.repair
      ? {
          repair: true,
          ffprobePath: ctx.ffprobePath(),
          ...(ctx.keys ? { keys: ctx.keys } : {}),
          ...(ctx.pool ? { pool: ctx.pool } : {}),
        }
      : {}),
    ...(opts.deep !== undefined ? { deep: opts.deep } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const records = await auditTitle({
    ...common,
    destination: ctx.origin,
    role: 'origin',
    ...(ctx.archive ? { archive: ctx.archive } : {}),
    ...(ctx.restore ? { restore: ctx.restore } : {}),
    ...(ctx.rebuild ? { rebuild: ctx.rebuild } : {}),
  });
  if (ctx.archive) {
    records.push(
      ...(await auditTitle({
        ...common,
        destination: ctx.archive,
        role: 'archive',
        ...(ctx.archive.storageClass ? { storageClass: ctx.archive.storageClass } : {}),
      })),
    );
  }
  // A title waiting on a restore is audited again and again: keep one waiting record, not a trail of them.
  const kept = (job.audits ?? []).filter((r) => !(r.restore && records.some((n) => n.destination === r.destination)));
  job.audits = [...kept, ...records].slice(-KEEP_AUDITS);
  return records;
}

/** The records that describe the current state: the last one per destination. */
export function latestAudits(records: AuditRecord[]): AuditRecord[] {
  const last = new Map<string, AuditRecord>();
  for (const r of records) last.set(r.destination, r);
  return [...last.values()];
}
