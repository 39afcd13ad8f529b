/**
 * The alignment rule verify applies to every package (and so to every transcode test): video rungs
 * must have the same number of segments and start each one at the same instant.
 */
import { describe, expect, it } from 'vitest';
import { checkAlignment, type RenditionDecodeResult } from '../../electron/engine/verify/decode-check';
import type { Rendition } from '../../electron/engine/verify/playlists';

function rung(
  name: string,
  starts: number[],
  kind: 'video' | 'audio' = 'video',
): { rendition: Rendition; decode: RenditionDecodeResult } {
  const segments = starts.map((_, i) => ({ path: `${name}/seg_${i}.m4s`, durationSec: 2, size: 1 }));
  return {
    rendition: { name, playlist: `${name}/index.m3u8`, kind, targetDuration: 2, segments },
    decode: {
      rendition: name,
      problems: [],
      byPath: new Map(segments.map((s, i) => [s.path, { frames: 48, firstPts: starts[i], firstIsKey: true }])),
    },
  };
}

describe('alignment across video rungs', () => {
  it('aligned rungs pass (audio is not compared)', () => {
    expect(
      checkAlignment([rung('720p', [0, 2, 4]), rung('360p', [0, 2, 4]), rung('audio', [0.02, 2.1, 4.3], 'audio')]),
    ).toEqual([]);
  });
  it('a rung cut at another instant is named with both times', () => {
    expect(checkAlignment([rung('720p', [0, 2, 4]), rung('360p', [0, 2.5, 4])])).toEqual([
      { file: '360p/seg_1.m4s', problem: 'misaligned', detail: 'starts at 2.500 s; 720p starts at 2.000 s' },
    ]);
  });
  it('a rung with another segment count is named', () => {
    expect(checkAlignment([rung('720p', [0, 2, 4]), rung('360p', [0, 3])])).toEqual([
      { file: '360p/index.m3u8', problem: 'misaligned', detail: '2 segments; 720p has 3' },
    ]);
  });
});
