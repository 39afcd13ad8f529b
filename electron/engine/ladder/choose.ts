/**
 * The per-title choice, pure: from the probe's points, per rung the knob value that reaches the
 * profile's quality target (interpolated between trials: quality linear in the knob, bit rate
 * log-linear), never above the cap, and the rungs worth having.
 *  - Reached within the cap → constant quality at that value (`quality`), VBV maxrate at 1.5× the
 *    predicted average (never above the fixed ladder's 1.2× the cap) and a two-second buffer, so a
 *    six-second segment peaks at most (1.5 + 1.5·2/6) = 2× the average — Apple's HLS authoring
 *    specification asks VOD peaks to stay within 200 % of the average.
 *  - Not reached within the cap (grain, noise) → exactly the fixed ladder's settings at the cap:
 *    the film gets every bit the fixed ladder would give it, and never fewer.
 *  - Above the target at the cheapest trial → that trial (the saving is only what was measured).
 *  - A rung that does not look better than the kept rung below it by the profile's step, both
 *    scaled to the top rung's size (the big screen), is dropped — a soft transfer upscaled to
 *    1080 lines gets no 1080p rung that costs more and shows nothing more.
 *  - A rung that costs as much as the kept rung above it is dropped too (the ladder's bit rates
 *    climb with its sizes, as players expect).
 * Every rung's record says why in a sentence; the whole record goes into the plan.
 */
import type { LadderChoice, LadderProbe, ProbePoint, RateControl, RungChoice } from '../../common/ladder.js';
import type { LadderProfile } from '../../common/profile.js';
import { formatBytes } from '../../common/format.js';
import { knobFor, roundKnob, type KnobDef } from './rate-control.js';

export interface ChooseRung {
  name: string;
  /** The fixed ladder's bit rate (the profile's `kbps`, or the plan's interpolated one). */
  fixedKbps: number;
  /** Never above this average (the profile's `maxKbps`, else `fixedKbps`). */
  capKbps: number;
  /** The rung's own target, if the profile names one. */
  ssim?: number;
  vmaf?: number;
}

export interface ChooseInput {
  probe: LadderProbe;
  quality: LadderProfile['quality'];
  /** The plan's rungs, largest first, as the probe measured them. */
  rungs: ChooseRung[];
  /** The production encoder (its knob is what a `quality` rate control names). */
  encoder: string;
  durationSec: number;
}

const mbps = (kbps: number): string => (kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mb/s` : `${Math.round(kbps)} kb/s`);
const fmtQ = (metric: string, q: number): string => (metric === 'vmaf' ? q.toFixed(1) : q.toFixed(4));

interface Operating {
  value: number;
  kbps: number;
  quality: number;
  display: number;
  psnr: number;
}

/** The curve between trials, at knob value v (clamped to the trials' range). */
function at(points: ProbePoint[], v: number): Operating {
  const sorted = [...points].sort((a, b) => a.value - b.value);
  const lo = [...sorted].reverse().find((p) => p.value <= v) ?? sorted[0]!;
  const hi = sorted.find((p) => p.value >= v) ?? sorted.at(-1)!;
  const f = hi.value === lo.value ? 0 : (v - lo.value) / (hi.value - lo.value);
  const lin = (a: number, b: number) => a + f * (b - a);
  return {
    value: v,
    kbps: Math.exp(lin(Math.log(Math.max(1, lo.kbps)), Math.log(Math.max(1, hi.kbps)))),
    quality: lin(lo.quality, hi.quality),
    display: lin(lo.display, hi.display),
    psnr: lin(lo.psnr, hi.psnr),
  };
}

/** The knob value where the trials cross the target: undefined when even the best trial misses it. */
function crossing(points: ProbePoint[], target: number, knob: KnobDef): { value: number; above: boolean } | undefined {
  // Best quality first, as the probe tried them.
  const best = [...points].sort((a, b) => (knob.better === 'lower' ? a.value - b.value : b.value - a.value));
  if (best[0]!.quality < target) return undefined;
  for (let j = 0; j + 1 < best.length; j++) {
    const a = best[j]!;
    const b = best[j + 1]!;
    if (a.quality >= target && b.quality < target) {
      const f = (a.quality - target) / (a.quality - b.quality);
      return { value: roundKnob(knob, a.value + f * (b.value - a.value)), above: false };
    }
  }
  return { value: best.at(-1)!.value, above: true };
}

function starvedRung(
  base: Omit<RungChoice, 'rate' | 'sentence' | 'predictedKbps' | 'quality' | 'display' | 'psnr'>,
  best: ProbePoint,
  metric: string,
): RungChoice {
  const rate: RateControl = {
    kind: 'abr',
    kbps: base.capKbps,
    maxKbps: Math.round(base.capKbps * 1.2),
    bufKbps: base.capKbps * 2,
  };
  return {
    ...base,
    rate,
    predictedKbps: base.capKbps,
    quality: best.quality,
    display: best.display,
    psnr: best.psnr,
    starved: true,
    sentence: `${base.name}: ${metric.toUpperCase()} ${fmtQ(metric, best.quality)} even at the cap — the target ${fmtQ(metric, base.target)} is out of reach, so the fixed ladder's ${mbps(base.capKbps)}`,
  };
}

function chooseRung(i: ChooseInput, r: ChooseRung, knob: KnobDef | undefined, trialKnob: KnobDef): RungChoice {
  const probe = i.probe.rungs.find((p) => p.name === r.name);
  if (!probe) throw new Error(`the probe did not measure ${r.name}`);
  const metric = i.probe.metric;
  const target = metric === 'vmaf' ? (r.vmaf ?? i.quality.vmaf) : (r.ssim ?? i.quality.ssim);
  const base = {
    name: r.name,
    width: probe.width,
    height: probe.height,
    keep: true,
    fixedKbps: r.fixedKbps,
    capKbps: r.capKbps,
    target,
  };
  const cross = crossing(probe.points, target, trialKnob);
  const best = at(
    probe.points,
    trialKnob.better === 'lower' ? Math.min(...trialKnob.trials) : Math.max(...trialKnob.trials),
  );
  if (!cross) return starvedRung(base, { ...best, windows: [] }, metric);
  const op = at(probe.points, cross.value);
  if (op.kbps > r.capKbps) return starvedRung(base, { ...op, windows: [] }, metric);
  const maxKbps = Math.round(Math.min(r.capKbps * 1.2, op.kbps * 1.5));
  const rate: RateControl = knob
    ? {
        kind: 'quality',
        knob: knob.knob,
        value: op.value,
        expectedKbps: Math.round(op.kbps),
        maxKbps,
        bufKbps: maxKbps * 2,
      }
    : { kind: 'abr', kbps: Math.round(op.kbps), maxKbps, bufKbps: maxKbps * 2 };
  const saved = 1 - op.kbps / r.fixedKbps;
  const how =
    rate.kind === 'quality'
      ? `${knob!.knob.toUpperCase()} ${op.value} capped at ${mbps(maxKbps)}`
      : `${mbps(op.kbps)} average`;
  return {
    ...base,
    rate,
    predictedKbps: Math.round(op.kbps),
    quality: op.quality,
    display: op.display,
    psnr: op.psnr,
    sentence:
      `${r.name}: ${how} — ${metric.toUpperCase()} ${fmtQ(metric, op.quality)} (target ${fmtQ(metric, target)}${cross.above ? ', already above it at the cheapest trial' : ''}) ` +
      `at ≈${mbps(op.kbps)}, ${Math.round(Math.abs(saved) * 100)} % ${saved >= 0 ? 'fewer' : 'more'} bits than the fixed ${mbps(r.fixedKbps)}`,
  };
}

/** Drops every rung that is not distinguishably better than the kept rung below it (lowest always kept). */
function dropIndistinct(rungs: RungChoice[], i: ChooseInput): void {
  const metric = i.probe.metric;
  const step = metric === 'vmaf' ? i.quality.minStepVmaf : i.quality.minStepSsim;
  const { width, height } = i.probe.display;
  let below: RungChoice | undefined;
  for (const r of [...rungs].reverse()) {
    if (below && r.display - below.display < step) {
      r.keep = false;
      r.dropped =
        `${r.name} dropped: on a ${width}×${height} screen it measures ${metric.toUpperCase()} ${fmtQ(metric, r.display)} at ≈${mbps(r.predictedKbps)} ` +
        `against ${fmtQ(metric, below.display)} for ${below.name} at ≈${mbps(below.predictedKbps)} — less than the ${step} step a viewer could see`;
      r.sentence = r.dropped;
      continue;
    }
    below = r;
  }
}

/**
 * Drops every rung that costs at least as much as the kept rung above it: a player climbs a ladder
 * by BANDWIDTH, and the bigger picture gives more for the same bits (seen on a pan whose motion is
 * whole pixels at 360p and sub-pixel once scaled to 180p: 71 kb/s for 180p, 52 for 360p).
 */
function dropDominated(rungs: RungChoice[]): void {
  let above: RungChoice | undefined;
  for (const r of rungs) {
    if (!r.keep) continue;
    if (above && r.predictedKbps >= above.predictedKbps) {
      r.keep = false;
      r.dropped = `${r.name} dropped: it needs ≈${mbps(r.predictedKbps)} for its target, no less than ${above.name}'s ≈${mbps(above.predictedKbps)} — the bigger picture serves the same bandwidth better`;
      r.sentence = r.dropped;
      continue;
    }
    above = r;
  }
}

export function chooseLadder(i: ChooseInput): LadderChoice {
  const knob = knobFor(i.encoder);
  const trialKnob = knobFor(i.probe.encoder);
  if (!trialKnob) throw new Error(`the probe's encoder ${i.probe.encoder} has no constant-quality knob`);
  // The probe's knob is the production encoder's unless that one has none (then x264's trials, a bit rate).
  const rungs = i.rungs.map((r) =>
    chooseRung(i, r, knob && i.probe.encoder === i.encoder ? knob : undefined, trialKnob),
  );
  dropIndistinct(rungs, i);
  dropDominated(rungs);
  const bytes = (kbps: number) => (kbps * 1000 * i.durationSec) / 8;
  const predictedBytes = Math.round(rungs.filter((r) => r.keep).reduce((a, r) => a + bytes(r.predictedKbps), 0));
  const fixedBytes = Math.round(rungs.reduce((a, r) => a + bytes(r.fixedKbps), 0));
  const kept = rungs.filter((r) => r.keep).length;
  return {
    version: 1,
    mode: 'per-title',
    metric: i.probe.metric,
    rungs,
    predictedBytes,
    fixedBytes,
    sentence:
      `Per-title ladder (${i.probe.metric.toUpperCase()}): ${kept} of ${rungs.length} rungs, ≈${formatBytes(predictedBytes)} of video ` +
      `against ${formatBytes(fixedBytes)} for the fixed ladder (${(predictedBytes / Math.max(1, fixedBytes)).toFixed(2)}×)`,
    probe: i.probe,
  };
}

/** The plan's rungs as the choice needs them: the fixed bit rate, the cap and any target the profile gives. */
export function chooseRungsFor(
  rungs: Array<{ name: string; videoKbps: number }>,
  profile: Pick<LadderProfile, 'rungs'>,
): ChooseRung[] {
  return rungs.map((r) => {
    const p = profile.rungs.find((x) => `${x.height}p` === r.name);
    return {
      name: r.name,
      fixedKbps: r.videoKbps,
      capKbps: p?.maxKbps ?? r.videoKbps,
      ...(p?.ssim !== undefined ? { ssim: p.ssim } : {}),
      ...(p?.vmaf !== undefined ? { vmaf: p.vmaf } : {}),
    };
  });
}

/**
 * The plan's rungs under a stored choice: dropped rungs gone, each kept one carrying its rate
 * control and its predicted average as `videoKbps` (what the disk-space check and the summary read).
 */
export function applyChoice<R extends { name: string; videoKbps: number; rate?: RateControl }>(
  rungs: R[],
  choice: LadderChoice,
): R[] {
  return rungs.flatMap((r) => {
    const c = choice.rungs.find((x) => x.name === r.name);
    if (!c) throw new Error(`the stored ladder choice has no ${r.name}: it was made for another plan`);
    return c.keep ? [{ ...r, videoKbps: c.predictedKbps, rate: c.rate }] : [];
  });
}
