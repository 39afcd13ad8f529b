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
import pLimit from 'p-limit';
import type { Pool } from '../transfer/adaptive-limit.js';
import type { StageProgress } from '../../common/jobs.js';
import { MANIFEST_FILE, manifestSchema, type Manifest, type ManifestFile } from '../../common/manifest.js';
import type { UploadedObject } from '../../common/report.js';
import { formatBytes } from '../../common/format.js';
import { claimKey, safeFileName, versionKey } from '../../common/title.js';
import type { Destination, RemoteObject, TransferDetail } from '../destinations/destination.js';
import { contentTypeFor, describeRemovals, joinKey } from '../destinations/destination.js';
import { hashFile } from '../util/hash-file.js';
import { RateEstimator } from '../util/rate.js';
import { basename, join } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { TarSource } from '../transfer/tar-source.js';
import { commitAt, sweepRetired } from '../title/claim.js';
import { entryPointsFromPackage } from '../title/entry-points.js';
import type { JobRecord, StageRunner } from '../queue/job-queue.js';
import { alreadyDelivered, journalOf, need, titleDestinations, type PipelineContext } from './context.js';
import type { VerifiedChunk } from '../package/chunk-journal.js';
import { linkedAbort } from '../util/errors.js';

export type ProgressSink = (p: Pick<StageProgress, 'fraction' | 'etaSeconds' | 'detail'>) => void;
/** Bytes the store acknowledged in this run (not bytes found there from before): the throughput meter's input. */
export type AckSink = (bytes: number) => void;

/** Tracks acknowledged bytes across many concurrent objects and reports fraction, rate and ETA. */
class ByteProgress {
  private readonly acked = new Map<string, number>();
  private readonly extra = new Map<string, TransferDetail>();
  private total = 0;
  private sentThisRun = 0;
  private readonly eta: RateEstimator;

  constructor(
    private readonly totalBytes: number,
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
    for (const d of this.extra.values()) {
      reused += d.reused;
      inFlight += d.inFlight;
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
      detail:
        `${formatBytes(this.total)} of ${formatBytes(this.totalBytes)} acknowledged` +
        (inFlight ? ` · ${formatBytes(inFlight)} in flight` : '') +
        (rate ? ` · ${formatBytes(rate)}/s` : '') +
        (reused ? ` · resumed: ${formatBytes(reused)} were already at the store` : ''),
    });
  }
}

/** What the meter saw of this title's transfer to `destination`, kept in the job (and its report). */
function recordTransfer(ctx: PipelineContext, job: JobRecord, destination: string): void {
  const stats = ctx.meter?.stats(job.id)[destination];
  if (stats) job.transfers = { ...job.transfers, [destination]: stats };
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
async function abortAbandoned(dest: Destination, t: DeliveryTarget): Promise<void> {
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

/**
 * Archive key layout: `<titleId>/<version>/source/<master file name>` (made safe as a key: a "\"
 * or a control character in a POSIX file name becomes "_") and `<titleId>/<version>/package.tar`.
 */
export function archiveKeys(titleId: string, version: string, sourcePath: string): { source: string; tar: string } {
  return {
    source: versionKey(titleId, version, `source/${safeFileName(basename(sourcePath))}`),
    tar: versionKey(titleId, version, 'package.tar'),
  };
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
  const progress = new ByteProgress(size, opts.onProgress, opts.onAcked);
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
  const progress = new ByteProgress(tar.size, opts.onProgress, opts.onAcked);
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

export async function loadManifest(packageDir: string): Promise<Manifest> {
  return manifestSchema.parse(JSON.parse(await readFile(join(packageDir, MANIFEST_FILE), 'utf8')));
}

function deliveredSummary(
  uploads: UploadedObject[],
): Record<string, { objects: number; bytes: number; skipped: number }> {
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
  const fence = ctx.fence;
  return {
    titleId: claim.titleId,
    version: claim.version,
    jobId: job.id,
    retireGraceMs: ctx.retireGraceMs,
    ...(fence ? { fence: () => fence(job.id) } : {}),
    note: (line) => {
      if (!job.warnings.includes(line)) job.warnings.push(line);
    },
    peers: titleDestinations(ctx),
  };
}

/**
 * Origin, side by side with verify: every chunk goes up as soon as verify has proven it (through
 * the station's pool of small objects), and the journal records each acknowledgement so a restart
 * sends nothing twice. Once verify has written the package, the playlists follow in waves — media
 * playlists, then the version's master playlist and manifest — and the commit switches the title's
 * entry points: the origin never names a chunk it does not hold.
 */
export function uploadOriginStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'uploadOrigin',
    after: ['claim'],
    async run({ job, signal, progress }) {
      if (!ctx.deliver || alreadyDelivered(job)) return 'skipped';
      const journal = await journalOf(ctx, job);
      const t = target(ctx, job);
      const dest = ctx.origin;
      await abortAbandoned(dest, t);
      const prefix = `${t.titleId}/${t.version}`;
      const flying = new Map<string, Promise<void>>();
      // A failed chunk wakes the loop below (which otherwise sleeps until the journal changes).
      const local = linkedAbort(signal);
      let failure: unknown;
      let bytes = 0;
      const rate = new RateEstimator(1);
      const acked = (): number => journal.sent.get(dest.name)?.size ?? 0;
      const report = (): void => {
        rate.add(bytes);
        const r = rate.rate();
        const total = journal.encodedSets !== undefined ? ` of ${journal.publishedCount()}` : '';
        progress({
          fraction: Math.min(0.95, acked() / Math.max(1, journal.publishedCount())),
          detail: `${acked()}${total} chunks acknowledged by ${dest.name} · ${formatBytes(bytes)} sent this run${r ? ` · ${formatBytes(r)}/s` : ''}`,
        });
      };
      const send = (v: VerifiedChunk): void => {
        flying.set(
          v.path,
          ctx
            .objectsPool(async () => {
              const put = await dest.put({
                localPath: join(job.packageDir!, ...v.path.split('/')),
                key: joinKey(prefix, v.path),
                size: v.size,
                md5: v.md5,
                existing: null,
                signal: local.signal,
              });
              if (!put.skipped) ctx.meter?.acknowledged(job.id, dest.name, v.size);
              await journal.append({ t: 'sent', d: dest.name, path: v.path, md5: v.md5 });
              bytes += v.size;
              report();
            })
            .catch((err: unknown) => {
              // Withdrawn while it was sent (verify rejected its set, which is encoded again): not ours to fail on.
              if (!journal.isVerified(v) && !local.signal.aborted) return;
              failure ??= err;
              local.controller.abort(err);
            })
            .finally(() => flying.delete(v.path)),
        );
      };
      try {
        // Our place in the journal's verdicts: each proven chunk is taken once, as it appears.
        let cursor = 0;
        while (!journal.packaged && !failure && !local.signal.aborted) {
          while (cursor < journal.verifiedLog.length) {
            const v = journal.verifiedLog[cursor++]!;
            if (
              v.i >= 0 &&
              journal.isVerified(v) &&
              journal.sent.get(dest.name)?.get(v.path) !== v.md5 &&
              !flying.has(v.path)
            )
              send(v);
          }
          await journal.changed(local.signal).catch(() => undefined);
        }
        await Promise.allSettled(flying.values());
      } finally {
        local.dispose();
      }
      if (failure) throw failure;
      signal.throwIfAborted();
      const packageDir = need(job, 'package', job.packageDir);
      await ctx.fence?.(job.id);
      const delivered = await deliverPackage({
        destination: dest,
        packageDir,
        manifest: await loadManifest(packageDir),
        ...t,
        pool: ctx.objectsPool,
        signal,
        onProgress: progress,
        onAcked: (b) => ctx.meter?.acknowledged(job.id, dest.name, b),
      });
      // A chunk this job sent while the title was encoding is found at the store now, but it was
      // uploaded by this delivery, not skipped: the report says so.
      const streamed = journal.sent.get(dest.name);
      const uploaded = delivered.map(({ skipped, ...u }) =>
        skipped && !streamed?.has(u.key.slice(prefix.length + 1)) ? { ...u, skipped } : u,
      );
      job.uploads = [...job.uploads.filter((u) => u.destination !== dest.name), ...uploaded];
      job.delivered = deliveredSummary(job.uploads);
      recordTransfer(ctx, job, dest.name);
      return 'done';
    },
  };
}

/**
 * Archive: the master goes up while the title is still being encoded; the package tar once verify
 * has written the package; then the archive's commit.
 */
export function uploadArchiveStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'uploadArchive',
    after: ['claim'],
    async run({ job, signal, progress }) {
      if (!ctx.deliver || !ctx.archive || alreadyDelivered(job)) return 'skipped';
      const dest = ctx.archive;
      const journal = await journalOf(ctx, job);
      const t = target(ctx, job);
      await abortAbandoned(dest, t);
      const SOURCE = '@source';
      let master = job.uploads.find(
        (u) => u.destination === dest.name && u.key === archiveKeys(t.titleId, t.version, job.sourcePath).source,
      );
      if (!journal.sent.get(dest.name)?.has(SOURCE) || !master) {
        master = await uploadArchiveMaster({
          destination: dest,
          sourcePath: job.sourcePath,
          ...t,
          signal,
          onAcked: (b) => ctx.meter?.acknowledged(job.id, dest.name, b),
          onProgress: (p) => progress({ ...p, fraction: p.fraction * 0.8, detail: `master: ${p.detail}` }),
        });
        job.uploads = [...job.uploads.filter((u) => u.destination !== dest.name), master];
        await journal.append({ t: 'sent', d: dest.name, path: SOURCE, md5: master.md5 });
      }
      progress({ fraction: 0.8, detail: 'master archived · waiting for the package' });
      await journal.until(() => journal.packaged !== undefined, signal);
      const packageDir = need(job, 'package', job.packageDir);
      await ctx.fence?.(job.id);
      const uploaded = await uploadArchivePackage({
        destination: dest,
        sourcePath: job.sourcePath,
        packageDir,
        manifest: await loadManifest(packageDir),
        ...t,
        signal,
        onAcked: (b) => ctx.meter?.acknowledged(job.id, dest.name, b),
        onProgress: (p) => progress({ ...p, fraction: 0.8 + p.fraction * 0.2, detail: `package tar: ${p.detail}` }),
      });
      job.uploads = [...job.uploads.filter((u) => u.destination !== dest.name), master, ...uploaded];
      job.delivered = deliveredSummary(job.uploads);
      recordTransfer(ctx, job, dest.name);
      return 'done';
    },
  };
}
