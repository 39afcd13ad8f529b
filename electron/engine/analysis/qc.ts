/**
 * QC that rides along a decode the station already does. The fragments below hang off a split of
 * the encode's own decoded picture and sound (or a standalone run, qc-run.ts): they measure and
 * write per-frame metadata to files (`metadata=print:file=`, independent of the log level), and end
 * in a null sink, so the encode's outputs do not change. The collectors read those files back into
 * findings — `{kind, start, end, severity, detail}` in seconds of the master — named in an
 * operator's words:
 *  - black picture (blackdetect) and a frozen picture (freezedetect), on a 320-column copy with
 *    nearest-neighbour scaling (levels and noise unchanged, a fraction of the cost);
 *  - picture levels outside broadcast range (signalstats BRNG on the luma: share of pixels outside
 *    16–235), which is also the per-frame heartbeat that gives the picture's real end;
 *  - silence (silencedetect) and clipping (astats per quarter second: samples at full scale, in a
 *    run — a mix normalised to 0 dBFS touches it once; a clipped one flat-tops thousands of times —
 *    or, in decoded lossy audio, peaks above full scale), whose last block gives the sound's end;
 *  - picture and sound that do not end together.
 * Black and silence within `headTailSec` of either end are the film's own (fades, leaders); a
 * freeze inside black is the black's (black does not move).
 */
import { join } from 'node:path';
import type { QcFinding, QcKind } from '../../common/analysis.js';
import type { QcRules } from '../../common/spec.js';
import { formatDuration } from '../../common/format.js';
import { num, readMetadataLog, type MetadataFrame } from './metadata-log.js';

export interface VideoQcFiles {
  events: string;
  levels: string;
}

/** Columns the picture QC measures at (nearest-neighbour: no new levels, same noise). */
export const QC_WIDTH = 320;

/** The picture QC's fragment: from `input` (a pad label) to `output` (a pad label) or, riding along, a null sink. */
export function videoQcGraph(rules: QcRules, input: string, files: VideoQcFiles, output?: string): string {
  const f: string[] = [`scale=${QC_WIDTH}:-2:flags=neighbor`, 'format=yuv420p'];
  if (rules.black.severity !== 'off')
    // Its metadata marks every black run, however short (d only gates its log line): the collector judges length.
    f.push(
      `blackdetect=d=${rules.black.minSec}:pic_th=${rules.black.pictureRatio}:pix_th=${rules.black.pixelThreshold}`,
    );
  if (rules.freeze.severity !== 'off') f.push(`freezedetect=n=${rules.freeze.noiseDb}dB:d=${rules.freeze.minSec}`);
  // Luma only (extractplanes): chroma overshoot of a few codes on saturated colours is every lossy
  // master's, not a levels fault (a clean x264 master measured 0.5–6 % of pixels out with chroma).
  f.push(
    `metadata=print:file=${files.events}`,
    'extractplanes=y',
    'signalstats=stat=brng',
    `metadata=print:key=lavfi.signalstats.BRNG:file=${files.levels}`,
  );
  return `${input}${f.join(',')}${output ? `[${output}]` : ',nullsink'}`;
}

/** Samples per astats block: a quarter second (clipping is timed to that). */
export const blockSamples = (sampleRate: number): number => Math.max(1, Math.round(sampleRate / 4));

/** The sound QC's fragment for one stream. */
export function audioQcGraph(rules: QcRules, input: string, sampleRate: number, file: string, output?: string): string {
  const f: string[] = [`asetnsamples=n=${blockSamples(sampleRate)}:p=0`];
  if (rules.silence.severity !== 'off')
    f.push(`silencedetect=n=${rules.silence.thresholdDb}dB:d=${rules.silence.minSec}`);
  f.push(
    'astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=Peak_level+Flat_factor+Peak_count+Number_of_samples',
    `ametadata=print:file=${file}`,
  );
  return `${input}${f.join(',')}${output ? `[${output}]` : ',anullsink'}`;
}

type Interval = [number, number];

/** Runs of flagged moments, gaps up to `gap` closed, as intervals. */
class Runs {
  readonly list: Interval[] = [];
  add(start: number, end: number, gap: number): void {
    const last = this.list.at(-1);
    if (last && start - last[1] <= gap) last[1] = Math.max(last[1], end);
    else this.list.push([start, end]);
  }
}

/** Reads the picture QC's frames as they stream in; `finish` gives intervals per kind and the picture's end. */
export class VideoQcCollector {
  private readonly black: Interval[] = [];
  private readonly freeze: Interval[] = [];
  private readonly levels = new Runs();
  private blackFrom: number | undefined;
  private freezeFrom: number | undefined;
  private lastTime = NaN;
  private step = 0;

  constructor(
    private readonly rules: QcRules,
    private readonly offsetSec = 0,
  ) {}

  event(f: MetadataFrame): void {
    const t = this.offsetSec + f.time;
    if (f.values.has('lavfi.black_start')) this.blackFrom = t;
    if (f.values.has('lavfi.black_end') && this.blackFrom !== undefined) {
      this.black.push([this.blackFrom, t]);
      this.blackFrom = undefined;
    }
    const fs = num(f, 'lavfi.freezedetect.freeze_start');
    if (Number.isFinite(fs)) this.freezeFrom = this.offsetSec + fs;
    const fe = num(f, 'lavfi.freezedetect.freeze_end');
    if (Number.isFinite(fe) && this.freezeFrom !== undefined) {
      this.freeze.push([this.freezeFrom, this.offsetSec + fe]);
      this.freezeFrom = undefined;
    }
  }

  level(f: MetadataFrame): void {
    const t = this.offsetSec + f.time;
    if (Number.isFinite(this.lastTime) && t > this.lastTime) this.step = t - this.lastTime;
    this.lastTime = t;
    if (num(f, 'lavfi.signalstats.BRNG') > this.rules.levels.outOfRange)
      this.levels.add(t, t + (this.step || 0.04), 0.5);
  }

  /** The picture's end (seconds): the last frame's time plus one frame. */
  get endSec(): number {
    return Number.isFinite(this.lastTime) ? this.lastTime + this.step : 0;
  }

  finish(): Partial<Record<QcKind, Interval[]>> {
    const end = this.endSec;
    if (this.blackFrom !== undefined) this.black.push([this.blackFrom, end]);
    if (this.freezeFrom !== undefined) this.freeze.push([this.freezeFrom, end]);
    return { black: this.black, freeze: this.freeze, levels: this.levels.list };
  }
}

/** Reads one audio stream's QC frames; `finish` gives silence and clipping intervals and the sound's end. */
export class AudioQcCollector {
  private readonly silence: Interval[] = [];
  private readonly clipping = new Runs();
  private silentFrom: number | undefined;
  private end = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly offsetSec = 0,
  ) {}

  frame(f: MetadataFrame): void {
    const t = this.offsetSec + f.time;
    const samples = num(f, 'lavfi.astats.Overall.Number_of_samples');
    const len = Number.isFinite(samples) ? samples / this.sampleRate : blockSamples(this.sampleRate) / this.sampleRate;
    this.end = Math.max(this.end, t + len);
    const ss = num(f, 'lavfi.silence_start');
    if (Number.isFinite(ss)) this.silentFrom = this.offsetSec + ss;
    const se = num(f, 'lavfi.silence_end');
    if (Number.isFinite(se) && this.silentFrom !== undefined) {
      this.silence.push([this.silentFrom, this.offsetSec + se]);
      this.silentFrom = undefined;
    }
    const peak = num(f, 'lavfi.astats.Overall.Peak_level');
    const atPeak = num(f, 'lavfi.astats.Overall.Peak_count');
    // Flat tops at full scale (PCM), or overs (decoded lossy audio rings above a clipped source).
    if ((peak >= -0.1 && atPeak >= 8) || peak > 0.1) this.clipping.add(t, t + len, 0.5);
  }

  get endSec(): number {
    return this.end;
  }

  finish(): Partial<Record<QcKind, Interval[]>> {
    if (this.silentFrom !== undefined) this.silence.push([this.silentFrom, this.end]);
    return { silence: this.silence, clipping: this.clipping.list };
  }
}

const secs = (s: number): string => `${s.toFixed(1)} s`;

function describe(kind: QcKind, [a, b]: Interval, durationSec: number, stream?: number): string {
  const len = secs(b - a);
  const sound = stream === undefined ? 'the sound' : `audio stream ${stream}`;
  const head = a <= 0.5;
  const tail = b >= durationSec - 0.5;
  const where =
    head && tail
      ? 'throughout'
      : head
        ? 'at the start'
        : tail
          ? `at the end (from ${formatDuration(a)})`
          : `at ${formatDuration(a)}`;
  switch (kind) {
    case 'black':
      return head && !tail ? `the film opens with ${len} of black` : `${len} of black picture ${where}`;
    case 'freeze':
      return `the picture is frozen for ${len} ${where}`;
    case 'levels':
      return `picture levels outside broadcast range (Y 16–235) for ${len} ${where}`;
    case 'silence':
      return `${sound} is silent for ${len} ${where}`;
    case 'clipping':
      return `${sound} is clipped (flat at full scale) for ${len} ${where}`;
    case 'duration-mismatch':
      return `picture and sound end ${len} apart`;
  }
}

const MIN_SEC: Partial<Record<QcKind, (r: QcRules) => number>> = {
  black: (r) => r.black.minSec,
  freeze: (r) => r.freeze.minSec,
  levels: (r) => r.levels.minSec,
  silence: (r) => r.silence.minSec,
  clipping: (r) => r.clipping.minSec,
};

const SEVERITY = (r: QcRules, kind: QcKind) =>
  ({
    black: r.black.severity,
    freeze: r.freeze.severity,
    levels: r.levels.severity,
    silence: r.silence.severity,
    clipping: r.clipping.severity,
    'duration-mismatch': r.durationMismatch.severity,
  })[kind];

/**
 * Intervals → findings: long enough, weighed by the spec, head and tail black and silence of a few
 * seconds forgiven, a freeze that is only black dropped.
 */
export function qcFindings(
  intervals: Partial<Record<QcKind, Interval[]>>,
  rules: QcRules,
  durationSec: number,
  streamIndex?: number,
): QcFinding[] {
  const out: QcFinding[] = [];
  const black = intervals.black ?? [];
  for (const [kind, list] of Object.entries(intervals) as Array<[QcKind, Interval[]]>) {
    const severity = SEVERITY(rules, kind);
    if (severity === 'off') continue;
    for (const iv of list) {
      const [a, b] = iv;
      if (b - a < (MIN_SEC[kind]?.(rules) ?? 0) - 1e-6) continue;
      const edge = a <= 0.5 || b >= durationSec - 0.5;
      if ((kind === 'black' || kind === 'silence') && edge && b - a <= rules.headTailSec) continue;
      if (kind === 'freeze' && black.some(([x, y]) => x - 0.5 <= a && b <= y + 0.5)) continue;
      out.push({
        kind,
        start: round2(a),
        end: round2(b),
        severity,
        detail: describe(kind, iv, durationSec, streamIndex),
        ...(streamIndex !== undefined ? { streamIndex } : {}),
      });
    }
  }
  return out.sort((x, y) => x.start - y.start);
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Picture and sound that do not end together, per audio stream. */
export function durationFindings(videoEndSec: number, audioEnds: Map<number, number>, rules: QcRules): QcFinding[] {
  const severity = rules.durationMismatch.severity;
  if (severity === 'off' || videoEndSec <= 0) return [];
  const out: QcFinding[] = [];
  for (const [stream, end] of audioEnds) {
    const gap = end - videoEndSec;
    if (Math.abs(gap) <= rules.durationMismatch.maxSec) continue;
    out.push({
      kind: 'duration-mismatch',
      start: round2(Math.min(end, videoEndSec)),
      end: round2(Math.max(end, videoEndSec)),
      severity,
      streamIndex: stream,
      detail: `audio stream ${stream} ends ${secs(Math.abs(gap))} ${gap < 0 ? 'before' : 'after'} the picture (picture ${secs(videoEndSec)}, sound ${secs(end)})`,
    });
  }
  return out;
}

export interface QcFiles {
  video?: VideoQcFiles;
  audio: Array<{ streamIndex: number; sampleRate: number; file: string }>;
}

/**
 * The files one QC run writes, relative to ffmpeg's cwd: the picture's pair and one per audio
 * stream. `tag` keeps runs apart (an encode resumed at a seek writes its own, read with its offset).
 */
export function qcFiles(audio: Array<{ index: number; sampleRate: number }>, tag = 'qc', video = true): QcFiles {
  return {
    ...(video ? { video: { events: `${tag}-video-events.txt`, levels: `${tag}-video-levels.txt` } } : {}),
    audio: audio.map((a) => ({ streamIndex: a.index, sampleRate: a.sampleRate, file: `${tag}-audio-${a.index}.txt` })),
  };
}

/** The same files as paths inside `dir`. */
export function qcFilesIn(dir: string, f: QcFiles): QcFiles {
  return {
    ...(f.video ? { video: { events: join(dir, f.video.events), levels: join(dir, f.video.levels) } } : {}),
    audio: f.audio.map((a) => ({ ...a, file: join(dir, a.file) })),
  };
}

export interface QcResult {
  findings: QcFinding[];
  videoEndSec: number;
  audioEndSec: Record<number, number>;
}

/** Reads the files a run (standalone or riding along an encode) wrote, into findings. */
export async function collectQc(files: QcFiles, rules: QcRules, durationSec: number, offsetSec = 0): Promise<QcResult> {
  const findings: QcFinding[] = [];
  let videoEndSec = 0;
  if (files.video) {
    const v = new VideoQcCollector(rules, offsetSec);
    await readMetadataLog(files.video.events, (f) => v.event(f));
    await readMetadataLog(files.video.levels, (f) => v.level(f));
    findings.push(...qcFindings(v.finish(), rules, durationSec));
    videoEndSec = v.endSec;
  }
  const audioEnds = new Map<number, number>();
  for (const a of files.audio) {
    const c = new AudioQcCollector(a.sampleRate, offsetSec);
    await readMetadataLog(a.file, (f) => c.frame(f));
    findings.push(...qcFindings(c.finish(), rules, durationSec, a.streamIndex));
    audioEnds.set(a.streamIndex, c.endSec);
  }
  findings.push(...durationFindings(videoEndSec, audioEnds, rules));
  return {
    findings: findings.sort((x, y) => x.start - y.start),
    videoEndSec: round2(videoEndSec),
    audioEndSec: Object.fromEntries([...audioEnds].map(([k, v]) => [k, round2(v)])),
  };
}
