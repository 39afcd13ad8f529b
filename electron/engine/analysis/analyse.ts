/**
 * The content analysis of a master, before the plan: each sampled window decoded once, its picture
 * split to the scan (idet / fieldmatch) and the crop measurement; then every audio stream measured
 * whole in one run. Each run goes through the station's ffmpeg runner (input guard, cancellable, a
 * stall timeout so a decoder that hangs on a damaged stretch cannot hold the stage). Scratch files
 * (the filters' per-frame metadata) live in `workDir` and are removed after reading.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioStreamInfo, VideoStreamInfo } from '../../common/media.js';
import type {
  AnalysisWindow,
  ContentAnalysis,
  ContentDecisions,
  LoudnessMeasurement,
  ScanSlice,
} from '../../common/analysis.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { parseMetadataLog } from './metadata-log.js';
import { SCAN_OUTPUTS, scanGraph, scanSlices, summariseScan } from './scan.js';
import { CROP_OUTPUT, cropExtents, cropGraph, summariseCrop, type FrameExtent } from './crop.js';
import { LoudnessSummaryParser, loudnessGraph, settleLimitedGains, type SettleOptions } from './loudness.js';
import { decideContent, type DecideInput } from './decide.js';
import { planWindows, type WindowRules } from './windows.js';

export interface AnalyseOptions {
  ffmpegPath: string;
  /** The master (absolute local path). */
  path: string;
  durationSec: number;
  video: Pick<VideoStreamInfo, 'index' | 'width' | 'height' | 'rotation'>;
  /** The audio streams to measure (every stream the plan may select). */
  audio: Array<Pick<AudioStreamInfo, 'index' | 'channels'>>;
  rules: WindowRules;
  /** Scratch folder for the filters' metadata files (created; emptied afterwards). */
  workDir: string;
  signal?: AbortSignal;
  /** Kill a run that makes no progress for this long (default 60 s). */
  stallTimeoutMs?: number;
  onProgress?: (fraction: number, detail: string) => void;
}

const STALL_MS = 60_000;

/** Decodes one window and reads what the scan and the crop measured in it. */
async function analyseWindow(
  o: AnalyseOptions,
  w: AnalysisWindow,
  whole: boolean,
  n: number,
  width: number,
  onFraction: (f: number) => void,
): Promise<{ slices: ScanSlice[]; extents: FrameExtent[]; frames: number }> {
  const files = { raw: `w${n}-raw.txt`, tff: `w${n}-tff.txt`, bff: `w${n}-bff.txt`, crop: `w${n}-crop.txt` };
  const input = `[0:${o.video.index}]`;
  const graph = [
    `${input}split=2[scan_in][crop_in]`,
    scanGraph('[scan_in]', width, files),
    cropGraph('[crop_in]', files.crop),
  ].join(';');
  await runFfmpeg({
    ffmpegPath: o.ffmpegPath,
    input: masterInput(o.path),
    inputOptions: [...masterInputOptions(), ...(whole ? [] : ['-ss', w.start.toFixed(3), '-t', w.duration.toFixed(3)])],
    outputOptions: [
      '-filter_complex',
      graph,
      ...[...SCAN_OUTPUTS, CROP_OUTPUT].flatMap((l) => ['-map', `[${l}]`]),
      '-f',
      'null',
    ],
    output: '-',
    cwd: o.workDir,
    stallTimeoutMs: o.stallTimeoutMs ?? STALL_MS,
    onProgress: (p) => onFraction(Math.min(1, p.outTimeSec / Math.max(0.001, w.duration))),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const read = async (f: string) => parseMetadataLog(await readFile(join(o.workDir, f), 'utf8').catch(() => ''));
  const [raw, tff, bff, crop] = await Promise.all([
    read(files.raw),
    read(files.tff),
    read(files.bff),
    read(files.crop),
  ]);
  await Promise.all(Object.values(files).map((f) => rm(join(o.workDir, f), { force: true })));
  return {
    slices: scanSlices({ raw, tff, bff }, w.start, w.duration),
    extents: cropExtents(crop, w.start),
    frames: crop.length,
  };
}

/** Every audio stream measured whole, in one run (one demux of the master). */
async function measureLoudness(o: AnalyseOptions, onFraction: (f: number) => void): Promise<LoudnessMeasurement[]> {
  if (o.audio.length === 0) return [];
  const streams = o.audio.map((a) => ({ streamIndex: a.index, channels: a.channels }));
  const { graph, outputs } = loudnessGraph(streams);
  const parser = new LoudnessSummaryParser();
  await runFfmpeg({
    ffmpegPath: o.ffmpegPath,
    input: masterInput(o.path),
    inputOptions: masterInputOptions(),
    outputOptions: ['-filter_complex', graph, ...outputs.flatMap((l) => ['-map', `[${l}]`]), '-f', 'null'],
    output: '-',
    logLevel: 'info',
    onStderrLine: (line) => parser.line(line),
    stallTimeoutMs: o.stallTimeoutMs ?? STALL_MS,
    onProgress: (p) => onFraction(Math.min(1, p.outTimeSec / Math.max(0.001, o.durationSec))),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return parser.measurements(streams, o.durationSec);
}

export async function analyseMaster(o: AnalyseOptions): Promise<ContentAnalysis> {
  const started = performance.now();
  // ffmpeg turns a rotated picture upright as it decodes: the analysis sees what the encode sees.
  const turned = o.video.rotation === 90 || o.video.rotation === 270;
  const size = turned ? { width: o.video.height, height: o.video.width } : o.video;
  await mkdir(o.workDir, { recursive: true });
  const { whole, windows } = planWindows(o.durationSec, o.rules);
  // Progress: the picture windows by their length, the audio pass (fast) weighted as one window.
  const picture = windows.reduce((a, w) => a + w.duration, 0);
  const audioWeight = o.audio.length ? Math.min(picture, o.durationSec / 8) : 0;
  const total = picture + audioWeight;
  let done = 0;
  const slices: ScanSlice[] = [];
  const extents: FrameExtent[] = [];
  let frames = 0;
  for (const [n, w] of windows.entries()) {
    const r = await analyseWindow(o, w, whole, n, size.width, (f) =>
      o.onProgress?.((done + f * w.duration) / total, `picture: window ${n + 1} of ${windows.length}`),
    );
    slices.push(...r.slices);
    extents.push(...r.extents);
    frames += r.frames;
    done += w.duration;
  }
  const loudness = await measureLoudness(o, (f) => o.onProgress?.((done + f * audioWeight) / total, 'sound: loudness'));
  return {
    version: 1,
    durationSec: o.durationSec,
    whole,
    windows,
    scan: summariseScan(slices),
    crop: summariseCrop(extents, frames, size.width, size.height),
    loudness,
    elapsedSec: Math.round((performance.now() - started) / 10) / 100,
  };
}

/**
 * The decisions for a stored analysis (with the title's overrides), and — only where a gain needs
 * the limiter — the sound measured through it and the gain settled (an audio pass per such stream).
 */
export async function decideSettled(
  i: DecideInput,
  o: Omit<SettleOptions, 'maxBoostDb' | 'toleranceDb'>,
): Promise<ContentDecisions> {
  const d = decideContent(i);
  const loudness = await settleLimitedGains(d.loudness, {
    ...o,
    maxBoostDb: i.loudness.maxBoostDb,
    toleranceDb: i.loudness.toleranceDb,
  });
  return { ...d, loudness };
}
