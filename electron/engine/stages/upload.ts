/**
 * Upload stages. Each delivers into the title's version folder (`<titleId>/<version>/`, claimed
 * by the claim stage) and then commits: the claim is checked to still name this delivery, the
 * public entry points are switched, and the version becomes the live one (engine/title/claim.ts).
 * Origin: every file of the verified package, driven by the manifest, through one shared pool,
 * after one listing of what is already there; segments and init segments first, then media
 * playlists, then the version's master playlist and manifest, so the origin never references a
 * chunk it does not hold. Archive: the untouched source master and the package as one
 * deterministic tar. Progress counts bytes the destination acknowledged, not bytes buffered.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { StageProgress } from '../../common/jobs.js';
import { MANIFEST_FILE, manifestSchema, type Manifest, type ManifestFile } from '../../common/manifest.js';
import type { UploadedObject } from '../../common/report.js';
import { formatBytes } from '../../common/format.js';
import { claimKey, safeFileName, versionKey } from '../../common/title.js';
import type { Destination, RemoteObject, TransferDetail } from '../destinations/destination.js';
import { contentTypeFor, joinKey } from '../destinations/destination.js';
import { hashFile } from '../util/hash-file.js';
import { RateEstimator } from '../util/rate.js';
import { basename, join } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { TarSource } from '../transfer/tar-source.js';
import { commitAt, sweepRetired } from '../title/claim.js';
import { entryPointsFromPackage } from '../title/entry-points.js';
import type { StageRunner } from '../queue/job-queue.js';
import { alreadyDelivered, need, type PipelineContext } from './context.js';

export type ProgressSink = (p: Pick<StageProgress, 'fraction' | 'etaSeconds' | 'detail'>) => void;

/** Tracks acknowledged bytes across many concurrent objects and reports fraction, rate and ETA. */
class ByteProgress {
  private readonly acked = new Map<string, number>();
  private readonly extra = new Map<string, TransferDetail>();
  private total = 0;
  private readonly eta: RateEstimator;

  constructor(
    private readonly totalBytes: number,
    private readonly sink: ProgressSink | undefined,
  ) {
    this.eta = new RateEstimator(totalBytes);
  }

  update(key: string, bytes: number, detail?: TransferDetail): void {
    this.total += bytes - (this.acked.get(key) ?? 0);
    this.acked.set(key, bytes);
    if (detail) this.extra.set(key, detail);
    // Bytes found at the store on resume are not this run's speed: the rate starts after them.
    let reused = 0;
    let inFlight = 0;
    for (const d of this.extra.values()) {
      reused += d.reused;
      inFlight += d.inFlight;
    }
    this.eta.add(this.total - reused);
    const rate = this.eta.rate();
    const etaSeconds = this.eta.etaSeconds(this.totalBytes - this.total);
    this.sink?.({
      fraction: this.totalBytes === 0 ? 1 : this.total / this.totalBytes,
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      detail:
        `${formatBytes(this.total)} of ${formatBytes(this.totalBytes)} acknowledged` +
        (inFlight ? ` · ${formatBytes(inFlight)} in flight` : '') +
        (rate ? ` · ${formatBytes(rate)}/s` : '') +
        (reused ? ` · resumed: ${formatBytes(reused)} were already at the store` : ''),
    });
  }
}

/** Order in which package files must reach the origin: data before the playlists that name it. */
export function uploadWaves(files: ManifestFile[]): ManifestFile[][] {
  const rank = (f: ManifestFile): number => (f.kind === 'media-playlist' ? 1 : f.kind === 'master-playlist' || f.kind === 'dash-manifest' ? 2 : 0);
  return [0, 1, 2].map((r) => files.filter((f) => rank(f) === r)).filter((w) => w.length > 0);
}

export interface UploadPackageOptions {
  destination: Destination;
  packageDir: string;
  manifest: Manifest;
  /** Key prefix the package goes under: the title's version folder, `<titleId>/<version>`. */
  keyPrefix: string;
  /** The station's shared pool of small-object uploads (default: 16 in flight). */
  pool?: LimitFunction;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

export async function uploadPackage(opts: UploadPackageOptions): Promise<UploadedObject[]> {
  const manifestStat = await stat(join(opts.packageDir, MANIFEST_FILE));
  const manifestDigest = await hashFile(join(opts.packageDir, MANIFEST_FILE));
  const manifestEntry = { path: MANIFEST_FILE, size: manifestStat.size, md5: manifestDigest.md5 };
  // The manifest travels with the package, in the last wave together with the master playlist.
  const waves = uploadWaves(opts.manifest.files);
  const files = [...opts.manifest.files, manifestEntry];
  const progress = new ByteProgress(
    files.reduce((n, f) => n + f.size, 0),
    opts.onProgress,
  );
  const limit = opts.pool ?? pLimit(16);
  // One listing of the title's prefix replaces a HEAD per object (10,000 chunks → ~10 list pages).
  const existing = new Map<string, RemoteObject>();
  for await (const o of opts.destination.list(opts.keyPrefix + '/')) existing.set(o.key, o);
  const results: UploadedObject[] = [];
  const send = (f: { path: string; size: number; md5: string }): Promise<void> =>
    limit(async () => {
      const key = joinKey(opts.keyPrefix, f.path);
      const r = await opts.destination.put({
        localPath: join(opts.packageDir, ...f.path.split('/')),
        key,
        size: f.size,
        md5: f.md5,
        existing: existing.get(key) ?? null,
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (b) => progress.update(key, b),
      });
      results.push({ destination: opts.destination.name, key, size: f.size, md5: f.md5, ...(r.skipped ? { skipped: true } : {}) });
    });
  for (const [i, wave] of waves.entries()) {
    const batch = wave.map(send);
    if (i === waves.length - 1) batch.push(send(manifestEntry));
    // allSettled, then rethrow: no upload keeps running unobserved after a sibling failed.
    const settled = await Promise.allSettled(batch);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
  return results.sort((a, b) => a.key.localeCompare(b.key));
}

/** The title and version a delivery goes into, and the job that owns the claim. */
export interface DeliveryTarget {
  titleId: string;
  version: string;
  jobId: string;
  /** How long the version this one replaces stays for viewers mid-title (ms). */
  retireGraceMs: number;
}

/** The claim object and the entry points as report rows (their MD5 is of what was written). */
async function commitRows(dest: Destination, t: DeliveryTarget, names: string[]): Promise<UploadedObject[]> {
  const rows: UploadedObject[] = [];
  for (const key of [...names.map((n) => joinKey(t.titleId, n)), claimKey(t.titleId)]) {
    const o = await dest.getObject(key);
    if (o) rows.push({ destination: dest.name, key, size: o.body.length, md5: createHash('md5').update(o.body).digest('hex') });
  }
  return rows;
}

/**
 * The package into `<titleId>/<version>/`, then the commit: entry points switched to this version
 * and the claim made current (only while it still names this delivery), then retired versions
 * past their grace period removed.
 */
export async function deliverPackage(opts: Omit<UploadPackageOptions, 'keyPrefix'> & DeliveryTarget): Promise<UploadedObject[]> {
  const uploaded = await uploadPackage({ ...opts, keyPrefix: `${opts.titleId}/${opts.version}` });
  const entries = await entryPointsFromPackage(opts.packageDir, opts.manifest, opts.version);
  await commitAt({
    destination: opts.destination,
    titleId: opts.titleId,
    jobId: opts.jobId,
    version: opts.version,
    ...(opts.signal ? { signal: opts.signal } : {}),
    publish: async () => {
      for (const e of entries) await opts.destination.writeObject(joinKey(opts.titleId, e.name), e.body, { contentType: contentTypeFor(e.name), ...(opts.signal ? { signal: opts.signal } : {}) });
    },
  });
  await sweepRetired(opts.destination, opts.titleId, opts.retireGraceMs, opts.signal ? { signal: opts.signal } : {});
  return [...uploaded, ...(await commitRows(opts.destination, opts, entries.map((e) => e.name)))].sort((a, b) => a.key.localeCompare(b.key));
}

export interface UploadArchiveOptions extends DeliveryTarget {
  destination: Destination;
  sourcePath: string;
  packageDir: string;
  manifest: Manifest;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

/**
 * Archive key layout: `<titleId>/<version>/source/<master file name>` (made safe as a key: a "\"
 * or a control character in a POSIX file name becomes "_") and `<titleId>/<version>/package.tar`.
 */
export function archiveKeys(titleId: string, version: string, sourcePath: string): { source: string; tar: string } {
  return { source: versionKey(titleId, version, `source/${safeFileName(basename(sourcePath))}`), tar: versionKey(titleId, version, 'package.tar') };
}

/** The package as one deterministic tar: manifest.json first, then every file in manifest order. */
export async function packageTar(packageDir: string, manifest: Manifest, titleId: string): Promise<TarSource> {
  const manifestSize = (await stat(join(packageDir, MANIFEST_FILE))).size;
  const members = [
    { name: `${titleId}/${MANIFEST_FILE}`, path: join(packageDir, MANIFEST_FILE), size: manifestSize },
    ...manifest.files.map((f) => ({ name: `${titleId}/${f.path}`, path: join(packageDir, ...f.path.split('/')), size: f.size })),
  ];
  return new TarSource(`package tar of ${titleId}`, members);
}

/**
 * Archive the untouched source master and the package as one tar object (Deep Archive bills
 * per-object overhead and restores per object: 10,000 chunks must not become 10,000 objects),
 * then commit the version at the archive.
 */
export async function uploadArchive(opts: UploadArchiveOptions): Promise<UploadedObject[]> {
  const keys = archiveKeys(opts.titleId, opts.version, opts.sourcePath);
  const digest = await hashFile(opts.sourcePath, opts.signal);
  const tar = await packageTar(opts.packageDir, opts.manifest, opts.titleId);
  const progress = new ByteProgress(digest.size + tar.size, opts.onProgress);
  const sent = await opts.destination.put({
    localPath: opts.sourcePath,
    key: keys.source,
    size: digest.size,
    md5: digest.md5,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (b, d) => progress.update(keys.source, b, d),
  });
  const tarResult = await opts.destination.putSource({
    source: tar,
    key: keys.tar,
    contentType: 'application/x-tar',
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (b, d) => progress.update(keys.tar, b, d),
  });
  await commitAt({ destination: opts.destination, titleId: opts.titleId, jobId: opts.jobId, version: opts.version, ...(opts.signal ? { signal: opts.signal } : {}) });
  await sweepRetired(opts.destination, opts.titleId, opts.retireGraceMs, opts.signal ? { signal: opts.signal } : {});
  return [
    { destination: opts.destination.name, key: keys.source, size: digest.size, md5: digest.md5, ...(sent.skipped ? { skipped: true } : {}) },
    { destination: opts.destination.name, key: keys.tar, size: tar.size, md5: tarResult.etag ?? '', ...(tarResult.skipped ? { skipped: true } : {}) },
    ...(await commitRows(opts.destination, opts, [])),
  ];
}

export async function loadManifest(packageDir: string): Promise<Manifest> {
  return manifestSchema.parse(JSON.parse(await readFile(join(packageDir, MANIFEST_FILE), 'utf8')));
}

function deliveredSummary(uploads: UploadedObject[]): Record<string, { objects: number; bytes: number; skipped: number }> {
  const out: Record<string, { objects: number; bytes: number; skipped: number }> = {};
  for (const u of uploads) {
    const d = (out[u.destination] ??= { objects: 0, bytes: 0, skipped: 0 });
    d.objects++;
    d.bytes += u.size;
    if (u.skipped) d.skipped++;
  }
  return out;
}

function target(ctx: PipelineContext, job: Parameters<StageRunner['run']>[0]['job']): DeliveryTarget {
  const claim = need(job, 'title claim', job.claim);
  return { titleId: claim.titleId, version: claim.version, jobId: job.id, retireGraceMs: ctx.retireGraceMs };
}

export function uploadOriginStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'uploadOrigin',
    async run({ job, signal, progress }) {
      if (alreadyDelivered(job)) return 'skipped';
      const packageDir = need(job, 'package', job.packageDir);
      const uploaded = await deliverPackage({
        destination: ctx.origin,
        packageDir,
        manifest: await loadManifest(packageDir),
        ...target(ctx, job),
        pool: ctx.objectsPool,
        signal,
        onProgress: progress,
      });
      job.uploads = [...job.uploads.filter((u) => u.destination !== ctx.origin.name), ...uploaded];
      job.delivered = deliveredSummary(job.uploads);
      return 'done';
    },
  };
}

export function uploadArchiveStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'uploadArchive',
    async run({ job, signal, progress }) {
      if (!ctx.archive || alreadyDelivered(job)) return 'skipped';
      const packageDir = need(job, 'package', job.packageDir);
      const uploaded = await uploadArchive({
        destination: ctx.archive,
        sourcePath: job.sourcePath,
        packageDir,
        manifest: await loadManifest(packageDir),
        ...target(ctx, job),
        signal,
        onProgress: progress,
      });
      job.uploads = [...job.uploads.filter((u) => u.destination !== ctx.archive?.name), ...uploaded];
      job.delivered = deliveredSummary(job.uploads);
      return 'done';
    },
  };
}
