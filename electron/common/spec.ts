/**
 * The delivery spec: what a master must be to enter the station. Rules live in a JSON file under
 * resources/ (schema-checked here); each failed rule gives a stable code and a human sentence, as
 * an error (the title is rejected before any transcode) or a warning (it continues, warning shown).
 */
import { z } from 'zod';

export const SEVERITIES = ['error', 'warning', 'off'] as const;
const severity = z.enum(SEVERITIES);

export const deliverySpecSchema = z.strictObject({
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
