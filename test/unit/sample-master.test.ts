/**
 * The first run's sample master: made by ffmpeg's own test sources into the work folder, a new file
 * each time (named by when it was made), and accepted by the station's real probe under the default
 * delivery spec — so the sample can go through every stage on any machine with ffmpeg.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadSpec } from '../../electron/engine/probe/load-spec';
import { probeMaster } from '../../electron/engine/probe/probe-master';
import { makeSampleMaster, sampleName } from '../../electron/engine/setup/sample-master';
import { locateTools } from '../../electron/engine/ffmpeg/locate';

describe('sample master', () => {
  it('ten seconds of test card and tone that the default spec accepts, a new name each time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sample-'));
    const tools = locateTools();
    const at = new Date(2026, 11, 1, 8, 42, 5);
    const path = await makeSampleMaster({ ffmpegPath: tools.ffmpeg, workDir: dir, now: at });
    expect(basename(path)).toBe('Ingest Station sample 2026-12-01 084205.mp4');
    expect(path.startsWith(join(dir, 'sample'))).toBe(true);
    expect((await stat(path)).size).toBeGreaterThan(50_000);
    const spec = await loadSpec(join(import.meta.dirname, '../../resources/delivery-spec.json'));
    const probed = await probeMaster(path, { ffprobePath: tools.ffprobe, ffmpegPath: tools.ffmpeg, spec });
    expect(probed.spec!.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(probed.media).toMatchObject({ durationSec: expect.closeTo(10, 0) });
    expect(probed.media.video[0]).toMatchObject({ width: 640, height: 360 });
    expect(probed.media.audio).toHaveLength(1);
    expect(sampleName(new Date(2026, 11, 1, 8, 42, 6))).not.toBe(sampleName(at));
  });
});
