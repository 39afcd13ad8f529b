/**
 * The subtitle renditions, written once the video timeline is known: each caption source read into
 * cues (captions/cues.ts), cut into one WebVTT file per video segment (captions/webvtt-segments.ts)
 * plus the whole track in one file (for DASH), and published to the chunk journal.
 */
import { mkdir } from 'node:fs/promises';
import { writeWhole } from './package-files.js';
import { join } from 'node:path';
import { readCaptionFile, readSubtitleStream } from '../captions/cues.js';
import { fullVtt, segmentCues, type SegmentSpan } from '../captions/webvtt-segments.js';
import type { SubtitleRendition, TranscodePlan } from '../plan/plan.js';
import { StationError } from '../util/errors.js';
import type { ChunkJournal, PublishedChunk } from './chunk-journal.js';
import { segmentName } from './video-encoder.js';

export const subtitleDir = (s: Pick<SubtitleRendition, 'name'>): string => `subs/${s.name}`;
export const FULL_VTT = 'full.vtt';

export interface SubtitleWriteOptions {
  ffmpegPath: string;
  sourcePath: string;
  durationSec: number;
  plan: TranscodePlan;
  packageDir: string;
  journal: ChunkJournal;
}

/** The video's segments on the master's clock (the first rung: every rung cuts at the same instants). */
export function videoSpans(journal: Pick<ChunkJournal, 'sets'>): SegmentSpan[] {
  return [...journal.sets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, c]) => ({ start: c[0]!.start, end: c[0]!.end }));
}

export async function writeSubtitles(o: SubtitleWriteOptions): Promise<void> {
  if (o.plan.subtitles.length === 0 || o.journal.subs) return;
  const spans = videoSpans(o.journal);
  const firstRung = o.plan.rungs[0]!.name;
  // Cue time 0 is the first frame; on the 90 kHz media clock that frame sits at its presentation offset.
  const mpegts = (o.journal.inits.get(firstRung)?.presentationOffset ?? 0) * 90_000;
  const chunks: PublishedChunk[] = [];
  for (const s of o.plan.subtitles) {
    const read =
      s.source.kind === 'file'
        ? await readCaptionFile(s.source, o.durationSec, o.ffmpegPath)
        : await readSubtitleStream(o.sourcePath, s.source.index, o.durationSec, o.ffmpegPath);
    const unreadable = read.problems.find((p) => p.code === 'caption-unreadable');
    if (unreadable && read.cues.length === 0)
      throw new StationError(`Subtitles ${s.name} cannot be made: ${unreadable.message}`, 'caption-unreadable');
    const dir = subtitleDir(s);
    await mkdir(join(o.packageDir, dir), { recursive: true });
    const texts = segmentCues(read.cues, spans, mpegts);
    for (const [i, text] of texts.entries()) {
      const rel = `${dir}/${segmentName(i, 'vtt')}`;
      await writeWhole(join(o.packageDir, rel), text, 'encoding');
      chunks.push({ r: dir, i, path: rel, size: Buffer.byteLength(text), start: spans[i]!.start, end: spans[i]!.end });
    }
    const full = fullVtt(read.cues);
    await writeWhole(join(o.packageDir, dir, FULL_VTT), full, 'encoding');
    chunks.push({
      r: dir,
      i: -1,
      path: `${dir}/${FULL_VTT}`,
      size: Buffer.byteLength(full),
      start: 0,
      end: spans.at(-1)?.end ?? o.durationSec,
    });
  }
  await o.journal.append({ t: 'subs', chunks });
}
