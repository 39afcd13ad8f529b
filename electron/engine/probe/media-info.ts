/** ffprobe's JSON → MediaInfo: a pure mapping, unit-tested without ffprobe. */
import type {
  AudioStreamInfo,
  HdrFormat,
  MediaInfo,
  Rational,
  StreamFlags,
  SubtitleStreamInfo,
  VideoStreamInfo,
} from '../../common/media.js';

export interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  display_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  field_order?: string;
  color_primaries?: string;
  color_transfer?: string;
  color_space?: string;
  nb_frames?: string;
  duration?: string;
  channels?: number;
  channel_layout?: string;
  sample_rate?: string;
  tags?: Record<string, string>;
  disposition?: Record<string, number>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

export interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string; tags?: Record<string, string> };
}

export function parseRational(text: string | undefined, sep = '/'): Rational | undefined {
  if (!text) return undefined;
  const [n, d] = text.split(sep).map(Number);
  if (!Number.isFinite(n) || !Number.isFinite(d) || d === 0 || n === 0) return undefined;
  return { num: n!, den: d! };
}

/** Bit depth from the pixel format name (yuv422p10le → 10), else bits_per_raw_sample. */
export function bitDepthOf(pixFmt: string | undefined, raw: string | undefined): number | undefined {
  const m = pixFmt ? /p(\d{2})(le|be)?$/.exec(pixFmt) : null;
  if (m) return Number(m[1]);
  const r = Number(raw);
  if (Number.isFinite(r) && r > 0) return r;
  return pixFmt ? 8 : undefined;
}

function hdrOf(transfer: string | undefined): HdrFormat | undefined {
  if (transfer === 'smpte2084') return 'HDR10';
  if (transfer === 'arib-std-b67') return 'HLG';
  return undefined;
}

function rotationOf(s: FfprobeStream): number | undefined {
  const fromSide = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const raw = fromSide ?? (s.tags?.rotate !== undefined ? Number(s.tags.rotate) : undefined);
  if (raw === undefined || !Number.isFinite(raw) || raw === 0) return undefined;
  // ffprobe's display matrix rotation is counter-clockwise; report clockwise degrees in 0..359.
  return (((fromSide !== undefined ? -raw : raw) % 360) + 360) % 360 || undefined;
}

const opt = <K extends string, V>(key: K, value: V | undefined | null | ''): { [P in K]?: V } =>
  (value === undefined || value === null || value === '' ? {} : { [key]: value }) as { [P in K]?: V };

/** ffprobe's disposition → the flags a package carries on (only the set ones). */
function flagsOf(s: FfprobeStream): { flags?: StreamFlags } {
  const d = s.disposition ?? {};
  const flags: StreamFlags = {
    ...(d.default ? { default: true as const } : {}),
    ...(d.visual_impaired ? { visualImpaired: true as const } : {}),
    ...(d.hearing_impaired ? { hearingImpaired: true as const } : {}),
    ...(d.forced ? { forced: true as const } : {}),
  };
  return Object.keys(flags).length ? { flags } : {};
}

/** "und" (undetermined) is no language. */
const languageTag = (s: FfprobeStream): string | undefined =>
  s.tags?.language && s.tags.language !== 'und' ? s.tags.language : undefined;

export function toMediaInfo(out: FfprobeOutput, sizeBytes: number): MediaInfo {
  const streams = out.streams ?? [];
  const video: VideoStreamInfo[] = streams
    // Cover art arrives as a "video" stream with the attached_pic disposition; it is not picture content.
    .filter((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)
    .map((s) => {
      const avg = parseRational(s.avg_frame_rate);
      const nominal = parseRational(s.r_frame_rate);
      const rate = avg ?? nominal ?? { num: 0, den: 1 };
      const vfr = !!avg && !!nominal && Math.abs(avg.num / avg.den - nominal.num / nominal.den) > 0.01;
      const frames = Number(s.nb_frames);
      return {
        index: s.index,
        codec: s.codec_name ?? 'unknown',
        ...opt('profile', s.profile),
        width: s.width ?? 0,
        height: s.height ?? 0,
        ...opt('sar', parseRational(s.sample_aspect_ratio, ':')),
        ...opt('dar', parseRational(s.display_aspect_ratio, ':')),
        frameRate: rate,
        ...(vfr ? { variableFrameRate: true } : {}),
        ...opt('fieldOrder', s.field_order),
        ...opt('pixelFormat', s.pix_fmt),
        ...opt('bitDepth', bitDepthOf(s.pix_fmt, s.bits_per_raw_sample)),
        ...opt('colorPrimaries', s.color_primaries),
        ...opt('colorTransfer', s.color_transfer),
        ...opt('colorMatrix', s.color_space),
        ...opt('hdr', hdrOf(s.color_transfer)),
        ...opt('rotation', rotationOf(s)),
        ...(Number.isFinite(frames) && frames > 0 ? { frameCount: frames } : {}),
      };
    });
  const audio: AudioStreamInfo[] = streams
    .filter((s) => s.codec_type === 'audio')
    .map((s) => ({
      index: s.index,
      codec: s.codec_name ?? 'unknown',
      channels: s.channels ?? 0,
      ...opt('channelLayout', s.channel_layout),
      sampleRate: Number(s.sample_rate ?? 0),
      ...opt('language', languageTag(s)),
      ...opt('title', s.tags?.title),
      ...flagsOf(s),
    }));
  const subtitles: SubtitleStreamInfo[] = streams
    .filter((s) => s.codec_type === 'subtitle')
    .map((s) => ({
      index: s.index,
      codec: s.codec_name ?? 'unknown',
      ...opt('language', languageTag(s)),
      ...opt('title', s.tags?.title),
      ...flagsOf(s),
    }));
  const timecode = out.format?.tags?.timecode ?? streams.map((s) => s.tags?.timecode).find(Boolean);
  const bitRate = Number(out.format?.bit_rate);
  const held = Math.max(
    0,
    ...streams
      .filter((s) => s.codec_type === 'video' || s.codec_type === 'audio')
      .map((s) => Number(s.duration))
      .filter((d) => Number.isFinite(d)),
  );
  return {
    container: out.format?.format_name ?? 'unknown',
    durationSec: Number(out.format?.duration ?? 0) || 0,
    ...(held > 0 ? { streamsDurationSec: held } : {}),
    sizeBytes,
    ...(Number.isFinite(bitRate) && bitRate > 0 ? { bitRate } : {}),
    video,
    audio,
    subtitles,
    ...opt('startTimecode', timecode),
  };
}
