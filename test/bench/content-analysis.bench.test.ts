/**
 * Benchmark: what the content analysis and the QC fragments cost beside the encode they serve, on a
 * generated 10-minute 1080p ProRes master with stereo PCM sound — the station's own video ladder
 * (1080/720/540/360, `buildVideoArgs`) beside its audio pass (`buildAudioArgs`), run bare, as the
 * baseline; then
 *  - the analysis (`analyseMaster`, the default spec: 8 windows of 8 s, every audio stream whole):
 *    target ≤ 15 % of the encode;
 *  - the same encode with the QC fragments riding along (a fifth branch off the video split, an
 *    asplit before the audio encoder, null sinks): the extra time on the encode.
 * Printed as ratios measured in the same run; the machine is shared, so the figures are noisy.
 */
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ladderProfilesSchema } from '../../electron/common/profile';
import { deliverySpecSchema } from '../../electron/common/spec';
import { probeMaster } from '../../electron/engine/probe/probe-master';
import { planTranscode } from '../../electron/engine/plan/plan';
import { buildVideoArgs } from '../../electron/engine/package/video-encoder';
import { buildAudioArgs } from '../../electron/engine/package/audio-encoder';
import { analyseMaster } from '../../electron/engine/analysis/analyse';
import { audioQcGraph, collectQc, qcFiles, qcFilesIn, videoQcGraph } from '../../electron/engine/analysis/qc';
import { tempDir } from '../helpers/station';
import { MASTERS_DIR } from '../helpers/masters';
import profiles from '../../resources/ladder-profiles.json';
import defaultSpec from '../../resources/delivery-spec.json';

const run = promisify(execFile);
const spec = deliverySpecSchema.parse(defaultSpec);
// INGEST_BENCH_SECONDS shortens the master for a quick try of the benchmark itself.
const SECONDS = Number(process.env.INGEST_BENCH_SECONDS ?? 600);

const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
/** CPU seconds of this process's finished children (Linux /proc: cutime + cstime). */
function childCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICK;
}

/** Wall-clock and CPU seconds (the machine is shared: CPU is the steadier of the two). */
async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const t = performance.now();
  const c = childCpu();
  await fn();
  return { wall: (performance.now() - t) / 1000, cpu: childCpu() - c };
}

async function master(): Promise<string> {
  const out = join(MASTERS_DIR, `bench-analysis-prores-1080p-${SECONDS}s.mov`);
  await mkdir(MASTERS_DIR, { recursive: true });
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration',
    '-of',
    'csv=p=0',
    out,
  ]).catch(() => ({ stdout: '0' }));
  if (Number(stdout) >= SECONDS - 1) return out;
  await run('ffmpeg', [
    ...['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=1920x1080:r=24000/1001:d=${SECONDS}`],
    ...['-f', 'lavfi', '-i', `anoisesrc=a=0.15:c=pink:r=48000:d=${SECONDS},aformat=channel_layouts=stereo`],
    ...['-c:v', 'prores', '-pix_fmt', 'yuv422p10le', '-c:a', 'pcm_s24le', '-shortest', out],
  ]);
  return out;
}

/** The encoder's arguments with the QC fragments spliced in, as the wiring will do it. */
/** The QC files of the encode (the audio stream at 48 kHz). */
const rideFiles = (audioIndex: number) => qcFiles([{ index: audioIndex, sampleRate: 48000 }], 'ride');

/** The encoder's arguments with the QC fragments spliced in, as the wiring will do it. */
function withQc(video: string[], audio: string[], audioIndex: number): { video: string[]; audio: string[] } {
  const files = rideFiles(audioIndex);
  const v = [...video];
  const at = v.indexOf('-filter_complex') + 1;
  v[at] = v[at]!.replace(
    /split=(\d+)((?:\[s\d+\])+)/,
    (_, n: string, labels: string) => `split=${Number(n) + 1}${labels}[qcv]`,
  );
  v[at] += `;${videoQcGraph(spec.qc, '[qcv]', files.video!)}`;
  const a = [...audio];
  const map = a.findIndex((x, i) => x === '-map' && a[i + 1] === `0:${audioIndex}`);
  a[map + 1] = '[aenc]';
  a.unshift(
    '-filter_complex',
    `[0:${audioIndex}]asplit=2[aenc][aqc];${audioQcGraph(spec.qc, '[aqc]', 48000, files.audio[0]!.file)}`,
  );
  return { video: v, audio: a };
}

describe('content analysis benchmark', () => {
  it('analysis and QC against the encode of a 10-minute 1080p master', async () => {
    const dir = await tempDir('bench-analysis-');
    const path = await master();
    const media = (await probeMaster(path, { ffprobePath: 'ffprobe' })).media;
    const plan = planTranscode(media, { segmentSeconds: 6, profile: ladderProfilesSchema.parse(profiles).default! });
    expect(plan.rungs).toHaveLength(4);

    const encode = async (name: string, qc: boolean): Promise<{ wall: number; cpu: number }> => {
      const out = join(dir, name);
      for (const r of plan.rungs) await mkdir(join(out, r.name), { recursive: true });
      for (const a of plan.audio) await mkdir(join(out, a.name), { recursive: true });
      const v = buildVideoArgs(plan, out);
      const a = buildAudioArgs(plan, out);
      const args = qc
        ? withQc(v.outputOptions, a.outputOptions, plan.audio[0]!.streamIndex)
        : { video: v.outputOptions, audio: a.outputOptions };
      const common = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'];
      const t = await timed(() =>
        Promise.all([
          run('ffmpeg', [...common, ...v.inputOptions, '-i', path, ...args.video, v.output], {
            cwd: out,
            maxBuffer: 64 << 20,
          }),
          run('ffmpeg', [...common, '-i', path, ...args.audio, a.output], { cwd: out, maxBuffer: 64 << 20 }),
        ]),
      );
      if (qc) {
        const found = await collectQc(
          qcFilesIn(out, rideFiles(plan.audio[0]!.streamIndex)),
          spec.qc,
          media.durationSec,
        );
        expect(found.videoEndSec).toBeGreaterThan(SECONDS - 1);
      }
      await rm(out, { recursive: true, force: true });
      return t;
    };

    const bare = await encode('bare', false);
    let windows = 0;
    const analysis = await timed(async () => {
      const a = await analyseMaster({
        ffmpegPath: 'ffmpeg',
        path,
        media,
        audio: media.audio,
        rules: spec.picture,
        workDir: join(dir, 'analysis'),
      });
      windows = a.windows.length;
      expect(a.scan.frames.progressive).toBeGreaterThan(0);
    });
    const ridden = await encode('qc', true);

    const pct = (x: number, base: number): string => `${((x / base) * 100).toFixed(1)} %`;
    console.log(
      `content analysis, ${SECONDS >= 60 ? `${SECONDS / 60} min` : `${SECONDS} s`} 1080p ProRes + stereo PCM: encode (4 rungs ‖ AAC) ${bare.wall.toFixed(1)} s wall / ${bare.cpu.toFixed(1)} CPU-s; ` +
        `analysis (${windows} window${windows === 1 ? '' : 's'} of ${spec.picture.analysisWindowSec} s + loudness of the whole sound) ${analysis.wall.toFixed(1)} s / ${analysis.cpu.toFixed(1)} CPU-s → ` +
        `${pct(analysis.wall, bare.wall)} of the encode's wall time, ${pct(analysis.cpu, bare.cpu)} of its CPU (target ≤ 15 %); ` +
        `encode with the QC riding along ${ridden.wall.toFixed(1)} s / ${ridden.cpu.toFixed(1)} CPU-s → ` +
        `+${pct(ridden.wall - bare.wall, bare.wall)} wall, +${pct(ridden.cpu - bare.cpu, bare.cpu)} CPU`,
    );
    await rm(dir, { recursive: true, force: true });
  });
});
