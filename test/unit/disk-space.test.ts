import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertDiskSpace, estimatePackageBytes } from '../../electron/engine/util/disk-space';
import { transcode } from '../../electron/engine/stages/transcode';

describe('disk-space check before transcode', () => {
  it('estimates a package from its bit rates', () => {
    // 2 h at 5000+3000+1800+800+128 kb/s ≈ 9.66 GB, +25 %
    expect(estimatePackageBytes(7200, [5000, 3000, 1800, 800, 128])).toBe(Math.ceil((7200 * 10728 * 1000) / 8 * 1.25));
  });

  it('refuses with how much is needed and free, and leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'disk-'));
    await expect(assertDiskSpace(dir, 1, 'a test')).resolves.toBeUndefined();
    await expect(assertDiskSpace(dir, 1e18, 'the package')).rejects.toThrow(/^Not enough disk space for the package: it needs about 1000000\.0 TB; .* is free on /);
    const plan = { videoStreamIndex: 0, rungs: [{ name: 'huge', width: 640, height: 360, videoKbps: 1e9 }], audioKbps: 128, segmentSeconds: 6, segmentFormat: 'fmp4' as const, encoder: 'libx264', encoderReason: 'test' };
    await expect(transcode({ ffmpegPath: 'ffmpeg', sourcePath: '/nonexistent.mov', durationSec: 1e6, plan, jobDir: dir })).rejects.toThrow(/Not enough disk space/);
    expect(await readdir(dir)).toEqual([]);
  });
});
