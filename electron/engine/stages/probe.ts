/**
 * Probe stage: ffprobe JSON → typed MediaInfo, and the first clear reason a master cannot be used.
 * Every probe runs with a timeout so a hung ffprobe never stalls the queue. The source is only read.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { AudioStreamInfo, MediaInfo, Rational, VideoStreamInfo } from '../../common/media.js';
import { StationError } from '../util/errors.js';
import { summariseStderr } from '../ffmpeg/run-ffmpeg.js';

export interface ProbeOptions {
  ffprobePath: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  pix_fmt?: string;
  channels?: number;
  channel_layout?: string;
  sample_rate?: string;
  tags?: Record<string, string>;
  disposition?: Record<string, number>;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string };
}

export function parseRational(text: string | undefined): Rational {
  const [n, d] = (text ?? '0/1').split('/').map(Number);
  return { num: Number.isFinite(n) ? n! : 0, den: Number.isFinite(d) && d !== undefined ? d : 1 };
}

function runFfprobe(path: string, opts: ProbeOptions): Promise<string> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path];
  return new Promise((resolve, reject) => {
    execFile(
      opts.ffprobePath,
      args,
      { timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 32 << 20, signal: opts.signal },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        if ((err as NodeJS.ErrnoException & { killed?: boolean }).killed && !opts.signal?.aborted) {
          return reject(new StationError(`ffprobe did not answer within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s`, 'probe-timeout'));
        }
        // ffprobe prefixes its message with the path; the operator already knows which file it is.
        const { message, tail } = summariseStderr(stderr.split(`${path}: `).join(''));
        reject(new StationError(`Not a media file ffprobe can read: ${message}`, 'not-media', tail));
      },
    );
  });
}

/** Pure mapping from ffprobe's JSON to MediaInfo (unit-tested without ffprobe). */
export function toMediaInfo(out: FfprobeOutput, sizeBytes: number): MediaInfo {
  const streams = out.streams ?? [];
  const video: VideoStreamInfo[] = streams
    // Cover art arrives as a "video" stream with the attached_pic disposition; it is not picture content.
    .filter((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)
    .map((s) => ({
      index: s.index,
      codec: s.codec_name ?? 'unknown',
      ...(s.profile ? { profile: s.profile } : {}),
      width: s.width ?? 0,
      height: s.height ?? 0,
      frameRate: parseRational(s.avg_frame_rate && s.avg_frame_rate !== '0/0' ? s.avg_frame_rate : s.r_frame_rate),
      ...(s.pix_fmt ? { pixelFormat: s.pix_fmt } : {}),
    }));
  const audio: AudioStreamInfo[] = streams
    .filter((s) => s.codec_type === 'audio')
    .map((s) => ({
      index: s.index,
      codec: s.codec_name ?? 'unknown',
      channels: s.channels ?? 0,
      ...(s.channel_layout ? { channelLayout: s.channel_layout } : {}),
      sampleRate: Number(s.sample_rate ?? 0),
      ...(s.tags?.language ? { language: s.tags.language } : {}),
    }));
  const bitRate = Number(out.format?.bit_rate);
  return {
    container: out.format?.format_name ?? 'unknown',
    durationSec: Number(out.format?.duration ?? 0) || 0,
    sizeBytes,
    ...(Number.isFinite(bitRate) && bitRate > 0 ? { bitRate } : {}),
    video,
    audio,
  };
}

/** The reasons a master cannot be transcoded at all. Issue-level delivery specs add more. */
export function rejectReason(info: MediaInfo): StationError | undefined {
  const v = info.video[0];
  if (!v) return new StationError('No video stream: the file holds no picture to transcode.', 'no-video');
  if (v.width < 16 || v.height < 16) return new StationError(`Video is ${v.width}×${v.height}: too small to transcode.`, 'bad-dimensions');
  if (!(info.durationSec > 0)) return new StationError('Duration is 0: the file has no playable length.', 'zero-duration');
  return undefined;
}

export async function probeMaster(path: string, opts: ProbeOptions): Promise<MediaInfo> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new StationError(`${path} is not a regular file.`, 'not-a-file');
    size = st.size;
  } catch (err) {
    if (err instanceof StationError) throw err;
    throw new StationError(`The master cannot be read: ${(err as Error).message}`, 'unreadable');
  }
  if (size === 0) throw new StationError('The file is empty (0 bytes).', 'zero-bytes');
  const json = await runFfprobe(path, opts);
  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(json) as FfprobeOutput;
  } catch {
    throw new StationError('ffprobe returned output that is not JSON.', 'probe-output', json.slice(0, 500));
  }
  const info = toMediaInfo(parsed, size);
  const reason = rejectReason(info);
  if (reason) throw reason;
  return info;
}
