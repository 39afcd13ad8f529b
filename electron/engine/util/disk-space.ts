import { statfs } from 'node:fs/promises';
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
