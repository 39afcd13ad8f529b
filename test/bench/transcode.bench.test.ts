/**
 * Benchmark: a generated 60 s 1080p ProRes master → the default ladder (1080/720/540/360 + AAC)
 * three ways in the same run: the station's packaging pipeline (probe, plan, the encode published
 * set by set, each chunk verified as it lands, playlists and manifest — `transcode --out`), the
 * same two ffmpeg commands (video ladder, audio pass) run bare side by side, and one ffmpeg process
 * per rung (each decoding the master again). Targets: station ≤ 1.15× bare (it also verifies every
 * chunk); per-rung / station ≥ 1.2×.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ladderProfilesSchema } from '../../electron/common/profile';
import { probeMaster } from '../../electron/engine/probe/probe-master';
import { planTranscode } from '../../electron/engine/plan/plan';
import { buildVideoArgs } from '../../electron/engine/package/video-encoder';
import { buildAudioArgs } from '../../electron/engine/package/audio-encoder';
import { makeMaster } from '../helpers/masters';
import { packageOnly, tempDir } from '../helpers/station';
import profiles from '../../resources/ladder-profiles.json';

const run = promisify(execFile);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

describe('transcode benchmark', () => {
  it('station vs bare ffmpeg vs one process per rung', async () => {
    const dir = await tempDir('bench-tc-');
    const master = await makeMaster({
      seconds: 60,
      width: 1920,
      height: 1080,
      codec: 'prores',
      name: 'bench-prores-1080p-60s.mov',
    });
    const media = (await probeMaster(master, { ffprobePath: 'ffprobe' })).media;
    const plan = planTranscode(media, { segmentSeconds: 6, profile: ladderProfilesSchema.parse(profiles).default! });
    expect(plan.rungs.map((r) => r.name)).toEqual(['1080p', '720p', '540p', '360p']);

    const station = await timed(() =>
      packageOnly(master, join(dir, 'station'), { profile: 'default', segmentSeconds: 6 }),
    );

    const bareDir = join(dir, 'bare');
    for (const r of plan.rungs) await mkdir(join(bareDir, r.name), { recursive: true });
    for (const a of plan.audio) await mkdir(join(bareDir, a.name), { recursive: true });
    const v = buildVideoArgs(plan, bareDir);
    const a = buildAudioArgs(plan, bareDir);
    const bare = await timed(() =>
      Promise.all([
        run(
          'ffmpeg',
          [
            '-hide_banner',
            '-nostdin',
            '-y',
            ...v.inputOptions,
            '-i',
            master,
            '-loglevel',
            'error',
            ...v.outputOptions,
            v.output,
          ],
          { maxBuffer: 64 << 20 },
        ),
        run(
          'ffmpeg',
          ['-hide_banner', '-nostdin', '-y', '-i', master, '-loglevel', 'error', ...a.outputOptions, a.output],
          { maxBuffer: 64 << 20 },
        ),
      ]),
    );

    const perRung = await timed(async () => {
      for (const r of plan.rungs) {
        const out = join(dir, 'rung', r.name);
        await mkdir(out, { recursive: true });
        await run('ffmpeg', [
          '-hide_banner',
          '-nostdin',
          '-y',
          '-loglevel',
          'error',
          '-i',
          master,
          '-map',
          '0:v:0',
          '-vf',
          `scale=${r.width}:${r.height},setsar=1,format=yuv420p`,
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-b:v',
          `${r.videoKbps}k`,
          '-force_key_frames',
          `expr:gte(t,n_forced*${plan.segmentSeconds})`,
          '-sc_threshold',
          '0',
          '-f',
          'hls',
          '-hls_time',
          String(plan.segmentSeconds),
          '-hls_playlist_type',
          'vod',
          '-hls_segment_type',
          'fmp4',
          join(out, 'index.m3u8'),
        ]);
      }
      const aout = join(dir, 'rung', 'audio');
      await mkdir(aout, { recursive: true });
      await run('ffmpeg', [
        '-hide_banner',
        '-nostdin',
        '-y',
        '-loglevel',
        'error',
        '-i',
        master,
        '-map',
        '0:a:0',
        '-c:a',
        'aac',
        '-b:a',
        '128k',
        '-ac',
        '2',
        '-f',
        'hls',
        '-hls_time',
        '6',
        '-hls_playlist_type',
        'vod',
        '-hls_segment_type',
        'fmp4',
        join(aout, 'index.m3u8'),
      ]);
    });

    console.log(
      `transcode 60 s 1080p ProRes → 1080/720/540/360 + AAC: station ${station.toFixed(1)} s (${(60 / station).toFixed(2)}× realtime), ` +
        `bare ffmpeg ${bare.toFixed(1)} s, one process per rung ${perRung.toFixed(1)} s → station / bare ${(station / bare).toFixed(3)}× (target ≤ 1.15×, verify included), ` +
        `per-rung / station ${(perRung / station).toFixed(2)}× (target ≥ 1.2×)`,
    );
    await rm(dir, { recursive: true, force: true });
  });
});
