/**
 * The delivery library: a package into a title's version folder (`<titleId>/<version>/`, claimed
 * by the claim stage) and then the commit: the claim is checked to still name this delivery, the
 * public entry points are switched, and the version becomes the live one (engine/title/claim.ts).
 * Origin: every file of the verified package, driven by the manifest, through one shared pool,
 * after one listing of what is already there; segments and init segments first, then media
 * playlists, then the version's master playlist and manifest, so the origin never references a
 * chunk it does not hold. Archive: the untouched source master and the package as one
 * deterministic tar. Progress counts bytes the destination acknowledged, not bytes buffered.
 * The upload stages (stages/upload-origin.ts, stages/upload-archive.ts), the audit's repair and
 * the CLI's `upload` use it.
 */
import pLimit from 'p-limit';
import type { Pool } from '../transfer/adaptive-limit.js';
import type { StageProgress } from '../../common/jobs.js';
import { MANIFEST_FILE, manifestSchema, type Manifest, type ManifestFile } from '../../common/manifest.js';
import type { UploadedObject } from '../../common/report.js';
import { formatBytes } from '../../common/format.js';
import { claimKey } from '../../common/title.js';
import type { Destination, RemoteObject, TransferDetail } from '../destinations/destination.js';
import { contentTypeFor, describeRemovals, joinKey } from '../destinations/destination.js';
import { hashFile } from '../util/hash-file.js';
import { RateEstimator } from '../util/rate.js';
import { join } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { TarSource } from '../transfer/tar-source.js';
import { commitAt, sweepRetired } from '../title/claim.js';
import { entryPointsFromPackage } from '../title/entry-points.js';
import { archiveKeys } from '../title/archive-keys.js';

export type ProgressSink = (p: Pick<StageProgress, 'fraction' | 'etaSeconds' | 'detail'>) => void;
/** Bytes the store acknowledged in this run (not bytes found there from before): the throughput meter's input. */
export type AckSink = (bytes: number) => void;

/**
 * Tracks acknowledged bytes across many concurrent objects and reports fraction, rate, ETA — and
 * what the pass is really doing: a file the store already holds whole (same size and MD5, e.g. a
 * chunk streamed minutes ago) is *confirmed*, not sent; bytes of an unfinished multipart upload
 * found at the store are *resumed*.
 */
class ByteProgress {
  private readonly acked = new Map<string, number>();
  private readonly extra = new Map<string, TransferDetail>();
  private total = 0;
  private sentThisRun = 0;
  private readonly eta: RateEstimator;

  constructor(
    private readonly totalBytes: number,
    private readonly files: number,
    private readonly sink: ProgressSink | undefined,
    private readonly onAcked?: AckSink,
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
    let confirmed = 0;
    let resumed = 0;
    for (const [k, d] of this.extra) {
      reused += d.reused;
      inFlight += d.inFlight;
      if (d.inFlight === 0 && d.reused > 0 && d.reused === this.acked.get(k)) confirmed++;
      else resumed += d.reused;
    }
    this.eta.add(this.total - reused);
    if (this.total - reused > this.sentThisRun) {
      this.onAcked?.(this.total - reused - this.sentThisRun);
      this.sentThisRun = this.total - reused;
    }
    const rate = this.eta.rate();
    const etaSeconds = this.eta.etaSeconds(this.totalBytes - this.total);
    this.sink?.({
      fraction: this.totalBytes === 0 ? 1 : this.total / this.totalBytes,
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      detail: [
        confirmed ? `confirming delivered files: ${confirmed} of ${this.files} already at the store` : '',
        this.sentThisRun ? `sending: ${formatBytes(this.sentThisRun)} sent this run` : '',
        `${formatBytes(this.total)} of ${formatBytes(this.totalBytes)} acknowledged`,
        inFlight ? `${formatBytes(inFlight)} in flight` : '',
        rate ? `${formatBytes(rate)}/s` : '',
        resumed ? `resumed: ${formatBytes(resumed)} were already at the store` : '',
      ]
        .filter(Boolean)
        .join(' · '),
    });
  }
}

/** Order in which package files must reach the origin: data before the playlists that name it. */
export function uploadWaves(files: ManifestFile[]): ManifestFile[][] {
  const rank = (f: ManifestFile): number =>
    f.kind === 'media-playlist' || f.kind === 'image-playlist'
      ? 1
      : f.kind === 'master-playlist' || f.kind === 'dash-manifest'
        ? 2
        : 0;
  return [0, 1, 2].map((r) => files.filter((f) => rank(f) === r)).filter((w) => w.length > 0);
}

export interface UploadPackageOptions {
  destination: Destination;
  packageDir: string;
  manifest: Manifest;
  /** Key prefix the package goes under: the title's version folder, `<titleId>/<version>`. */
  keyPrefix: string;
  /** The station's shared pool of small-object uploads (default: 16 in flight). */
  pool?: Pool;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  onAcked?: AckSink;
  /** Send only these package paths (the audit's repair), in the same order. Default: every file. */
  only?: (path: string) => boolean;
  /** Send even what the store already holds with the same size and MD5 (a repair of bad bytes). */
  force?: boolean;
}

export async function uploadPackage(opts: UploadPackageOptions): Promise<UploadedObject[]> {
  const manifestStat = await stat(join(opts.packageDir, MANIFEST_FILE));
  const manifestDigest = await hashFile(join(opts.packageDir, MANIFEST_FILE));
  const chosen = opts.only ?? (() => true);
  const manifestEntry = { path: MANIFEST_FILE, size: manifestStat.size, md5: manifestDigest.md5 };
  const sendManifest = chosen(MANIFEST_FILE);
  // The manifest travels with the package, in the last wave together with the master playlist.
  const waves = uploadWaves(opts.manifest.files.filter((f) => chosen(f.path)));
  const files = [...opts.manifest.files.filter((f) => chosen(f.path)), ...(sendManifest ? [manifestEntry] : [])];
  const progress = new ByteProgress(
    files.reduce((n, f) => n + f.size, 0),
    files.length,
    opts.onProgress,
    opts.onAcked,
  );
  const limit: Pool = opts.pool ?? pLimit(16);
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
        ...(opts.force ? { force: true } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (b, d) => progress.update(key, b, d),
      });
      results.push({
        destination: opts.destination.name,
        key,
        size: f.size,
        md5: f.md5,
        ...(r.skipped ? { skipped: true } : {}),
      });
    });
  if (waves.length === 0 && sendManifest) waves.push([]);
  for (const [i, wave] of waves.entries()) {
    const batch = wave.map(send);
    if (i === waves.length - 1 && sendManifest) batch.push(send(manifestEntry));
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
  /** A farm worker's fencing check, right before the commit (see PipelineContext.fence). */
  fence?: () => Promise<void>;
  /** What removing the replaced version meant at the store (delete markers, refusals), for the job's warnings. */
  note?: (line: string) => void;
  /** Every store the title is claimed at: a version one calls retired is removed only when none calls it live. */
  peers?: Destination[];
}

/** Sweep the retired versions whose grace is over and say what the store did with them. */
async function sweepAndSay(dest: Destination, t: DeliveryTarget, signal?: AbortSignal): Promise<void> {
  const swept = await sweepRetired(dest, t.titleId, t.retireGraceMs, {
    ...(t.peers ? { peers: t.peers } : {}),
    ...(signal ? { signal } : {}),
  });
  const said = describeRemovals(
    dest.name,
    swept.removals.filter((r) => r.outcome !== 'deleted'),
  );
  if (said) t.note?.(said);
  for (const k of swept.kept)
    t.note?.(`${dest.name}: ${k.version} is called retired by the claim there but was not removed: ${k.why}`);
}

/**
 * Before a delivery sends anything into its version folder: what an earlier attempt of it left
 * unfinished there (a failed or killed run, a job taken over — multipart uploads no part journal of
 * this work folder can resume) is aborted by its owner rather than left to bill.
 */
export async function abortAbandoned(dest: Destination, t: DeliveryTarget): Promise<void> {
  const aborted = (await dest.abortAbandonedUploads?.(`${t.titleId}/${t.version}/`)) ?? [];
  if (aborted.length)
    t.note?.(`${dest.name}: an earlier attempt's unfinished uploads of ${aborted.join(', ')} were aborted`);
}

/** The claim object and the entry points as report rows (their MD5 is of what was written). */
async function commitRows(dest: Destination, t: DeliveryTarget, names: string[]): Promise<UploadedObject[]> {
  const rows: UploadedObject[] = [];
  for (const key of [...names.map((n) => joinKey(t.titleId, n)), claimKey(t.titleId)]) {
    const o = await dest.getObject(key);
    if (o)
      rows.push({
        destination: dest.name,
        key,
        size: o.body.length,
        md5: createHash('md5').update(o.body).digest('hex'),
      });
  }
  return rows;
}

/**
 * The package into `<titleId>/<version>/`, then the commit: entry points switched to this version
 * and the claim made current (only while it still names this delivery), then retired versions
 * past their grace period removed.
 */
export async function deliverPackage(
  opts: Omit<UploadPackageOptions, 'keyPrefix'> & DeliveryTarget,
): Promise<UploadedObject[]> {
  const uploaded = await uploadPackage({ ...opts, keyPrefix: `${opts.titleId}/${opts.version}` });
  const entries = await entryPointsFromPackage(opts.packageDir, opts.manifest, opts.version);
  await opts.fence?.();
  await commitAt({
    destination: opts.destination,
    titleId: opts.titleId,
    jobId: opts.jobId,
    version: opts.version,
    manifestSha256: (await hashFile(join(opts.packageDir, MANIFEST_FILE))).sha256,
    ...(opts.signal ? { signal: opts.signal } : {}),
    publish: async () => {
      for (const e of entries)
        await opts.destination.writeObject(joinKey(opts.titleId, e.name), e.body, {
          contentType: contentTypeFor(e.name),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
    },
  });
  await sweepAndSay(opts.destination, opts, opts.signal);
  return [
    ...uploaded,
    ...(await commitRows(
      opts.destination,
      opts,
      entries.map((e) => e.name),
    )),
  ].sort((a, b) => a.key.localeCompare(b.key));
}

export interface UploadArchiveOptions extends DeliveryTarget {
  destination: Destination;
  sourcePath: string;
  packageDir: string;
  manifest: Manifest;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  onAcked?: AckSink;
}

/** The package as one deterministic tar: manifest.json first, then every file in manifest order. */
export async function packageTar(packageDir: string, manifest: Manifest, titleId: string): Promise<TarSource> {
  const manifestSize = (await stat(join(packageDir, MANIFEST_FILE))).size;
  const members = [
    { name: `${titleId}/${MANIFEST_FILE}`, path: join(packageDir, MANIFEST_FILE), size: manifestSize },
    ...manifest.files.map((f) => ({
      name: `${titleId}/${f.path}`,
      path: join(packageDir, ...f.path.split('/')),
      size: f.size,
    })),
  ];
  return new TarSource(`package tar of ${titleId}`, members);
}

/**
 * The untouched source master to the archive — started as soon as the title is claimed, while it
 * is still being encoded. Large masters go multipart (resumable, part by part); no whole-file hash
 * first (that would read 500 GB twice): the store's ETag is what the report records.
 */
export async function uploadArchiveMaster(
  opts: Omit<UploadArchiveOptions, 'packageDir' | 'manifest'>,
): Promise<UploadedObject> {
  const keys = archiveKeys(opts.titleId, opts.version, opts.sourcePath);
  const size = (await stat(opts.sourcePath)).size;
  const progress = new ByteProgress(size, 1, opts.onProgress, opts.onAcked);
  const sent = await opts.destination.put({
    localPath: opts.sourcePath,
    key: keys.source,
    size,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (b, d) => progress.update(keys.source, b, d),
  });
  const head = await opts.destination.head(keys.source);
  return {
    destination: opts.destination.name,
    key: keys.source,
    size,
    md5: head?.etag ?? '',
    ...(sent.skipped ? { skipped: true } : {}),
  };
}

/**
 * The package as one tar object (Deep Archive bills per-object overhead and restores per object:
 * 10,000 chunks must not become 10,000 objects), then the version's commit at the archive.
 */
export async function uploadArchivePackage(opts: UploadArchiveOptions): Promise<UploadedObject[]> {
  const keys = archiveKeys(opts.titleId, opts.version, opts.sourcePath);
  const tar = await packageTar(opts.packageDir, opts.manifest, opts.titleId);
  const progress = new ByteProgress(tar.size, 1, opts.onProgress, opts.onAcked);
  const tarResult = await opts.destination.putSource({
    source: tar,
    key: keys.tar,
    contentType: 'application/x-tar',
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (b, d) => progress.update(keys.tar, b, d),
  });
  await opts.fence?.();
  await commitAt({
    destination: opts.destination,
    titleId: opts.titleId,
    jobId: opts.jobId,
    version: opts.version,
    manifestSha256: (await hashFile(join(opts.packageDir, MANIFEST_FILE))).sha256,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  await sweepAndSay(opts.destination, opts, opts.signal);
  return [
    {
      destination: opts.destination.name,
      key: keys.tar,
      size: tar.size,
      md5: tarResult.etag ?? '',
      ...(tarResult.skipped ? { skipped: true } : {}),
    },
    ...(await commitRows(opts.destination, opts, [])),
  ];
}

/** Master and package to the archive, one after the other (the CLI; the pipeline overlaps them). */
export async function uploadArchive(opts: UploadArchiveOptions): Promise<UploadedObject[]> {
  return [await uploadArchiveMaster(opts), ...(await uploadArchivePackage(opts))];
}

/** The package's manifest.json, checked against its schema. */
export async function loadManifest(packageDir: string): Promise<Manifest> {
  return manifestSchema.parse(JSON.parse(await readFile(join(packageDir, MANIFEST_FILE), 'utf8')));
}
