/**
 * The content decisions' override flags, shared by `ingest` and `transcode`: `--no-ivtc`,
 * `--deinterlace`, `--progressive`, `--crop auto|none|W:H:X:Y`, `--loudness off|<LUFS>|atsc-a85|ebu-r128`. The
 * parsing rules live in common/analysis.ts (the Master tab checks the same ones); a bad value is a
 * usage error with the sentence that says what the flag takes.
 */
import type { Command } from 'commander';
import { parseCropFlag, parseLoudnessFlag, type ContentOverrides } from '../common/analysis.js';
import { StationError } from '../engine/util/errors.js';

export interface ContentFlags {
  /** commander's negation: false when `--no-ivtc` was given. */
  ivtc?: boolean;
  deinterlace?: boolean;
  progressive?: boolean;
  crop?: string;
  loudness?: string;
}

export function addContentFlags(cmd: Command): Command {
  return cmd
    .option('--no-ivtc', 'never inverse telecine: a telecined picture is deinterlaced at its frame rate instead')
    .option('--deinterlace', 'the same as --no-ivtc (deinterlace whatever combing the analysis finds)')
    .option(
      '--progressive',
      'take the picture as progressive: no inverse telecine or deinterlacing, whatever the fields show',
    )
    .option(
      '--crop <auto|none|W:H:X:Y>',
      'crop bars found in the picture (auto), keep the whole frame, or this rectangle',
    )
    .option('--loudness <off|LUFS|atsc-a85|ebu-r128>', "no loudness gain, or this target instead of the spec's");
}

export function contentOverrides(flags: ContentFlags): ContentOverrides {
  const out: ContentOverrides = {};
  if (flags.ivtc === false || flags.deinterlace) out.ivtc = 'off';
  if (flags.progressive) out.scan = 'progressive';
  if (flags.crop !== undefined) {
    const crop = parseCropFlag(flags.crop);
    if (!crop.ok) throw new StationError(crop.error, 'config-crop');
    out.crop = crop.value;
  }
  if (flags.loudness !== undefined) {
    const loudness = parseLoudnessFlag(flags.loudness);
    if (!loudness.ok) throw new StationError(loudness.error, 'config-loudness');
    out.loudness = loudness.value;
  }
  return out;
}
