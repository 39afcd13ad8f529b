/**
 * The audio pass: every audio rendition of the plan (AAC stereo per language; AC-3 when the profile
 * asks for surround) encoded once, in a process of its own — so resuming the video never starts an
 * AAC encoder mid-stream (its priming samples would repeat at the seam). Audio encodes at many times
 * real time; its chunks are published together when the pass completes, and an interrupted pass is
 * simply run again (AAC and AC-3 encoding here are deterministic: the same bytes come out).
 *
 * Two processes, one clock: each muxer moves its own stream so no timestamp is negative — the
 * video by its B-frame delay (its first frame is presented at ~2 frames), the audio by its
 * encoder's priming (1024 samples of AAC) — so left alone the picture would trail the sound by
 * the difference (62 ms at 24 fps). fMP4 audio fragments are moved onto the video's clock by
 * rewriting their decode times (media/fmp4.ts; an output offset would rewrite the init's edit
 * list instead); MPEG-TS, which cannot be retimed, is muxed by both processes on a clock offset
 * far enough ahead (TS_CLOCK_OFFSET) that neither muxer moves anything.
 */
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { makeOwnedDir, removeOwned } from '../util/owned-folder.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { audioQcArgs } from '../analysis/qc-wiring.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { initTracks, retimeSegment, segmentInfo, finishedSegmentInfo } from '../media/fmp4.js';
import type { AudioRendition, TranscodePlan } from '../plan/plan.js';
import type { ChunkJournal, PublishedChunk } from './chunk-journal.js';
import { TS_CLOCK_OFFSET, segmentExt } from './video-encoder.js';
import { writeWhole } from './package-files.js';

/** See runInitName in video-encoder.ts: ffmpeg numbers the init of each variant when there are several. */
const audioInitName = (plan: Pick<TranscodePlan, 'audio'>, j: number): string =>
  plan.audio.length > 1 ? `init_${j}.mp4` : 'init.mp4';

export const audioDir = (a: Pick<AudioRendition, 'name'>): string => `audio/${a.name}`;

/** Samples ffmpeg's encoders put before the first real one (their initial_padding), at 48 kHz. */
export const ENCODER_PRIMING: Record<AudioRendition['group'], number> = { aac: 1024, ac3: 256 };

/**
 * Ticks (of `timescale`) to add to an fMP4 audio rendition's decode times so that its sample for
 * the master's instant t is presented with the video frame of instant t.
 */
export function audioShift(videoOffsetSec: number, group: AudioRendition['group'], timescale: number): number {
  return Math.round((videoOffsetSec - ENCODER_PRIMING[group] / 48000) * timescale);
}

export function buildAudioArgs(plan: TranscodePlan, outDir: string): { outputOptions: string[]; output: string } {
  // The sound QC rides along on the same demux, each chain ending in a sink (engine/analysis/qc-wiring.ts).
  const args: string[] = [...audioQcArgs(plan)];
  plan.audio.forEach((a, j) => {
    args.push(
      '-map',
      `0:${a.streamIndex}`,
      `-c:a:${j}`,
      a.group === 'ac3' ? 'ac3' : 'aac',
      `-b:a:${j}`,
      `${a.kbps}k`,
      `-ac:a:${j}`,
      String(a.channels),
      `-ar:a:${j}`,
      '48000',
      // The loudness decision (gain, true-peak limiter) for this rendition's layout.
      ...(a.filter ? [`-filter:a:${j}`, a.filter] : []),
    );
  });
  const ext = segmentExt(plan);
  args.push(
    '-f',
    'hls',
    '-hls_time',
    String(plan.segmentSeconds),
    '-hls_list_size',
    '0',
    '-hls_segment_type',
    plan.segmentFormat === 'ts' ? 'mpegts' : 'fmp4',
    '-hls_flags',
    'temp_file+independent_segments',
    ...(plan.segmentFormat === 'ts'
      ? ['-output_ts_offset', String(TS_CLOCK_OFFSET)]
      : ['-hls_fmp4_init_filename', 'init.mp4']),
    '-hls_segment_filename',
    join(outDir, '%v', `seg_%05d.${ext}`),
    '-var_stream_map',
    plan.audio.map((a, j) => `a:${j},name:${a.name}`).join(' '),
  );
  return { outputOptions: args, output: join(outDir, '%v', 'run.m3u8') };
}

export interface AudioEncodeOptions {
  ffmpegPath: string;
  sourcePath: string;
  plan: TranscodePlan;
  packageDir: string;
  scratchDir: string;
  journal: ChunkJournal;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  durationSec: number;
}

const hashes = (b: Uint8Array) => ({
  md5: createHash('md5').update(b).digest('hex'),
  sha256: createHash('sha256').update(b).digest('hex'),
});

const AUDIO_RUN = 'the audio encode folder';

export async function encodeAudio(o: AudioEncodeOptions): Promise<void> {
  if (o.plan.audio.length === 0 || o.journal.audio) return;
  await removeOwned(o.scratchDir, 'audio', AUDIO_RUN);
  const runDir = await makeOwnedDir(o.scratchDir, 'audio', AUDIO_RUN);
  for (const a of o.plan.audio) await mkdir(join(runDir, a.name), { recursive: true });
  const { outputOptions, output } = buildAudioArgs(o.plan, runDir);
  if (o.plan.qc) await mkdir(o.plan.qc.dir, { recursive: true });
  await runFfmpeg({
    ffmpegPath: o.ffmpegPath,
    input: masterInput(o.sourcePath),
    inputOptions: masterInputOptions(),
    outputOptions,
    output,
    ...(o.signal ? { signal: o.signal } : {}),
    recordIn: runDir,
    ...(o.plan.qc ? { cwd: o.plan.qc.dir } : {}),
    onProgress: (p) => o.onProgress?.(Math.min(1, p.outTimeSec / o.durationSec)),
  });
  const chunks: PublishedChunk[] = [];
  const ts = o.plan.segmentFormat === 'ts';
  // The video's clock: where its first frame is presented (known once its first set is out).
  const firstRung = o.plan.rungs[0]!.name;
  if (!ts) await o.journal.until(() => o.journal.inits.has(firstRung), o.signal);
  const videoOffset = ts ? 0 : (o.journal.inits.get(firstRung)?.presentationOffset ?? 0);
  for (const [j, a] of o.plan.audio.entries()) {
    const dir = audioDir(a);
    await mkdir(join(o.packageDir, dir), { recursive: true });
    let timescale = 48000;
    if (!ts) {
      const init = await readFile(join(runDir, a.name, audioInitName(o.plan, j)));
      const [track] = initTracks(init);
      timescale = track?.timescale ?? 48000;
      await writeWhole(join(o.packageDir, dir, 'init.mp4'), init, 'encoding');
      await o.journal.append({
        t: 'init',
        r: dir,
        path: `${dir}/init.mp4`,
        size: init.length,
        ...hashes(init),
        codec: track?.codec ?? (a.group === 'ac3' ? 'ac-3' : 'mp4a.40.2'),
        timescale,
      });
    }
    const names = (await readdir(join(runDir, a.name))).filter((n) => /^seg_\d+\.(m4s|ts)$/.test(n)).sort();
    // TS carries no fragment index: its durations come from the muxer's own playlist.
    const extinf = ts
      ? [...(await readFile(join(runDir, a.name, 'run.m3u8'), 'utf8')).matchAll(/#EXTINF:([\d.]+)/g)].map((m) =>
          Number(m[1]),
        )
      : [];
    const shift = ts ? 0 : audioShift(videoOffset, a.group, timescale);
    let at = 0;
    for (const [i, n] of names.entries()) {
      let bytes: Uint8Array = await readFile(join(runDir, a.name, n));
      const rel = `${dir}/${n}`;
      let duration = extinf[i] ?? o.plan.segmentSeconds;
      let fmp4: Partial<PublishedChunk> = {};
      if (!ts) {
        let info = finishedSegmentInfo(bytes);
        if (shift !== 0) {
          bytes = retimeSegment(bytes, {
            sequence: info.sequence,
            baseDecodeTime: Math.max(0, info.baseDecodeTime + shift),
          });
          info = segmentInfo(bytes);
        }
        duration = info.duration / timescale;
        // On the master's timeline: 0 is the first frame (the priming samples lie just before it).
        at = info.baseDecodeTime / timescale - videoOffset;
        fmp4 = { tfdt: info.baseDecodeTime, duration: info.duration, timescale, samples: info.samples.length };
      }
      await writeWhole(join(o.packageDir, rel), bytes, 'encoding');
      chunks.push({ r: dir, i, path: rel, size: bytes.length, start: at, end: at + duration, ...fmp4 });
      at += duration;
    }
  }
  await o.journal.append({ t: 'audio', chunks, videoOffset });
  await removeOwned(o.scratchDir, 'audio', AUDIO_RUN);
}

/**
 * The video was encoded again after the audio was published (a hardware encoder failed and the
 * rungs were redone in software, whose B-frame delay may differ): move the audio onto the new
 * video clock, in place, and publish it again (verify proves it again).
 */
export async function realignAudio(o: Pick<AudioEncodeOptions, 'plan' | 'packageDir' | 'journal'>): Promise<boolean> {
  const { journal } = o;
  const now = journal.inits.get(o.plan.rungs[0]!.name)?.presentationOffset;
  if (
    o.plan.segmentFormat === 'ts' ||
    !journal.audio ||
    now === undefined ||
    journal.audioVideoOffset === undefined ||
    Math.abs(now - journal.audioVideoOffset) < 1e-6
  )
    return false;
  const moved: PublishedChunk[] = [];
  for (const c of journal.audio) {
    const delta = Math.round((now - journal.audioVideoOffset) * (c.timescale ?? 48000));
    const file = join(o.packageDir, c.path);
    const info = segmentInfo(await readFile(file));
    const bytes = retimeSegment(await readFile(file), {
      sequence: info.sequence,
      baseDecodeTime: Math.max(0, info.baseDecodeTime + delta),
    });
    await writeWhole(file, bytes, 'encoding');
    const tfdt = Math.max(0, info.baseDecodeTime + delta);
    moved.push({
      ...c,
      tfdt,
      start: tfdt / (c.timescale ?? 48000) - now,
      end: tfdt / (c.timescale ?? 48000) - now + (c.end - c.start),
    });
  }
  await journal.append({ t: 'audio', chunks: moved, videoOffset: now });
  return true;
}
