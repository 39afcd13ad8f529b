/**
 * Hardware encoder detection by real trial encode on this machine (Debian ffmpeg lists NVENC, QSV,
 * VAAPI and V4L2 M2M; no GPU exists here): every listed family must be reported unusable with
 * ffmpeg's own reason, libx264 chosen, the result cached per ffmpeg binary + version; and a
 * hardware encoder failing mid-job must fall back to software and say so.
 */
import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectEncoders, type EncoderReport } from '../../electron/engine/ffmpeg/encoders';
import { makeMaster } from '../helpers/masters';
import { tempDir, testStation } from '../helpers/station';

describe('encoder detection', () => {
  it('each listed hardware family is unusable here, with ffmpeg’s reason; libx264 is chosen; the result is cached', async () => {
    const dir = await tempDir('enc-');
    const r = await detectEncoders('/usr/bin/ffmpeg', dir);
    expect(r.listed).toEqual(expect.arrayContaining(['nvenc', 'qsv', 'vaapi']));
    expect(r.probes.map((p) => p.family)).toEqual(r.listed);
    for (const p of r.probes) {
      expect(p.usable, p.encoder).toBe(false);
      expect(p.reason, p.encoder).toMatch(/\S/);
      expect(p.reason).not.toMatch(/^ffmpeg exited/);
    }
    expect(r.probes.find((p) => p.family === 'nvenc')!.reason).toMatch(/Cannot load libcuda/);
    expect(r.chosen).toBe('libx264');
    expect(r.reason).toMatch(
      /^software encoder: no hardware encoder passed its trial \(h264_nvenc: .*Cannot load libcuda/,
    );
    // Cached: a doctored cache for the same binary and version is returned as is…
    const cached = JSON.parse(await readFile(join(dir, 'encoders.json'), 'utf8')) as EncoderReport;
    await writeFile(join(dir, 'encoders.json'), JSON.stringify({ ...cached, reason: 'from cache' }));
    expect((await detectEncoders('/usr/bin/ffmpeg', dir)).reason).toBe('from cache');
    // …but not for another version of ffmpeg.
    await writeFile(join(dir, 'encoders.json'), JSON.stringify({ ...cached, version: '0.0', reason: 'stale' }));
    expect((await detectEncoders('/usr/bin/ffmpeg', dir)).reason).not.toBe('stale');
  });

  it('a hardware encoder failing mid-job: the title is transcoded again in software and the reason recorded', async () => {
    const dir = await tempDir('enc-fallback-');
    const station = await testStation(dir, { type: 'folder', path: join(dir, 'out') }, undefined, {
      encoder: 'h264_nvenc',
    });
    try {
      const [job] = await station.queue.add([await makeMaster({ seconds: 4 })]);
      const done = await station.queue.waitFor(job!.id);
      expect(done.state, done.error?.message).toBe('done');
      const rec = station.queue.get(job!.id)!;
      expect(rec.warnings.join('\n')).toMatch(
        /h264_nvenc failed mid-job and the title was transcoded again with libx264: ffmpeg failed: .*libcuda/,
      );
      expect(rec.report!.encoder).toBe('libx264');
      expect(rec.report!.encoderReason).toMatch(/^software encoder: h264_nvenc failed during the transcode/);
    } finally {
      await station.close();
    }
  });
});
