/**
 * Transcode stage: one ffmpeg process decodes the master once, splits the picture, scales and
 * encodes every rung, and packages HLS with fMP4 segments and a master playlist. Keyframes are
 * forced at every segment boundary (and scene-cut keyframes disabled) so rungs stay aligned.
 * Output goes to `<package>/.partial` and moves into place only when ffmpeg finished cleanly; a
 * cancel or failure removes the partial folder. The package folder must be one the station owns
 * (util/output-dir.ts): it never deletes a file it did not write. The source is only read.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageProgress } from '../../common/jobs.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { RateEstimator } from '../util/rate.js';
import { MASTER_PLAYLIST } from '../../common/manifest.js';
import type { Rung, TranscodePlan } from './plan.js';
import { familyOf } from '../ffmpeg/encoders.js';
import { rewriteMasterPlaylist } from './master-playlist.js';
import { writeDashManifest } from './dash-manifest.js';
import { StationError } from '../util/errors.js';
import { assertDiskSpace, estimatePackageBytes } from '../util/disk-space.js';
import { commitOutputDir, discardPartial, prepareOutputDir } from '../util/output-dir.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import type { StageRunner } from '../queue/job-queue.js';
import { alreadyDelivered, need, type PipelineContext } from './context.js';

export const AUDIO_RENDITION = 'audio';

/**
 * HDR (PQ or HLG) → SDR BT.709: to linear light, Hable tone curve, back to BT.709 limited range.
 * Chosen over an HEVC Main10 rung because every player of the platform plays H.264 SDR.
 */
export const TONEMAP_TO_BT709 = 'zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv';

export interface FfmpegArgs {
  inputOptions: string[];
  outputOptions: string[];
  output: string;
}

/** Pure: the ffmpeg arguments for a plan writing into outDir (unit-tested without ffmpeg). */
export function buildLadderArgs(plan: TranscodePlan, outDir: string): FfmpegArgs {
  const n = plan.rungs.length;
  // Before the split, once for every rung: deinterlace, tone-map HDR to SDR BT.709, halve the rate.
  const pre = [
    ...(plan.deinterlace ? ['yadif=mode=send_frame'] : []),
    ...(plan.tonemap ? [TONEMAP_TO_BT709] : []),
    ...(plan.frameRate ? [`fps=${plan.frameRate.num}/${plan.frameRate.den}`] : []),
  ];
  const split = `[0:${plan.videoStreamIndex}]${pre.map((f) => `${f},`).join('')}split=${n}${plan.rungs.map((_, i) => `[s${i}]`).join('')}`;
  // setsar=1 + format=yuv420p: square pixels and 8-bit 4:2:0 (x264 would otherwise keep 4:2:2/10-bit);
  // hardware rungs then hand frames to their device (hwupload) where the family needs it.
  const encoderOf = (r: Rung): string => r.encoder ?? plan.encoder;
  const scales = plan.rungs.map((r, i) => {
    const upload = familyOf(encoderOf(r))?.uploadFilter;
    return `[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p${upload ? `,${upload}` : ''}[v${i}]`;
  });
  const args: string[] = ['-filter_complex', [split, ...scales].join(';')];
  plan.rungs.forEach((r, i) => {
    const enc = encoderOf(r);
    args.push('-map', `[v${i}]`, `-c:v:${i}`, enc);
    const family = familyOf(enc);
    if (family) for (let k = 0; k < family.encoderArgs.length; k += 2) args.push(`${family.encoderArgs[k]}:v:${i}`, family.encoderArgs[k + 1]!);
    else args.push(`-preset:v:${i}`, 'veryfast');
    args.push(`-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.2)}k`, `-bufsize:v:${i}`, `${r.videoKbps * 2}k`);
  });
  args.push('-force_key_frames', `expr:gte(t,n_forced*${plan.segmentSeconds})`, '-sc_threshold', '0');
  // SDR BT.709 is what every rung is (tone-mapped or not): say so in the stream.
  args.push('-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709');
  const streamMap = plan.rungs.map((r, i) => `v:${i},name:${r.name}${plan.audioStreamIndex !== undefined ? ',agroup:aud' : ''}`);
  if (plan.audioStreamIndex !== undefined) {
    args.push('-map', `0:${plan.audioStreamIndex}`, '-c:a', 'aac', '-b:a', `${plan.audioKbps}k`, '-ac', '2', '-ar', '48000');
    streamMap.push(`a:0,agroup:aud,name:${AUDIO_RENDITION},default:yes`);
  }
  args.push(
    '-f', 'hls',
    '-hls_time', String(plan.segmentSeconds),
    '-hls_playlist_type', 'vod',
    '-hls_segment_type', plan.segmentFormat === 'ts' ? 'mpegts' : 'fmp4',
    '-hls_flags', 'independent_segments',
    ...(plan.segmentFormat === 'ts' ? [] : ['-hls_fmp4_init_filename', 'init.mp4']),
    '-hls_segment_filename', join(outDir, '%v', plan.segmentFormat === 'ts' ? 'seg_%05d.ts' : 'seg_%05d.m4s'),
    '-master_pl_name', MASTER_PLAYLIST,
    '-var_stream_map', streamMap.join(' '),
  );
  const devices = new Set(plan.rungs.map((r) => familyOf(encoderOf(r))).filter((f) => f !== undefined));
  const inputOptions = [...devices].flatMap((f) => f.inputArgs).concat(masterInputOptions());
  return { inputOptions, outputOptions: args, output: join(outDir, '%v', 'index.m3u8') };
}

export interface TranscodeOptions {
  ffmpegPath: string;
  sourcePath: string;
  durationSec: number;
  /** The source's frame rate (for FRAME-RATE in the master playlist when the plan keeps it). */
  sourceFrameRate?: { num: number; den: number };
  plan: TranscodePlan;
  jobDir: string;
  /** Where the finished package goes (default: <jobDir>/package); written as <packageDir>.partial first. */
  packageDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: Pick<StageProgress, 'fraction' | 'etaSeconds' | 'detail'>) => void;
}

export async function transcode(opts: TranscodeOptions): Promise<string> {
  const final = opts.packageDir ?? join(opts.jobDir, 'package');
  const partial = await prepareOutputDir(final, opts.sourcePath);
  const needed = estimatePackageBytes(opts.durationSec, [...opts.plan.rungs.map((r) => r.videoKbps * 1.2), opts.plan.audioKbps]);
  await assertDiskSpace(partial, needed, 'the package').catch(async (err: unknown) => {
    await discardPartial(final);
    throw err;
  });
  // The temp folder's name goes into ffmpeg's arguments: a "%" would be read as a pattern.
  if (partial.includes('%')) throw new StationError(`The output folder ${final} contains "%", which ffmpeg reads as a pattern`, 'bad-output-path');
  const { inputOptions, outputOptions, output } = buildLadderArgs(opts.plan, partial);
  const eta = new RateEstimator(opts.durationSec);
  try {
    await runFfmpeg({
      ffmpegPath: opts.ffmpegPath,
      input: masterInput(opts.sourcePath),
      inputOptions,
      outputOptions,
      output,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p) => {
        eta.add(p.outTimeSec);
        const etaSeconds = eta.etaSeconds();
        opts.onProgress?.({
          fraction: p.end ? 1 : Math.min(0.999, p.outTimeSec / opts.durationSec),
          ...(etaSeconds !== undefined ? { etaSeconds } : {}),
          ...(p.speed ? { detail: `${p.speed.toFixed(1)}× realtime` } : {}),
        });
      },
    });
  } catch (err) {
    await discardPartial(final);
    throw err;
  }
  const fps = opts.plan.frameRate ?? opts.sourceFrameRate;
  await rewriteMasterPlaylist(partial, fps && fps.den ? fps.num / fps.den : undefined);
  if (opts.plan.dash) await writeDashManifest(partial);
  await commitOutputDir(final);
  return final;
}

export function transcodeStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'transcode',
    async run({ job, signal, progress, checkpoint }) {
      if (alreadyDelivered(job)) return 'skipped';
      const media = need(job, 'media info', job.media);
      const plan = need(job, 'plan', job.plan);
      const run = (p: TranscodePlan) =>
        transcode({
          ffmpegPath: ctx.tools().ffmpeg,
          sourcePath: job.sourcePath,
          durationSec: media.durationSec,
          ...(media.video[0] ? { sourceFrameRate: media.video[0].frameRate } : {}),
          plan: p,
          jobDir: ctx.jobDir(job.id),
          signal,
          onProgress: progress,
        });
      try {
        job.packageDir = await run(plan);
      } catch (err) {
        // A hardware encoder that passed its trial can still fail mid-job (driver reset, session
        // limit): redo the title in software and say why.
        if (!usesHardware(plan) || signal.aborted) throw err;
        const why = err instanceof Error ? err.message : String(err);
        job.plan = softwarePlan(plan, why);
        job.warnings.push(`${plan.encoder} failed mid-job and the title was transcoded again with libx264: ${why}`);
        await checkpoint();
        job.packageDir = await run(job.plan);
      }
      return 'done';
    },
    async cleanup(job) {
      // <workDir>/jobs/<id>: made by the station for this job alone.
      await rm(ctx.jobDir(job.id), { recursive: true, force: true });
    },
  };
}

export function usesHardware(plan: TranscodePlan): boolean {
  return plan.encoder !== 'libx264' || plan.rungs.some((r) => r.encoder && r.encoder !== 'libx264');
}

/** The same plan encoded in software, with the reason recorded. */
export function softwarePlan(plan: TranscodePlan, why: string): TranscodePlan {
  return { ...plan, encoder: 'libx264', encoderReason: `software encoder: ${plan.encoder} failed during the transcode (${why})`, rungs: plan.rungs.map(({ encoder: _e, ...r }) => r) };
}
