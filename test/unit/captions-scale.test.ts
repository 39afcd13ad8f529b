/**
 * Caption work grows with the cues, not with their square: a 100,000-cue .srt used to take 220 s
 * to parse (media-captions' parseText queues every line at once and Node's stream queue shifts an
 * array per read), and every cue was tested against every segment. The parse of 100,000 cues must
 * finish within this test's time limit (the old code took minutes); test/bench/captions.bench.test.ts
 * prints the times. The segmenting is checked against the obvious all-pairs definition.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCaptions, type Cue } from '../../electron/engine/captions/cues';
import { segmentCues, type SegmentSpan } from '../../electron/engine/captions/webvtt-segments';
import { manyCuesSrt } from '../helpers/captions';

describe('captions at scale', () => {
  it('a 100,000-cue .srt is parsed whole, every cue read', { timeout: 60_000 }, async () => {
    const read = await parseCaptions(manyCuesSrt(100_000), 'srt', 100_000 * 0.25 + 1, 'big.srt');
    expect(read.problems).toEqual([]);
    expect(read.cues).toHaveLength(100_000);
    expect(read.cues[99_999]).toMatchObject({ start: 24_999.75, text: 'Line 99999' });
  });

  it('segmenting puts each cue in exactly the segments it overlaps, as the all-pairs definition does', () => {
    const cue = fc
      .tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 120 }))
      .map(([s, d]): Cue => ({ start: s / 10, end: (s + d) / 10, text: `c${s}` }));
    fc.assert(
      fc.property(fc.array(cue, { maxLength: 40 }), fc.integer({ min: 1, max: 30 }), (cues, n) => {
        const spans: SegmentSpan[] = Array.from({ length: n }, (_, i) => ({ start: i * 2, end: i * 2 + 2 }));
        const allPairs = spans.map((span) =>
          cues.flatMap((c, i) => (c.start < span.end && c.end > span.start ? [i + 1] : [])),
        );
        // The cue ids each segment's WebVTT holds (a cue block starts with its id on a line of its own).
        const ids = segmentCues(cues, spans, 0).map((vtt) =>
          vtt
            .split('\n\n')
            .slice(1)
            .map((block) => Number(block.split('\n')[0])),
        );
        expect(ids).toEqual(allPairs);
      }),
    );
  });
});
