/**
 * What the station measured in a master's picture and sound, what it decided to do about it, and
 * why — shared by the engine (which measures and decides), the plan and job record (which carry it),
 * the CLI (`--json`, the override flags) and the Master tab (which shows it). Containers' flags are
 * often wrong on old transfers (a telecined film flagged progressive, PAL video flagged progressive),
 * so decisions come from the content; every decision carries its evidence as data and as a sentence,
 * and can be overridden per title or per spec.
 */
import { z } from 'zod';
import type { Rational } from './media.js';

/** A stretch of a master that was decoded for analysis (seconds on the master's timeline). */
export interface AnalysisWindow {
  start: number;
  duration: number;
}

/** What a stretch of picture is, from its fields. */
export const SCAN_KINDS = ['progressive', 'telecine', 'field-shifted', 'interlaced', 'undetermined'] as const;
export type ScanKind = (typeof SCAN_KINDS)[number];

/** One slice (a couple of seconds) of a sampled window, measured by idet before and after field matching. */
export interface ScanSlice {
  start: number;
  end: number;
  /** Frames idet judged (progressive or combed; undetermined frames are not counted). */
  frames: number;
  /** Share of judged frames that are combed (idet's multi-frame decision: TFF or BFF). */
  combed: number;
  /** Share of frames whose repeated fields follow a 3:2 cadence (two repeats in every five frames). */
  cadence: number;
  /** Share of frames still combed after field matching and decimation (fieldmatch, decimate, idet). */
  combedAfterMatch: number;
  /** The field order the combed frames showed. */
  fieldOrder?: 'tff' | 'bff';
  kind: ScanKind;
}

export interface ScanAnalysis {
  slices: ScanSlice[];
  /** Judged frames per kind over the whole sample. */
  frames: Record<ScanKind, number>;
  /** Field order the combed frames agree on (absent when nothing is combed). */
  fieldOrder?: 'tff' | 'bff';
  /** Share of judged frames in a 3:2 cadence, over the whole sample. */
  cadence: number;
}

/** A rectangle in the master's coded pixels. */
export interface CropRect {
  w: number;
  h: number;
  x: number;
  y: number;
}

export interface CropAnalysis {
  /** The coded frame size. */
  width: number;
  height: number;
  /** Frames cropdetect could measure (an all-black frame cannot be). */
  measured: number;
  /** Frames sampled. */
  frames: number;
  /**
   * The widest picture the sample shows: per edge, the outermost position reached by at least a
   * few frames (a single flash or a speck in a bar does not count). Absent when nothing was measured.
   */
  extent?: CropRect;
  /** Per edge, the share of measured frames whose picture reaches that edge (hard bars agree; dark scenes do not). */
  agreement: { left: number; right: number; top: number; bottom: number };
}

export interface LoudnessMeasurement {
  /** Audio stream index in the master. */
  streamIndex: number;
  /** 'native' is the stream as it is; 'stereo' its stereo downmix (or upmix), what a stereo rendition carries. */
  layout: 'native' | 'stereo';
  channels: number;
  /** Integrated loudness (LUFS = LKFS), BS.1770-4; absent when nothing is above the absolute gate (silence). */
  integrated?: number;
  /** Loudness range (LU, EBU Tech 3342). */
  range: number;
  /** Maximum true peak (dBTP). */
  truePeak: number;
  /** The relative gate of the integrated measurement (LUFS). */
  threshold?: number;
  /** Seconds measured (the whole stream). */
  durationSec: number;
}

export interface ContentAnalysis {
  version: 1;
  durationSec: number;
  /** True when the master was shorter than the windows and was analysed whole. */
  whole: boolean;
  windows: AnalysisWindow[];
  scan: ScanAnalysis;
  crop: CropAnalysis;
  loudness: LoudnessMeasurement[];
  /** Wall-clock seconds the analysis took. */
  elapsedSec: number;
}

/** Why a decision is what it is. */
export interface Evidence {
  /** One sentence for an operator ("telecine: 3:2 pattern in 97 % of sampled frames"). */
  sentence: string;
  data: Record<string, number | string | boolean>;
}

export type DecisionSource = 'content' | 'spec' | 'override';

export interface Decision<T> {
  value: T;
  source: DecisionSource;
  evidence: Evidence;
  /** Things the operator should look at (a boost beyond the spec's limit, a crop that is not agreed). */
  warnings: string[];
  /** Things worth knowing that need no action (a silent track left alone). */
  notes: string[];
}

export type ScanAction =
  | { action: 'none' }
  /** Inverse telecine: fields matched back into film frames, the repeated ones dropped (4 of 5 kept). */
  | { action: 'ivtc'; fieldOrder: 'tff' | 'bff'; frameRate: Rational }
  /** Field-shifted progressive (2:2 with a one-field offset): fields matched, frame rate kept. */
  | { action: 'fieldmatch'; fieldOrder: 'tff' | 'bff'; frameRate: Rational }
  /** Motion-adaptive deinterlace (bwdif), one frame per field ('field') or per frame ('frame'). */
  | {
      action: 'deinterlace';
      fieldOrder: 'tff' | 'bff';
      rate: 'field' | 'frame';
      frameRate: Rational;
      /** Only the frames idet finds combed (a progressive film with interlaced inserts). */
      selective?: true;
    };

export interface AudioGain {
  streamIndex: number;
  layout: 'native' | 'stereo';
  /** Gain to apply (dB); 0 = untouched. */
  gainDb: number;
  /** A true-peak limiter after the gain, at this ceiling (dBTP), when the gain alone would exceed the limit. */
  limiterCeilingDbtp?: number;
  targetLufs: number;
  truePeakMaxDbtp: number;
  /** Predicted integrated loudness and true peak after the gain (before any limiter). */
  expectedLufs?: number;
  expectedTruePeak?: number;
}

export interface ContentDecisions {
  scan: Decision<ScanAction>;
  /** The rectangle to keep, or undefined for the whole frame. */
  crop: Decision<CropRect | undefined>;
  loudness: Array<Decision<AudioGain>>;
}

// ---- QC findings ---------------------------------------------------------------------------

export const QC_KINDS = ['black', 'freeze', 'silence', 'clipping', 'levels', 'duration-mismatch'] as const;
export type QcKind = (typeof QC_KINDS)[number];
export const QC_SEVERITIES = ['reject', 'warn', 'note', 'off'] as const;
export type QcSeverity = (typeof QC_SEVERITIES)[number];

export interface QcFinding {
  kind: QcKind;
  /** Seconds on the master's timeline. */
  start: number;
  end: number;
  severity: Exclude<QcSeverity, 'off'>;
  /** One sentence ("4.0 s of black picture at 0:03:12"). */
  detail: string;
  /** The audio stream a sound finding is about. */
  streamIndex?: number;
  /** A picture finding's frame, relative to the package (filled in when thumbnails are grabbed). */
  thumbnail?: string;
}

// ---- Overrides (CLI flags, the Master tab, the spec) ----------------------------------------

export const cropRectSchema = z.strictObject({
  w: z.number().int().positive(),
  h: z.number().int().positive(),
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
});

export const contentOverridesSchema = z.strictObject({
  /** 'off': never inverse telecine (telecined pictures are deinterlaced at their frame rate instead). */
  ivtc: z.enum(['auto', 'off']).optional(),
  /**
   * 'progressive': take the picture as progressive whatever combing the analysis finds — for the
   * operator who knows better (fine horizontal detail, a test pattern, can look combed to idet).
   */
  scan: z.enum(['auto', 'progressive']).optional(),
  /** 'none': keep the whole frame; a rectangle: exactly that one. */
  crop: z.union([z.enum(['auto', 'none']), cropRectSchema]).optional(),
  /** 'off': no gain; a number: that integrated loudness target (LUFS) instead of the spec's. */
  loudness: z.union([z.literal('off'), z.number().min(-40).max(-5)]).optional(),
});
export type ContentOverrides = z.infer<typeof contentOverridesSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** `--crop auto|none|W:H:X:Y` (ffmpeg's crop order). */
export function parseCropFlag(text: string): Parsed<NonNullable<ContentOverrides['crop']>> {
  const t = text.trim().toLowerCase();
  if (t === 'auto' || t === 'none') return { ok: true, value: t };
  const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(t);
  if (!m)
    return {
      ok: false,
      error: `--crop takes auto, none or W:H:X:Y in pixels of the master (e.g. 1440:1080:240:0), not "${text}"`,
    };
  const [w, h, x, y] = m.slice(1).map(Number) as [number, number, number, number];
  if (w === 0 || h === 0) return { ok: false, error: `--crop ${text}: the width and height must be above 0` };
  if ([w, h, x, y].some((n) => n % 2 !== 0))
    return { ok: false, error: `--crop ${text}: every number must be even (4:2:0 pictures are cropped in pairs)` };
  return { ok: true, value: { w, h, x, y } };
}

/** The loudness presets a spec or `--loudness` can name: ATSC A/85 (US broadcast) and EBU R128 (Europe). */
export const LOUDNESS_STANDARDS = {
  'atsc-a85': { targetLufs: -24, truePeakMaxDbtp: -2 },
  'ebu-r128': { targetLufs: -23, truePeakMaxDbtp: -1 },
} as const;
export type LoudnessStandard = keyof typeof LOUDNESS_STANDARDS;

/** `--loudness off|<target LUFS>|atsc-a85|ebu-r128`. */
export function parseLoudnessFlag(text: string): Parsed<NonNullable<ContentOverrides['loudness']>> {
  const t = text.trim().toLowerCase();
  if (t === 'off') return { ok: true, value: 'off' };
  if (t in LOUDNESS_STANDARDS) return { ok: true, value: LOUDNESS_STANDARDS[t as LoudnessStandard].targetLufs };
  const n = Number(t.replace(/\s*(lufs|lkfs)$/, ''));
  if (!Number.isFinite(n) || t === '')
    return {
      ok: false,
      error: `--loudness takes off, atsc-a85, ebu-r128 or a target in LUFS (e.g. -24), not "${text}"`,
    };
  if (n < -40 || n > -5)
    return {
      ok: false,
      error: `--loudness ${text}: a target between -40 and -5 LUFS (ATSC A/85 is -24, EBU R128 -23)`,
    };
  return { ok: true, value: n };
}

/** A crop rectangle checked against the master's coded size: a sentence when it does not fit. */
export function cropProblem(rect: CropRect, width: number, height: number): string | undefined {
  if (rect.x + rect.w > width || rect.y + rect.h > height)
    return `The crop ${rect.w}:${rect.h}:${rect.x}:${rect.y} reaches outside the ${width}×${height} picture: use a rectangle inside it`;
  if (rect.w < 64 || rect.h < 64)
    return `The crop ${rect.w}:${rect.h}:${rect.x}:${rect.y} keeps less than 64 pixels in one direction: check the numbers (W:H:X:Y)`;
  return undefined;
}
