/**
 * A tiny clear CMAF package as the station encodes it — the video encoder's and the audio
 * encoder's own ffmpeg arguments (package/video-encoder.ts, package/audio-encoder.ts) over a lavfi
 * master — for the DRM tests: an HD rung (> 576 lines), an SD rung and one AAC rendition, each a
 * folder with init.mp4 and seg_NNNNN.m4s.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TranscodePlan } from '../../electron/engine/plan/plan';
import { buildVideoArgs, runInitName } from '../../electron/engine/package/video-encoder';
import { buildAudioArgs } from '../../electron/engine/package/audio-encoder';
import { makeMaster } from './masters';

const run = promisify(execFile);

export interface CmafRendition {
  name: string;
  kind: 'video' | 'audio';
  height?: number;
  dir: string;
  init: string;
  segments: string[];
}

export function tinyPlan(segmentSeconds = 2): TranscodePlan {
  return {
    videoStreamIndex: 0,
    segmentFormat: 'fmp4',
    rungs: [
      { name: '640p', width: 1136, height: 640, videoKbps: 1200 },
      { name: '360p', width: 640, height: 360, videoKbps: 500 },
    ],
    audio: [{ name: 'aac', streamIndex: 1, label: 'Audio', group: 'aac', channels: 2, kbps: 96, default: true }],
    subtitles: [],
    audioKbps: 96,
    segmentSeconds,
    encoder: 'libx264',
    encoderReason: 'test',
    iframes: false,
  };
}

/** Encode `seconds` of a 360p lavfi master into `dir` (video/<rung>/, audio/<name>/). */
export async function makeCmafPackage(dir: string, seconds = 4): Promise<CmafRendition[]> {
  const master = await makeMaster({ seconds, width: 640, height: 360, fps: 24 });
  const plan = tinyPlan();
  const v = buildVideoArgs(plan, join(dir, 'video'));
  const a = buildAudioArgs(plan, join(dir, 'audio'));
  for (const r of plan.rungs) await mkdir(join(dir, 'video', r.name), { recursive: true });
  for (const x of plan.audio) await mkdir(join(dir, 'audio', x.name), { recursive: true });
  const ff = (args: string[]) => run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args], { timeout: 120_000 });
  await ff([...v.inputOptions, '-i', master, ...v.outputOptions, v.output]);
  await ff(['-i', master, ...a.outputOptions, a.output]);
  const list = async (d: string) =>
    (await readdir(d))
      .filter((f) => f.endsWith('.m4s'))
      .sort()
      .map((f) => join(d, f));
  const out: CmafRendition[] = [];
  for (const r of plan.rungs) {
    const d = join(dir, 'video', r.name);
    out.push({
      name: r.name,
      kind: 'video',
      height: r.height,
      dir: d,
      init: join(d, runInitName(plan, r.name)),
      segments: await list(d),
    });
  }
  for (const x of plan.audio) {
    const d = join(dir, 'audio', x.name);
    out.push({ name: x.name, kind: 'audio', dir: d, init: join(d, 'init.mp4'), segments: await list(d) });
  }
  return out;
}
