/**
 * The first run's proof that the station works end to end: a short master made by ffmpeg's own
 * test sources (lavfi: a moving test card and a tone, 10 s of 640×360 H.264 + AAC — accepted by the
 * default delivery spec, quick to encode on any machine), written into the work folder and queued
 * like any master. Each one is new (named by the minute it was made), so a second sample after a
 * change of origin runs every stage again instead of being recognised as already delivered.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';

export const SAMPLE_SECONDS = 10;

/** "Ingest Station sample 2026-12-01 0842": the file name, and so the title and its derived title ID. */
export function sampleName(at: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  return `Ingest Station sample ${day} ${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
}

/** Make a sample master in `<workDir>/sample/`; returns its path. */
export async function makeSampleMaster(opts: {
  ffmpegPath: string;
  workDir: string;
  now?: Date;
  signal?: AbortSignal;
}): Promise<string> {
  const dir = join(opts.workDir, 'sample');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${sampleName(opts.now ?? new Date())}.mp4`);
  const d = SAMPLE_SECONDS;
  await runFfmpeg({
    ffmpegPath: opts.ffmpegPath,
    // One lavfi graph with two outputs (out0 picture, out1 sound): runFfmpeg takes one input.
    input: `testsrc2=s=640x360:r=24:d=${d}[out0];sine=f=440:sample_rate=48000:d=${d}[out1]`,
    inputOptions: ['-f', 'lavfi'],
    outputOptions: [
      '-map',
      '0:v',
      '-map',
      '0:a',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-ac',
      '2',
      '-movflags',
      '+faststart',
      '-y',
    ],
    output: path,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return path;
}
