/**
 * Decode check: every segment of a rendition is decoded, fMP4 segments with their init segment in
 * front, fed through stdin (`concat:` breaks on "|" in paths). One ffprobe process per rendition
 * decodes the whole playlist (`-show_frames` decodes; `pkt_pos` maps each frame to the segment
 * whose bytes it came from). Findings per segment: no frames, too few frames for its EXTINF, a
 * video segment that does not start on a keyframe. A plain decode exits 0 on damaged input, so
 * stderr is read too; errors that frame counts do not explain are pinned to segments by bisection.
 * Every finding is then confirmed by decoding the segment alone, so damage that spills into the
 * next segment in the combined stream is blamed on the segment that caused it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { PackageProblem } from '../../common/manifest.js';
import { CancelledError } from '../util/errors.js';
import { STALL_MS, childOptions, stalledMessage, watchStall } from '../ffmpeg/child.js';
import type { Rendition, SegmentRef } from './playlists.js';

export interface SegmentDecode {
  frames: number;
  /** Presentation time of the segment's first frame in stream order (seconds). */
  firstPts?: number;
  firstIsKey?: boolean;
}

export interface DecodeRun {
  segments: SegmentDecode[];
  errors: string[];
}

/** Bytes of a package file as the decoder must see them (an encrypted segment, decrypted). */
export type ChunkReader = (path: string) => Promise<Uint8Array>;

const MAX_ERROR_LINES = 50;

/** Decode init + the given segments in one ffprobe process; frames are attributed by byte offset. */
export async function decodeStream(
  ffprobe: string,
  dir: string,
  init: string | undefined,
  segments: SegmentRef[],
  signal?: AbortSignal,
  onSegment?: (i: number) => void,
  read?: ChunkReader,
): Promise<DecodeRun> {
  const proc = spawn(
    ffprobe,
    ['-v', 'error', '-show_entries', 'frame=key_frame,pts_time,pkt_pos', '-of', 'compact=p=0', '-i', 'pipe:0'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...childOptions(),
      ...(signal ? { signal } : {}),
    },
  );
  // Frames read and complaints are its signs of life; a decoder that goes silent is stopped.
  let stalled: string | undefined;
  const stall = watchStall(proc, STALL_MS, (ms) => {
    stalled = stalledMessage('ffprobe', `decoding ${segments[0]?.path ?? 'a rendition'} and the segments after it`, ms);
  });
  const result: DecodeRun = { segments: segments.map(() => ({ frames: 0 })), errors: [] };
  // Byte offset where each segment starts in the concatenated stream (filled as it is fed).
  const starts: number[] = [];
  const files = [...(init ? [{ path: init, size: -1 }] : []), ...segments.map((s) => ({ path: s.path, size: s.size }))];
  const countFrame = frameCounter(result, starts, onSegment);

  let buf = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    stall.alive();
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      countFrame(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  let errText = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c: string) => {
    stall.alive();
    if (errText.length < 64 * 1024) errText += c;
  });
  const exited = once(proc, 'close').catch(() => undefined);

  try {
    await feed(proc, files, { dir, starts, firstIsInit: !!init, exited, ...(read ? { read } : {}) });
  } catch (err) {
    if (signal?.aborted) throw new CancelledError();
    result.errors.push(`could not read input: ${(err as Error).message}`);
  }
  proc.stdin.end();
  await exited;
  stall.stop();
  if (signal?.aborted) throw new CancelledError();
  if (stalled) result.errors.push(stalled);
  result.errors.push(...errorLines(errText));
  if (proc.exitCode !== 0 && result.errors.length === 0)
    result.errors.push(`ffprobe exited with code ${proc.exitCode}`);
  return result;
}

/**
 * One `-show_frames` line of ffprobe's compact output counted to the segment whose bytes the frame
 * came from (`starts`: each segment's first byte in the stream): its frames, its first frame's pts
 * and whether that one is a keyframe. `onSegment` hears of each segment as decoding reaches it.
 */
function frameCounter(result: DecodeRun, starts: number[], onSegment?: (i: number) => void): (line: string) => void {
  let reported = -1;
  const segmentAt = (pos: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return (line) => {
    const f: Record<string, string> = {};
    for (const kv of line.split('|')) {
      const eq = kv.indexOf('=');
      if (eq > 0) f[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const pos = Number(f.pkt_pos);
    if (!Number.isFinite(pos) || starts.length === 0) return;
    const i = segmentAt(pos);
    const seg = result.segments[i];
    if (!seg) return;
    if (seg.frames === 0) {
      const pts = Number(f.pts_time);
      if (Number.isFinite(pts)) seg.firstPts = pts;
      seg.firstIsKey = f.key_frame === '1';
    }
    seg.frames++;
    if (i > reported) {
      reported = i;
      onSegment?.(i);
    }
  };
}

/**
 * The files into the decoder's stdin in order, respecting backpressure (ffprobe may stop reading
 * early on garbage), each segment's offset recorded in `starts` as it begins.
 */
async function feed(
  proc: ChildProcessByStdio<Writable, Readable, Readable>,
  files: Array<{ path: string }>,
  o: { dir: string; starts: number[]; firstIsInit: boolean; exited: Promise<unknown>; read?: ChunkReader },
): Promise<void> {
  let offset = 0;
  proc.stdin.on('error', () => undefined);
  for (const [k, file] of files.entries()) {
    if (o.firstIsInit ? k > 0 : true) o.starts.push(offset);
    const source = o.read
      ? [await o.read(file.path)]
      : (createReadStream(join(o.dir, file.path), { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
    for await (const chunk of source) {
      offset += chunk.length;
      if (!proc.stdin.write(chunk)) await Promise.race([once(proc.stdin, 'drain'), o.exited]);
      if (proc.exitCode !== null || proc.stdin.destroyed) break;
    }
  }
}

/** ffprobe's complaints as an operator reads them: "[h264 @ 0x55d0c1a2] error…" → "[h264] error…" (the address means nothing), at most MAX_ERROR_LINES. */
function errorLines(errText: string): string[] {
  return errText
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/ @ 0x[0-9a-f]+\]/, ']'))
    .filter(Boolean)
    .slice(0, MAX_ERROR_LINES);
}

export interface DecodeCheckOptions {
  ffprobePath: string;
  packageDir: string;
  /** How to read a segment (default: the file as it is; an encrypted package decrypts). */
  read?: ChunkReader;
  signal?: AbortSignal;
  /** Called as segments are decoded (count of this rendition's segments reached so far). */
  onProgress?: (segmentsDone: number) => void;
}

export interface RenditionDecodeResult {
  rendition: string;
  /** Per segment path (segments that were not decoded are absent). */
  byPath: Map<string, SegmentDecode>;
  problems: PackageProblem[];
}

/**
 * Frames per second of media in a rendition: the median over its full-length segments, so a few
 * damaged segments (or a decoder that gave up half-way) cannot drag the expectation down.
 */
function frameRate(r: Rendition, decoded: SegmentDecode[]): number {
  const ratios = r.segments
    .map((seg, i) =>
      seg.durationSec >= r.targetDuration / 2 && decoded[i]!.frames > 0
        ? decoded[i]!.frames / seg.durationSec
        : undefined,
    )
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  if (ratios.length > 0) return ratios[Math.floor(ratios.length / 2)]!;
  const duration = r.segments.reduce((n, s) => n + s.durationSec, 0);
  return duration > 0 ? decoded.reduce((n, s) => n + s.frames, 0) / duration : 0;
}

/**
 * How long a segment's media really is: the gap to the next segment's first frame when both are
 * known (so a wrong EXTINF is not mistaken for lost frames), else its EXTINF.
 */
function mediaSpan(seg: SegmentRef, d: SegmentDecode, next: SegmentDecode | undefined): number {
  if (d.firstPts !== undefined && next?.firstPts !== undefined && next.firstPts > d.firstPts)
    return next.firstPts - d.firstPts;
  return seg.durationSec;
}

/** What is wrong with one decoded segment, if anything. */
function classify(
  r: Rendition,
  seg: SegmentRef,
  d: SegmentDecode,
  expected: number,
  errors: string[] = [],
): PackageProblem | undefined {
  const why = errors[0] ? `: ${errors[0]}` : '';
  if (d.frames === 0)
    return {
      file: seg.path,
      problem: 'undecodable',
      detail: `no ${r.kind} frames decoded (expected about ${expected})${why}`,
    };
  // MPEG-TS audio packs several AAC frames per PES packet and cuts segments between packets, so its
  // per-segment frame count is too coarse to judge; its damage still shows as 0 frames or errors.
  const coarse = r.kind === 'audio' && seg.path.endsWith('.ts');
  if (!coarse && d.frames < expected - 1)
    return {
      file: seg.path,
      problem: 'frames-missing',
      detail: `decoded ${d.frames} of about ${expected} frames for EXTINF ${seg.durationSec} s${why}`,
    };
  if (r.kind === 'video' && d.firstIsKey === false)
    return { file: seg.path, problem: 'no-keyframe-start', detail: 'the first frame is not a keyframe' };
  if (errors.length > 0) return { file: seg.path, problem: 'decode-error', detail: errors[0]! };
  return undefined;
}

export async function decodeCheckRendition(r: Rendition, opts: DecodeCheckOptions): Promise<RenditionDecodeResult> {
  const run = (segs: SegmentRef[], onSegment?: (i: number) => void): Promise<DecodeRun> =>
    decodeStream(opts.ffprobePath, opts.packageDir, r.init, segs, opts.signal, onSegment, opts.read);
  const whole = await run(r.segments, (i) => opts.onProgress?.(i + 1));
  opts.onProgress?.(r.segments.length);
  const rate = frameRate(r, whole.segments);
  const solo = async (i: number): Promise<PackageProblem | undefined> => {
    const seg = r.segments[i]!;
    const alone = await run([seg]);
    return classify(r, seg, alone.segments[0]!, Math.round(seg.durationSec * rate), alone.errors);
  };

  // Suspects from the whole-playlist decode, each confirmed by decoding it alone. A segment that is
  // healthy alone was garbled by the bytes before it (a truncated predecessor shifts the stream),
  // so the blame moves to its predecessor, which is confirmed alone in turn.
  const queue: number[] = [];
  r.segments.forEach((seg, i) => {
    const d = whole.segments[i]!;
    if (classify(r, seg, d, Math.round(mediaSpan(seg, d, whole.segments[i + 1]) * rate))) queue.push(i);
  });
  const problems = new Map<number, PackageProblem>();
  const checked = new Set<number>();
  while (queue.length > 0) {
    const i = queue.shift()!;
    if (checked.has(i)) continue;
    checked.add(i);
    const p = await solo(i);
    if (p) problems.set(i, p);
    else if (i > 0) queue.push(i - 1);
  }

  // Errors that no frame count explains: bisect to the segments whose decode logs them.
  if (whole.errors.length > 0 && problems.size === 0) {
    const bisect = async (lo: number, hi: number, errors: string[]): Promise<void> => {
      if (errors.length === 0) return;
      if (hi - lo === 1) {
        const p = await solo(lo);
        if (p) problems.set(lo, p);
        return;
      }
      const mid = (lo + hi) >> 1;
      await bisect(lo, mid, (await run(r.segments.slice(lo, mid))).errors);
      await bisect(mid, hi, (await run(r.segments.slice(mid, hi))).errors);
    };
    await bisect(0, r.segments.length, whole.errors);
    if (problems.size === 0) {
      problems.set(-1, {
        file: r.playlist,
        problem: 'decode-error',
        detail: `decoding the whole rendition logs errors no single segment reproduces: ${whole.errors[0]}`,
      });
    }
  }
  return {
    rendition: r.name,
    byPath: new Map(r.segments.map((seg, i) => [seg.path, whole.segments[i]!])),
    problems: [...problems.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p),
  };
}

/**
 * Video rungs must cut at the same instants so players can switch between them at any boundary.
 * Renditions are compared as the playlists list them; segments that could not be decoded are skipped.
 */
export function checkAlignment(
  video: Array<{ rendition: Rendition; decode: RenditionDecodeResult }>,
): PackageProblem[] {
  const [ref, ...others] = video.filter((v) => v.rendition.kind === 'video');
  if (!ref) return [];
  const problems: PackageProblem[] = [];
  const tolerance = 1 / 120; // well under one frame at any delivery frame rate
  for (const o of others) {
    if (o.rendition.segments.length !== ref.rendition.segments.length) {
      problems.push({
        file: o.rendition.playlist,
        problem: 'misaligned',
        detail: `${o.rendition.segments.length} segments; ${ref.rendition.name} has ${ref.rendition.segments.length}`,
      });
      continue;
    }
    o.rendition.segments.forEach((seg, i) => {
      const a = ref.decode.byPath.get(ref.rendition.segments[i]!.path)?.firstPts;
      const b = o.decode.byPath.get(seg.path)?.firstPts;
      if (a !== undefined && b !== undefined && Math.abs(a - b) > tolerance) {
        problems.push({
          file: seg.path,
          problem: 'misaligned',
          detail: `starts at ${b.toFixed(3)} s; ${ref.rendition.name} starts at ${a.toFixed(3)} s`,
        });
      }
    });
  }
  return problems;
}
