/**
 * Parser for ffmpeg's `-progress pipe:1` output: blocks of key=value lines, each block ending with
 * `progress=continue` or `progress=end`. We read out_time_us (microseconds of output written) and
 * compare it with the probed duration; fluent-ffmpeg's own percent is wrong with -t and absent with
 * -nostats, so it is not used.
 */
export interface FfmpegProgress {
  outTimeSec: number;
  fps?: number;
  /** Encoding speed as a multiple of realtime (ffmpeg's "speed=2.1x"). */
  speed?: number;
  end: boolean;
}

export class ProgressParser {
  private buffer = '';
  private block = new Map<string, string>();

  constructor(private readonly onBlock: (p: FfmpegProgress) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (key === 'progress') {
        this.onBlock(toProgress(this.block, value === 'end'));
        this.block = new Map();
      } else {
        this.block.set(key, value);
      }
    }
  }
}

function toProgress(block: Map<string, string>, end: boolean): FfmpegProgress {
  // out_time_us is authoritative; out_time_ms is (historically) also microseconds.
  const us = Number(block.get('out_time_us') ?? block.get('out_time_ms'));
  const fps = Number(block.get('fps'));
  const speed = Number.parseFloat(block.get('speed') ?? '');
  const p: FfmpegProgress = { outTimeSec: Number.isFinite(us) && us > 0 ? us / 1e6 : 0, end };
  if (Number.isFinite(fps) && fps > 0) p.fps = fps;
  if (Number.isFinite(speed) && speed > 0) p.speed = speed;
  return p;
}
