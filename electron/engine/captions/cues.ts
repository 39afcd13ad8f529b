/**
 * Captions as cues: sidecar SRT and WebVTT files are parsed with media-captions (the only module
 * that uses it); SCC (Scenarist CEA-608) files and the master's embedded text subtitles (mov_text,
 * subrip, ass, webvtt) are first turned into WebVTT by ffmpeg. Every read is checked: the file must
 * be UTF-8, every cue must parse, and cues must not run backwards, overlap, or lie outside the
 * picture — each problem is a finding with its own code, for the delivery spec to weigh.
 */
import { execFile } from 'node:child_process';
import { parseTextStream, type VTTCue } from 'media-captions';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { notRegularFile, readRegularFile } from '../util/regular-file.js';
import { childOptions } from '../ffmpeg/child.js';

export interface Cue {
  /** Seconds on the master's timeline. */
  start: number;
  end: number;
  /** WebVTT cue payload (may hold <i>, <b>, <v> tags). */
  text: string;
  /** WebVTT cue settings ("line:80% align:start"), when not the defaults. */
  settings?: string;
}

export interface CaptionProblem {
  code: 'caption-unreadable' | 'caption-cues';
  message: string;
}

export interface CaptionRead {
  cues: Cue[];
  problems: CaptionProblem[];
}

const clock = (s: number): string => {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${(s % 60).toFixed(3).padStart(6, '0')}`;
};

/** The settings a cue carries that are not WebVTT's defaults. */
function settingsOf(c: VTTCue): string | undefined {
  const out: string[] = [];
  if (c.vertical) out.push(`vertical:${c.vertical}`);
  if (c.line !== 'auto')
    out.push(`line:${c.snapToLines ? c.line : `${c.line}%`}${c.lineAlign !== 'start' ? `,${c.lineAlign}` : ''}`);
  if (c.position !== 'auto')
    out.push(`position:${c.position}%${c.positionAlign !== 'auto' ? `,${c.positionAlign}` : ''}`);
  if (c.size !== 100) out.push(`size:${c.size}%`);
  if (c.align !== 'center') out.push(`align:${c.align}`);
  return out.length ? out.join(' ') : undefined;
}

/**
 * The text's lines as a stream handed over one line per read. media-captions' own `parseText`
 * enqueues every line at once, and Node's stream queue takes each from the front of an array — a
 * copy of the rest every time: 100,000 cues took 220 s. Pulled one at a time, the queue holds one.
 */
function lineStream(text: string): ReadableStream<string> {
  const lines = text.split(/\r?\n|\r/);
  let next = 0;
  return new ReadableStream<string>(
    {
      pull(controller) {
        if (next < lines.length) controller.enqueue(lines[next++]!);
        else controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}

/** Parse SRT or WebVTT text and check every cue against the picture's duration. */
export async function parseCaptions(
  text: string,
  type: 'srt' | 'vtt',
  durationSec: number,
  what: string,
): Promise<CaptionRead> {
  const problems: CaptionProblem[] = [];
  const parsed = await parseTextStream(lineStream(text.replace(/^\uFEFF/, '')), { type });
  const timings = (text.match(/-->/g) ?? []).length;
  for (const e of parsed.errors)
    problems.push({ code: 'caption-unreadable', message: `${what}: line ${e.line}: ${e.message}` });
  if (parsed.cues.length < timings) {
    problems.push({
      code: 'caption-unreadable',
      message: `${what}: ${timings - parsed.cues.length} of ${timings} cues could not be read (a timing line that does not parse, or a cue that ends before it starts)`,
    });
  }
  if (timings > 0 && parsed.cues.length === 0)
    problems.push({ code: 'caption-unreadable', message: `${what}: no cue could be read` });
  const cues = parsed.cues
    .map((c) => ({
      start: c.startTime,
      end: c.endTime,
      text: c.text.trim(),
      ...(settingsOf(c) ? { settings: settingsOf(c)! } : {}),
    }))
    .filter((c) => c.text !== '');
  cues.sort((a, b) => a.start - b.start || a.end - b.end);
  const overlaps = cues.filter((c, i) => i > 0 && c.start < cues[i - 1]!.end - 1e-3);
  if (overlaps.length)
    problems.push({
      code: 'caption-cues',
      message: `${what}: ${overlaps.length} cue(s) overlap the one before (first at ${clock(overlaps[0]!.start)})`,
    });
  const outside = cues.filter((c) => c.start < 0 || c.start >= durationSec || c.end > durationSec + 1);
  if (outside.length)
    problems.push({
      code: 'caption-cues',
      message: `${what}: ${outside.length} cue(s) lie outside the picture's ${clock(durationSec)} (first at ${clock(outside[0]!.start)})`,
    });
  return { cues, problems };
}

function ffmpegToWebvtt(ffmpeg: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      ffmpeg,
      ['-hide_banner', '-nostdin', '-v', 'error', ...args, '-c:s', 'webvtt', '-f', 'webvtt', 'pipe:1'],
      { timeout: 120_000, maxBuffer: 64 << 20, ...childOptions() },
      (err, stdout, stderr) =>
        err ? reject(new Error(stderr.trim().split('\n').at(-1) || err.message)) : resolve(stdout),
    ),
  );
}

/** A caption file beside the master (or named by the operator). */
export async function readCaptionFile(
  file: { path: string; format: 'srt' | 'vtt' | 'scc' },
  durationSec: number,
  ffmpeg: string,
): Promise<CaptionRead> {
  const what = file.path.split(/[\\/]/).pop()!;
  const notRegular = await notRegularFile(file.path);
  if (notRegular) return { cues: [], problems: [{ code: 'caption-unreadable', message: `${what}: ${notRegular}` }] };
  if (file.format === 'scc') {
    try {
      return await parseCaptions(
        await ffmpegToWebvtt(ffmpeg, ['-f', 'scc', '-i', `file:${file.path}`]),
        'vtt',
        durationSec,
        what,
      );
    } catch (err) {
      return {
        cues: [],
        problems: [
          {
            code: 'caption-unreadable',
            message: `${what}: not a Scenarist SCC file ffmpeg can read: ${(err as Error).message}`,
          },
        ],
      };
    }
  }
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file.path);
  } catch (err) {
    return { cues: [], problems: [{ code: 'caption-unreadable', message: `${what}: ${(err as Error).message}` }] };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      cues: [],
      problems: [{ code: 'caption-unreadable', message: `${what}: it is not UTF-8 text (save it as UTF-8)` }],
    };
  }
  return parseCaptions(text, file.format, durationSec, what);
}

/** A text subtitle stream of the master, turned into WebVTT by ffmpeg. */
export async function readSubtitleStream(
  masterPath: string,
  streamIndex: number,
  durationSec: number,
  ffmpeg: string,
): Promise<CaptionRead> {
  const what = `subtitle stream #${streamIndex}`;
  try {
    const vtt = await ffmpegToWebvtt(ffmpeg, [
      ...masterInputOptions(),
      '-i',
      masterInput(masterPath),
      '-map',
      `0:${streamIndex}`,
    ]);
    return await parseCaptions(vtt, 'vtt', durationSec, what);
  } catch (err) {
    return {
      cues: [],
      problems: [
        {
          code: 'caption-unreadable',
          message: `${what}: ffmpeg could not turn it into WebVTT: ${(err as Error).message}`,
        },
      ],
    };
  }
}
