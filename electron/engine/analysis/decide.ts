/**
 * From measurements to decisions: what the encode does to the picture (inverse telecine,
 * deinterlace, crop) and the sound (gain, true-peak limit), each with its evidence as data and as a
 * sentence, and each overridable — per title (CLI flags, the Master tab) over the spec over the
 * content. Pure: the plan can be recomputed from a stored analysis when an operator overrides one
 * decision, without decoding the master again.
 */
import type {
  AudioGain,
  ContentAnalysis,
  ContentDecisions,
  ContentOverrides,
  CropRect,
  Decision,
  ScanAction,
  ScanAnalysis,
} from '../../common/analysis.js';
import { LOUDNESS_STANDARDS, cropProblem } from '../../common/analysis.js';
import type { Rational } from '../../common/media.js';
import type { LoudnessRules, PictureRules } from '../../common/spec.js';
import { formatDuration } from '../../common/format.js';

export interface DecideInput {
  analysis: ContentAnalysis;
  /** What the container says about the picture (for the sentence: "although flagged progressive"). */
  video: { frameRate: Rational; fieldOrder?: string; sar?: Rational };
  picture: PictureRules;
  loudness: LoudnessRules;
  overrides?: ContentOverrides;
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;
const fps = (r: Rational): string => `${(r.num / r.den).toFixed(r.den === 1 ? 0 : 3)} fps`;
const times = (r: Rational, num: number, den: number): Rational => reduce(r.num * num, r.den * den);
function reduce(num: number, den: number): Rational {
  const g = (a: number, b: number): number => (b ? g(b, a % b) : a);
  const d = g(num, den);
  return { num: num / d, den: den / d };
}
const decision = <T>(
  value: T,
  source: Decision<T>['source'],
  sentence: string,
  data: Decision<T>['evidence']['data'],
) => ({
  value,
  source,
  evidence: { sentence, data },
  warnings: [] as string[],
  notes: [] as string[],
});

/** A share of the judged frames below which a kind of picture is noise, not content. */
export const KIND_SHARE = 0.1;

interface Shares {
  judged: number;
  progressive: number;
  telecine: number;
  interlaced: number;
  fieldShifted: number;
}

function shares(scan: ScanAnalysis): Shares {
  const f = scan.frames;
  const judged = f.progressive + f.telecine + f.interlaced + f['field-shifted'];
  const s = (n: number): number => (judged ? n / judged : 0);
  return {
    judged,
    progressive: s(f.progressive),
    telecine: s(f.telecine),
    interlaced: s(f.interlaced),
    fieldShifted: s(f['field-shifted']),
  };
}

function deinterlace(
  rate: Rational,
  order: 'tff' | 'bff',
  mode: 'field' | 'frame',
  selective = false,
): Extract<ScanAction, { action: 'deinterlace' }> {
  return {
    action: 'deinterlace',
    fieldOrder: order,
    rate: mode,
    frameRate: mode === 'field' ? times(rate, 2, 1) : rate,
    ...(selective ? { selective: true } : {}),
  };
}

const flagged = (fieldOrder: string | undefined): string =>
  !fieldOrder || fieldOrder === 'progressive' || fieldOrder === 'unknown' ? ' although flagged progressive' : '';

interface ScanContext {
  i: DecideInput;
  scan: ScanAnalysis;
  sh: Shares;
  rate: Rational;
  order: 'tff' | 'bff';
  ivtcOff: boolean;
  ivtcSource: 'override' | 'spec';
  data: Decision<unknown>['evidence']['data'];
}

export function decideScan(i: DecideInput): Decision<ScanAction> {
  const { scan } = i.analysis;
  const sh = shares(scan);
  const c: ScanContext = {
    i,
    scan,
    sh,
    rate: i.video.frameRate,
    order: scan.fieldOrder ?? 'tff',
    ivtcOff: i.overrides?.ivtc === 'off' || (i.overrides?.ivtc === undefined && i.picture.ivtc === 'off'),
    ivtcSource: i.overrides?.ivtc === 'off' ? 'override' : 'spec',
    data: {
      judgedFrames: sh.judged,
      progressive: round3(sh.progressive),
      telecine: round3(sh.telecine),
      interlaced: round3(sh.interlaced),
      fieldShifted: round3(sh.fieldShifted),
      cadence: scan.cadence,
      fieldOrder: scan.fieldOrder ?? 'none',
    },
  };
  const none = (sentence: string) => decision<ScanAction>({ action: 'none' }, 'content', sentence, c.data);
  const forced = i.overrides?.scan ?? i.picture.scan;
  if (forced === 'progressive')
    return decision<ScanAction>(
      { action: 'none' },
      i.overrides?.scan ? 'override' : 'spec',
      `taken as progressive (${i.overrides?.scan ? 'set for this title' : 'spec'}), left as it is: the fields showed combing in ${pct(1 - sh.progressive)} of ${sh.judged} sampled frames`,
      c.data,
    );
  if (sh.judged === 0) return none('no motion in the sampled frames to judge the fields by: left as it is');
  if (sh.telecine + sh.interlaced + sh.fieldShifted < KIND_SHARE)
    return none(`progressive: no combing in ${pct(sh.progressive)} of ${sh.judged} sampled frames`);
  if (sh.telecine >= KIND_SHARE && sh.interlaced >= KIND_SHARE) return decideMixed(c);
  const top = Math.max(sh.telecine, sh.interlaced, sh.fieldShifted);
  if (top === sh.telecine) return decideTelecine(c);
  if (top === sh.fieldShifted)
    return decision<ScanAction>(
      { action: 'fieldmatch', fieldOrder: c.order, frameRate: c.rate },
      'content',
      `field-shifted progressive (2:2 one field out) in ${pct(sh.fieldShifted)} of sampled frames${flagged(i.video.fieldOrder)}: fields matched, ${fps(c.rate)} kept`,
      c.data,
    );
  return decideInterlaced(c);
}

/** Film and video sections in one master: the spec's rule (majority by default). */
function decideMixed(c: ScanContext): Decision<ScanAction> {
  const { sh, scan, order, rate } = c;
  const rule = c.i.picture.mixedContent;
  const chooseIvtc = !c.ivtcOff && (rule === 'ivtc' || (rule === 'majority' && sh.telecine >= sh.interlaced));
  const what = `mixed: telecined in ${pct(sh.telecine)} and interlaced video in ${pct(sh.interlaced)} of sampled frames${sectionsOf(scan)}`;
  const ivtcRate = times(rate, 4, 5);
  const deint = deinterlace(rate, order, c.i.picture.deinterlaceRate);
  const d = chooseIvtc
    ? decision<ScanAction>(
        { action: 'ivtc', fieldOrder: order, frameRate: ivtcRate },
        'spec',
        `${what} → inverse telecine to ${fps(ivtcRate)}, leftover combed frames deinterlaced (spec: ${rule})`,
        c.data,
      )
    : decision<ScanAction>(
        deint,
        c.ivtcOff ? c.ivtcSource : 'spec',
        `${what} → deinterlaced (bwdif) to ${fps(deint.frameRate)} (${c.ivtcOff ? 'inverse telecine off' : `spec: ${rule}`})`,
        c.data,
      );
  d.warnings.push(
    `The picture changes between film and video${sectionsOf(scan)}: check the ${chooseIvtc ? 'video' : 'film'} sections`,
  );
  return d;
}

function decideTelecine(c: ScanContext): Decision<ScanAction> {
  const { scan, order, rate } = c;
  const evidence = `telecine: 3:2 pattern in ${pct(scan.cadence)} of sampled frames${flagged(c.i.video.fieldOrder)}; field matching leaves ${pct(avg(scan, 'combedAfterMatch', 'telecine'))} combed (${pct(avg(scan, 'combed', 'telecine'))} before)`;
  if (c.ivtcOff) {
    const d = deinterlace(rate, order, 'frame');
    return decision<ScanAction>(
      d,
      c.ivtcSource,
      `${evidence} → inverse telecine off: deinterlaced at ${fps(d.frameRate)}`,
      c.data,
    );
  }
  const ivtcRate = times(rate, 4, 5);
  return decision<ScanAction>(
    { action: 'ivtc', fieldOrder: order, frameRate: ivtcRate },
    'content',
    `${evidence} → inverse telecine to ${fps(ivtcRate)}`,
    c.data,
  );
}

/** Interlaced video; a progressive film with interlaced inserts is deinterlaced only where combed. */
function decideInterlaced(c: ScanContext): Decision<ScanAction> {
  const { sh, order, rate } = c;
  const selective = sh.progressive >= 0.5;
  const mode = selective ? 'frame' : c.i.picture.deinterlaceRate;
  const d = deinterlace(rate, order, mode, selective);
  const orderWords = order === 'tff' ? 'top field first' : 'bottom field first';
  return decision<ScanAction>(
    d,
    selective ? 'content' : 'spec',
    `interlaced (${orderWords}) in ${pct(sh.interlaced)} of sampled frames${flagged(c.i.video.fieldOrder)} → bwdif${
      selective ? ' on the combed frames only' : ''
    }, ${fps(rate)} → ${fps(d.frameRate)}${selective ? '' : ` (spec: one frame per ${c.i.picture.deinterlaceRate})`}`,
    c.data,
  );
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function avg(scan: ScanAnalysis, key: 'combed' | 'combedAfterMatch', kind: 'telecine'): number {
  const s = scan.slices.filter((x) => x.kind === kind);
  const n = s.reduce((a, x) => a + x.frames, 0);
  return n ? s.reduce((a, x) => a + x[key] * x.frames, 0) / n : 0;
}

/** " (video at 0:04–0:08)": where the minority kind lies, merged across adjacent slices. */
function sectionsOf(scan: ScanAnalysis): string {
  const sh = shares(scan);
  const minority = sh.telecine >= sh.interlaced ? 'interlaced' : 'telecine';
  const runs: Array<[number, number]> = [];
  for (const s of scan.slices) {
    if (s.kind !== minority) continue;
    const last = runs.at(-1);
    if (last && Math.abs(last[1] - s.start) < 0.01) last[1] = s.end;
    else runs.push([s.start, s.end]);
  }
  if (runs.length === 0) return '';
  const listed = runs.slice(0, 3).map(([a, b]) => `${formatDuration(a)}–${formatDuration(b)}`);
  return ` (${minority === 'interlaced' ? 'video' : 'film'} at ${listed.join(', ')}${runs.length > 3 ? ', …' : ''})`;
}

/** Below this share of measured frames reaching an edge, the "bar" is a dark picture, not a bar. */
export const MIN_AGREEMENT = 0.25;

const evenDown = (n: number): number => Math.max(0, 2 * Math.floor(n / 2));
const evenUp = (n: number): number => 2 * Math.ceil(n / 2);

/** Common names for the aspect ratios films come in. */
function aspectName(r: number): string {
  const known: Array<[number, string]> = [
    [1.33, '4:3'],
    [1.37, '1.37:1'],
    [1.66, '1.66:1'],
    [1.78, '16:9'],
    [1.85, '1.85:1'],
    [2.0, '2:1'],
    [2.2, '2.20:1'],
    [2.35, '2.35:1'],
    [2.39, '2.39:1'],
    [2.76, '2.76:1'],
  ];
  const hit = known.find(([v]) => Math.abs(v - r) / v < 0.012);
  return hit ? hit[1] : `${r.toFixed(2)}:1`;
}

export function decideCrop(i: DecideInput): Decision<CropRect | undefined> {
  const c = i.analysis.crop;
  const sar = i.video.sar && i.video.sar.num > 0 && i.video.sar.den > 0 ? i.video.sar.num / i.video.sar.den : 1;
  const data: Decision<unknown>['evidence']['data'] = {
    width: c.width,
    height: c.height,
    measuredFrames: c.measured,
    ...(c.extent ? { extentW: c.extent.w, extentH: c.extent.h, extentX: c.extent.x, extentY: c.extent.y } : {}),
    agreeLeft: c.agreement.left,
    agreeRight: c.agreement.right,
    agreeTop: c.agreement.top,
    agreeBottom: c.agreement.bottom,
  };
  const o = i.overrides?.crop;
  if (o === 'none') return decision(undefined, 'override', 'crop off for this title: the whole frame is kept', data);
  if (o && typeof o === 'object') {
    const problem = cropProblem(o, c.width, c.height);
    if (!problem)
      return decision<CropRect | undefined>(
        o,
        'override',
        `crop set for this title: ${o.w}×${o.h} at ${o.x},${o.y} (${aspectName((o.w * sar) / o.h)})`,
        data,
      );
    const d = decision<CropRect | undefined>(
      undefined,
      'override',
      'the crop set for this title does not fit: the whole frame is kept',
      data,
    );
    d.warnings.push(problem);
    return d;
  }
  if (i.picture.crop === 'none')
    return decision(undefined, 'spec', 'the spec keeps the whole frame (crop: none)', data);
  if (!c.extent)
    return decision(
      undefined,
      'content',
      'no picture measurable in the sampled frames (black throughout): the whole frame is kept',
      data,
    );
  return cropFromExtent(c.extent, c, sar, i.picture.minBarFraction, data);
}

function cropFromExtent(
  e: CropRect,
  c: ContentAnalysis['crop'],
  sar: number,
  minBarFraction: number,
  data: Decision<unknown>['evidence']['data'],
): Decision<CropRect | undefined> {
  const minX = Math.max(2, minBarFraction * c.width);
  const minY = Math.max(2, minBarFraction * c.height);
  const sides = {
    left: { bar: e.x, min: minX },
    right: { bar: c.width - (e.x + e.w), min: minX },
    top: { bar: e.y, min: minY },
    bottom: { bar: c.height - (e.y + e.h), min: minY },
  };
  const warnings: string[] = [];
  const kept: Record<keyof typeof sides, number> = { left: 0, right: 0, top: 0, bottom: 0 };
  for (const [side, { bar, min }] of Object.entries(sides) as Array<
    [keyof typeof sides, { bar: number; min: number }]
  >) {
    if (bar < min) continue;
    if (c.agreement[side] < MIN_AGREEMENT) {
      warnings.push(
        `${bar} px at the ${side} are dark in the sampled frames, but only ${pct(c.agreement[side])} of frames reach that edge: not cropped (a dark picture, not a bar?)`,
      );
      continue;
    }
    kept[side] = bar;
  }
  if (Object.values(kept).every((b) => b === 0)) {
    const thin = Object.entries(sides).filter(([, s]) => s.bar > 0 && s.bar < s.min);
    const d = decision<CropRect | undefined>(
      undefined,
      'content',
      thin.length
        ? `no bars to crop (edges of ${thin.map(([k, s]) => `${s.bar} px ${k}`).join(', ')} are below the spec's minimum)`
        : 'no bars: the picture reaches every edge of the frame',
      data,
    );
    d.warnings.push(...warnings);
    return d;
  }
  const x = evenDown(kept.left);
  const y = evenDown(kept.top);
  const w = Math.min(c.width - x, evenUp(c.width - kept.right - x));
  const h = Math.min(c.height - y, evenUp(c.height - kept.bottom - y));
  const rect = { w: evenDown(w), h: evenDown(h), x, y };
  const kind = kept.left || kept.right ? (kept.top || kept.bottom ? 'windowbox' : 'pillarbox') : 'letterbox';
  const barWords = (['left', 'right', 'top', 'bottom'] as const)
    .filter((s) => kept[s])
    .map((s) => `${kept[s]} px ${s} (${pct(c.agreement[s])} of frames)`)
    .join(', ');
  const d = decision<CropRect | undefined>(
    rect,
    'content',
    `${kind}: ${barWords} → ${rect.w}×${rect.h} at ${rect.x},${rect.y} (${aspectName((rect.w * sar) / rect.h)})`,
    { ...data, aspect: round3((rect.w * sar) / rect.h) },
  );
  d.warnings.push(...warnings);
  return d;
}

/** Room left for the AAC/AC-3 encoders' own overshoot when a limiter sets the peak. */
export const CODEC_HEADROOM_DB = 1;

export function loudnessTargets(rules: LoudnessRules, overrides?: ContentOverrides) {
  const preset = LOUDNESS_STANDARDS[rules.standard === 'off' ? 'atsc-a85' : rules.standard];
  const off = overrides?.loudness === 'off' || (overrides?.loudness === undefined && rules.standard === 'off');
  return {
    off,
    targetLufs: typeof overrides?.loudness === 'number' ? overrides.loudness : (rules.targetLufs ?? preset.targetLufs),
    truePeakMaxDbtp: rules.truePeakMaxDbtp ?? preset.truePeakMaxDbtp,
    source: (overrides?.loudness !== undefined ? 'override' : 'spec') as 'override' | 'spec',
    name:
      typeof overrides?.loudness === 'number' ? 'set for this title' : rules.standard.toUpperCase().replace('-', ' '),
  };
}

const db = (x: number): string => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(1)} dB`;
const lufs = (x: number): string => `${x < 0 ? '−' : ''}${Math.abs(x).toFixed(1)}`;

export function decideLoudness(i: DecideInput): Array<Decision<AudioGain>> {
  const t = loudnessTargets(i.loudness, i.overrides);
  return i.analysis.loudness.map((m) => {
    const base: AudioGain = {
      streamIndex: m.streamIndex,
      layout: m.layout,
      gainDb: 0,
      targetLufs: t.targetLufs,
      truePeakMaxDbtp: t.truePeakMaxDbtp,
    };
    const data = {
      streamIndex: m.streamIndex,
      layout: m.layout,
      integrated: m.integrated ?? 'silent',
      range: m.range,
      truePeak: m.truePeak,
      target: t.targetLufs,
    };
    const measured =
      m.integrated === undefined
        ? 'no measurable loudness'
        : `${lufs(m.integrated)} LUFS integrated, LRA ${m.range.toFixed(1)} LU, true peak ${lufs(m.truePeak)} dBTP`;
    if (t.off) return decision(base, t.source, `${measured}: loudness normalisation off`, data);
    if (m.integrated === undefined) {
      const d = decision(base, 'content', `${measured} (silent or near-silent): no gain`, data);
      d.notes.push(`Audio stream ${m.streamIndex} has no measurable loudness: it was left as it is`);
      return d;
    }
    return gainFor(m.integrated, m.truePeak, base, t, i.loudness, measured, data);
  });
}

function gainFor(
  integrated: number,
  truePeak: number,
  base: AudioGain,
  t: ReturnType<typeof loudnessTargets>,
  rules: LoudnessRules,
  measured: string,
  data: Decision<unknown>['evidence']['data'],
): Decision<AudioGain> {
  const needed = t.targetLufs - integrated;
  const warnings: string[] = [];
  let gain = Math.abs(needed) <= rules.toleranceDb ? 0 : needed;
  if (gain > rules.maxBoostDb) {
    warnings.push(
      `Audio stream ${base.streamIndex} needs ${db(needed)} to reach ${lufs(t.targetLufs)} LUFS: boosted by ${db(rules.maxBoostDb)} only (the spec's limit) — check the mix`,
    );
    gain = rules.maxBoostDb;
  }
  gain = Math.round(gain * 100) / 100;
  const peak = truePeak + gain;
  const limit =
    (gain !== 0 && peak > t.truePeakMaxDbtp - CODEC_HEADROOM_DB) || (gain === 0 && truePeak > t.truePeakMaxDbtp);
  const value: AudioGain = {
    ...base,
    gainDb: gain,
    expectedLufs: Math.round((integrated + gain) * 10) / 10,
    expectedTruePeak: Math.round(peak * 10) / 10,
    ...(limit ? { limiterCeilingDbtp: t.truePeakMaxDbtp - CODEC_HEADROOM_DB } : {}),
  };
  const what =
    gain === 0
      ? `within ${db(rules.toleranceDb).replace('+', '±')} of ${lufs(t.targetLufs)} LUFS: untouched`
      : `${db(gain)} to ${lufs(t.targetLufs)} LUFS (${t.name})`;
  const limiter = limit
    ? `; true peak would reach ${lufs(peak)} dBTP: limited to ${lufs(t.truePeakMaxDbtp - CODEC_HEADROOM_DB)} dBTP`
    : '';
  const d = decision(value, t.source === 'override' ? 'override' : 'content', `${measured} → ${what}${limiter}`, data);
  d.warnings.push(...warnings);
  return d;
}

export function decideContent(i: DecideInput): ContentDecisions {
  return { scan: decideScan(i), crop: decideCrop(i), loudness: decideLoudness(i) };
}
