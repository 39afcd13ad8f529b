/**
 * The playlists writer (package/playlists.ts) from a real chunk journal file: what verify recorded
 * becomes the media playlists (one EXTINF per chunk, its real duration; TARGETDURATION every
 * rounded EXTINF fits) and the master (BANDWIDTH the peak rate of full-length segments, the mean
 * as AVERAGE-BANDWIDTH, each rung's resolution). Written to a real folder, read back with hls-parser.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import HLS from 'hls-parser';
import { ChunkJournal, type PublishedChunk } from '../../electron/engine/package/chunk-journal';
import { writePlaylists } from '../../electron/engine/package/playlists';
import type { TranscodePlan } from '../../electron/engine/plan/plan';
import { tempDir } from '../helpers/station';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('ingest-playlists-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Four segments of 4 s and a 0.5 s tail whose rate is the highest (a tail says nothing of the peak). */
const durations = [4, 4, 4, 4, 0.5];
const sizes: Record<string, number[]> = {
  '720p': [200_000, 250_000, 400_000, 220_000, 100_000],
  '360p': [80_000, 90_000, 100_000, 85_000, 2_000],
};

const plan = {
  rungs: [
    { name: '720p', width: 1280, height: 720, videoKbps: 3000 },
    { name: '360p', width: 640, height: 360, videoKbps: 800 },
  ],
  audio: [],
  subtitles: [],
  segmentFormat: 'fmp4',
  segmentSeconds: 4,
  iframes: false,
} as unknown as TranscodePlan;

async function journalOfPackage(): Promise<ChunkJournal> {
  const j = await ChunkJournal.open(join(dir, 'chunks.jsonl'));
  let start = 0;
  for (const [i, d] of durations.entries()) {
    const chunks: PublishedChunk[] = plan.rungs.map((r) => ({
      r: r.name,
      i,
      path: `${r.name}/seg_${String(i).padStart(5, '0')}.m4s`,
      size: sizes[r.name]![i]!,
      start,
      end: start + d,
    }));
    await j.append({ t: 'published', set: i, chunks });
    for (const c of chunks)
      await j.append({
        t: 'verified',
        path: c.path,
        r: c.r,
        i,
        size: c.size,
        md5: '0'.repeat(32),
        sha256: '0'.repeat(64),
      });
    start += d;
  }
  for (const r of plan.rungs) {
    await mkdir(join(dir, 'pkg', r.name), { recursive: true });
    await j.append({
      t: 'init',
      r: r.name,
      path: `${r.name}/init.mp4`,
      size: 800,
      md5: '1'.repeat(32),
      sha256: '1'.repeat(64),
      codec: r.name === '720p' ? 'avc1.64001f' : 'avc1.64001e',
      timescale: 12800,
    });
  }
  return j;
}

describe('playlists writer', () => {
  it('media playlists: one EXTINF per chunk with its duration, TARGETDURATION that fits, the init as EXT-X-MAP', async () => {
    const j = await journalOfPackage();
    const written = await writePlaylists({ plan, journal: j, packageDir: join(dir, 'pkg'), frameRate: 25 });
    expect(written).toEqual(['720p/index.m3u8', '360p/index.m3u8', 'master.m3u8']);
    const media = HLS.parse(await readFile(join(dir, 'pkg', '720p', 'index.m3u8'), 'utf8')) as HLS.types.MediaPlaylist;
    expect(media.segments.map((s) => s.duration)).toEqual(durations);
    expect(media.segments.map((s) => s.uri)).toEqual(durations.map((_, i) => `seg_${String(i).padStart(5, '0')}.m4s`));
    expect(media.targetDuration).toBe(4);
    expect(media.endlist).toBe(true);
    expect(media.segments[0]!.map?.uri).toBe('init.mp4');
    await j.close();
  });

  it('master: BANDWIDTH is the peak over full-length segments (not the tail), AVERAGE-BANDWIDTH the mean', async () => {
    const j = await journalOfPackage();
    await writePlaylists({ plan, journal: j, packageDir: join(dir, 'pkg'), frameRate: 25 });
    const master = HLS.parse(await readFile(join(dir, 'pkg', 'master.m3u8'), 'utf8')) as HLS.types.MasterPlaylist;
    const top = master.variants.find((v) => v.uri === '720p/index.m3u8')!;
    const total = durations.reduce((a, b) => a + b, 0);
    expect(top.bandwidth).toBe(Math.ceil((400_000 * 8) / 4));
    expect(top.averageBandwidth).toBe(Math.ceil((sizes['720p']!.reduce((a, b) => a + b, 0) * 8) / total));
    expect(top.resolution).toEqual({ width: 1280, height: 720 });
    expect(top.codecs).toBe('avc1.64001f');
    expect(top.frameRate).toBe(25);
    expect(master.variants.map((v) => v.uri)).toEqual(['720p/index.m3u8', '360p/index.m3u8']);
    await j.close();
  });
});
