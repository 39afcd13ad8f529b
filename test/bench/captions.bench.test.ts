/**
 * Caption parsing at scale (`npm run bench`): the station's parse of 10,000, 20,000 and 100,000
 * cues against media-captions' own parseText measured in the same run — the baseline the station
 * used until issue #22 (quadratic: every line queued at once, each read shifting the queue's array).
 * Linear work shows as a ×10 time for ×10 cues; the printed ratios are the result.
 */
import { describe, expect, it } from 'vitest';
import { parseText } from 'media-captions';
import { parseCaptions } from '../../electron/engine/captions/cues';
import { manyCuesSrt } from '../helpers/captions';

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

describe('caption parsing at scale', () => {
  it('grows with the cues, not with their square', async () => {
    const rows: string[] = [];
    const station = new Map<number, number>();
    // Warm up both parsers (JIT, the SRT parser's lazy import) before anything is timed.
    await parseCaptions(manyCuesSrt(1000), 'srt', 251, 'warm.srt');
    await parseText(manyCuesSrt(1000), { type: 'srt' });
    for (const n of [10_000, 20_000, 100_000]) {
      const text = manyCuesSrt(n);
      const ours = await timed(() => parseCaptions(text, 'srt', n * 0.25 + 1, 'bench.srt'));
      expect(ours.value.cues).toHaveLength(n);
      station.set(n, ours.ms);
      // The old way, only where it finishes in reasonable time (100,000 cues took 220 s).
      const old = n <= 20_000 ? await timed(() => parseText(text, { type: 'srt' })) : undefined;
      rows.push(
        `${n} cues: station ${(ours.ms / 1000).toFixed(2)} s${old ? `, parseText ${(old.ms / 1000).toFixed(2)} s (${(old.ms / ours.ms).toFixed(1)}× slower)` : ''}`,
      );
    }
    const growth = station.get(100_000)! / station.get(10_000)!;
    console.log(`captions: ${rows.join(' · ')}; 10× the cues took ${growth.toFixed(1)}× the time`);
  });
});
