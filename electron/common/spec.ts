/**
 * The delivery spec: what a master must be to enter the station. Rules live in a JSON file under
 * resources/ (schema-checked here); each failed rule gives a stable code and a human sentence, as
 * an error (the title is rejected before any transcode) or a warning (it continues, warning shown).
 */
import { z } from 'zod';
import { LOUDNESS_STANDARDS, QC_SEVERITIES } from './analysis.js';
import { strictObject } from './strict.js';

export const SEVERITIES = ['error', 'warning', 'off'] as const;
const severity = z.enum(SEVERITIES);

const qcSeverity = z.enum(QC_SEVERITIES);

/**
 * What the station does about the picture it measures (see common/analysis.ts). The defaults make a
 * telecined film 23.976 again, a 50i master 50p, and crop bars only where the whole film agrees.
 */
export const pictureRulesSchema = strictObject({
  /** Inverse telecine where the fields show a 3:2 cadence ('off': deinterlace at the frame rate instead). */
  ivtc: z.enum(['auto', 'off']).default('auto'),
  /** 'progressive': no field processing whatever the fields look like (the analysis is still shown). */
  scan: z.enum(['auto', 'progressive']).default('auto'),
  /** Interlaced video: one frame per field (50i → 50p, keeps the motion) or per frame (50i → 25p). */
  deinterlaceRate: z.enum(['field', 'frame']).default('field'),
  /**
   * A film that changes between telecined and video sections: inverse telecine with the leftover
   * combed frames deinterlaced ('ivtc'), deinterlace everything ('deinterlace'), or whichever the
   * larger share of the sampled frames calls for ('majority').
   */
  mixedContent: z.enum(['majority', 'ivtc', 'deinterlace']).default('majority'),
  /** Crop black bars the whole film agrees on ('none': keep the whole frame). */
  crop: z.enum(['auto', 'none']).default('auto'),
  /** Bars thinner than this share of the frame's side are left (edge blanking of analogue transfers). */
  minBarFraction: z.number().min(0).max(0.25).default(0.01),
  /** Windows decoded for the analysis: about one per `windowEverySec` of film, within min…max, each this long. */
  analysisWindowSec: z.number().min(2).max(60).default(8),
  analysisWindowEverySec: z.number().positive().default(75),
  analysisMinWindows: z.number().int().min(1).max(100).default(6),
  analysisMaxWindows: z.number().int().min(1).max(200).default(32),
});

/** Loudness normalisation (ITU-R BS.1770-4 measurement; ATSC A/85 by default, EBU R128 as an option). */
export const loudnessRulesSchema = strictObject({
  standard: z
    .enum([...(Object.keys(LOUDNESS_STANDARDS) as Array<keyof typeof LOUDNESS_STANDARDS>), 'off'])
    .default('atsc-a85'),
  /** Integrated target (LUFS); default the standard's (−24 A/85, −23 R128). */
  targetLufs: z.number().min(-40).max(-5).optional(),
  /** True-peak ceiling (dBTP); default the standard's (−2 A/85, −1 R128). */
  truePeakMaxDbtp: z.number().min(-9).max(0).optional(),
  /** A gain above this (dB) is not applied in full: it is capped here and the operator warned. */
  maxBoostDb: z.number().min(0).max(60).default(20),
  /** A mix within this many dB of the target is left untouched. */
  toleranceDb: z.number().min(0).max(3).default(0.5),
});

/**
 * QC thresholds and what each finding weighs: 'reject' stops the title, 'warn' is shown and
 * reported, 'note' is reported, 'off' is not looked for. Black and silence within the first and
 * last `headTailSec` of the film are the film's own (fades, reel leaders) unless longer than that.
 */
export const qcRulesSchema = strictObject({
  headTailSec: z.number().min(0).default(5),
  black: strictObject({
    minSec: z.number().positive().default(2),
    /** Share of a frame's pixels that must be black (blackdetect pic_th). */
    pictureRatio: z.number().min(0).max(1).default(0.98),
    /** Luma at or below which a pixel is black, as a share of the range (blackdetect pix_th). */
    pixelThreshold: z.number().min(0).max(1).default(0.1),
    severity: qcSeverity.default('warn'),
  }).prefault({}),
  freeze: strictObject({
    minSec: z.number().positive().default(3),
    /** Noise tolerance (dB) below which two frames count as the same (freezedetect n). */
    noiseDb: z.number().max(0).default(-60),
    severity: qcSeverity.default('warn'),
  }).prefault({}),
  silence: strictObject({
    minSec: z.number().positive().default(3),
    thresholdDb: z.number().max(0).default(-60),
    severity: qcSeverity.default('warn'),
  }).prefault({}),
  clipping: strictObject({
    minSec: z.number().positive().default(0.25),
    severity: qcSeverity.default('warn'),
  }).prefault({}),
  levels: strictObject({
    /** Share of luma pixels outside broadcast range (16–235) above which a frame is out of range. */
    outOfRange: z.number().min(0).max(1).default(0.01),
    minSec: z.number().positive().default(2),
    severity: qcSeverity.default('note'),
  }).prefault({}),
  durationMismatch: strictObject({
    maxSec: z.number().positive().default(1),
    severity: qcSeverity.default('warn'),
  }).prefault({}),
});

export type PictureRules = z.infer<typeof pictureRulesSchema>;
export type LoudnessRules = z.infer<typeof loudnessRulesSchema>;
export type QcRules = z.infer<typeof qcRulesSchema>;

export const deliverySpecSchema = strictObject({
  name: z.string().min(1),
  /** Shortest acceptable duration (seconds) — errors below it. */
  minDurationSec: z.number().nonnegative(),
  /** Below this (seconds) only a warning: "shorter than a feature". */
  warnBelowDurationSec: z.number().nonnegative().default(0),
  minWidth: z.number().int().positive(),
  minHeight: z.number().int().positive(),
  minFrameRate: z.number().positive(),
  maxFrameRate: z.number().positive(),
  /** How to treat each condition. */
  audioMissing: severity,
  oddDimensions: severity,
  variableFrameRate: severity,
  interlaced: severity,
  hdr: severity,
  nonSquarePixels: severity,
  rotated: severity,
  /** Video codecs accepted (lower case ffprobe names); empty = any the decoder reads. */
  videoCodecs: z.array(z.string()).default([]),
  /**
   * How much of the picture to decode before accepting a master: 'sample' decodes `sampleWindows`
   * windows spread over the file (plus its head and tail); 'full' decodes all of it.
   */
  decodeCheck: z.enum(['sample', 'full', 'none']).default('sample'),
  sampleWindows: z.number().int().min(1).max(200).default(24),
  sampleWindowSec: z.number().positive().max(60).default(2),
  /**
   * Which audio streams become renditions: 'tagged' every stream with a language (else the first),
   * 'all' every stream, 'first' only the first.
   */
  audioSelection: z.enum(['tagged', 'all', 'first']).default('tagged'),
  /** The platform's primary language (BCP 47 or ISO 639): its audio rendition is DEFAULT=YES. */
  primaryLanguage: z.string().optional(),
  /** Language of a caption file whose name does not say (Film.srt). */
  defaultCaptionLanguage: z.string().default('en'),
  /** A master with no caption at all (no sidecar, no text subtitle stream). */
  captionsMissing: severity.default('off'),
  /** A caption file that is not UTF-8 or cannot be parsed. */
  captionUnreadable: severity.default('error'),
  /** Cues that overlap, run backwards or lie outside the picture's duration. */
  captionCues: severity.default('warning'),
  /** Image subtitles (PGS, DVB, DVD) that the station does not convert. */
  imageSubtitles: severity.default('warning'),
  /** Telecine, interlace and bars, measured from the picture (common/analysis.ts). */
  picture: pictureRulesSchema.prefault({}),
  loudness: loudnessRulesSchema.prefault({}),
  qc: qcRulesSchema.prefault({}),
});

export type DeliverySpec = z.infer<typeof deliverySpecSchema>;

export const SPEC_CODES = [
  'zero-bytes',
  'not-a-file',
  'unreadable',
  'gone',
  'not-media',
  'probe-timeout',
  'truncated',
  'corrupt',
  'no-video',
  'no-audio',
  'single-frame',
  'zero-duration',
  'duration-implausible',
  'too-short',
  'short-for-feature',
  'too-small',
  'odd-dimensions',
  'frame-rate-out-of-range',
  'variable-frame-rate',
  'interlaced',
  'hdr',
  'non-square-pixels',
  'rotated',
  'unsupported-codec',
  'not-a-master-format',
  'not-a-local-path',
  'captions-missing',
  'caption-unreadable',
  'caption-cues',
  'image-subtitles',
] as const;
export type SpecCode = (typeof SPEC_CODES)[number];

export interface SpecFinding {
  code: SpecCode;
  severity: 'error' | 'warning';
  /** One specific human sentence. */
  message: string;
}

export interface SpecResult {
  spec: string;
  accepted: boolean;
  findings: SpecFinding[];
}
