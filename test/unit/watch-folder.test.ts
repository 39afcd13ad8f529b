/**
 * Watch folders: a file still growing (as a transfer writes it) must not be picked up until its
 * size and mtime have been stable for the configured time; then exactly once. The folder is
 * scanned at moments the test chooses (scan(now)), so no real clock is involved; start/stop run on
 * fake timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchFolder } from '../../electron/engine/watch-folder';

afterEach(() => {
  vi.useRealTimers();
});

describe('watch folder', () => {
  it('does not pick a growing file early; picks it once it is stable; never twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'watch-'));
    const arrived: Array<{ path: string; at: number }> = [];
    let now = 0;
    const watcher = new WatchFolder({
      path: dir,
      stableMs: 600,
      onArrived: (path) => void arrived.push({ path, at: now }),
    });
    const file = join(dir, 'Incoming Film.mov');
    await writeFile(file, 'x');
    await writeFile(join(dir, 'readme.txt'), 'not media');
    // A transfer appending every 150 ms for 2 s: longer than stableMs in total, never still for that long.
    for (; now < 2000; now += 150) {
      await appendFile(file, Buffer.alloc(64 * 1024));
      await watcher.scan(now);
    }
    const lastWrite = now - 150;
    expect(arrived).toEqual([]);
    // Still from here on: picked up once stableMs has passed since it was first seen unchanged.
    for (; now <= lastWrite + 1500; now += 50) await watcher.scan(now);
    expect(arrived.map((a) => a.path)).toEqual([file]);
    expect(arrived[0]!.at - lastWrite).toBeGreaterThanOrEqual(600);
    expect(arrived[0]!.at - lastWrite).toBeLessThanOrEqual(800);
  });

  it('polls on its own timer until stopped', async () => {
    vi.useFakeTimers();
    const dir = await mkdtemp(join(tmpdir(), 'watch-'));
    const watcher = new WatchFolder({ path: dir, stableMs: 400, pollMs: 100, onArrived: () => undefined });
    const scans = vi.spyOn(watcher, 'scan');
    watcher.start();
    for (let i = 0; i < 5; i++) {
      await vi.waitFor(() => expect(scans).toHaveBeenCalledTimes(i + 1));
      await vi.advanceTimersByTimeAsync(100);
    }
    watcher.stop();
    const calls = scans.mock.calls.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(scans.mock.calls.length).toBe(calls);
  });
});
