/**
 * Picture quality as this ffmpeg can measure it. Debian's ffmpeg 5.1 has `ssim` and `psnr` but no
 * `libvmaf` (and no Debian or npm package provides it): the probe measures SSIM there and VMAF
 * where the build lists libvmaf, and says which (`pickMetric`). The comparison filters write their
 * per-frame results to files in the run's folder (`stats_file=`, `log_path=`: relative names, so no
 * path escaping in the filter graph); the readers turn them into sums the probe pools over windows.
 *
 *   ssim:   n:1 Y:0.995 U:0.997 V:0.998 All:0.996 (23.9)
 *   psnr:   n:1 mse_avg:0.92 mse_y:1.05 … psnr_avg:48.49 …
 *   libvmaf (json): { "pooled_metrics": { "vmaf": { "mean": 93.1, … } }, "frames": [ … ] }
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { QualityMetric } from '../../common/ladder.js';
import { childOptions } from '../ffmpeg/child.js';

/** Per-frame results pooled: frames, the metric's sum and (PSNR) the summed mean squared error. */
export interface Pooled {
  frames: number;
  sum: number;
}

/** `ssim` with its per-frame file: main input first (passed through), reference second. */
export const ssimFilter = (file: string): string => `ssim=stats_file=${file}`;
export const psnrFilter = (file: string): string => `psnr=stats_file=${file}`;
/** libvmaf: distorted first, reference second (FFmpeg ≤ 6's order), the pooled mean in a JSON log. */
export const vmafFilter = (file: string, threads: number): string =>
  `libvmaf=log_fmt=json:log_path=${file}:n_threads=${threads}`;

export function parseSsimStats(text: string): Pooled {
  let frames = 0;
  let sum = 0;
  for (const m of text.matchAll(/\bAll:([0-9.]+)/g)) {
    frames++;
    sum += Number(m[1]);
  }
  return { frames, sum };
}

/** PSNR pooled the honest way: from the mean of the frames' MSE, not the mean of their dB. */
export function parsePsnrStats(text: string): Pooled {
  let frames = 0;
  let sum = 0;
  for (const m of text.matchAll(/\bmse_avg:([0-9.]+)/g)) {
    frames++;
    sum += Number(m[1]);
  }
  return { frames, sum };
}

/** PSNR (dB) of 8-bit pictures from pooled MSE; identical pictures read as 100 dB. */
export const psnrOf = (p: Pooled): number =>
  p.frames === 0 || p.sum <= 0 ? 100 : Math.min(100, 10 * Math.log10((255 * 255) / (p.sum / p.frames)));

export function parseVmafLog(text: string): Pooled {
  const log = JSON.parse(text) as { frames?: unknown[]; pooled_metrics?: { vmaf?: { mean?: number } } };
  const mean = log.pooled_metrics?.vmaf?.mean;
  const frames = log.frames?.length ?? 0;
  if (mean === undefined || frames === 0) throw new Error('the libvmaf log has no pooled VMAF');
  return { frames, sum: mean * frames };
}

export async function readPooled(path: string, parse: (text: string) => Pooled): Promise<Pooled> {
  return parse(await readFile(path, 'utf8'));
}

/** Whether this ffmpeg lists the libvmaf filter. */
export async function hasLibvmaf(ffmpegPath: string): Promise<boolean> {
  const { stdout } = await promisify(execFile)(ffmpegPath, ['-hide_banner', '-filters'], {
    timeout: 20_000,
    maxBuffer: 8 << 20,
    ...childOptions(),
  });
  return /^\s*\S+\s+libvmaf\s/m.test(stdout);
}

/** The metric to measure with and why (VMAF where available unless SSIM is asked for). */
export async function pickMetric(
  ffmpegPath: string,
  wanted: QualityMetric | 'auto' = 'auto',
): Promise<{ metric: QualityMetric; reason: string }> {
  const vmaf = await hasLibvmaf(ffmpegPath);
  if (wanted === 'ssim') return { metric: 'ssim', reason: 'SSIM, as asked' };
  if (vmaf) return { metric: 'vmaf', reason: 'VMAF: this ffmpeg has libvmaf' };
  if (wanted === 'vmaf')
    throw new Error(
      'VMAF was asked for but this ffmpeg has no libvmaf filter: use SSIM or an ffmpeg built with libvmaf',
    );
  return { metric: 'ssim', reason: 'SSIM: this ffmpeg has no libvmaf (Debian builds ffmpeg without it)' };
}
