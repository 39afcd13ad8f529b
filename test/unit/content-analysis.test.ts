/**
 * The analysis core without ffmpeg: parsers of the filters' output, the per-slice classification,
 * the crop agreement, the decisions with their evidence and overrides, the filter strings, and the
 * QC collectors. The integration test (content-analysis.test.ts) runs all of it on real masters.
 */
import { describe, expect, it } from 'vitest';
import {
  cropProblem,
  parseCropFlag,
  parseLoudnessFlag,
  type ContentAnalysis,
  type LoudnessMeasurement,
  type ScanSlice,
} from '../../electron/common/analysis';
import { deliverySpecSchema } from '../../electron/common/spec';
import { parseMetadataLog, type MetadataFrame } from '../../electron/engine/analysis/metadata-log';
import { planWindows } from '../../electron/engine/analysis/windows';
import { cadenceFlags, scanSlices, summariseScan } from '../../electron/engine/analysis/scan';
import { summariseCrop, type FrameExtent } from '../../electron/engine/analysis/crop';
import { LoudnessSummaryParser, loudnessGraph } from '../../electron/engine/analysis/loudness';
import { decideContent, decideCrop, decideLoudness, decideScan } from '../../electron/engine/analysis/decide';
import { audioFilter, renditionAudioFilter, videoPreFilters } from '../../electron/engine/analysis/filters';
import {
  AudioQcCollector,
  VideoQcCollector,
  audioQcGraph,
  durationFindings,
  qcFindings,
  videoQcGraph,
} from '../../electron/engine/analysis/qc';
import defaultSpec from '../../resources/delivery-spec.json';

const spec = deliverySpecSchema.parse(defaultSpec);

describe('override flags', () => {
  it('--crop takes auto, none or W:H:X:Y, even and positive, with a sentence otherwise', () => {
    expect(parseCropFlag('auto')).toEqual({ ok: true, value: 'auto' });
    expect(parseCropFlag('NONE')).toEqual({ ok: true, value: 'none' });
    expect(parseCropFlag('1440:1080:240:0')).toEqual({ ok: true, value: { w: 1440, h: 1080, x: 240, y: 0 } });
    expect(parseCropFlag('1440x1080')).toMatchObject({ ok: false, error: expect.stringMatching(/W:H:X:Y/) });
    expect(parseCropFlag('1439:1080:240:0')).toMatchObject({ ok: false, error: expect.stringMatching(/even/) });
    expect(parseCropFlag('0:1080:0:0')).toMatchObject({ ok: false, error: expect.stringMatching(/above 0/) });
    expect(cropProblem({ w: 1440, h: 1080, x: 600, y: 0 }, 1920, 1080)).toMatch(/outside the 1920×1080 picture/);
    expect(cropProblem({ w: 1440, h: 1080, x: 240, y: 0 }, 1920, 1080)).toBeUndefined();
  });

  it('--loudness takes off, a standard or a target in LUFS', () => {
    expect(parseLoudnessFlag('off')).toEqual({ ok: true, value: 'off' });
    expect(parseLoudnessFlag('ebu-r128')).toEqual({ ok: true, value: -23 });
    expect(parseLoudnessFlag('-24')).toEqual({ ok: true, value: -24 });
    expect(parseLoudnessFlag('-16 LUFS')).toEqual({ ok: true, value: -16 });
    expect(parseLoudnessFlag('loud')).toMatchObject({ ok: false });
    expect(parseLoudnessFlag('-60')).toMatchObject({ ok: false, error: expect.stringMatching(/between -40 and -5/) });
  });

  it('the spec gains picture, loudness and QC rules with defaults (A/85: −24 LUFS, −2 dBTP)', () => {
    expect(spec.picture).toMatchObject({ ivtc: 'auto', deinterlaceRate: 'field', mixedContent: 'majority' });
    expect(spec.loudness).toMatchObject({ standard: 'atsc-a85', maxBoostDb: 20, toleranceDb: 0.5 });
    expect(spec.qc.black).toMatchObject({ minSec: 2, severity: 'warn' });
    expect(() => deliverySpecSchema.parse({ ...defaultSpec, qc: { black: { severity: 'fatal' } } })).toThrow();
    expect(deliverySpecSchema.parse({ ...defaultSpec, loudness: { standard: 'ebu-r128' } }).loudness.standard).toBe(
      'ebu-r128',
    );
  });
});

describe('sampling windows', () => {
  it('a master shorter than the windows would cover is analysed whole', () => {
    expect(planWindows(60, spec.picture)).toEqual({ whole: true, windows: [{ start: 0, duration: 60 }] });
  });

  it('windows spread over the whole film, more for a longer one, within the bounds', () => {
    const ten = planWindows(600, spec.picture);
    expect(ten.whole).toBe(false);
    expect(ten.windows).toHaveLength(8);
    expect(ten.windows[0]!.start).toBeLessThan(60);
    expect(ten.windows.at(-1)!.start + ten.windows.at(-1)!.duration).toBeGreaterThan(540);
    const feature = planWindows(2 * 3600, spec.picture);
    expect(feature.windows).toHaveLength(spec.picture.analysisMaxWindows);
    for (const w of feature.windows) expect(w.start + w.duration).toBeLessThanOrEqual(7200);
  });
});

const frame = (n: number, time: number, values: Record<string, string>): MetadataFrame => ({
  n,
  pts: n,
  time,
  values: new Map(Object.entries(values)),
});

describe('metadata=print output', () => {
  it('reads frames and their keys', () => {
    const frames = parseMetadataLog(
      'frame:0    pts:0       pts_time:0\nlavfi.idet.multiple.current_frame=tff\nframe:1    pts:512     pts_time:0.04\nlavfi.black_start=0.04\n',
    );
    expect(frames.map((f) => [f.n, f.time, Object.fromEntries(f.values)])).toEqual([
      [0, 0, { 'lavfi.idet.multiple.current_frame': 'tff' }],
      [1, 0.04, { 'lavfi.black_start': '0.04' }],
    ]);
  });
});

describe('telecine and interlace from the fields', () => {
  const pulled = (cycles: number): string[] =>
    Array.from({ length: cycles }, () => ['neither', 'neither', 'top', 'neither', 'bottom']).flat();

  it('a 3:2 cadence is two repeated fields in every five frames, repeated', () => {
    expect(cadenceFlags(pulled(4)).every(Boolean)).toBe(true);
    expect(cadenceFlags(Array(20).fill('neither')).some(Boolean)).toBe(false);
    // A repeat now and then (noise) is no cadence.
    expect(
      cadenceFlags(['top', ...Array(9).fill('neither'), 'bottom', ...Array(9).fill('neither')]).some(Boolean),
    ).toBe(false);
  });

  const frames = (n: number, rate: number, label: (i: number) => Record<string, string>): MetadataFrame[] =>
    Array.from({ length: n }, (_, i) => frame(i, i / rate, label(i)));
  const rep = pulled(12);

  it('telecine: combed before field matching, clean after, in cadence', () => {
    const slices = scanSlices(
      {
        raw: frames(60, 30, (i) => ({
          'lavfi.idet.multiple.current_frame': 'tff',
          'lavfi.idet.repeated.current_frame': rep[i]!,
        })),
        tff: frames(48, 24, () => ({ 'lavfi.idet.multiple.current_frame': 'progressive' })),
        bff: frames(48, 24, () => ({ 'lavfi.idet.multiple.current_frame': 'bff' })),
      },
      100,
      2,
    );
    expect(slices).toEqual([
      expect.objectContaining({ start: 100, end: 102, kind: 'telecine', fieldOrder: 'tff', combedAfterMatch: 0 }),
    ]);
  });

  it('interlaced video: combed before and after field matching', () => {
    const combed = () => ({ 'lavfi.idet.multiple.current_frame': 'bff' });
    const [s] = scanSlices(
      { raw: frames(50, 25, combed), tff: frames(40, 20, combed), bff: frames(40, 20, combed) },
      0,
      2,
    );
    expect(s).toMatchObject({ kind: 'interlaced', fieldOrder: 'bff', cadence: 0, combedAfterMatch: 1 });
  });

  it('a slice with too few judged frames says nothing', () => {
    const [s] = scanSlices(
      { raw: frames(20, 10, () => ({ 'lavfi.idet.multiple.current_frame': 'undetermined' })), tff: [], bff: [] },
      0,
      2,
    );
    expect(s!.kind).toBe('undetermined');
  });
});

const slice = (start: number, kind: ScanSlice['kind'], frames = 48): ScanSlice => ({
  start,
  end: start + 2,
  frames,
  combed: kind === 'progressive' ? 0 : 1,
  cadence: kind === 'telecine' ? 0.97 : 0,
  combedAfterMatch: kind === 'interlaced' ? 0.95 : 0.02,
  ...(kind === 'progressive' ? {} : { fieldOrder: 'tff' as const }),
  kind,
});

function analysis(over: Partial<ContentAnalysis> = {}): ContentAnalysis {
  return {
    version: 1,
    durationSec: 20,
    whole: true,
    windows: [{ start: 0, duration: 20 }],
    scan: summariseScan([slice(0, 'progressive')]),
    crop: { width: 640, height: 360, measured: 0, frames: 0, agreement: { left: 0, right: 0, top: 0, bottom: 0 } },
    loudness: [],
    elapsedSec: 1,
    ...over,
  };
}

const ntsc = { frameRate: { num: 30000, den: 1001 }, fieldOrder: 'progressive' };
const decide = (a: ContentAnalysis, over: Partial<Parameters<typeof decideScan>[0]> = {}) => ({
  analysis: a,
  video: ntsc,
  picture: spec.picture,
  loudness: spec.loudness,
  ...over,
});

describe('scan decisions', () => {
  it('telecined → inverse telecine to 24000/1001, with the evidence in a sentence', () => {
    const d = decideScan(decide(analysis({ scan: summariseScan([0, 2, 4].map((s) => slice(s, 'telecine'))) })));
    expect(d.value).toEqual({ action: 'ivtc', fieldOrder: 'tff', frameRate: { num: 24000, den: 1001 } });
    expect(d.evidence.sentence).toMatch(
      /^telecine: 3:2 pattern in 97 % of sampled frames although flagged progressive/,
    );
    expect(d.evidence.data).toMatchObject({ telecine: 1, judgedFrames: 144 });
  });

  it('--no-ivtc: telecined pictures are deinterlaced at their frame rate instead', () => {
    const a = analysis({ scan: summariseScan([0, 2].map((s) => slice(s, 'telecine'))) });
    const d = decideScan(decide(a, { overrides: { ivtc: 'off' } }));
    expect(d).toMatchObject({ source: 'override', value: { action: 'deinterlace', rate: 'frame' } });
  });

  it('--progressive (or scan: progressive in the spec): no field processing, the finding still said', () => {
    const a = analysis({ scan: summariseScan([0, 2].map((s) => slice(s, 'interlaced'))) });
    const d = decideScan(decide(a, { overrides: { scan: 'progressive' } }));
    expect(d).toMatchObject({ source: 'override', value: { action: 'none' } });
    expect(d.evidence.sentence).toMatch(
      /^taken as progressive \(set for this title\), left as it is: the fields showed combing in 100 % of \d+ sampled frames/,
    );
    const bySpec = decideScan(decide(a, { picture: { ...spec.picture, scan: 'progressive' as const } }));
    expect(bySpec).toMatchObject({ source: 'spec', value: { action: 'none' } });
    expect(decideScan(decide(a)).value).toMatchObject({ action: 'deinterlace' });
  });

  it('interlaced: one frame per field by default (25i → 50p), per frame when the spec says so', () => {
    const a = analysis({ scan: summariseScan([0, 2].map((s) => slice(s, 'interlaced'))) });
    const pal = { frameRate: { num: 25, den: 1 } };
    expect(decideScan(decide(a, { video: pal })).value).toMatchObject({
      rate: 'field',
      frameRate: { num: 50, den: 1 },
    });
    const frameRate = { ...spec.picture, deinterlaceRate: 'frame' as const };
    expect(decideScan(decide(a, { video: pal, picture: frameRate })).value).toMatchObject({
      frameRate: { num: 25, den: 1 },
    });
  });

  it('mixed film and video follows the spec: majority, or always one way', () => {
    const slices = [slice(0, 'telecine'), slice(2, 'telecine'), slice(4, 'interlaced')];
    const a = analysis({ scan: summariseScan(slices) });
    const major = decideScan(decide(a));
    expect(major.value.action).toBe('ivtc');
    expect(major.evidence.sentence).toMatch(
      /mixed: telecined in 67 % and interlaced video in 33 %.*video at 0:04–0:06/,
    );
    expect(major.warnings[0]).toMatch(/changes between film and video/);
    const always = { ...spec.picture, mixedContent: 'deinterlace' as const };
    expect(decideScan(decide(a, { picture: always })).value.action).toBe('deinterlace');
  });

  it('a progressive film with interlaced inserts is deinterlaced only where combed', () => {
    const a = analysis({
      scan: summariseScan([0, 2, 4, 6].map((s) => slice(s, 'progressive')).concat(slice(8, 'interlaced'))),
    });
    expect(decideScan(decide(a)).value).toMatchObject({ action: 'deinterlace', selective: true, rate: 'frame' });
    expect(videoPreFilters(decideContent(decide(a)))).toEqual([
      'idet',
      'bwdif=mode=send_frame:parity=tff:deint=interlaced',
    ]);
  });

  it('progressive, or nothing to judge: no filter', () => {
    expect(decideScan(decide(analysis())).value).toEqual({ action: 'none' });
    const still = analysis({ scan: summariseScan([{ ...slice(0, 'undetermined'), frames: 3 }]) });
    expect(decideScan(decide(still)).evidence.sentence).toMatch(/no motion/);
  });
});

const extents = (n: number, e: Omit<FrameExtent, 'time'>): FrameExtent[] =>
  Array.from({ length: n }, (_, i) => ({ ...e, time: i / 24 }));

describe('crop: the active picture the whole film agrees on', () => {
  const letterbox = { x1: 0, x2: 639, y1: 46, y2: 313 };

  it('letterboxed 2.39 in 16:9 → 640×268, even, with the agreement as evidence', () => {
    const c = summariseCrop(extents(200, letterbox), 200, 640, 360);
    const d = decideCrop(decide(analysis({ crop: c })));
    expect(d.value).toEqual({ w: 640, h: 268, x: 0, y: 46 });
    expect(d.evidence.sentence).toMatch(/^letterbox: 46 px top \(100 % of frames\), 46 px bottom .* \(2\.39:1\)$/);
  });

  it('a shot that uses the full frame wins; a single flash does not', () => {
    const full = { x1: 0, x2: 639, y1: 0, y2: 359 };
    const withShot = summariseCrop([...extents(200, letterbox), ...extents(24, full)], 224, 640, 360);
    expect(decideCrop(decide(analysis({ crop: withShot }))).value).toBeUndefined();
    const withFlash = summariseCrop([...extents(200, letterbox), ...extents(1, full)], 201, 640, 360);
    expect(decideCrop(decide(analysis({ crop: withFlash }))).value).toEqual({ w: 640, h: 268, x: 0, y: 46 });
  });

  it('credits (text on black) never decide; darker frames measure smaller and are outvoted', () => {
    const credits = { x1: 200, x2: 440, y1: 140, y2: 210 };
    const c = summariseCrop([...extents(144, letterbox), ...extents(96, credits)], 240, 640, 360);
    expect(decideCrop(decide(analysis({ crop: c }))).value).toEqual({ w: 640, h: 268, x: 0, y: 46 });
  });

  it('edges nobody agrees on (a dark, vignetted picture) are not cropped, and the operator is told', () => {
    const scattered = Array.from({ length: 200 }, (_, i) => ({
      x1: 0,
      x2: 639,
      y1: 20 + (i % 40),
      y2: 339 - (i % 40),
      time: i,
    }));
    const d = decideCrop(decide(analysis({ crop: summariseCrop(scattered, 200, 640, 360) })));
    expect(d.value).toBeUndefined();
    expect(d.warnings.join()).toMatch(/only 8 % of frames reach that edge/);
  });

  it('thin edge blanking is left; odd bars round outwards (never into the picture)', () => {
    const thin = summariseCrop(extents(100, { x1: 2, x2: 637, y1: 0, y2: 359 }), 100, 640, 360);
    expect(decideCrop(decide(analysis({ crop: thin }))).value).toBeUndefined();
    const odd = summariseCrop(extents(100, { x1: 81, x2: 558, y1: 0, y2: 359 }), 100, 640, 360);
    expect(decideCrop(decide(analysis({ crop: odd }))).value).toEqual({ w: 480, h: 360, x: 80, y: 0 });
  });

  it('overrides: none keeps the frame; a rectangle is used as given; one that does not fit is refused', () => {
    const c = summariseCrop(extents(200, letterbox), 200, 640, 360);
    expect(decideCrop(decide(analysis({ crop: c }), { overrides: { crop: 'none' } })).value).toBeUndefined();
    expect(
      decideCrop(decide(analysis({ crop: c }), { overrides: { crop: { w: 480, h: 360, x: 80, y: 0 } } })).value,
    ).toEqual({
      w: 480,
      h: 360,
      x: 80,
      y: 0,
    });
    const bad = decideCrop(decide(analysis({ crop: c }), { overrides: { crop: { w: 640, h: 360, x: 80, y: 0 } } }));
    expect(bad.value).toBeUndefined();
    expect(bad.warnings[0]).toMatch(/reaches outside/);
  });
});

const measured = (
  integrated: number | undefined,
  truePeak: number,
  over: Partial<LoudnessMeasurement> = {},
): LoudnessMeasurement => ({
  streamIndex: 1,
  layout: 'native',
  channels: 2,
  ...(integrated === undefined ? {} : { integrated }),
  range: 6,
  truePeak,
  durationSec: 20,
  ...over,
});

describe('loudness decisions', () => {
  const gains = (m: LoudnessMeasurement[], over: Partial<Parameters<typeof decideLoudness>[0]> = {}) =>
    decideLoudness(decide(analysis({ loudness: m }), over));

  it('quiet and hot mixes get the gain to −24 LUFS; a clean one within ±0.5 dB is untouched', () => {
    const [quiet, hot, clean] = gains([measured(-41, -30), measured(-14, -1), measured(-24.3, -10)]);
    expect(quiet!.value).toMatchObject({ gainDb: 17, expectedLufs: -24 });
    expect(quiet!.evidence.sentence).toMatch(/−41\.0 LUFS integrated.*→ \+17\.0 dB to −24\.0 LUFS \(ATSC A85\)/);
    expect(hot!.value).toMatchObject({ gainDb: -10 });
    expect(hot!.value.limiterCeilingDbtp).toBeUndefined();
    expect(clean!.value.gainDb).toBe(0);
    expect(audioFilter(clean!.value)).toBeUndefined();
    expect(audioFilter(quiet!.value)).toBe('volume=17.00dB');
  });

  it('a gain that would push the true peak over the ceiling gets a limiter (with room for the codec)', () => {
    const [g] = gains([measured(-30, -4)]);
    expect(g!.value).toMatchObject({ gainDb: 6, limiterCeilingDbtp: -3, expectedTruePeak: 2 });
    expect(audioFilter(g!.value)).toBe(
      'volume=9.00dB,aresample=192000,alimiter=limit=1:level=false:latency=true:attack=1:release=50,aresample=48000,volume=-3.00dB',
    );
  });

  it('beyond +20 dB is a warning and a capped boost, never a silent one; silence gets no gain and a note', () => {
    const [low, silent] = gains([measured(-52, -40), measured(undefined, -150)]);
    expect(low!.value.gainDb).toBe(20);
    expect(low!.warnings[0]).toMatch(/needs \+28\.0 dB .* boosted by \+20\.0 dB only/);
    expect(silent!.value.gainDb).toBe(0);
    expect(silent!.notes[0]).toMatch(/no measurable loudness/);
  });

  it('EBU R128 as a spec option, a target per title, or off', () => {
    const ebu = { ...spec.loudness, standard: 'ebu-r128' as const };
    expect(gains([measured(-30, -20)], { loudness: ebu })[0]!.value).toMatchObject({ gainDb: 7, truePeakMaxDbtp: -1 });
    expect(gains([measured(-30, -20)], { overrides: { loudness: -16 } })[0]!.value.gainDb).toBe(14);
    const off = gains([measured(-30, -20)], { overrides: { loudness: 'off' } })[0]!;
    expect(off).toMatchObject({ source: 'override', value: { gainDb: 0 } });
  });

  it('a stereo rendition of a 5.1 stream is mixed down before its gain and limiter; the surround one keeps its own', () => {
    const [g] = gains([measured(-30, -4, { layout: 'stereo', channels: 2 })]);
    expect(audioFilter(g!.value, { stereoFrom: 6 })).toMatch(/^aformat=channel_layouts=stereo,volume=9\.00dB,/);
    const both = gains([
      measured(-27, -20, { channels: 6 }),
      measured(-29, -22, { layout: 'stereo', channels: 2 }),
    ]).map((d) => d.value);
    expect(renditionAudioFilter(both, { streamIndex: 1, channels: 6 }, 6)).toBe('volume=3.00dB');
    expect(renditionAudioFilter(both, { streamIndex: 1, channels: 2 }, 6)).toBe(
      'aformat=channel_layouts=stereo,volume=5.00dB',
    );
    expect(renditionAudioFilter(both, { streamIndex: 2, channels: 2 }, 2)).toBeUndefined();
  });
});

describe('ebur128 summaries', () => {
  it('are read per filter instance from stderr; −70 LUFS means nothing passed the gate', () => {
    const p = new LoudnessSummaryParser();
    const text = `[Parsed_ebur128_0 @ 0x1] Summary:
[ebur128@loud1n @ 0x55] Summary:

  Integrated loudness:
    I:         -41.0 LUFS
    Threshold: -51.0 LUFS

  Loudness range:
    LRA:         0.1 LU
    Threshold: -60.9 LUFS

  True peak:
    Peak:      -35.2 dBFS
[ebur128@loud2n @ 0x56] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  Loudness range:
    LRA:         0.0 LU

  True peak:
    Peak:       -inf dBFS`;
    for (const l of text.split('\n')) p.line(l);
    const streams = [
      { streamIndex: 1, channels: 2 },
      { streamIndex: 2, channels: 2 },
    ];
    expect(p.measurements(streams, 6)).toEqual([
      {
        streamIndex: 1,
        layout: 'native',
        channels: 2,
        integrated: -41,
        range: 0.1,
        truePeak: -35.2,
        threshold: -51,
        durationSec: 6,
      },
      { streamIndex: 2, layout: 'native', channels: 2, range: 0, truePeak: -150, durationSec: 6 },
    ]);
    expect(loudnessGraph([{ streamIndex: 3, channels: 6 }]).outputs).toEqual(['loud3n', 'loud3s']);
  });
});

describe('QC collectors', () => {
  const rules = spec.qc;

  it('the fragments measure on a copy and end in a null sink when riding along', () => {
    expect(videoQcGraph(rules, '[q]', { events: 'e.txt', levels: 'l.txt' })).toMatch(
      /^\[q\]scale=320:-2:flags=neighbor,.*,nullsink$/,
    );
    expect(audioQcGraph(rules, '[a]', 48000, 'a.txt', 'out')).toMatch(
      /^\[a\]asetnsamples=n=12000:p=0,silencedetect=.*\[out\]$/,
    );
    const off = { ...rules, black: { ...rules.black, severity: 'off' as const } };
    expect(videoQcGraph(off, '[q]', { events: 'e.txt', levels: 'l.txt' })).not.toContain('blackdetect');
  });

  it('black, freeze and levels from the picture; an unfinished black lasts to the end', () => {
    const v = new VideoQcCollector(rules);
    v.event(frame(144, 6, { 'lavfi.black_start': '6' }));
    v.event(frame(240, 10, { 'lavfi.black_end': '10' }));
    v.event(frame(312, 13, { 'lavfi.freezedetect.freeze_start': '12' }));
    v.event(frame(384, 16, { 'lavfi.freezedetect.freeze_end': '16' }));
    v.event(frame(500, 20.8, { 'lavfi.black_start': '20.8' }));
    for (let i = 0; i < 528; i++)
      v.level(frame(i, i / 24, { 'lavfi.signalstats.BRNG': i >= 24 * 17 && i < 24 * 20 ? '0.3' : '0' }));
    const f = qcFindings(v.finish(), rules, 22);
    expect(f.map((x) => [x.kind, x.start, x.end])).toEqual([
      ['black', 6, 10],
      ['freeze', 12, 16],
      ['levels', 17, 20],
    ]);
    expect(f[0]!.detail).toBe('4.0 s of black picture at 0:06');
    expect(v.endSec).toBeCloseTo(22, 5);
  });

  it('head and tail black of a few seconds is the film’s own; an all-black opening reel is not', () => {
    const f = qcFindings(
      {
        black: [
          [0, 3],
          [40, 46],
          [116, 120],
        ],
      },
      rules,
      120,
    );
    expect(f.map((x) => x.start)).toEqual([40]);
    const reel = qcFindings({ black: [[0, 60]] }, rules, 600);
    expect(reel[0]!.detail).toBe('the film opens with 60.0 s of black');
  });

  it('a freeze inside black is the black', () => {
    expect(qcFindings({ black: [[6, 10]], freeze: [[6.5, 10]] }, rules, 30).map((x) => x.kind)).toEqual(['black']);
  });

  it('silence and clipping from the sound; a mix normalised to 0 dBFS is not clipped', () => {
    const a = new AudioQcCollector(48000);
    const block = (i: number, v: Record<string, string>) =>
      a.frame(frame(i, i / 4, { 'lavfi.astats.Overall.Number_of_samples': '12000', ...v }));
    for (let i = 0; i < 40; i++) {
      const clipped = i >= 8 && i < 12;
      const normalised = i === 20;
      block(i, {
        'lavfi.astats.Overall.Peak_level': clipped || normalised ? '0' : '-12',
        'lavfi.astats.Overall.Peak_count': clipped ? '5000' : '2',
        ...(i === 30 ? { 'lavfi.silence_start': '5.2' } : {}),
        ...(i === 36 ? { 'lavfi.silence_end': '9' } : {}),
      });
    }
    const f = qcFindings(a.finish(), rules, 10, 1);
    expect(f.map((x) => [x.kind, x.start, x.end])).toEqual([
      ['clipping', 2, 3],
      ['silence', 5.2, 9],
    ]);
    expect(a.endSec).toBe(10);
  });

  it('picture and sound that do not end together', () => {
    const [f] = durationFindings(
      120,
      new Map([
        [1, 116.5],
        [2, 120.2],
      ]),
      rules,
    );
    expect(f).toMatchObject({ kind: 'duration-mismatch', start: 116.5, end: 120, streamIndex: 1 });
    expect(f!.detail).toBe('audio stream 1 ends 3.5 s before the picture (picture 120.0 s, sound 116.5 s)');
  });
});
