/**
 * The probe's look at a master's captions: the caption files beside it (and those the operator
 * named) are read and checked now — not UTF-8, unparsable, overlapping or out-of-range cues each get
 * their finding — so a bad caption file rejects the master (or warns, per the spec) before any
 * encode. Image subtitle streams (PGS, DVB) are not converted: a warning says so. The spec can
 * require captions.
 */
import { basename, extname } from 'node:path';
import { IMAGE_SUBTITLE_CODECS, TEXT_SUBTITLE_CODECS, type CaptionFile, type MediaInfo } from '../../common/media.js';
import { bcp47 } from '../../common/languages.js';
import type { DeliverySpec, SpecFinding } from '../../common/spec.js';
import { captionFromName, findCaptionFiles } from '../captions/caption-files.js';
import { readCaptionFile } from '../captions/cues.js';

export interface NamedCaption {
  path: string;
  /** BCP 47 or ISO 639; absent: from the file's name, else the spec's default. */
  language?: string;
}

/** A caption file the operator named (`--captions Film.srt:fr`): its format from the extension. */
export function namedCaption(c: NamedCaption, defaultLanguage: string): CaptionFile | undefined {
  const name = basename(c.path);
  const fromName = captionFromName(basename(name, extname(name)).split('.')[0]!, name, defaultLanguage);
  if (!fromName) return undefined;
  const language = c.language ? bcp47(c.language) : undefined;
  return { path: c.path, ...fromName, ...(language ? { language, languageFrom: 'operator' as const } : {}) };
}

export interface CaptionCheck {
  files: CaptionFile[];
  findings: SpecFinding[];
}

export async function checkCaptions(
  media: MediaInfo,
  spec: DeliverySpec,
  opts: { masterPath: string; ffmpegPath: string; extra?: NamedCaption[] },
): Promise<CaptionCheck> {
  const findings: SpecFinding[] = [];
  const add = (code: SpecFinding['code'], severity: 'error' | 'warning' | 'off', message: string): void => {
    if (severity !== 'off') findings.push({ code, severity, message });
  };
  const files: CaptionFile[] = [];
  for (const c of opts.extra ?? []) {
    const f = namedCaption(c, spec.defaultCaptionLanguage);
    if (!f)
      add(
        'caption-unreadable',
        'error',
        `${basename(c.path)}: not a caption file the station reads (.srt, .vtt or .scc)`,
      );
    else files.push(f);
  }
  for (const f of await findCaptionFiles(opts.masterPath, spec.defaultCaptionLanguage)) {
    if (!files.some((x) => x.path === f.path)) files.push(f);
  }
  for (const f of files) {
    const read = await readCaptionFile(f, media.durationSec, opts.ffmpegPath);
    const unreadable = read.problems.filter((p) => p.code === 'caption-unreadable');
    for (const p of unreadable) add('caption-unreadable', spec.captionUnreadable, p.message);
    for (const p of read.problems.filter((x) => x.code === 'caption-cues'))
      add('caption-cues', spec.captionCues, p.message);
    // A file with no readable cue is left out of the package (if the spec lets the master through).
    if (read.cues.length > 0) f.cues = read.cues.length;
  }
  const text = media.subtitles.filter((s) => TEXT_SUBTITLE_CODECS.includes(s.codec));
  const image = media.subtitles.filter((s) => IMAGE_SUBTITLE_CODECS.includes(s.codec));
  if (image.length) {
    add(
      'image-subtitles',
      spec.imageSubtitles,
      `${image.length} image subtitle stream(s) (${[...new Set(image.map((s) => s.codec))].join(', ')}) are not converted: the package carries only text captions; deliver them as .srt or .vtt beside the master.`,
    );
  }
  if (!files.some((f) => f.cues) && text.length === 0) {
    add(
      'captions-missing',
      spec.captionsMissing,
      'No captions: no caption file beside the master (Film.en.srt, Film.fr.vtt, Film.scc) and no text subtitle stream in it.',
    );
  }
  return { files, findings };
}
