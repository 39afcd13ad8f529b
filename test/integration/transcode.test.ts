/**
 * `ingest-station transcode` (the pipeline without delivery) on generated masters: the default
 * ladder from a 540p master (no rung above it), keyframe-aligned rungs, EXTINF within
 * TARGETDURATION and durations that add up (all checked by verify), a master playlist with measured
 * bit rates and exact codecs, MPEG-TS and DASH as options, HDR tone-mapped, and a cancelled title
 * that leaves nothing behind.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import HLS from 'hls-parser';
import { makeMaster } from '../helpers/masters';
import { tempDir } from '../helpers/station';
import { BIN, CLI_ENV } from '../helpers/cli';
import { stationConfigSchema } from '../../electron/common/config';
import { openStation } from '../../electron/engine/station';

const run = promisify(execFile);
const ENV = CLI_ENV;
/** The CLI in its own folder: its work folder (./ingest-work) lands there, not in the repository. */
const cli = (args: string[], cwd: string) => run(process.execPath, [BIN, ...args], { env: ENV, cwd });

describe('transcode', () => {
  it('540p master → default ladder 540p + 360p, verified, master playlist with measured BANDWIDTH', async () => {
    const dir = await tempDir('tc-');
    const master = await makeMaster({ seconds: 8, width: 960, height: 540 });
    const out = join(dir, 'pkg');
    const { stdout } = await cli(['transcode', master, '--out', out, '--segment', '2', '--json'], dir);
    const result = JSON.parse(stdout) as { ladder: { rungs: Array<{ name: string; width: number; height: number }> } };
    expect(result.ladder.rungs.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual([
      '540p 960x540',
      '360p 640x360',
    ]);
    // verify ran inside the command (alignment, keyframes, EXTINF, durations); and again here:
    await cli(['verify', out], dir);

    const masterPl = HLS.parse(await readFile(join(out, 'master.m3u8'), 'utf8')) as HLS.types.MasterPlaylist;
    expect(masterPl.variants.filter((v) => v.isIFrameOnly).map((v) => v.uri)).toEqual([
      '540p/iframes.m3u8',
      '360p/iframes.m3u8',
    ]);
    for (const v of masterPl.variants.filter((x) => !x.isIFrameOnly)) {
      const media = HLS.parse(await readFile(join(out, v.uri), 'utf8')) as HLS.types.MediaPlaylist;
      let bits = 0;
      let secs = 0;
      let peak = 0;
      for (const s of media.segments) {
        const size = (await stat(join(out, v.uri, '..', s.uri))).size;
        bits += size * 8;
        secs += s.duration;
        if (s.duration >= media.targetDuration / 4) peak = Math.max(peak, (size * 8) / s.duration);
      }
      const audio = HLS.parse(await readFile(join(out, 'audio/aac-und/index.m3u8'), 'utf8')) as HLS.types.MediaPlaylist;
      expect(v.averageBandwidth! - Math.ceil(bits / secs)).toBeGreaterThan(0); // video + audio
      expect(v.bandwidth).toBeGreaterThanOrEqual(Math.ceil(peak));
      expect(v.frameRate).toBe(24);
      expect(v.codecs).toMatch(/^avc1\.\w+,mp4a\.40\.2$/);
      expect(audio.segments.length).toBeGreaterThan(0);
      // Not ffmpeg's nominal × 1.1 any more:
      const nominal = { '540p': 1800, '360p': 800 }[v.uri.split('/')[0] as '540p' | '360p'] * 1000 * 1.1;
      expect(Math.abs(v.bandwidth - nominal - 128_000 * 1.1)).toBeGreaterThan(1000);
    }
  });

  it('MPEG-TS segments as an option, verified clean', async () => {
    const dir = await tempDir('tc-ts-');
    const master = await makeMaster({ seconds: 6 });
    const out = join(dir, 'pkg-ts');
    await cli(['transcode', master, '--out', out, '--segment', '2', '--format', 'ts', '--profile', 'preview'], dir);
    const files = await readdir(join(out, '360p'));
    expect(files.filter((f) => f.endsWith('.ts')).length).toBeGreaterThanOrEqual(3);
    expect(files.some((f) => f.startsWith('init'))).toBe(false);
    await cli(['verify', out], dir);
  });

  it('--dash: a DASH manifest over the same CMAF segments, which ffmpeg plays and verify checks', async () => {
    const dir = await tempDir('tc-dash-');
    const master = await makeMaster({ seconds: 6 });
    const out = join(dir, 'pkg');
    await cli(['transcode', master, '--out', out, '--segment', '2', '--profile', 'preview', '--dash'], dir);
    const mpd = await readFile(join(out, 'manifest.mpd'), 'utf8');
    expect(mpd).toContain('<SegmentURL media="360p/seg_00000.m4s"/>');
    const played = await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      join(out, 'manifest.mpd'),
      '-map',
      '0',
      '-f',
      'null',
      '-',
    ]);
    expect(played.stderr).toBe('');
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      files: Array<{ path: string; kind: string }>;
    };
    expect(manifest.files).toContainEqual(expect.objectContaining({ path: 'manifest.mpd', kind: 'dash-manifest' }));
    // An MPD naming a chunk the HLS package does not hold is caught.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(out, 'manifest.mpd'), mpd.replace('360p/seg_00001.m4s', '360p/seg_09999.m4s'));
    const bad = await cli(['verify', out, '--json'], dir).catch((e: { stdout: string }) => e);
    expect(JSON.parse(bad.stdout).problems).toContainEqual(
      expect.objectContaining({ file: 'manifest.mpd', problem: 'missing' }),
    );
  });

  it('an HDR10 master is tone-mapped: every rung is tagged SDR BT.709', async () => {
    const dir = await tempDir('tc-hdr-');
    const master = join(dir, 'hdr.mp4');
    await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=640x360:r=24:d=4',
      '-f',
      'lavfi',
      '-i',
      'sine=d=4',
      '-vf',
      'setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc,format=yuv420p10le',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      master,
    ]);
    const out = join(dir, 'pkg');
    const { stderr } = await cli(['transcode', master, '--out', out, '--segment', '2', '--profile', 'preview'], dir);
    expect(stderr).toMatch(/warning: The master is HDR10 .* tone-mapped to SDR BT\.709/);
    for (const rung of ['360p', '180p']) {
      const probe = await run('ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'stream=color_transfer,color_primaries,pix_fmt',
        '-of',
        'json',
        join(out, rung, 'init.mp4'),
      ]);
      expect(JSON.parse(probe.stdout).streams[0]).toMatchObject({ color_transfer: 'bt709', color_primaries: 'bt709' });
    }
  });

  it('a title cancelled mid-encode leaves no job folder, no package and nothing at the origin', async () => {
    const dir = await tempDir('tc-cancel-');
    const master = await makeMaster({ seconds: 20, width: 1280, height: 720 });
    const config = stationConfigSchema.parse({
      destinations: { o: { type: 'folder', path: join(dir, 'origin') } },
      origin: 'o',
      workDir: join(dir, 'work'),
      segmentSeconds: 2,
      profile: 'preview',
    });
    const station = await openStation({ config, baseDir: dir });
    try {
      const [job] = await station.queue.add([master]);
      let asked = false;
      station.queue.onUpdate((j) => {
        if (!asked && j.stages.transcode.fraction > 0.2) {
          asked = true;
          void station.queue.cancel(job!.id);
        }
      });
      const end = await station.queue.waitFor(job!.id);
      expect(end.state).toBe('cancelled');
      expect(await readdir(join(dir, 'work', 'jobs'))).toEqual([]);
      const left = (await readdir(join(dir, 'origin'), { recursive: true }).catch(() => [] as string[])).map(String);
      expect(left.filter((f) => /\.(m4s|mp4|m3u8|json)$/.test(f))).toEqual([]);
    } finally {
      await station.close();
    }
  });
});
