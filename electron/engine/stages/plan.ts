/**
 * Plan stage: which rungs to encode, with which encoder, cut into which segments.
 * Walking-skeleton ladder: two fixed rungs (720p and 360p, never above the source, aspect kept,
 * even dimensions) + AAC stereo; the transcode issue replaces this with profiles from resources/.
 */
import { isInterlaced, type MediaInfo } from '../../common/media.js';

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
  /** Deinterlace before scaling (interlaced masters). */
  deinterlace?: boolean;
  audioStreamIndex?: number;
  rungs: Rung[];
  audioKbps: number;
  segmentSeconds: number;
  encoder: string;
  encoderReason: string;
}

const LADDER_HEIGHTS = [720, 360];
/** kb/s for 1280×720; other rungs scale with their pixel count. */
const KBPS_AT_720P = 3000;

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

export function planTranscode(info: MediaInfo, opts: { segmentSeconds: number; encoder?: EncoderChoice }): TranscodePlan {
  const video = info.video[0];
  if (!video) throw new Error('planTranscode needs a video stream (probe rejects masters without one)');
  // The picture as displayed: anamorphic pixels widened to square ones, rotation applied (ffmpeg
  // auto-rotates when decoding, so a 90° master arrives as a portrait picture).
  const sar = video.sar && video.sar.num > 0 && video.sar.den > 0 ? video.sar.num / video.sar.den : 1;
  const turned = video.rotation === 90 || video.rotation === 270;
  const displayWidth = (turned ? video.height : video.width * sar);
  const displayHeight = turned ? video.width * sar : video.height;
  const rungs: Rung[] = [];
  for (const target of LADDER_HEIGHTS) {
    // Never upscale: a rung above the source becomes the source height; a rung that would repeat
    // the one above it is halved instead so the ladder always offers two distinct choices.
    let height = even(Math.min(target, displayHeight));
    const above = rungs[rungs.length - 1];
    if (above && height >= above.height) height = even(above.height / 2);
    const width = even((displayWidth * height) / displayHeight);
    const videoKbps = Math.max(150, Math.round((KBPS_AT_720P * width * height) / (1280 * 720)));
    rungs.push({ name: `${height}p`, width, height, videoKbps });
  }
  const encoder = opts.encoder ?? { chosen: 'libx264', reason: 'software encoder (no detection was run)' };
  const encoderReason = applyNvencCap(rungs, encoder);
  const audio = info.audio[0];
  return {
    videoStreamIndex: video.index,
    ...(isInterlaced(video) ? { deinterlace: true } : {}),
    ...(audio ? { audioStreamIndex: audio.index } : {}),
    rungs,
    audioKbps: 128,
    segmentSeconds: opts.segmentSeconds,
    encoder: encoder.chosen,
    encoderReason,
  };
}
