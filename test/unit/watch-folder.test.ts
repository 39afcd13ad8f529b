/**
 * Watch folders: a file still growing (as a transfer writes it) must not be picked up until its
 * size and mtime have been stable for the configured time; then exactly once.
 */
import { describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WatchFolder } from '../../electron/engine/watch-folder';

describe('watch folder', () => {
  it('does not pick a growing file early; picks it once it is stable; never twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'watch-'));
    const arrived: Array<{ path: string; at: number }> = [];
    const watcher = new WatchFolder({ path: dir, stableMs: 600, pollMs: 50, onArrived: (path) => void arrived.push({ path, at: Date.now() }) }).start();
    const file = join(dir, 'Incoming Film.mov');
    await writeFile(file, 'x');
    await writeFile(join(dir, 'readme.txt'), 'not media');
    // A transfer appending every 150 ms for 2 s: longer than stableMs in total, never still for that long.
    const started = Date.now();
    let lastWrite = started;
    while (Date.now() - started < 2000) {
      await appendFile(file, Buffer.alloc(64 * 1024));
      lastWrite = Date.now();
      await sleep(150);
    }
    expect(arrived).toEqual([]);
    await sleep(1200);
    watcher.stop();
    expect(arrived.map((a) => a.path)).toEqual([file]);
    expect(arrived[0]!.at - lastWrite).toBeGreaterThanOrEqual(550);
  });
});
