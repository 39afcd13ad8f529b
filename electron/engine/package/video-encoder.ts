/**
 * The video encode: one ffmpeg decodes the master once and encodes every rung (split → scale →
 * encoder), keyframes forced at every segment boundary and nowhere else, so ffmpeg's HLS muxer cuts
 * each rung at the same instants. Segments are written under temporary names and renamed when
 * closed (`temp_file`); the moment every rung has closed segment N, set N is *published* into the
 * package and recorded in the chunk journal — verify and the uploads take it from there while the
 * encode goes on.
 *
 * Resumable: the encode fills the gaps the journal shows. After a crash the next run starts at the
 * first unpublished set: the master is sought to that set's boundary (`-ss`, accurate), keyframes
 * are forced at the same absolute instants as before (`gte(t+ss, (n_forced+k)·S)`), numbering
 * continues (`-start_number k`), and each new segment is moved onto the running timeline by
 * rewriting its sequence number and decode time in place (media/fmp4.ts) — so the package ends with
 * one init segment per rung (the new run's is checked identical and dropped) and one continuous
 * timeline, no discontinuity. A set verify rejected is a gap too: re-encoded alone (`-t`). If the
 * encoder's output changed (a software fallback, an ffmpeg update) the rungs start again from zero.
 * MPEG-TS segments cannot be retimed: a TS package resumes from zero.
 */
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { makeOwnedDir, removeOwned } from '../util/owned-folder.js';
import { childOptions } from '../ffmpeg/child.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { familyOf } from '../ffmpeg/encoders.js';
import { fixedRate, rateControlArgs } from '../ladder/rate-control.js';
import { videoQcBranch } from '../analysis/qc-wiring.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { initTracks, retimeSegment, segmentInfo, finishedSegmentInfo } from '../media/fmp4.js';
import { StationError, linkedAbort } from '../util/errors.js';
import type { Rung, TranscodePlan } from '../plan/plan.js';
import type { ChunkJournal, PublishedChunk } from './chunk-journal.js';
import { writeWhole } from './package-files.js';

/**
 * HDR (PQ or HLG) → SDR BT.709: to linear light, Hable tone curve, back to BT.709 limited range.
 * Chosen over an HEVC Main10 rung because every player of the platform plays H.264 SDR.
 */
export const TONEMAP_TO_BT709 =
  'zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv';

export interface FfmpegArgs {
  inputOptions: string[];
  outputOptions: string[];
  output: string;
}

/**
 * MPEG-TS only: both processes (video, audio) mux on this clock offset (s), far enough ahead that
 * neither muxer moves its stream to avoid negative timestamps (see audio-encoder.ts).
 */
export const TS_CLOCK_OFFSET = 1;

export const segmentExt = (plan: Pick<TranscodePlan, 'segmentFormat'>): string =>
  plan.segmentFormat === 'ts' ? 'ts' : 'm4s';
export const segmentName = (i: number, ext: string): string => `seg_${String(i).padStart(5, '0')}.${ext}`;

/**
 * The init segment's name in a run folder: with more than one variant stream ffmpeg's HLS muxer
 * appends the stream's index to an init file name that has no %v ("init_1.mp4").
 */
export const runInitName = (plan: Pick<TranscodePlan, 'rungs'>, rung: string): string =>
  plan.rungs.length > 1 ? `init_${plan.rungs.findIndex((r) => r.name === rung)}.mp4` : 'init.mp4';

/** Where one encode run starts (set index and master time) and, for a gap, how long it lasts. */
export interface RunWindow {
  from: number;
  /** Seconds into the master the run seeks to (0 for the first run). */
  seek: number;
  /**
   * Frames to encode (a gap between published sets); absent: to the end. A frame count, not `-t`:
   * ffmpeg 5.1 measures `-t` from the first frame after the seek and lets one frame too many through.
   */
  frames?: number;
}

/** A rung's encoder options besides its rate control (the family's, or x264's preset), for stream `v:i`. */
export function encoderOptionArgs(encoder: string, i: number): string[] {
  const family = familyOf(encoder);
  if (!family) return [`-preset:v:${i}`, 'veryfast'];
  const out: string[] = [];
  for (let k = 0; k < family.encoderArgs.length; k += 2)
    out.push(`${family.encoderArgs[k]}:v:${i}`, family.encoderArgs[k + 1]!);
  return out;
}

/**
 * The picture filters before the ladder's split, once for every rung: the content analysis's field
 * fix and crop (without an analysis, the container's interlace flag), tone-map HDR to SDR BT.709,
 * halve the rate. The complexity probe and the trick-play thumbnails apply the same, so they measure
 * and show the picture the rungs are made from.
 */
export function preSplitFilters(
  plan: Pick<TranscodePlan, 'deinterlace' | 'tonemap' | 'frameRate' | 'preFilters'>,
): string[] {
  return [
    ...(plan.preFilters ?? (plan.deinterlace ? ['yadif=mode=send_frame'] : [])),
    ...(plan.tonemap ? [TONEMAP_TO_BT709] : []),
    ...(plan.frameRate ? [`fps=${plan.frameRate.num}/${plan.frameRate.den}`] : []),
  ];
}

/** Pure: the ffmpeg arguments for a video run writing into outDir/<rung>/ (unit-tested without ffmpeg). */
export function buildVideoArgs(plan: TranscodePlan, outDir: string, win: RunWindow = { from: 0, seek: 0 }): FfmpegArgs {
  const n = plan.rungs.length;
  const pre = preSplitFilters(plan);
  // The QC rides along on one more branch of the same decode (engine/analysis/qc-wiring.ts).
  const qc = videoQcBranch(plan, win, '[sqc]');
  const split = `[0:${plan.videoStreamIndex}]${pre.map((f) => `${f},`).join('')}split=${n + (qc ? 1 : 0)}${plan.rungs.map((_, i) => `[s${i}]`).join('')}${qc ? '[sqc]' : ''}`;
  // setsar=1 + format=yuv420p: square pixels and 8-bit 4:2:0 (x264 would otherwise keep 4:2:2/10-bit);
  // hardware rungs then hand frames to their device (hwupload) where the family needs it.
  const encoderOf = (r: Rung): string => r.encoder ?? plan.encoder;
  const scales = plan.rungs.map((r, i) => {
    const upload = familyOf(encoderOf(r))?.uploadFilter;
    return `[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p${upload ? `,${upload}` : ''}[v${i}]`;
  });
  const args: string[] = ['-filter_complex', [split, ...scales, ...(qc ? [qc] : [])].join(';')];
  // No keyframe but the forced ones: a GOP limit far beyond one segment.
  const gop = String(Math.ceil(plan.segmentSeconds * 121 * 2));
  plan.rungs.forEach((r, i) => {
    const enc = encoderOf(r);
    args.push('-map', `[v${i}]`, `-c:v:${i}`, enc);
    args.push(...encoderOptionArgs(enc, i));
    // The fixed ladder's average + cap, or the per-title choice stored in the plan (engine/ladder/).
    args.push(...rateControlArgs(enc, r.rate ?? fixedRate(r.videoKbps), i), `-g:v:${i}`, gop);
  });
  // Keyframes at the same absolute instants in every run: t counts from the run's seek point.
  const at = win.seek > 0 ? `t+${win.seek.toFixed(6)}` : 't';
  const nth = win.from > 0 ? `(n_forced+${win.from})` : 'n_forced';
  args.push('-force_key_frames', `expr:gte(${at},${nth}*${plan.segmentSeconds})`, '-sc_threshold', '0');
  if (win.frames !== undefined) args.push('-frames:v', String(win.frames));
  // SDR BT.709 is what every rung is (tone-mapped or not): say so in the stream.
  args.push('-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709');
  const ext = segmentExt(plan);
  args.push(
    '-f',
    'hls',
    // Cut at every keyframe (only the forced ones exist); the playlists are the station's own.
    '-hls_time',
    String(Math.min(0.5, plan.segmentSeconds / 4)),
    '-hls_list_size',
    '0',
    '-hls_segment_type',
    plan.segmentFormat === 'ts' ? 'mpegts' : 'fmp4',
    '-hls_flags',
    'temp_file+independent_segments',
    '-start_number',
    String(win.from),
    ...(plan.segmentFormat === 'ts'
      ? ['-output_ts_offset', String(TS_CLOCK_OFFSET)]
      : ['-hls_fmp4_init_filename', 'init.mp4']),
    '-hls_segment_filename',
    join(outDir, '%v', `seg_%05d.${ext}`),
    '-var_stream_map',
    plan.rungs.map((r, i) => `v:${i},name:${r.name}`).join(' '),
  );
  const devices = new Set(plan.rungs.map((r) => familyOf(encoderOf(r))).filter((f) => f !== undefined));
  const inputOptions = [
    ...[...devices].flatMap((f) => f.inputArgs),
    ...masterInputOptions(),
    ...(win.seek > 0 ? ['-ss', win.seek.toFixed(6)] : []),
  ];
  return { inputOptions, outputOptions: args, output: join(outDir, '%v', 'run.m3u8') };
}

/** The gaps in the published sets: [from, to) ranges, `to` undefined for "to the end". */
export function videoGaps(journal: Pick<ChunkJournal, 'sets' | 'encodedSets'>): Array<{ from: number; to?: number }> {
  const have = [...journal.sets.keys()].sort((a, b) => a - b);
  const last = journal.encodedSets !== undefined ? journal.encodedSets : (have.at(-1) ?? -1) + 1;
  const gaps: Array<{ from: number; to?: number }> = [];
  let start: number | undefined;
  for (let i = 0; i < last; i++) {
    if (!journal.sets.has(i)) start ??= i;
    else if (start !== undefined) {
      gaps.push({ from: start, to: i });
      start = undefined;
    }
  }
  if (start !== undefined) gaps.push(journal.encodedSets !== undefined ? { from: start, to: last } : { from: start });
  if (journal.encodedSets === undefined) {
    const tail = gaps.at(-1);
    if (!tail || tail.to !== undefined) gaps.push({ from: last });
  }
  return gaps;
}

export class InitChanged extends StationError {
  constructor(rung: string, why: string) {
    super(
      `${rung}: the encoder's output changed since the earlier run (${why}): the rungs are encoded again from the start`,
      'init-changed',
    );
  }
}

export interface VideoEncodeOptions {
  ffmpegPath: string;
  ffprobePath: string;
  sourcePath: string;
  durationSec: number;
  plan: TranscodePlan;
  packageDir: string;
  /** Scratch space for runs (inside the job folder). */
  scratchDir: string;
  journal: ChunkJournal;
  /** Frames per second of the rungs (the seek lands half a frame before a boundary). */
  frameRate: number;
  signal?: AbortSignal;
  onProgress?: (p: { fraction: number; speed?: number; detail: string }) => void;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** Duration of an MPEG-TS segment and its first PTS (ffprobe): TS carries no fragment index. */
async function tsTimes(ffprobe: string, path: string): Promise<{ start: number; duration: number }> {
  const { stdout } = await promisify(execFile)(
    ffprobe,
    ['-v', 'error', '-show_entries', 'format=start_time,duration', '-of', 'json', path],
    { timeout: 30_000, ...childOptions() },
  );
  const f = (JSON.parse(stdout) as { format: { start_time?: string; duration?: string } }).format;
  return { start: Number(f.start_time ?? 0), duration: Number(f.duration ?? 0) };
}

/** Fill every gap the journal shows; returns when the last set is published. */
export async function encodeVideo(o: VideoEncodeOptions): Promise<void> {
  for (;;) {
    try {
      await fillGaps(o);
      return;
    } catch (err) {
      if (!(err instanceof InitChanged)) throw err;
      await resetVideo(o, err.message);
    }
  }
}

/** Throw every published set and init away (their files are the station's, under the package). */
export async function resetVideo(
  o: Pick<VideoEncodeOptions, 'journal' | 'packageDir' | 'plan'>,
  why: string,
): Promise<void> {
  await o.journal.append({ t: 'video-reset', why });
  for (const r of o.plan.rungs) await removeOwned(o.packageDir, r.name, 'a rendition folder', { markedBy: 'parent' });
}

async function fillGaps(o: VideoEncodeOptions): Promise<void> {
  const ts = o.plan.segmentFormat === 'ts';
  if (ts && o.journal.sets.size > 0 && (o.journal.encodedSets === undefined || videoGaps(o.journal).length > 0)) {
    // TS segments cannot be moved onto a timeline: an interrupted TS encode, or one with a set
    // verify rejected, starts again.
    await resetVideo(o, 'MPEG-TS segments cannot be resumed');
  }
  for (const gap of videoGaps(o.journal)) {
    const before = gap.from > 0 ? o.journal.sets.get(gap.from - 1) : undefined;
    const after = gap.to !== undefined ? o.journal.sets.get(gap.to) : undefined;
    const seek = before ? before[0]!.end : 0;
    const win: RunWindow = {
      from: gap.from,
      seek,
      ...(after ? { frames: Math.round((after[0]!.start - seek) * o.frameRate) } : {}),
    };
    await runWindow(o, win, before);
  }
}

const VIDEO_RUN = 'a video encode folder';

async function runWindow(o: VideoEncodeOptions, win: RunWindow, before: PublishedChunk[] | undefined): Promise<void> {
  const runName = `video-${win.from}`;
  await removeOwned(o.scratchDir, runName, VIDEO_RUN);
  const runDir = await makeOwnedDir(o.scratchDir, runName, VIDEO_RUN);
  for (const r of o.plan.rungs) await mkdir(join(runDir, r.name), { recursive: true });
  for (const r of o.plan.rungs) await mkdir(join(o.packageDir, r.name), { recursive: true });
  const ext = segmentExt(o.plan);
  // Half a frame early: the seek lands before the boundary frame whatever the master's time base.
  const half = win.seek > 0 ? 0.5 / o.frameRate : 0;
  const run: RunWindow = {
    from: win.from,
    seek: Math.max(0, win.seek - half),
    ...(win.frames !== undefined ? { frames: win.frames } : {}),
  };
  const { inputOptions, outputOptions, output } = buildVideoArgs(o.plan, runDir, run);
  if (o.plan.qc) await mkdir(o.plan.qc.dir, { recursive: true });
  // Where each rung's timeline continues: the decode time after the set before this run.
  const nextTfdt = new Map<string, number>(
    o.plan.rungs.map((r, k) => [r.name, before ? before[k]!.tfdt! + before[k]!.duration! : 0]),
  );
  const local = linkedAbort(o.signal);
  let failure: unknown;
  let next = win.from;
  const isFile = (p: string): Promise<boolean> =>
    stat(p).then(
      (st) => st.isFile(),
      () => false,
    );
  // Set `next` is closed once every rung holds it under its final name (temp_file renames on close).
  const publishClosed = async (): Promise<void> => {
    for (;;) {
      if (win.frames !== undefined && o.journal.sets.has(next)) return;
      const names = o.plan.rungs.map((r) => join(runDir, r.name, segmentName(next, ext)));
      if (!(await Promise.all(names.map(isFile))).every(Boolean)) return;
      await publishSet(o, runDir, next, run, nextTfdt);
      next++;
    }
  };
  let publishing: Promise<void> = Promise.resolve();
  const tick = (): void => {
    publishing = publishing.then(publishClosed).catch((err: unknown) => {
      // A set that cannot be published (an init that changed, a segment without a keyframe) stops the run.
      failure ??= err;
      local.controller.abort(err);
    });
  };
  const timer = setInterval(tick, 250);
  try {
    await runFfmpeg({
      ffmpegPath: o.ffmpegPath,
      input: masterInput(o.sourcePath),
      inputOptions,
      outputOptions,
      output,
      signal: local.signal,
      recordIn: runDir,
      // The QC's metadata files are named relative to its folder.
      ...(o.plan.qc ? { cwd: o.plan.qc.dir } : {}),
      onProgress: (p) => {
        const done = run.seek + p.outTimeSec;
        o.onProgress?.({
          fraction: Math.min(0.999, done / o.durationSec),
          ...(p.speed ? { speed: p.speed } : {}),
          detail: `${o.journal.sets.size} segment sets encoded${win.from > 0 ? ` (resumed at set ${win.from})` : ''}`,
        });
      },
    });
  } catch (err) {
    failure ??= err;
  } finally {
    clearInterval(timer);
    local.dispose();
  }
  await publishing;
  // Sets ffmpeg closed before it stopped are whole: keep them, so the next run resumes after them.
  if (!o.signal?.aborted && !(failure instanceof InitChanged))
    await publishClosed().catch((err: unknown) => (failure ??= err));
  if (failure) throw failure;
  if (win.frames === undefined) await o.journal.append({ t: 'encoded', sets: next });
  await removeOwned(o.scratchDir, runName, VIDEO_RUN);
}

async function publishSet(
  o: VideoEncodeOptions,
  runDir: string,
  set: number,
  win: RunWindow,
  nextTfdt: Map<string, number>,
): Promise<void> {
  const ext = segmentExt(o.plan);
  const chunks: PublishedChunk[] = [];
  for (const r of o.plan.rungs) {
    const rel = `${r.name}/${segmentName(set, ext)}`;
    let bytes: Uint8Array = await readFile(join(runDir, r.name, segmentName(set, ext)));
    if (ext === 'ts') {
      const t = await tsTimes(o.ffprobePath, join(runDir, r.name, segmentName(set, ext)));
      if (set === 0 && !o.journal.inits.has(r.name)) {
        // No init segment in TS; the record keeps where the picture starts on the 90 kHz clock (for X-TIMESTAMP-MAP).
        await o.journal.append({
          t: 'init',
          r: r.name,
          path: '',
          size: 0,
          md5: '',
          sha256: '',
          codec: '',
          timescale: 90000,
          presentationOffset: t.start,
        });
      }
      // One uninterrupted run (see fillGaps): the muxer's clock less where the picture started.
      const start = t.start - (o.journal.inits.get(r.name)?.presentationOffset ?? 0);
      await writeWhole(join(o.packageDir, rel), bytes, 'encoding');
      chunks.push({ r: r.name, i: set, path: rel, size: bytes.length, start, end: start + t.duration });
      continue;
    }
    const init = await publishInit(o, runDir, r.name, set, set === win.from);
    if (win.from > 0 || win.seek > 0)
      bytes = retimeSegment(bytes, { sequence: set + 1, baseDecodeTime: nextTfdt.get(r.name)! });
    const info = finishedSegmentInfo(bytes);
    if (!info.samples[0]?.sync)
      throw new StationError(
        `${rel} does not start with a keyframe: the encoder did not honour the forced keyframes`,
        'encode-keyframes',
      );
    nextTfdt.set(r.name, info.baseDecodeTime + info.duration);
    const offset = Math.round((init.presentationOffset ?? 0) * init.timescale);
    const start = (info.baseDecodeTime + info.samples[0].compositionOffset - offset) / init.timescale;
    await writeWhole(join(o.packageDir, rel), bytes, 'encoding');
    chunks.push({
      r: r.name,
      i: set,
      path: rel,
      size: bytes.length,
      start,
      end: start + info.duration / init.timescale,
      tfdt: info.baseDecodeTime,
      duration: info.duration,
      timescale: init.timescale,
      samples: info.samples.length,
      firstSampleEnd: info.firstSampleEnd,
    });
  }
  await o.journal.append({ t: 'published', set, chunks });
}

/**
 * The rung's init segment: published with the first set ever, else checked to be the same encoder
 * output (byte for byte, else codec, timescale and size) — a resumed run's own init is dropped.
 */
async function publishInit(
  o: VideoEncodeOptions,
  runDir: string,
  rung: string,
  set: number,
  check: boolean,
): Promise<{ timescale: number; presentationOffset?: number }> {
  const known = o.journal.inits.get(rung);
  if (known && !check) return known;
  const bytes = await readFile(join(runDir, rung, runInitName(o.plan, rung)));
  if (known) {
    if (sha(bytes) === known.sha256) return known;
    const [a] = initTracks(bytes);
    const same = a && a.codec === known.codec && a.timescale === known.timescale;
    if (!same)
      throw new InitChanged(rung, `codec ${a?.codec}/${a?.timescale} instead of ${known.codec}/${known.timescale}`);
    return known;
  }
  const [track] = initTracks(bytes);
  if (!track) throw new StationError(`${rung}/init.mp4 holds no track`, 'encode-init');
  // The first sample's composition offset is the picture's presentation offset (B-frame delay).
  const first = segmentInfo(await readFile(join(runDir, rung, segmentName(set, 'm4s'))));
  const presentationOffset = (first.samples[0]?.compositionOffset ?? 0) / track.timescale;
  await writeWhole(join(o.packageDir, rung, 'init.mp4'), bytes, 'encoding');
  const rec = {
    r: rung,
    path: `${rung}/init.mp4`,
    size: bytes.length,
    md5: md5(bytes),
    sha256: sha(bytes),
    codec: track.codec,
    timescale: track.timescale,
    presentationOffset,
  };
  await o.journal.append({ t: 'init', ...rec });
  return rec;
}

/** Names of the closed segments in a run folder (helper for tests and diagnostics). */
export async function closedSegments(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => /^seg_\d+\.(m4s|ts)$/.test(n)).sort();
}
