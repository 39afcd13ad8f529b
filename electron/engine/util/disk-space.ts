import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatBytes } from '../../common/format.js';
import { StationError } from './errors.js';

/** Fail before starting work that cannot fit: a full disk mid-transcode wastes the hour spent. */
export async function assertDiskSpace(dir: string, neededBytes: number, what: string): Promise<void> {
  const st = await statfsNearest(dir);
  const free = Number(st.bavail) * Number(st.bsize);
  if (free < neededBytes) {
    throw new StationError(
      `Not enough disk space for ${what}: it needs about ${formatBytes(neededBytes)}; ${formatBytes(free)} is free on ${dir}. Free some space or move the work folder (workDir).`,
      'disk-full',
    );
  }
}

/** A package's likely size: every rung's and the audio's bit rate over the duration, plus 25 % headroom. */
export function estimatePackageBytes(durationSec: number, kbps: number[]): number {
  return Math.ceil(((durationSec * kbps.reduce((a, b) => a + b, 0) * 1000) / 8) * 1.25);
}

/** statfs of the folder, or of its nearest existing parent (a package folder not made yet). */
async function statfsNearest(dir: string): Promise<Awaited<ReturnType<typeof statfs>>> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      return await statfs(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw err;
    }
  }
}

/** The disk filled up under a write: Node's ENOSPC, or ffmpeg saying so in its stderr. */
export function isDiskFull(err: unknown): boolean {
  if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC') return true;
  const text = `${(err as Error | undefined)?.message ?? ''}\n${(err as StationError | undefined)?.detail ?? ''}`;
  return /No space left on device|ENOSPC/i.test(text);
}

/**
 * Whether `err` came from a disk that filled up under `path`: said so (ENOSPC), or any failure while
 * the volume has (almost) nothing left — a segment cut short by a full disk fails its proof
 * ("not a single-track CMAF media segment") before ffmpeg's own "No space left" arrives.
 */
export async function filledUp(err: unknown, path: string): Promise<boolean> {
  if (isDiskFull(err)) return true;
  const st = await statfsNearest(path).catch(() => undefined);
  return st !== undefined && Number(st.bavail) * Number(st.bsize) < NEARLY_FULL_BYTES;
}

/** Less than this left on a volume counts as full: not even one more chunk of a top rung fits. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/** The mount point (volume) `path` lives on: the highest folder above it on the same device. */
export async function volumeOf(path: string): Promise<string> {
  let top = path;
  let dev: number | undefined;
  for (let dir = path; ; dir = dirname(dir)) {
    const st = await stat(dir).catch(() => undefined);
    if (st) {
      if (dev !== undefined && st.dev !== dev) return top;
      dev = st.dev;
      top = dir;
    }
    if (dirname(dir) === dir) return top;
  }
}

/**
 * The sentence for a disk that filled up while `path` was being written: which volume, how much is
 * free, how much the work needs, and what to do.
 */
export async function diskFullError(path: string, neededBytes: number, what: string): Promise<StationError> {
  const volume = await volumeOf(path);
  const st = await statfsNearest(path).catch(() => undefined);
  const free = st ? Number(st.bavail) * Number(st.bsize) : undefined;
  return new StationError(
    `The disk filled up while ${what} was being written to ${path}: free space on ${volume} (${free !== undefined ? `${formatBytes(free)} free now; ` : ''}about ${formatBytes(neededBytes)} needed), or move the work folder (workDir) to a larger disk, then retry — what was finished is kept.`,
    'disk-full',
  );
}
