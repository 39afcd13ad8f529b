/** What ffprobe told us about a master, typed so the UI and the CLI render the same thing. */

export interface Rational {
  num: number;
  den: number;
}

export type HdrFormat = 'HDR10' | 'HLG';

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile?: string;
  width: number;
  height: number;
  /** Sample (pixel) aspect ratio; 1:1 is square pixels. */
  sar?: Rational;
  /** Display aspect ratio. */
  dar?: Rational;
  /** Average frame rate as a rational (23.976 is 24000/1001). */
  frameRate: Rational;
  /** True when the container's nominal and average frame rates disagree (variable frame rate). */
  variableFrameRate?: boolean;
  /** ffprobe's field_order: progressive, tt, bb, tb, bt. */
  fieldOrder?: string;
  pixelFormat?: string;
  bitDepth?: number;
  colorPrimaries?: string;
  colorTransfer?: string;
  colorMatrix?: string;
  /** HDR10 (PQ, smpte2084) or HLG (arib-std-b67) when tagged so. */
  hdr?: HdrFormat;
  /** Degrees clockwise the picture must be rotated for display. */
  rotation?: number;
  /** Frames the container declares, when it declares them. */
  frameCount?: number;
}

/** The flags a container sets on a stream (ffprobe's disposition) that a package must carry on. */
export interface StreamFlags {
  /** The master's default track of its kind. */
  default?: true;
  /** An audio description for the visually impaired. */
  visualImpaired?: true;
  /** Captions for the deaf and hard of hearing (SDH). */
  hearingImpaired?: true;
  /** Forced-narrative subtitles (only the foreign dialogue). */
  forced?: true;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number;
  channelLayout?: string;
  sampleRate: number;
  /** As the container tags it (ISO 639-2, e.g. "fra"); absent or "und" when untagged. */
  language?: string;
  title?: string;
  flags?: StreamFlags;
}

export interface SubtitleStreamInfo {
  index: number;
  codec: string;
  language?: string;
  title?: string;
  flags?: StreamFlags;
}

/** Subtitle codecs the station turns into WebVTT renditions; image-based ones (PGS, DVB) it cannot. */
export const TEXT_SUBTITLE_CODECS = ['mov_text', 'subrip', 'srt', 'ass', 'ssa', 'webvtt', 'text', 'eia_608'];
export const IMAGE_SUBTITLE_CODECS = ['hdmv_pgs_subtitle', 'dvb_subtitle', 'dvd_subtitle', 'xsub'];

/** A caption file beside the master (Film.en.srt, Film.fr.forced.vtt, Film.scc). */
export interface CaptionFile {
  path: string;
  format: 'srt' | 'vtt' | 'scc';
  /** BCP 47, from the name (Film.en.srt) or the spec's default. */
  language: string;
  /** Where the language came from. */
  languageFrom: 'name' | 'spec-default' | 'operator';
  sdh?: true;
  forced?: true;
  /** Cues read (after the checks); absent when the file could not be read. */
  cues?: number;
}

export interface MediaInfo {
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  container: string;
  /** What the container claims (ffprobe's format duration). */
  durationSec: number;
  /** The longest picture or sound the streams themselves hold (their sample tables), when ffprobe knows it. */
  streamsDurationSec?: number;
  sizeBytes: number;
  bitRate?: number;
  video: VideoStreamInfo[];
  audio: AudioStreamInfo[];
  subtitles: SubtitleStreamInfo[];
  /** Caption files found beside the master (and those the operator named). */
  captionFiles?: CaptionFile[];
  /** Start timecode (e.g. 10:00:00:00) from the container or a timecode track. */
  startTimecode?: string;
}

export function frameRateValue(r: Rational): number {
  return r.den === 0 ? 0 : r.num / r.den;
}

export const isInterlaced = (v: VideoStreamInfo): boolean =>
  !!v.fieldOrder && !['progressive', 'unknown'].includes(v.fieldOrder);

/** One line per stream for lists and logs: "prores 1920×1080 24000/1001 yuv422p10le 10-bit". */
export function describeVideo(v: VideoStreamInfo): string {
  const parts = [
    v.codec + (v.profile ? ` (${v.profile})` : ''),
    `${v.width}×${v.height}`,
    `${v.frameRate.num}/${v.frameRate.den} fps`,
  ];
  if (v.sar && v.sar.num !== v.sar.den) parts.push(`SAR ${v.sar.num}:${v.sar.den}`);
  if (v.dar) parts.push(`DAR ${v.dar.num}:${v.dar.den}`);
  if (v.pixelFormat) parts.push(v.pixelFormat);
  if (v.bitDepth) parts.push(`${v.bitDepth}-bit`);
  if (isInterlaced(v)) parts.push(`interlaced (${v.fieldOrder})`);
  if (v.hdr) parts.push(v.hdr);
  if (v.rotation) parts.push(`rotated ${v.rotation}°`);
  if (v.variableFrameRate) parts.push('variable frame rate');
  return parts.join(' · ');
}

export function describeAudio(a: AudioStreamInfo): string {
  return [a.codec, a.channelLayout ?? `${a.channels} ch`, `${a.sampleRate} Hz`, a.language].filter(Boolean).join(' · ');
}
