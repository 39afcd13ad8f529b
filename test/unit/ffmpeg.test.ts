import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProgressParser, type FfmpegProgress } from '../../electron/engine/ffmpeg/progress';
import { runFfmpeg, summariseStderr } from '../../electron/engine/ffmpeg/run-ffmpeg';
import { locateTools } from '../../electron/engine/ffmpeg/locate';
import { StationError } from '../../electron/engine/util/errors';

describe('-progress pipe:1 parser', () => {
  it('emits one record per block, across arbitrary chunk boundaries', () => {
    const seen: FfmpegProgress[] = [];
    const p = new ProgressParser((x) => seen.push(x));
    const text =
      'frame=0\nfps=0.00\nout_time_us=0\nspeed=N/A\nprogress=continue\n' +
      'frame=48\nfps=47.5\nout_time_us=2000000\nout_time_ms=2000000\nspeed=2.1x\nprogress=continue\n' +
      'frame=192\nout_time_us=8000000\nspeed=12.7x\nprogress=end\n';
    for (let i = 0; i < text.length; i += 7) p.push(text.slice(i, i + 7));
    expect(seen).toEqual([
      { outTimeSec: 0, end: false },
      { outTimeSec: 2, fps: 47.5, speed: 2.1, end: false },
      { outTimeSec: 8, speed: 12.7, end: true },
    ]);
  });

  it('ignores N/A and negative out_time (ffmpeg prints both at start)', () => {
    const seen: FfmpegProgress[] = [];
    const p = new ProgressParser((x) => seen.push(x));
    p.push('out_time_us=N/A\nprogress=continue\nout_time_us=-9223372036854775807\nprogress=continue\n');
    expect(seen.map((s) => s.outTimeSec)).toEqual([0, 0]);
  });
});

describe('ffmpeg failures surface ffmpeg’s own words', () => {
  it('names the component’s own complaint (the root cause), not the summary line', () => {
    const s = summariseStderr(
      'Input #0, lavfi\n  Stream #0:0: Video\n[libx264 @ 0x1f] Error: bad preset\nConversion failed!\n',
    );
    expect(s.message).toBe('[libx264] Error: bad preset');
    expect(s.tail).toContain('Conversion failed!');
    expect(summariseStderr('x.mov: No such file or directory\n').message).toBe('x.mov: No such file or directory');
  });

  it('a real failing ffmpeg run reports stderr, not only the exit code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ff-'));
    const err = await runFfmpeg({
      ffmpegPath: 'ffmpeg',
      input: join(dir, 'missing.mov'),
      outputOptions: ['-f', 'null'],
      output: '-',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StationError);
    expect((err as StationError).message).toMatch(/^ffmpeg failed: .*missing\.mov: No such file or directory/);
  });

  it('cancelling kills ffmpeg and rejects as cancelled', async () => {
    const ac = new AbortController();
    const run = runFfmpeg({
      ffmpegPath: 'ffmpeg',
      input: 'testsrc2=s=320x240:r=25:d=600',
      inputOptions: ['-re', '-f', 'lavfi'],
      outputOptions: ['-f', 'null'],
      output: '-',
      signal: ac.signal,
      onProgress: () => ac.abort(),
    });
    await expect(run).rejects.toThrow(/Cancelled/);
    // The 600 s real-time encode is gone, not left running in the background.
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain('testsrc2=s=320x240:r=25:d=600');
  });
});

describe('runs that stall, and filters that report on stderr', () => {
  it('a run that makes no progress is stopped after the stall timeout and fails with its own code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ff-stall-'));
    const fifo = join(dir, 'never.fifo');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    // Nothing is ever written into the fifo: ffmpeg blocks opening its input, as on a hung share.
    const started = Date.now();
    const err = await runFfmpeg({
      ffmpegPath: 'ffmpeg',
      input: fifo,
      outputOptions: ['-f', 'null'],
      output: '-',
      stallTimeoutMs: 1_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StationError);
    expect((err as StationError).code).toBe('ffmpeg-stalled');
    expect((err as StationError).message).toMatch(/stopped making progress for 1 s/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain(fifo);
  });

  it('info-level lines reach the caller (idet reports its counts there)', async () => {
    const lines: string[] = [];
    await runFfmpeg({
      ffmpegPath: 'ffmpeg',
      input: 'testsrc2=s=160x120:r=25:d=1',
      inputOptions: ['-f', 'lavfi'],
      outputOptions: ['-vf', 'idet', '-f', 'null'],
      output: '-',
      logLevel: 'info',
      stallTimeoutMs: 30_000,
      onStderrLine: (l) => lines.push(l),
    });
    expect(lines.some((l) => /Multi frame detection: TFF:/.test(l))).toBe(true);
  });
});

describe('locating ffmpeg and ffprobe', () => {
  it('a configured path that does not exist is a clear error', () => {
    expect(() => locateTools({ ffmpegPath: '/nope/ffmpeg' })).toThrow(
      /configured ffmpeg \(\/nope\/ffmpeg\) does not exist/,
    );
  });

  it('no ffmpeg anywhere names where it looked and how to install it', () => {
    expect(() => locateTools({ env: { PATH: '/nonexistent' }, resourcesDir: '/nonexistent-res' })).toThrow(
      /ffmpeg was not found \(looked at: bundled .*PATH\).*apt-get install ffmpeg/,
    );
  });

  it('prefers a bundled ffmpeg and takes the ffprobe beside it', async () => {
    const res = await mkdtemp(join(tmpdir(), 'res-'));
    const bin = join(res, 'bin', `${process.platform}-${process.arch}`);
    await import('node:fs/promises').then((fs) => fs.mkdir(bin, { recursive: true }));
    for (const name of ['ffmpeg', 'ffprobe']) {
      await writeFile(join(bin, name), '#!/bin/sh\n');
      await chmod(join(bin, name), 0o755);
    }
    expect(locateTools({ resourcesDir: res })).toEqual({ ffmpeg: join(bin, 'ffmpeg'), ffprobe: join(bin, 'ffprobe') });
  });

  it('finds the system ffmpeg and ffprobe on PATH', () => {
    const t = locateTools();
    expect(t.ffmpeg).toMatch(/ffmpeg$/);
    expect(t.ffprobe).toMatch(/ffprobe$/);
  });
});
