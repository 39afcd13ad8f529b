/**
 * QC as a run of its own: the same fragments the encode carries (qc.ts), on one decode of the
 * master — for tests, for a master that is not encoded (a re-delivery checked before it is
 * accepted), and for the benchmark's baseline. Also the thumbnails a picture finding shows.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { QcFinding } from '../../common/analysis.js';
import type { QcRules } from '../../common/spec.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { audioQcGraph, collectQc, qcFiles, qcFilesIn, videoQcGraph, type QcFiles, type QcResult } from './qc.js';

export interface QcRunOptions {
  ffmpegPath: string;
  path: string;
  durationSec: number;
  video?: { index: number };
  audio: Array<{ index: number; sampleRate: number }>;
  rules: QcRules;
  /** Scratch folder for the metadata files (created; the files are removed after reading). */
  workDir: string;
  signal?: AbortSignal;
  stallTimeoutMs?: number;
}

/** The graph and the files of a standalone QC run (every branch to a null output). */
export function qcRunGraph(o: Pick<QcRunOptions, 'video' | 'audio' | 'rules'>): {
  graph: string;
  outputs: string[];
  files: QcFiles;
} {
  const files = qcFiles(o.audio, 'qc', !!o.video);
  const parts: string[] = [];
  const outputs: string[] = [];
  if (o.video && files.video) {
    parts.push(videoQcGraph(o.rules, `[0:${o.video.index}]`, files.video, 'qcv'));
    outputs.push('qcv');
  }
  for (const a of files.audio) {
    parts.push(audioQcGraph(o.rules, `[0:${a.streamIndex}]`, a.sampleRate, a.file, `qca${a.streamIndex}`));
    outputs.push(`qca${a.streamIndex}`);
  }
  return { graph: parts.join(';'), outputs, files };
}

export async function runQc(o: QcRunOptions): Promise<QcResult> {
  await mkdir(o.workDir, { recursive: true });
  const { graph, outputs, files } = qcRunGraph(o);
  await runFfmpeg({
    ffmpegPath: o.ffmpegPath,
    input: masterInput(o.path),
    inputOptions: masterInputOptions(),
    outputOptions: ['-filter_complex', graph, ...outputs.flatMap((l) => ['-map', `[${l}]`]), '-f', 'null'],
    output: '-',
    cwd: o.workDir,
    stallTimeoutMs: o.stallTimeoutMs ?? 60_000,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const inDir = qcFilesIn(o.workDir, files);
  const result = await collectQc(inDir, o.rules, o.durationSec);
  const written = [...(inDir.video ? [inDir.video.events, inDir.video.levels] : []), ...inDir.audio.map((a) => a.file)];
  await Promise.all(written.map((f) => rm(f, { force: true })));
  return result;
}

const PICTURE_KINDS = new Set<QcFinding['kind']>(['black', 'freeze', 'levels']);

/**
 * A JPEG of each picture finding's frame (a second in, or its middle when shorter), into `outDir`
 * as `qc-<kind>-<ms>.jpg`; the finding's `thumbnail` names the file. Sound findings have none.
 */
export async function grabThumbnails(
  findings: QcFinding[],
  o: { ffmpegPath: string; path: string; outDir: string; width?: number; signal?: AbortSignal },
): Promise<QcFinding[]> {
  await mkdir(o.outDir, { recursive: true });
  const out: QcFinding[] = [];
  for (const f of findings) {
    if (!PICTURE_KINDS.has(f.kind)) {
      out.push(f);
      continue;
    }
    const at = f.start + Math.min(1, (f.end - f.start) / 2);
    const name = `qc-${f.kind}-${Math.round(f.start * 1000)}.jpg`;
    await grabFrame(o.ffmpegPath, o.path, at, join(o.outDir, name), o.signal, o.width);
    out.push({ ...f, thumbnail: name });
  }
  return out;
}

/** One frame of the master at `atSec` as a JPEG `width` pixels wide (the folder is made). */
export async function grabFrame(
  ffmpegPath: string,
  path: string,
  atSec: number,
  out: string,
  signal?: AbortSignal,
  width = 320,
): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await runFfmpeg({
    ffmpegPath,
    input: masterInput(path),
    inputOptions: [...masterInputOptions(), '-ss', Math.max(0, atSec).toFixed(3)],
    outputOptions: ['-map', '0:v:0', '-frames:v', '1', '-update', '1', '-vf', `scale=${width}:-2`, '-q:v', '5', '-y'],
    output: out,
    stallTimeoutMs: 30_000,
    ...(signal ? { signal } : {}),
  });
}
