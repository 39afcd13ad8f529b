/**
 * The complexity probe: how many bits each rung of this film needs for a given quality, measured
 * on short windows spread over the whole film (analysis/windows.ts places them, as the content
 * analysis does) before the encode.
 *
 * Per window, two ffmpeg runs through the station's runner (input guard, cancellable, stall timeout):
 *  1. encode: the master decoded once, the plan's pre-filters (deinterlace, crop… exactly as the
 *     encode will apply them), split to every rung (scale, setsar=1, 8-bit 4:2:0 — the encode's own
 *     chain), each rung split again into one trial encode per knob value (x264 CRF, or the hardware
 *     encoder's own constant-quality knob) with the production encoder options (x264's preset
 *     included — so no preset correction is needed; a faster preset was measured and rejected: its
 *     bits at the same CRF differed from veryfast's by 0.76× to 0.41× on one film, not a constant) and
 *     the fixed ladder's VBV cap (a grainy film cannot make a trial cost 30× the cap);
 *  2. measure: the master decoded again beside every trial; each trial against the master scaled to
 *     its rung (SSIM and PSNR, or VMAF), and scaled up (bicubic) to the top rung's size against the
 *     master at that size — the picture a viewer on the big screen gets, so rungs can be compared.
 * Trial files and stats live in the run's folder (ffmpeg's cwd) and are removed after each window.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LadderProbe, ProbePoint, ProbeRung, QualityMetric } from '../../common/ladder.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { masterInput, masterInputOptions } from '../ffmpeg/input-guard.js';
import { planWindows, type WindowRules } from '../analysis/windows.js';
import { encoderOptionArgs } from '../package/video-encoder.js';
import { knobFor, rateControlArgs, type KnobDef } from './rate-control.js';
import {
  parsePsnrStats,
  parseSsimStats,
  parseVmafLog,
  pickMetric,
  psnrFilter,
  psnrOf,
  readPooled,
  ssimFilter,
  vmafFilter,
  type Pooled,
} from './metrics.js';

export interface ProbeRungSpec {
  name: string;
  width: number;
  height: number;
  /** The fixed ladder's bit rate for the rung: the trials' VBV cap (as the fixed ladder's encode). */
  capKbps: number;
}

export interface ProbeOptions {
  ffmpegPath: string;
  /** The master (absolute local path). */
  path: string;
  durationSec: number;
  videoStreamIndex: number;
  /** Largest first (the first rung's size is the display size every rung is compared at). */
  rungs: ProbeRungSpec[];
  /** The production encoder: its knob and options are what the trials use (libx264 when it has no knob). */
  encoder: string;
  /** The filters before the ladder's split, as the encode applies them (analysis decisions, tone-map, fps). */
  preFilters: string[];
  /** Where the windows go (the spec's picture rules); the probe's windows are `windowSec` long. */
  rules: WindowRules;
  windowSec?: number;
  metric?: QualityMetric | 'auto';
  /** Scratch folder for the trials (created; emptied after each window). */
  workDir: string;
  signal?: AbortSignal;
  stallTimeoutMs?: number;
  onProgress?: (fraction: number, detail: string) => void;
}

/** Seconds per probe window: long enough that a window's first keyframe is a small share of its bits. */
export const PROBE_WINDOW_SEC = 3;

interface Trial {
  rung: number;
  point: number;
  file: string;
}

interface Sums {
  bits: number;
  seconds: number;
  quality: Pooled;
  display: Pooled;
  mse: Pooled;
}

const trialName = (t: Pick<Trial, 'rung' | 'point'>, ext: string): string => `t${t.rung}-${t.point}.${ext}`;

/** The encode pass: every rung × every knob value from one decode of the window. */
export function encodePassArgs(
  o: Pick<ProbeOptions, 'videoStreamIndex' | 'rungs' | 'preFilters'>,
  encoder: string,
  knob: KnobDef,
): { graph: string; outputs: string[][]; trials: Trial[] } {
  const n = o.rungs.length;
  const k = knob.trials.length;
  const pre = o.preFilters.map((f) => `${f},`).join('');
  const parts = [`[0:${o.videoStreamIndex}]${pre}split=${n}${o.rungs.map((_, i) => `[p${i}]`).join('')}`];
  const outputs: string[][] = [];
  const trials: Trial[] = [];
  o.rungs.forEach((r, i) => {
    const labels = knob.trials.map((_, j) => `[e${i}_${j}]`).join('');
    parts.push(`[p${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p,split=${k}${labels}`);
    knob.trials.forEach((value, j) => {
      const t: Trial = { rung: i, point: j, file: trialName({ rung: i, point: j }, 'mkv') };
      trials.push(t);
      const cap = { maxKbps: Math.round(r.capKbps * 1.2), bufKbps: r.capKbps * 2 };
      outputs.push([
        '-map',
        `[e${i}_${j}]`,
        '-c:v:0',
        encoder,
        ...encoderOptionArgs(encoder, 0),
        ...rateControlArgs(encoder, { kind: 'quality', knob: knob.knob, value, expectedKbps: r.capKbps, ...cap }, 0),
        // As the encode: no keyframe but the forced one at the window's start, no scene-cut keyframes.
        '-g:v:0',
        '9999',
        '-sc_threshold',
        '0',
        '-an',
        '-sn',
        t.file,
      ]);
    });
  });
  return { graph: parts.join(';'), outputs, trials };
}

/** The measure pass: the master beside every trial, compared at the rung's size and at the display size. */
export function measurePassArgs(
  o: Pick<ProbeOptions, 'videoStreamIndex' | 'rungs' | 'preFilters'>,
  trials: Trial[],
  metric: QualityMetric,
): { graph: string; outputs: string[] } {
  const n = o.rungs.length;
  const display = o.rungs[0]!;
  const pre = o.preFilters.map((f) => `${f},`).join('');
  const perRung = (i: number) => trials.filter((t) => t.rung === i).length;
  const fit = (w: number, h: number) => `scale=${w}:${h}:flags=bicubic,setsar=1,format=yuv420p`;
  const parts = [
    `[0:${o.videoStreamIndex}]${pre}setpts=PTS-STARTPTS,split=${n + 1}${o.rungs.map((_, i) => `[m${i}]`).join('')}[md]`,
    `[md]${fit(display.width, display.height)},split=${trials.length}${trials.map((_, j) => `[d${j}]`).join('')}`,
  ];
  o.rungs.forEach((r, i) => {
    const refs = trials
      .filter((t) => t.rung === i)
      .flatMap((t) => [`[rs${t.rung}_${t.point}]`, `[rp${t.rung}_${t.point}]`]);
    parts.push(`[m${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p,split=${perRung(i) * 2}${refs.join('')}`);
  });
  const outputs: string[] = [];
  trials.forEach((t, j) => {
    const id = `${t.rung}_${t.point}`;
    const input = `[${j + 1}:v]setpts=PTS-STARTPTS,split=2[ta${id}][tb${id}]`;
    const up = `[tb${id}]${fit(display.width, display.height)}[tu${id}]`;
    parts.push(input, up);
    if (metric === 'vmaf') {
      parts.push(`[tu${id}][d${j}]${vmafFilter(trialName(t, 'vmaf.json'), 2)}[od${id}]`);
      parts.push(`[ta${id}][rs${id}]${psnrFilter(trialName(t, 'psnr.txt'))}[os${id}]`, `[rp${id}]nullsink`);
    } else {
      parts.push(`[tu${id}][d${j}]${ssimFilter(trialName(t, 'display.txt'))}[od${id}]`);
      parts.push(`[ta${id}][rs${id}]${ssimFilter(trialName(t, 'ssim.txt'))}[tx${id}]`);
      parts.push(`[tx${id}][rp${id}]${psnrFilter(trialName(t, 'psnr.txt'))}[os${id}]`);
    }
    outputs.push(`od${id}`, `os${id}`);
  });
  return { graph: parts.join(';'), outputs };
}

const seekArgs = (w: { start: number; duration: number }, whole: boolean): string[] =>
  whole ? [] : ['-ss', w.start.toFixed(3), '-t', w.duration.toFixed(3)];

/** One window: both passes, then the trials' sums read back and the scratch files removed. */
async function probeWindow(
  o: ProbeOptions,
  ctx: { encoder: string; knob: KnobDef; metric: QualityMetric; whole: boolean },
  w: { start: number; duration: number },
  onFraction: (f: number) => void,
): Promise<Array<Sums & Trial>> {
  const common = {
    ffmpegPath: o.ffmpegPath,
    input: masterInput(o.path),
    cwd: o.workDir,
    stallTimeoutMs: o.stallTimeoutMs ?? 60_000,
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const enc = encodePassArgs(o, ctx.encoder, ctx.knob);
  const last = enc.outputs.at(-1)!;
  await runFfmpeg({
    ...common,
    what: `probing ${o.path} (trial encodes)`,
    inputOptions: [...masterInputOptions(), ...seekArgs(w, ctx.whole)],
    outputOptions: ['-filter_complex', enc.graph, ...enc.outputs.slice(0, -1).flat(), ...last.slice(0, -1)],
    output: last.at(-1)!,
    onProgress: (p) => onFraction(0.6 * Math.min(1, p.outTimeSec / Math.max(0.001, w.duration))),
  });
  const meas = measurePassArgs(o, enc.trials, ctx.metric);
  await runFfmpeg({
    ...common,
    what: `probing ${o.path} (measuring the trials)`,
    inputOptions: [...masterInputOptions(), ...seekArgs(w, ctx.whole)],
    outputOptions: [
      ...enc.trials.flatMap((t) => ['-i', t.file]),
      '-filter_complex',
      meas.graph,
      ...meas.outputs.flatMap((l) => ['-map', `[${l}]`]),
      '-f',
      'null',
    ],
    output: '-',
    onProgress: (p) => onFraction(0.6 + 0.4 * Math.min(1, p.outTimeSec / Math.max(0.001, w.duration))),
  });
  const out: Array<Sums & Trial> = [];
  for (const t of enc.trials) {
    const at = (ext: string) => join(o.workDir, trialName(t, ext));
    const bits = (await stat(join(o.workDir, t.file))).size * 8;
    const mse = await readPooled(at('psnr.txt'), parsePsnrStats);
    const display = await (ctx.metric === 'vmaf'
      ? readPooled(at('vmaf.json'), parseVmafLog)
      : readPooled(at('display.txt'), parseSsimStats));
    // VMAF is a display-size metric: the rung's own figure is its display figure.
    const quality = ctx.metric === 'vmaf' ? display : await readPooled(at('ssim.txt'), parseSsimStats);
    out.push({ ...t, bits, seconds: w.duration, quality, display, mse });
    for (const ext of ['mkv', 'psnr.txt', 'ssim.txt', 'display.txt', 'vmaf.json']) await rm(at(ext), { force: true });
  }
  return out;
}

const mean = (p: Pooled): number => (p.frames ? p.sum / p.frames : 0);
const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

/** Pools one rung's trials over every window into its points (best quality first). */
function poolRung(spec: ProbeRungSpec, i: number, knob: KnobDef, all: Array<Array<Sums & Trial>>): ProbeRung {
  const points: ProbePoint[] = knob.trials.map((value, j) => {
    const per = all.map((w) => w.find((t) => t.rung === i && t.point === j)!);
    const add = (f: (s: Sums) => Pooled): Pooled =>
      per.reduce((a, s) => ({ frames: a.frames + f(s).frames, sum: a.sum + f(s).sum }), { frames: 0, sum: 0 });
    const bits = per.reduce((a, s) => a + s.bits, 0);
    const seconds = per.reduce((a, s) => a + s.seconds, 0);
    return {
      value,
      kbps: Math.round(bits / seconds / 1000),
      quality: round(mean(add((s) => s.quality)), 5),
      psnr: round(psnrOf(add((s) => s.mse)), 2),
      display: round(mean(add((s) => s.display)), 5),
      windows: per.map((s) => ({ kbps: Math.round(s.bits / s.seconds / 1000), quality: round(mean(s.quality), 5) })),
    };
  });
  return { name: spec.name, width: spec.width, height: spec.height, points };
}

/** Probe the film: trial encodes per rung on sampled windows, pooled into each rung's bitrate–quality points. */
export async function probeComplexity(o: ProbeOptions): Promise<LadderProbe> {
  const started = performance.now();
  const encoder = knobFor(o.encoder) ? o.encoder : 'libx264';
  const knob = knobFor(encoder)!;
  const { metric, reason } = await pickMetric(o.ffmpegPath, o.metric);
  const rules = { ...o.rules, analysisWindowSec: o.windowSec ?? PROBE_WINDOW_SEC };
  const { whole, windows } = planWindows(o.durationSec, rules);
  await mkdir(o.workDir, { recursive: true });
  const all: Array<Array<Sums & Trial>> = [];
  for (const [n, w] of windows.entries()) {
    all.push(
      await probeWindow(o, { encoder, knob, metric, whole }, w, (f) =>
        o.onProgress?.((n + f) / windows.length, `ladder probe: window ${n + 1} of ${windows.length}`),
      ),
    );
  }
  return {
    version: 1,
    metric,
    metricReason: reason,
    encoder,
    encoderOptions: encoderOptionArgs(encoder, 0),
    knob: knob.knob,
    preFilters: o.preFilters,
    windows,
    display: { width: o.rungs[0]!.width, height: o.rungs[0]!.height },
    rungs: o.rungs.map((r, i) => poolRung(r, i, knob, all)),
    elapsedSec: Math.round((performance.now() - started) / 10) / 100,
  };
}
