/**
 * A disk that fills up in the middle of an encode, for real: the work folder on a small tmpfs
 * (mounted here; the test needs root and is skipped, saying so, where it cannot mount), filled by
 * another writer once the encode is under way. Before: `ENOSPC: no space left on device, write`
 * and nothing else, and the failed run's scratch stayed and made the retry fail again. Now: a
 * sentence naming the folder, the volume to free, how much is free and how much is needed; the
 * scratch is given back at once; once space is freed the retry finishes the title from the sets
 * that were published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { openStation, type Station } from '../../electron/engine/station';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';

let dir: string;
let vol: string;
let mounted = false;

function tryMount(): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', vol], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await tempDir('ingest-disk-full-');
  vol = join(dir, 'vol');
  await mkdir(vol);
  mounted = tryMount();
  if (!mounted) console.warn('disk-full.test: cannot mount a tmpfs here (needs root): skipped');
});
afterAll(async () => {
  if (mounted) execFileSync('umount', ['-l', vol]);
  await rm(dir, { recursive: true, force: true });
});

/** Write zeros into `path` until the disk refuses. */
async function fill(path: string): Promise<void> {
  const fh = await open(path, 'w');
  const block = Buffer.alloc(1 << 20);
  try {
    for (;;) await fh.write(block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

describe('a disk that fills up mid-encode', () => {
  it('says where and what to free, gives the scratch back, and the retry finishes the title', async (t) => {
    if (!mounted) t.skip();
    const master = await makeMaster({ seconds: 30 });
    const config = stationConfigSchema.parse({
      destinations: { out: { type: 'folder', path: join(dir, 'out') } },
      origin: 'out',
      workDir: join(vol, 'work'),
      segmentSeconds: 2,
      profile: 'preview',
    });
    const station: Station = await openStation({ config, baseDir: dir, deliver: false });
    try {
      // Another writer fills the disk as soon as the encode is under way.
      let filling: Promise<void> | undefined;
      station.queue.onUpdate((j) => {
        if (!filling && j.stages.transcode.state === 'running' && j.stages.transcode.fraction > 0.1)
          filling = fill(join(vol, 'filler'));
      });
      const [job] = await station.queue.add([master]);
      const id = job!.id;
      const failed = await station.queue.waitFor(id);
      await filling;
      expect(failed.state).toBe('failed');
      expect(failed.error?.stage).toBe('transcode');
      expect(failed.error?.message).toMatch(
        new RegExp(
          `^The disk filled up while the package was being written to ${vol}/work/jobs/${id}/package: free space on ${vol} \\(\\d+(\\.\\d)? [KM]?B free now; about [\\d.]+ [KM]B needed\\), or move the work folder`,
        ),
      );
      // The failed run's scratch is given back at once.
      expect(existsSync(join(vol, 'work', 'jobs', id, 'encode'))).toBe(false);

      await rm(join(vol, 'filler'));
      await station.queue.retry(id);
      const done = await station.queue.waitFor(id);
      expect(done.state, done.error?.message).toBe('done');
      expect(done.verified?.segmentsChecked).toBeGreaterThan(0);
    } finally {
      await station.close();
    }
  });
});
