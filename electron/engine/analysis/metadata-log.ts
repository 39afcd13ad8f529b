/**
 * The measuring filters (idet, cropdetect, blackdetect, freezedetect, signalstats, silencedetect,
 * astats) leave their results as frame metadata; `metadata=print:file=…` (`ametadata` for audio)
 * writes them per frame, independent of the log level, so the same fragment works in a standalone
 * run and riding along an encode that logs only warnings. This reads that output:
 *
 *   frame:12   pts:6144    pts_time:0.5
 *   lavfi.idet.multiple.current_frame=tff
 *
 * Files are read as a stream (a film's per-frame levels are tens of MB) and each frame handed over
 * once its lines are complete.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface MetadataFrame {
  /** The frame's number in the filter's own count. */
  n: number;
  pts: number;
  /** Seconds (pts_time); NaN when the frame had no timestamp. */
  time: number;
  values: Map<string, string>;
}

const FRAME_LINE = /^frame:\s*(\d+)\s+pts:\s*(-?\d+|NOPTS)\s+pts_time:\s*(\S+)/;

/** Line-at-a-time parser; `end()` flushes the last frame. */
export class MetadataLogParser {
  private current: MetadataFrame | undefined;

  constructor(private readonly onFrame: (f: MetadataFrame) => void) {}

  line(raw: string): void {
    const line = raw.trim();
    if (!line) return;
    const m = FRAME_LINE.exec(line);
    if (m) {
      this.end();
      this.current = { n: Number(m[1]), pts: Number(m[2]), time: Number(m[3]), values: new Map() };
      return;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && this.current) this.current.values.set(line.slice(0, eq), line.slice(eq + 1));
  }

  end(): void {
    if (this.current) this.onFrame(this.current);
    this.current = undefined;
  }
}

export function parseMetadataLog(text: string): MetadataFrame[] {
  const frames: MetadataFrame[] = [];
  const p = new MetadataLogParser((f) => frames.push(f));
  for (const line of text.split(/\r?\n/)) p.line(line);
  p.end();
  return frames;
}

/** Streams a metadata file frame by frame; a file the run never wrote reads as no frames. */
export async function readMetadataLog(path: string, onFrame: (f: MetadataFrame) => void): Promise<void> {
  const p = new MetadataLogParser(onFrame);
  const input = createReadStream(path, { encoding: 'utf8' });
  const opened = await new Promise<boolean>((resolve, reject) => {
    input.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
    input.once('open', () => resolve(true));
  });
  if (!opened) return;
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) p.line(line);
  p.end();
}

/** A metadata value as a number (NaN when absent or not a number). */
export const num = (f: MetadataFrame, key: string): number => {
  const v = f.values.get(key);
  return v === undefined ? NaN : Number(v);
};
