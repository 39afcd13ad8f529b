/** What ffprobe told us about a master, typed so the UI and the CLI render the same thing. */

export interface Rational {
  num: number;
  den: number;
}

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile?: string;
  width: number;
  height: number;
  frameRate: Rational;
  pixelFormat?: string;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number;
  channelLayout?: string;
  sampleRate: number;
  language?: string;
}

export interface MediaInfo {
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  container: string;
  durationSec: number;
  sizeBytes: number;
  bitRate?: number;
  video: VideoStreamInfo[];
  audio: AudioStreamInfo[];
}

export function frameRateValue(r: Rational): number {
  return r.den === 0 ? 0 : r.num / r.den;
}
