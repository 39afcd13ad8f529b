/**
 * What a title's report says it sent is what it sent: one title through the station to a folder
 * origin (real ffmpeg), the per-destination transfer record against the objects delivered. Chunks
 * sent while the title encoded are found again by the final package upload and skipped there —
 * those bytes must not count twice (they did: the put's detail was dropped on the way).
 */
import { describe, expect, it } from 'vitest';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stationConfigSchema } from '../../electron/common/config';
import { openStation } from '../../electron/engine/station';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';

describe('throughput in the report', () => {
  it('bytes acknowledged per destination equal the bytes delivered (none counted twice), with average and peak', async () => {
    const dir = await tempDir('ingest-throughput-');
    const master = join(dir, 'Counted.mp4');
    await copyFile(await makeMaster({ seconds: 6 }), master);
    const config = stationConfigSchema.parse({
      destinations: { local: { type: 'folder', path: join(dir, 'out') } },
      origin: 'local',
      workDir: join(dir, 'work'),
      profile: 'preview',
      segmentSeconds: 2,
    });
    const station = await openStation({ config, baseDir: dir });
    try {
      const [job] = await station.queue.add([master]);
      const done = await station.queue.waitFor(job!.id);
      expect(done.state).toBe('done');
      const sent = done.transfers!.local!;
      const delivered = done.delivered!.local!.bytes;
      // The claim and entry points are written apart from the meter (a few hundred bytes).
      expect(sent.bytes).toBeLessThanOrEqual(delivered);
      expect(sent.bytes).toBeGreaterThan(delivered * 0.95);
      expect(sent.peakBps).toBeGreaterThanOrEqual(sent.averageBps);
      expect(sent.averageBps).toBeGreaterThan(0);
      expect(station.queue.get(job!.id)!.report!.transfers).toEqual(done.transfers);
    } finally {
      await station.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
