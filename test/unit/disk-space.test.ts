import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertDiskSpace, estimatePackageBytes } from '../../electron/engine/util/disk-space';

describe('disk-space check before transcode', () => {
  it('estimates a package from its bit rates', () => {
    // 2 h at 5000+3000+1800+800+128 kb/s ≈ 9.66 GB, +25 %
    expect(estimatePackageBytes(7200, [5000, 3000, 1800, 800, 128])).toBe(
      Math.ceil(((7200 * 10728 * 1000) / 8) * 1.25),
    );
  });

  it('refuses with how much is needed and free, and leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'disk-'));
    await expect(assertDiskSpace(dir, 1, 'a test')).resolves.toBeUndefined();
    await expect(assertDiskSpace(dir, 1e18, 'the package')).rejects.toThrow(
      /^Not enough disk space for the package: it needs about 1000000\.0 TB; .* is free on /,
    );
    // A package folder not made yet: the disk it would be on.
    await expect(assertDiskSpace(join(dir, 'not', 'yet'), 1e18, 'the package')).rejects.toThrow(
      /Not enough disk space for the package/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
