/**
 * Plan stage: which rungs to encode, with which encoder, cut into which segments.
 * The ladder comes from a profile (resources/ladder-profiles.json): no rung above the source, aspect
 * of the *displayed* picture kept (anamorphic pixels widened, rotation applied), even dimensions,
 * frame rate kept (halved above 60), HDR tone-mapped to SDR, interlaced deinterlaced, + AAC stereo.
 */
import { isInterlaced, type MediaInfo } from '../../common/media.js';
import type { LadderProfile } from '../../common/profile.js';
import type { LadderSummary } from '../../common/jobs.js';
import type { StageRunner } from '../queue/job-queue.js';
import { need, type PipelineContext } from './context.js';

export interface Rung {
  name: string;
  width: number;
  height: number;
  videoKbps: number;
  /** Encoder for this rung when it differs from the plan's (e.g. beyond the NVENC session cap). */
  encoder?: string;
}

/** Consumer NVIDIA cards allow a few concurrent NVENC sessions; one ffmpeg encoding N rungs opens N. */
export const NVENC_SESSION_CAP = 3;

export interface TranscodePlan {
  videoStreamIndex: number;
  /** HDR (PQ/HLG) masters are tone-mapped to SDR BT.709 before the split (the ladder is H.264 SDR). */
  tonemap?: boolean;
  /** Output frame rate when the source's is halved (above 60 fps). */
  frameRate?: { num: number; den: number };
  /** HLS segment container: fMP4/CMAF (default) or MPEG-TS. */
  segmentFormat: 'fmp4' | 'ts';
  /** Also write a DASH manifest (manifest.mpd) over the same CMAF segments (fMP4 only). */
  dash?: boolean;
  /** Deinterlace before scaling (interlaced masters). */
  deinterlace?: boolean;
  audioStreamIndex?: number;
  rungs: Rung[];
  audioKbps: number;
  segmentSeconds: number;
  encoder: string;
  encoderReason: string;
}

const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));

export interface EncoderChoice {
  chosen: string;
  reason: string;
}

/**
 * One ffmpeg encoding N rungs with NVENC opens N sessions; consumer cards allow only a few. Rungs
 * beyond the cap are encoded with libx264 in the same process. Returns the encoder reason to record.
 */
export function applyNvencCap(rungs: Rung[], encoder: EncoderChoice): string {
  if (!encoder.chosen.endsWith('_nvenc') || rungs.length <= NVENC_SESSION_CAP) return encoder.reason;
  for (const r of rungs.slice(NVENC_SESSION_CAP)) r.encoder = 'libx264';
  return `${encoder.reason}; rungs beyond the first ${NVENC_SESSION_CAP} use libx264 (consumer NVENC session cap)`;
}

export interface PlanOptions {
  segmentSeconds: number;
  profile: LadderProfile;
  encoder?: EncoderChoice;
  segmentFormat?: 'fmp4' | 'ts';
  dash?: boolean;
}

export function planTranscode(info: MediaInfo, opts: PlanOptions): TranscodePlan {
  const video = info.video[0];
  if (!video) throw new Error('planTranscode needs a video stream (probe rejects masters without one)');
  // The picture as displayed: anamorphic pixels widened to square ones, rotation applied (ffmpeg
  // auto-rotates when decoding, so a 90° master arrives as a portrait picture).
  const sar = video.sar && video.sar.num > 0 && video.sar.den > 0 ? video.sar.num / video.sar.den : 1;
  const turned = video.rotation === 90 || video.rotation === 270;
  const displayWidth = (turned ? video.height : video.width * sar);
  const displayHeight = turned ? video.width * sar : video.height;
  // Never upscale: only rungs at or below the source (with a little slack for 1078/1088-line
  // masters); a source below every rung gets one rung at its own size.
  const rungs: Rung[] = [];
  for (const r of opts.profile.rungs) {
    if (r.onlyFromHeight && displayHeight < r.onlyFromHeight * 0.98) continue;
    if (r.height > displayHeight * 1.02) continue;
    const height = even(Math.min(r.height, displayHeight));
    if (rungs.some((x) => x.height === height)) continue;
    rungs.push({ name: `${r.height}p`, width: even((displayWidth * height) / displayHeight), height, videoKbps: r.kbps });
  }
  if (rungs.length === 0) {
    const height = even(displayHeight);
    const top = opts.profile.rungs[opts.profile.rungs.length - 1]!;
    rungs.push({ name: `${height}p`, width: even((displayWidth * height) / displayHeight), height, videoKbps: Math.max(150, Math.round((top.kbps * height) / top.height)) });
  }
  // Above 60 fps the ladder runs at half the rate (120 → 60, 119.88 → 59.94): players and bit budgets expect ≤ 60.
  const fps = video.frameRate.den ? video.frameRate.num / video.frameRate.den : 0;
  const frameRate = fps > 60.5 ? { num: video.frameRate.num, den: video.frameRate.den * 2 } : undefined;
  const encoder = opts.encoder ?? { chosen: 'libx264', reason: 'software encoder (no detection was run)' };
  const encoderReason = applyNvencCap(rungs, encoder);
  const audio = info.audio[0];
  return {
    videoStreamIndex: video.index,
    ...(isInterlaced(video) ? { deinterlace: true } : {}),
    ...(video.hdr ? { tonemap: true } : {}),
    ...(frameRate ? { frameRate } : {}),
    segmentFormat: opts.segmentFormat ?? 'fmp4',
    ...(opts.dash && (opts.segmentFormat ?? 'fmp4') === 'fmp4' ? { dash: true } : {}),
    ...(audio ? { audioStreamIndex: audio.index } : {}),
    rungs,
    audioKbps: opts.profile.audioKbps,
    segmentSeconds: opts.segmentSeconds,
    encoder: encoder.chosen,
    encoderReason,
  };
}

/** What the UI shows of a plan. */
export function ladderSummary(plan: TranscodePlan): LadderSummary {
  return {
    encoder: plan.encoder,
    encoderReason: plan.encoderReason,
    rungs: plan.rungs.map(({ name, width, height, videoKbps, encoder }) => ({ name, width, height, videoKbps, ...(encoder ? { encoder } : {}) })),
    audioKbps: plan.audioKbps,
    segmentSeconds: plan.segmentSeconds,
    segmentFormat: plan.segmentFormat,
  };
}

export function planStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'plan',
    async run({ job }) {
      job.plan = planTranscode(need(job, 'media info', job.media), {
        segmentSeconds: ctx.segmentSeconds,
        segmentFormat: ctx.segmentFormat,
        dash: ctx.dash,
        profile: await ctx.profile(),
        encoder: await ctx.encoder(),
      });
      job.ladder = ladderSummary(job.plan);
      return 'done';
    },
  };
}
