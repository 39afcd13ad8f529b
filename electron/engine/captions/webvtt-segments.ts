/**
 * WebVTT renditions cut by the station, not by ffmpeg (whose 5.1 segmenter drops a cue that spans a
 * boundary from the next segment and writes no X-TIMESTAMP-MAP): one WebVTT file per video segment,
 * each holding every cue that overlaps it — a cue across a boundary is in both, with the same times,
 * so a player that joins at either segment shows it and one that plays through shows it once — and
 * each carrying X-TIMESTAMP-MAP, which ties the cues' times to the video's media timeline.
 */
import type { Cue } from './cues.js';

export interface SegmentSpan {
  /** Presentation start and end on the master's timeline (seconds; 0 = the first frame). */
  start: number;
  end: number;
}

const stamp = (s: number): string => {
  const ms = Math.max(0, Math.round(s * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sec = Math.floor((ms % 60_000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
};

function cueBlock(c: Cue, id: number): string {
  return `${id}\n${stamp(c.start)} --> ${stamp(c.end)}${c.settings ? ` ${c.settings}` : ''}\n${c.text}\n`;
}

/**
 * `mpegts`: the 90 kHz media time that cue time 0 stands for (the video's presentation offset, see
 * the package writer); `LOCAL:00:00:00.000` keeps cue times on the master's own clock.
 */
export function vttHeader(mpegts: number): string {
  return `WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:${Math.round(mpegts)},LOCAL:00:00:00.000\n`;
}

/** The first span whose end lies after `t` (spans are in order and do not overlap). */
function firstEndingAfter(spans: SegmentSpan[], t: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.end > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * One WebVTT file per span (cue ids are the cue's position in the whole track, so repeats match).
 * Each cue goes to the spans it overlaps, found by binary search: the work grows with cues plus
 * segments, not their product (a feature's 100,000 cues × 1,200 segments).
 */
export function segmentCues(cues: Cue[], spans: SegmentSpan[], mpegts: number): string[] {
  const blocks: string[][] = spans.map(() => []);
  cues.forEach((c, i) => {
    for (let k = firstEndingAfter(spans, c.start); k < spans.length && spans[k]!.start < c.end; k++)
      blocks[k]!.push(cueBlock(c, i + 1));
  });
  return blocks.map((inside) => [vttHeader(mpegts), ...inside].join('\n'));
}

/** The whole track in one file (DASH's sidecar, and the operator's download). */
export function fullVtt(cues: Cue[]): string {
  return ['WEBVTT\n', ...cues.map((c, i) => cueBlock(c, i + 1))].join('\n');
}
