/**
 * The content analysis of a master, before the plan: each sampled window decoded once, its picture
 * split to the scan (idet) and the crop measurement — and once more through field matching where
 * idet finds combing; then every audio stream measured whole in one run. Each run goes through the station's ffmpeg runner (input guard, cancellable, a
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
import { parseMetadataLog, type MetadataFrame } from './metadata-log.js';
import { SCAN_OUTPUT, matchPlan, matchedScanGraph, rawScanGraph, scanSlices, summariseScan } from './scan.js';
import { CROP_OUTPUT, cropExtents, cropGraph, summariseCrop, type FrameExtent } from './crop.js';
import { LoudnessSummaryParser, loudnessGraph, settleLimitedGains, type SettleOptions } from './loudness.js';
import { decideContent, type DecideInput } from './decide.js';
import { planWindows, type WindowRules } from './windows.js';

export interface AnalyseOptions {
  ffmpegPath: string;
  /** The master (absolute local path). */
  path: string;
  /** The probe's view of it: duration, the picture (the first video stream) and the sound. */
  media: { durationSec: number; video: Array<Pick<VideoStreamInfo, 'index' | 'width' | 'height' | 'rotation'>> };
  /** The audio streams to measure (default: every one; give the plan's selection to measure less). */
  audio: Array<Pick<AudioStreamInfo, 'index' | 'channels'>>;
  rules: WindowRules;
  /** Scratch folder for the filters' metadata files (created; each file removed once read). */
  workDir: string;
  signal?: AbortSignal;
  /** Kill a run that makes no progress for this long (default 60 s). */
  stallTimeoutMs?: number;
  onProgress?: (fraction: number, detail: string) => void;
}

const STALL_MS = 60_000;

const video = (o: AnalyseOptions) => {
  const v = o.media.video[0];
  if (!v) throw new Error('analyseMaster needs a video stream (probe rejects masters without one)');
  return v;
};

/** One ffmpeg run over a window (or the whole master) with the given graph and outputs to null. */
async function decodeWindow(
  o: AnalyseOptions,
  w: AnalysisWindow,
  whole: boolean,
  graph: string,
  outputs: string[],
  onFraction: (f: number) => void,
): Promise<void> {
  await runFfmpeg({
    ffmpegPath: o.ffmpegPath,
    input: masterInput(o.path),
    inputOptions: [...masterInputOptions(), ...(whole ? [] : ['-ss', w.start.toFixed(3), '-t', w.duration.toFixed(3)])],
    outputOptions: ['-filter_complex', graph, ...outputs.flatMap((l) => ['-map', `[${l}]`]), '-f', 'null'],
    output: '-',
    cwd: o.workDir,
    stallTimeoutMs: o.stallTimeoutMs ?? STALL_MS,
    onProgress: (p) => onFraction(Math.min(1, p.outTimeSec / Math.max(0.001, w.duration))),
    ...(o.signal ? { signal: o.signal } : {}),
  });
}

/** Reads one metadata file of the work folder and removes it. */
async function take(o: AnalyseOptions, file: string): Promise<MetadataFrame[]> {
  const path = join(o.workDir, file);
  const frames = parseMetadataLog(await readFile(path, 'utf8').catch(() => ''));
  await rm(path, { force: true });
  return frames;
}

/**
 * One window: a decode split to idet and cropdetect; where idet finds combing, a second decode of
 * the window through field matching in the order idet saw.
 */
async function analyseWindow(
  o: AnalyseOptions,
  w: AnalysisWindow,
  whole: boolean,
  n: number,
  width: number,
  onFraction: (f: number) => void,
): Promise<{ slices: ScanSlice[]; extents: FrameExtent[]; frames: number }> {
  const input = `[0:${video(o).index}]`;
  const first = [
    `${input}split=2[scan_in][crop_in]`,
    rawScanGraph('[scan_in]', width, `w${n}-raw.txt`),
    cropGraph('[crop_in]', `w${n}-crop.txt`),
  ].join(';');
  await decodeWindow(o, w, whole, first, [SCAN_OUTPUT, CROP_OUTPUT], onFraction);
  const [raw, crop] = [await take(o, `w${n}-raw.txt`), await take(o, `w${n}-crop.txt`)];
  let slices = scanSlices({ raw, tff: [], bff: [] }, w.start, w.duration);
  const match = matchPlan(raw, slices);
  if (match) {
    const file = `w${n}-matched.txt`;
    await decodeWindow(o, w, whole, matchedScanGraph(input, width, match, file), [SCAN_OUTPUT], () => {});
    const matched = await take(o, file);
    const mine = match.order === 'tff' ? { tff: matched, bff: [] } : { tff: [], bff: matched };
    slices = scanSlices({ raw, ...mine }, w.start, w.duration);
  }
  return { slices, extents: cropExtents(crop, w.start), frames: crop.length };
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
    onProgress: (p) => onFraction(Math.min(1, p.outTimeSec / Math.max(0.001, o.media.durationSec))),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return parser.measurements(streams, o.media.durationSec);
}

export async function analyseMaster(o: AnalyseOptions): Promise<ContentAnalysis> {
  const started = performance.now();
  // ffmpeg turns a rotated picture upright as it decodes: the analysis sees what the encode sees.
  const v = video(o);
  const turned = v.rotation === 90 || v.rotation === 270;
  const size = turned ? { width: v.height, height: v.width } : v;
  await mkdir(o.workDir, { recursive: true });
  const { whole, windows } = planWindows(o.media.durationSec, o.rules);
  // Progress: the picture windows by their length, the audio pass (fast) weighted as one window.
  const picture = windows.reduce((a, w) => a + w.duration, 0);
  const audioWeight = o.audio.length ? Math.min(picture, o.media.durationSec / 8) : 0;
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
    durationSec: o.media.durationSec,
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
