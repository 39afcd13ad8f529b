/**
 * Per-title ladder helpers for the tests and the benchmark: generated films (a slow pan over a
 * still — the quiet film that wastes a fixed ladder's bits —, the same with heavy temporal grain,
 * and a soft one whose detail ends at an eighth of its lines, like an upscaled 16 mm transfer), the
 * station's own video encode of a plan (`buildVideoArgs`, so fixed and per-title ladders differ
 * only in what the plan says), and what a rung turned out to be: bytes, segment peak and average,
 * SSIM against the master scaled to the rung.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TranscodePlan } from '../../electron/engine/plan/plan';
import { buildVideoArgs, runInitName } from '../../electron/engine/package/video-encoder';
import { MASTERS_DIR } from './masters';
import defaultSpec from '../../resources/delivery-spec.json';

const run = promisify(execFile);
const ff = (args: string[]) =>
  run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], {
    timeout: 1_800_000,
    maxBuffer: 64 << 20,
  });

export type FilmKind = 'pan' | 'grain' | 'soft';

export interface FilmSpec {
  kind: FilmKind;
  width?: number;
  height?: number;
  seconds?: number;
  fps?: number;
  /** prores for the benchmark's 1080p masters (as the other benchmarks), near-lossless x264 for the tests. */
  codec?: 'prores' | 'libx264';
  /** A stereo tone beside the picture (the delivery spec rejects a master without sound). */
  audio?: boolean;
}

/**
 * A still (one testsrc2 frame, 1.25× the picture) panned slowly — a dialogue scene's worth of
 * motion; `grain` adds heavy temporal noise (a new grain every frame); `soft` keeps only an eighth
 * of the lines' detail (scaled down and back up).
 */
export async function makeFilm(spec: FilmSpec): Promise<string> {
  const { kind, width = 640, height = 360, seconds = 4, fps = 24, codec = 'libx264', audio = false } = spec;
  const ext = codec === 'prores' ? 'mov' : 'mp4';
  const out = join(
    MASTERS_DIR,
    `film3-${kind}-${width}x${height}-${fps}-${seconds}s-${codec}${audio ? '-sound' : ''}.${ext}`,
  );
  try {
    if ((await stat(out)).size > 0) return out;
  } catch {
    /* not made yet */
  }
  await mkdir(MASTERS_DIR, { recursive: true });
  const big = { w: 2 * Math.round((width * 1.25) / 2), h: 2 * Math.round((height * 1.25) / 2) };
  // 1/40 of the width per second across, half that down — slower on a long film, so the pan lasts it
  // (the still is only 1.25× the picture: a pan that hits its edge would leave a frozen film).
  const across = Math.max(1, Math.min(Math.round(width / 40), Math.floor((big.w - width) / seconds)));
  const down = Math.max(1, Math.min(Math.round(width / 80), Math.floor((big.h - height) / seconds)));
  const pan = `crop=${width}:${height}:x='trunc(t*${across})':y='trunc(t*${down})'`;
  const look = {
    pan: [],
    grain: ['noise=alls=24:allf=t+u'],
    soft: [`scale=${width / 8}:${height / 8}:flags=area`, `scale=${width}:${height}:flags=bicubic`],
  }[kind];
  const vf = [pan, ...look, codec === 'prores' ? 'format=yuv422p10le' : 'format=yuv420p'].join(',');
  const enc = codec === 'prores' ? ['-c:v', 'prores'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '4'];
  const tmp = `${out}.${process.pid}.tmp.${ext}`;
  await ff([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${big.w}x${big.h}:r=${fps}:d=1`,
    '-filter_complex',
    `[0:v]trim=end_frame=1,loop=loop=-1:size=1,setpts=N/${fps}/TB,${vf}[v]`,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`] : []),
    '-map',
    '[v]',
    ...(audio ? ['-map', '1:a', '-ac', '2', '-c:a', 'aac'] : []),
    '-t',
    String(seconds),
    '-r',
    String(fps),
    ...enc,
    tmp,
  ]);
  await rename(tmp, out);
  return out;
}

export interface EncodedRung {
  name: string;
  width: number;
  height: number;
  /** init + segments, as the package would hold them. */
  bytes: number;
  init: string;
  segments: string[];
}

/** The station's video encode of `plan` (its own buildVideoArgs) into `dir`; wall-clock seconds too. */
export async function encodeLadder(
  master: string,
  plan: TranscodePlan,
  dir: string,
): Promise<{ rungs: EncodedRung[]; seconds: number }> {
  for (const r of plan.rungs) await mkdir(join(dir, r.name), { recursive: true });
  const v = buildVideoArgs(plan, dir);
  const started = performance.now();
  await ff([...v.inputOptions, '-i', master, ...v.outputOptions, v.output]);
  const seconds = (performance.now() - started) / 1000;
  const rungs: EncodedRung[] = [];
  for (const r of plan.rungs) {
    const d = join(dir, r.name);
    const segments = (await readdir(d))
      .filter((f) => f.endsWith('.m4s'))
      .sort()
      .map((f) => join(d, f));
    const init = join(d, runInitName(plan, r.name));
    let bytes = (await stat(init)).size;
    for (const s of segments) bytes += (await stat(s)).size;
    rungs.push({ name: r.name, width: r.width, height: r.height, bytes, init, segments });
  }
  return { rungs, seconds };
}

/** Peak and average segment bit rates (b/s) over full-length segments, as the playlists measure them. */
export async function segmentRates(
  r: EncodedRung,
  segmentSeconds: number,
  durationSec: number,
): Promise<{ peak: number; average: number }> {
  const sizes = await Promise.all(r.segments.map(async (s) => (await stat(s)).size));
  const full = sizes.slice(0, Math.floor(durationSec / segmentSeconds + 1e-6));
  const peak = Math.max(...full.map((b) => (b * 8) / segmentSeconds));
  const average = (sizes.reduce((a, b) => a + b, 0) * 8) / durationSec;
  return { peak, average };
}

/** SSIM (All) of a rung against the master scaled (bicubic) to the rung's size. */
export async function rungSsim(master: string, r: EncodedRung, scratch: string): Promise<number> {
  const whole = join(scratch, `${r.name}-whole.mp4`);
  await mkdir(scratch, { recursive: true });
  await writeFile(
    whole,
    Buffer.concat([await readFile(r.init), ...(await Promise.all(r.segments.map((s) => readFile(s))))]),
  );
  const { stderr } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-i',
      whole,
      '-i',
      master,
      '-filter_complex',
      `[1:v]scale=${r.width}:${r.height}:flags=bicubic,setsar=1,format=yuv420p[ref];[0:v]setsar=1[d];[d][ref]ssim`,
      '-f',
      'null',
      '-',
    ],
    { timeout: 1_800_000, maxBuffer: 64 << 20 },
  );
  const m = /SSIM .*All:([0-9.]+)/.exec(stderr);
  if (!m) throw new Error(`no SSIM for ${r.name}: ${stderr.slice(-300)}`);
  return Number(m[1]);
}

/**
 * The default spec with the picture declared progressive and uncropped: the tests' pan of a testsrc2
 * still moves a whole pixel every 1.5 frames, which idet takes for interlaced video (100 % of sampled
 * frames, TFF) — the content analysis would deinterlace it. Per title is what these tests measure.
 */
export async function progressiveSpecFile(dir: string): Promise<string> {
  const path = join(dir, 'spec.json');
  const spec = JSON.parse(JSON.stringify(defaultSpec)) as { picture: Record<string, unknown> };
  spec.picture = { ...spec.picture, scan: 'progressive', crop: 'none' };
  await writeFile(path, JSON.stringify(spec));
  return path;
}
