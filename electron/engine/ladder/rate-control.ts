/**
 * A rung's rate control as ffmpeg arguments, per encoder — the one place that turns a
 * `RateControl` (common/ladder.ts) into `-b:v`/`-crf`/`-cq`… for stream `v:i` of the ladder's one
 * ffmpeg. `abr` is exactly what the fixed ladder has always used (an average with maxrate 1.2× and
 * a 2× buffer); `quality` is each encoder's constant-quality mode under a VBV cap:
 *  - libx264: `-crf` with `-maxrate`/`-bufsize` (capped CRF);
 *  - h264_nvenc: `-rc vbr` (the family's) with `-cq`, `-b:v 0` (no average target) and `-maxrate`;
 *  - h264_qsv: QVBR — ffmpeg's qsvenc picks it when `-global_quality` comes with a bit rate and a
 *    higher maxrate (the predicted average is the bit rate);
 *  - h264_vaapi: `-rc_mode QVBR` with `-global_quality`, the average and the maxrate;
 *  - h264_amf: `-rc qvbr -qvbr_quality_level` (FFmpeg ≥ 6.1 has it; Debian's 5.1 has no AMF at all);
 *  - h264_videotoolbox: `-q:v` (constant quality, Apple silicon) with `-maxrate`;
 *  - h264_v4l2m2m has no constant-quality mode: the per-title choice is a bit rate (`abr`).
 * Only libx264 runs on the build machines (no GPU): the hardware forms are checked as arguments.
 */
import type { QualityKnob, RateControl } from '../../common/ladder.js';

/** The fixed ladder's rate control for a rung of `kbps` (what the station has always encoded). */
export function fixedRate(kbps: number): RateControl {
  return { kind: 'abr', kbps, maxKbps: Math.round(kbps * 1.2), bufKbps: kbps * 2 };
}

export interface KnobDef {
  knob: QualityKnob;
  /** Which way the knob means better pictures. */
  better: 'lower' | 'higher';
  min: number;
  max: number;
  /** The values the probe tries, best quality first. */
  trials: number[];
  /** The knob's resolution (x264 takes CRF in tenths; QSV/VAAPI only whole numbers). */
  step: number;
}

const KNOBS: Record<string, KnobDef> = {
  // 14–24: SSIM 0.995 (the default target) sits there on easy films; measured on a 1080p pan over a
  // still, 18–28 missed it at 360p (0.9944 at CRF 18: CRF spreads quality evenly, a mean target needs more).
  libx264: { knob: 'crf', better: 'lower', min: 0, max: 51, trials: [14, 19, 24], step: 0.1 },
  h264_nvenc: { knob: 'cq', better: 'lower', min: 1, max: 51, trials: [19, 24, 29], step: 0.1 },
  h264_qsv: { knob: 'global_quality', better: 'lower', min: 1, max: 51, trials: [19, 24, 29], step: 1 },
  h264_vaapi: { knob: 'global_quality', better: 'lower', min: 1, max: 51, trials: [19, 24, 29], step: 1 },
  h264_amf: { knob: 'qvbr_quality_level', better: 'lower', min: 1, max: 51, trials: [19, 24, 29], step: 1 },
  h264_videotoolbox: { knob: 'q:v', better: 'higher', min: 1, max: 100, trials: [75, 62, 50], step: 1 },
};

/** The encoder's constant-quality knob; undefined when it has none (the choice is then a bit rate). */
export const knobFor = (encoder: string): KnobDef | undefined => KNOBS[encoder];

/** A knob value rounded to what the encoder takes, towards better pictures, within its range. */
export function roundKnob(def: KnobDef, value: number): number {
  const steps = value / def.step;
  const rounded = (def.better === 'lower' ? Math.floor(steps + 1e-9) : Math.ceil(steps - 1e-9)) * def.step;
  return Math.min(def.max, Math.max(def.min, Number(rounded.toFixed(3))));
}

const k = (n: number): string => `${Math.round(n)}k`;

/** The rate-control arguments of ladder stream `v:i` (stream-specified, for the ladder's one ffmpeg). */
export function rateControlArgs(encoder: string, rate: RateControl, i: number): string[] {
  const s = (opt: string): string => `-${opt}:v:${i}`;
  const cap = [s('maxrate'), k(rate.maxKbps), s('bufsize'), k(rate.bufKbps)];
  if (rate.kind === 'abr') return [s('b'), k(rate.kbps), ...cap];
  const q = String(rate.value);
  // QVBR needs an average below the maxrate, or qsvenc/vaapi fall back to CBR/VBR.
  const average = k(Math.min(rate.expectedKbps, rate.maxKbps * 0.9));
  switch (encoder) {
    case 'libx264':
      return [s('crf'), q, ...cap];
    case 'h264_nvenc':
      return [s('cq'), q, s('b'), '0', ...cap];
    case 'h264_qsv':
      return [s('global_quality'), q, s('b'), average, ...cap];
    case 'h264_vaapi':
      return [s('rc_mode'), 'QVBR', s('global_quality'), q, s('b'), average, ...cap];
    case 'h264_amf':
      return [s('rc'), 'qvbr', s('qvbr_quality_level'), q, ...cap];
    case 'h264_videotoolbox':
      return [s('q'), q, ...cap];
    default:
      throw new Error(`${encoder} has no constant-quality mode the station knows: use a bit rate (abr) for it`);
  }
}
