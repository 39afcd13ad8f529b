/**
 * Upload stages. Origin: every file of the verified package, driven by the manifest, through one
 * shared pool; segments and init segments first, then media playlists, then the master playlist, so
 * the origin never references a chunk it does not hold. Archive: the source master (the
 * transfer-engine issue adds the package as one deterministic tar). Progress counts bytes the
 * destination acknowledged, not bytes buffered.
 */
import { basename } from 'node:path';
import pLimit from 'p-limit';
import type { StageProgress } from '../../common/jobs.js';
import { MANIFEST_FILE, type Manifest, type ManifestFile } from '../../common/manifest.js';
import type { UploadedObject } from '../../common/report.js';
import { formatBytes } from '../../common/format.js';
import type { Destination } from '../destinations/destination.js';
import { joinKey } from '../destinations/destination.js';
import { hashFile } from '../util/hash-file.js';
import { RateEstimator } from '../util/rate.js';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';

export type ProgressSink = (p: Pick<StageProgress, 'fraction' | 'etaSeconds' | 'detail'>) => void;

/** Tracks acknowledged bytes across many concurrent objects and reports fraction, rate and ETA. */
class ByteProgress {
  private readonly acked = new Map<string, number>();
  private total = 0;
  private readonly eta: RateEstimator;

  constructor(
    private readonly totalBytes: number,
    private readonly sink: ProgressSink | undefined,
  ) {
    this.eta = new RateEstimator(totalBytes);
  }

  update(key: string, bytes: number): void {
    this.total += bytes - (this.acked.get(key) ?? 0);
    this.acked.set(key, bytes);
    this.eta.add(this.total);
    const rate = this.eta.rate();
    const etaSeconds = this.eta.etaSeconds();
    this.sink?.({
      fraction: this.totalBytes === 0 ? 1 : this.total / this.totalBytes,
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      detail: `${formatBytes(this.total)} of ${formatBytes(this.totalBytes)}${rate ? ` · ${formatBytes(rate)}/s` : ''}`,
    });
  }
}

/** Order in which package files must reach the origin: data before the playlists that name it. */
export function uploadWaves(files: ManifestFile[]): ManifestFile[][] {
  const rank = (f: ManifestFile): number => (f.kind === 'media-playlist' ? 1 : f.kind === 'master-playlist' ? 2 : 0);
  return [0, 1, 2].map((r) => files.filter((f) => rank(f) === r)).filter((w) => w.length > 0);
}

export interface UploadPackageOptions {
  destination: Destination;
  packageDir: string;
  manifest: Manifest;
  /** Key prefix for this title at the destination (e.g. the title slug). */
  titleKey: string;
  concurrency?: number;
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
  const limit = pLimit(opts.concurrency ?? 16);
  const results: UploadedObject[] = [];
  const send = (f: { path: string; size: number; md5: string }): Promise<void> =>
    limit(async () => {
      const key = joinKey(opts.titleKey, f.path);
      const r = await opts.destination.put({
        localPath: join(opts.packageDir, ...f.path.split('/')),
        key,
        size: f.size,
        md5: f.md5,
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

export interface UploadSourceOptions {
  destination: Destination;
  sourcePath: string;
  titleKey: string;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

/** Archive the untouched source master under <title>/source/<file name>. */
export async function uploadSource(opts: UploadSourceOptions): Promise<UploadedObject[]> {
  const digest = await hashFile(opts.sourcePath, opts.signal);
  const key = joinKey(opts.titleKey, 'source', basename(opts.sourcePath));
  const progress = new ByteProgress(digest.size, opts.onProgress);
  const r = await opts.destination.put({
    localPath: opts.sourcePath,
    key,
    size: digest.size,
    md5: digest.md5,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (b) => progress.update(key, b),
  });
  return [{ destination: opts.destination.name, key, size: digest.size, md5: digest.md5, ...(r.skipped ? { skipped: true } : {}) }];
}
