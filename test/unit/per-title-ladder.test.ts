/**
 * The per-title ladder's pure parts: rate-control arguments per encoder (the fixed ladder's are
 * unchanged), the choice from a probe's points (target reached, starved, above target, dropped
 * rungs, the cap, the HLS peak bound), the metric parsers, the profile's new fields, and the probe's
 * filter graphs.
 */
import { describe, expect, it } from 'vitest';
import type { LadderProbe, ProbePoint } from '../../electron/common/ladder';
import { ladderChart } from '../../electron/common/ladder';
import { ladderProfileSchema, ladderProfilesSchema } from '../../electron/common/profile';
import { fixedRate, knobFor, rateControlArgs, roundKnob } from '../../electron/engine/ladder/rate-control';
import { chooseLadder, chooseRungsFor, type ChooseInput } from '../../electron/engine/ladder/choose';
import { parsePsnrStats, parseSsimStats, parseVmafLog, psnrOf } from '../../electron/engine/ladder/metrics';
import { encodePassArgs, measurePassArgs } from '../../electron/engine/ladder/probe';
import { buildVideoArgs } from '../../electron/engine/package/video-encoder';
import type { TranscodePlan } from '../../electron/engine/plan/plan';
import profiles from '../../resources/ladder-profiles.json';

const QUALITY = ladderProfileSchema.parse({ rungs: [{ height: 360, kbps: 800 }], audioKbps: 96 }).quality;

const point = (value: number, kbps: number, quality: number, display = quality): ProbePoint => ({
  value,
  kbps,
  quality,
  psnr: 40,
  display,
  windows: [{ kbps, quality }],
});

function probe(
  rungs: Array<{ name: string; height: number; points: ProbePoint[] }>,
  metric: 'ssim' | 'vmaf' = 'ssim',
): LadderProbe {
  return {
    version: 1,
    metric,
    metricReason: 'test',
    encoder: 'libx264',
    encoderOptions: ['-preset:v:0', 'veryfast'],
    knob: 'crf',
    preFilters: [],
    windows: [{ start: 0, duration: 6 }],
    display: { width: 1920, height: 1080 },
    rungs: rungs.map((r) => ({
      name: r.name,
      width: Math.round((r.height * 16) / 9),
      height: r.height,
      points: r.points,
    })),
    elapsedSec: 1,
  };
}

const input = (p: LadderProbe, rungs: ChooseInput['rungs'], encoder = 'libx264'): ChooseInput => ({
  probe: p,
  quality: QUALITY,
  rungs,
  encoder,
  durationSec: 600,
});

describe('rate control arguments', () => {
  it("abr is exactly the fixed ladder's average, 1.2× maxrate and 2× buffer (buildVideoArgs unchanged)", () => {
    expect(rateControlArgs('libx264', fixedRate(5000), 0)).toEqual([
      '-b:v:0',
      '5000k',
      '-maxrate:v:0',
      '6000k',
      '-bufsize:v:0',
      '10000k',
    ]);
    const plan = {
      videoStreamIndex: 0,
      segmentFormat: 'fmp4',
      rungs: [
        { name: '1080p', width: 1920, height: 1080, videoKbps: 5000 },
        {
          name: '720p',
          width: 1280,
          height: 720,
          videoKbps: 3000,
          rate: { kind: 'quality', knob: 'crf', value: 23.4, expectedKbps: 1200, maxKbps: 1800, bufKbps: 3600 },
        },
      ],
      audio: [],
      subtitles: [],
      audioKbps: 128,
      segmentSeconds: 6,
      encoder: 'libx264',
      encoderReason: 'test',
      iframes: true,
    } satisfies TranscodePlan;
    const a = buildVideoArgs(plan, '/w').outputOptions.join(' ');
    expect(a).toContain('-b:v:0 5000k -maxrate:v:0 6000k -bufsize:v:0 10000k');
    expect(a).toContain('-crf:v:1 23.4 -maxrate:v:1 1800k -bufsize:v:1 3600k');
    expect(a).not.toContain('-b:v:1');
  });

  it('capped constant quality per encoder family', () => {
    const q = {
      kind: 'quality' as const,
      knob: 'cq' as const,
      value: 24,
      expectedKbps: 2000,
      maxKbps: 3000,
      bufKbps: 6000,
    };
    const cap = ['-maxrate:v:2', '3000k', '-bufsize:v:2', '6000k'];
    expect(rateControlArgs('libx264', q, 2)).toEqual(['-crf:v:2', '24', ...cap]);
    expect(rateControlArgs('h264_nvenc', q, 2)).toEqual(['-cq:v:2', '24', '-b:v:2', '0', ...cap]);
    expect(rateControlArgs('h264_qsv', q, 2)).toEqual(['-global_quality:v:2', '24', '-b:v:2', '2000k', ...cap]);
    expect(rateControlArgs('h264_vaapi', q, 2)).toEqual([
      '-rc_mode:v:2',
      'QVBR',
      '-global_quality:v:2',
      '24',
      '-b:v:2',
      '2000k',
      ...cap,
    ]);
    expect(rateControlArgs('h264_amf', q, 2)).toEqual(['-rc:v:2', 'qvbr', '-qvbr_quality_level:v:2', '24', ...cap]);
    expect(rateControlArgs('h264_videotoolbox', { ...q, value: 62 }, 2)).toEqual(['-q:v:2', '62', ...cap]);
    // QVBR's average must sit below the maxrate or the encoder falls back to another mode.
    expect(rateControlArgs('h264_qsv', { ...q, expectedKbps: 3500 }, 0)).toContain('2700k');
    expect(() => rateControlArgs('h264_v4l2m2m', q, 0)).toThrow(/no constant-quality mode/);
    expect(knobFor('h264_v4l2m2m')).toBeUndefined();
  });

  it('knob values round towards better pictures, within range', () => {
    expect(roundKnob(knobFor('libx264')!, 23.46)).toBe(23.4);
    expect(roundKnob(knobFor('h264_qsv')!, 23.9)).toBe(23);
    expect(roundKnob(knobFor('h264_videotoolbox')!, 61.2)).toBe(62);
    expect(roundKnob(knobFor('libx264')!, -3)).toBe(0);
  });
});

describe('the per-title choice', () => {
  const rungs = [
    { name: '1080p', fixedKbps: 5000, capKbps: 5000 },
    { name: '720p', fixedKbps: 3000, capKbps: 3000 },
  ];

  it('an easy film: constant quality where the trials cross the target, far below the cap, peak within 2× average', () => {
    const p = probe([
      { name: '1080p', height: 1080, points: [point(18, 2000, 0.998), point(23, 1000, 0.994), point(28, 500, 0.988)] },
      {
        name: '720p',
        height: 720,
        points: [point(18, 1200, 0.998, 0.985), point(23, 600, 0.996, 0.982), point(28, 300, 0.99, 0.975)],
      },
    ]);
    const c = chooseLadder(input(p, rungs));
    const [top, mid] = c.rungs;
    // 0.998 → 0.994 between CRF 18 and 23: 0.995 at 18 + 5·0.75 = 21.75.
    expect(top!.rate).toMatchObject({ kind: 'quality', knob: 'crf', value: 21.7 });
    expect(top!.predictedKbps).toBeGreaterThan(1000);
    expect(top!.predictedKbps).toBeLessThan(2000);
    expect(top!.quality).toBeGreaterThanOrEqual(0.995);
    expect(mid!.rate).toMatchObject({ kind: 'quality', value: 23.8 });
    for (const r of c.rungs) {
      if (r.rate.kind !== 'quality') throw new Error('expected quality');
      expect(r.rate.maxKbps).toBeLessThanOrEqual(r.capKbps * 1.2);
      // A six-second segment can take at most the maxrate plus the buffer over six seconds.
      expect((r.rate.maxKbps + r.rate.bufKbps / 6) / r.predictedKbps).toBeLessThanOrEqual(2.01);
    }
    expect(c.predictedBytes).toBeLessThan(c.fixedBytes * 0.6);
    expect(c.fixedBytes).toBe(((5000 + 3000) * 1000 * 600) / 8);
    expect(c.sentence).toMatch(/2 of 2 rungs/);
  });

  it('a grainy film: the target out of reach within the cap — exactly the fixed ladder, never fewer bits', () => {
    const p = probe([
      { name: '1080p', height: 1080, points: [point(18, 6000, 0.72), point(23, 6000, 0.71), point(28, 5200, 0.69)] },
      {
        name: '720p',
        height: 720,
        points: [point(18, 3600, 0.81, 0.6), point(23, 3500, 0.8, 0.59), point(28, 1000, 0.78, 0.57)],
      },
    ]);
    const c = chooseLadder(input(p, rungs));
    for (const r of c.rungs) {
      expect(r.starved).toBe(true);
      expect(r.rate).toEqual(fixedRate(r.fixedKbps));
      expect(r.sentence).toMatch(/out of reach/);
    }
    expect(c.predictedBytes).toBe(c.fixedBytes);
  });

  it('a rung whose chosen point costs more than the cap is held at the cap', () => {
    const p = probe([
      { name: '1080p', height: 1080, points: [point(18, 9000, 0.999), point(23, 7000, 0.996), point(28, 4000, 0.99)] },
    ]);
    const c = chooseLadder(input(p, [rungs[0]!]));
    expect(c.rungs[0]!.starved).toBe(true);
    expect(c.rungs[0]!.predictedKbps).toBe(5000);
  });

  it("a profile's own cap (maxKbps) and per-rung target are used", () => {
    const profile = ladderProfileSchema.parse({
      rungs: [
        { height: 1080, kbps: 5000, maxKbps: 8000, ssim: 0.997 },
        { height: 720, kbps: 3000 },
      ],
      audioKbps: 128,
    });
    const rs = chooseRungsFor(
      [
        { name: '1080p', videoKbps: 5000 },
        { name: '720p', videoKbps: 3000 },
      ],
      profile,
    );
    expect(rs).toEqual([
      { name: '1080p', fixedKbps: 5000, capKbps: 8000, ssim: 0.997 },
      { name: '720p', fixedKbps: 3000, capKbps: 3000 },
    ]);
    const p = probe([
      { name: '1080p', height: 1080, points: [point(18, 7000, 0.999), point(23, 4000, 0.995), point(28, 2000, 0.99)] },
      {
        name: '720p',
        height: 720,
        points: [point(18, 1200, 0.998, 0.95), point(23, 600, 0.996, 0.94), point(28, 300, 0.99, 0.93)],
      },
    ]);
    const top = chooseLadder(input(p, rs)).rungs[0]!;
    expect(top.target).toBe(0.997);
    expect(top.predictedKbps).toBeGreaterThan(5000);
    expect(top.predictedKbps).toBeLessThanOrEqual(8000);
    expect(top.sentence).toMatch(/more bits than the fixed 5\.0 Mb\/s/);
  });

  it('a rung that costs as much as the kept rung above it is dropped (the ladder climbs with its bit rates)', () => {
    // Fails without the rule: 720p kept at more bits than 1080p.
    const p = probe([
      {
        name: '1080p',
        height: 1080,
        points: [point(14, 400, 0.999, 0.999), point(19, 250, 0.998, 0.998), point(24, 200, 0.997, 0.997)],
      },
      {
        name: '720p',
        height: 720,
        points: [point(14, 900, 0.996, 0.99), point(19, 450, 0.994, 0.985), point(24, 300, 0.99, 0.98)],
      },
    ]);
    const c = chooseLadder(input(p, rungs));
    expect(c.rungs.map((r) => [r.name, r.keep])).toEqual([
      ['1080p', true],
      ['720p', false],
    ]);
    expect(c.rungs[1]!.dropped).toMatch(/^720p dropped: it needs ≈.* no less than 1080p's ≈200 kb\/s/);
    expect(c.predictedBytes).toBe(Math.round((c.rungs[0]!.predictedKbps * 1000 * 600) / 8));
  });

  it('already above the target at the cheapest trial: that trial', () => {
    const p = probe([
      { name: '1080p', height: 1080, points: [point(18, 300, 0.999), point(23, 200, 0.998), point(28, 150, 0.997)] },
    ]);
    const r = chooseLadder(input(p, [rungs[0]!])).rungs[0]!;
    expect(r.rate).toMatchObject({ kind: 'quality', value: 28 });
    expect(r.sentence).toMatch(/already above it/);
  });

  it('a rung that looks no better than the one below on the big screen is dropped, saying why', () => {
    const p = probe([
      {
        name: '1080p',
        height: 1080,
        points: [point(18, 2000, 0.998, 0.9801), point(23, 1000, 0.994, 0.9799), point(28, 500, 0.988, 0.979)],
      },
      {
        name: '720p',
        height: 720,
        points: [point(18, 1200, 0.998, 0.98), point(23, 600, 0.996, 0.9795), point(28, 300, 0.99, 0.975)],
      },
      {
        name: '540p',
        height: 540,
        points: [point(18, 800, 0.998, 0.95), point(23, 400, 0.996, 0.94), point(28, 200, 0.99, 0.93)],
      },
    ]);
    const c = chooseLadder(input(p, [...rungs, { name: '540p', fixedKbps: 1800, capKbps: 1800 }]));
    expect(c.rungs.map((r) => [r.name, r.keep])).toEqual([
      ['1080p', false],
      ['720p', true],
      ['540p', true],
    ]);
    expect(c.rungs[0]!.dropped).toMatch(
      /1080p dropped: on a 1920×1080 screen .* against .* for 720p .* less than the 0\.005 step/,
    );
    // Dropped rungs cost nothing; the fixed ladder has them all.
    expect(c.predictedBytes).toBe(
      Math.round(((c.rungs[1]!.predictedKbps + c.rungs[2]!.predictedKbps) * 1000 * 600) / 8),
    );
    const chart = ladderChart(c);
    expect(chart.series[0]).toMatchObject({ name: '1080p', keep: false, fixed: { kbps: 5000 } });
    expect(chart.series[0]!.points.map((x) => x.kbps)).toEqual([500, 1000, 2000]);
  });

  it('a hardware encoder probed with its own knob gets its knob; one probed by x264 gets a bit rate', () => {
    const p = probe([
      { name: '1080p', height: 1080, points: [point(19, 2000, 0.998), point(24, 1000, 0.994), point(29, 500, 0.988)] },
    ]);
    const nv = chooseLadder(input({ ...p, encoder: 'h264_nvenc', knob: 'cq' }, [rungs[0]!], 'h264_nvenc')).rungs[0]!;
    expect(nv.rate).toMatchObject({ kind: 'quality', knob: 'cq' });
    expect(rateControlArgs('h264_nvenc', nv.rate, 0)).toContain('-cq:v:0');
    const v4l2 = chooseLadder(input(p, [rungs[0]!], 'h264_v4l2m2m')).rungs[0]!;
    expect(v4l2.rate.kind).toBe('abr');
  });

  it('VMAF targets when the probe measured VMAF', () => {
    const p = probe(
      [{ name: '1080p', height: 1080, points: [point(18, 2000, 98), point(23, 1000, 94), point(28, 500, 88)] }],
      'vmaf',
    );
    const r = chooseLadder(input(p, [rungs[0]!])).rungs[0]!;
    expect(r.target).toBe(95);
    expect(r.rate).toMatchObject({ value: 21.7 });
    expect(r.sentence).toMatch(/VMAF 95\.0/);
  });
});

describe('metrics and the probe graphs', () => {
  it('reads ffmpeg 5.1 ssim/psnr stats files and a libvmaf JSON log', () => {
    const ssim =
      'n:1 Y:0.818681 U:0.899012 V:0.915463 All:0.848200 (8.187283)\nn:2 Y:0.821518 U:0.899629 V:0.914148 All:0.849975 (8.238362)\n';
    expect(parseSsimStats(ssim)).toEqual({ frames: 2, sum: 0.8482 + 0.849975 });
    const psnr =
      'n:1 mse_avg:28.75 mse_y:28.85 mse_u:28.40 mse_v:28.72 psnr_avg:33.54 psnr_y:33.53 psnr_u:33.60 psnr_v:33.55 \n';
    expect(psnrOf(parsePsnrStats(psnr.repeat(2)))).toBeCloseTo(33.54, 1);
    expect(psnrOf({ frames: 3, sum: 0 })).toBe(100);
    const vmaf = JSON.stringify({ frames: [{}, {}, {}], pooled_metrics: { vmaf: { mean: 93.5 } } });
    expect(parseVmafLog(vmaf)).toEqual({ frames: 3, sum: 93.5 * 3 });
    expect(() => parseVmafLog('{"frames":[]}')).toThrow(/no pooled VMAF/);
  });

  it('one decode feeds every rung × knob value; the measure pass compares each at its size and the top size', () => {
    const o = {
      videoStreamIndex: 0,
      preFilters: ['crop=1440:1080:240:0'],
      rungs: [
        { name: '1080p', width: 1440, height: 1080, capKbps: 5000 },
        { name: '540p', width: 720, height: 540, capKbps: 1800 },
      ],
    };
    const enc = encodePassArgs(o, 'libx264', knobFor('libx264')!);
    expect(enc.graph).toBe(
      '[0:0]crop=1440:1080:240:0,split=2[p0][p1];' +
        '[p0]scale=1440:1080,setsar=1,format=yuv420p,split=3[e0_0][e0_1][e0_2];' +
        '[p1]scale=720:540,setsar=1,format=yuv420p,split=3[e1_0][e1_1][e1_2]',
    );
    expect(enc.outputs).toHaveLength(6);
    expect(enc.outputs[4]!.join(' ')).toContain(
      '-c:v:0 libx264 -preset:v:0 veryfast -crf:v:0 19 -maxrate:v:0 2160k -bufsize:v:0 3600k',
    );
    const m = measurePassArgs(o, enc.trials, 'ssim');
    expect(m.outputs).toHaveLength(12);
    expect(m.graph).toContain('[md]scale=1440:1080:flags=bicubic,setsar=1,format=yuv420p,split=6');
    expect(m.graph).toContain('[tb1_2]scale=1440:1080:flags=bicubic,setsar=1,format=yuv420p[tu1_2]');
    expect(m.graph).toContain('[ta1_2][rs1_2]ssim=stats_file=t1-2.ssim.txt[tx1_2]');
    expect(measurePassArgs(o, enc.trials, 'vmaf').graph).toContain('libvmaf=log_fmt=json:log_path=t0-0.vmaf.json');
  });
});

describe('profiles', () => {
  it("parse with the per-title fields' defaults: per-title and trick play unless a profile says otherwise, SSIM 0.995", () => {
    const all = ladderProfilesSchema.parse(profiles);
    expect(all.default!.ladder).toBe('per-title');
    expect(all.default!.trickplay).toEqual({ intervalSec: 10, width: 320, columns: 5, rows: 5 });
    // The small proxies the tests use keep the fixed ladder and make no thumbnails.
    expect([all.preview!.ladder, all.preview!.trickplay]).toEqual(['fixed', false]);
    const bare = ladderProfileSchema.parse({ rungs: [{ height: 360, kbps: 800 }], audioKbps: 96 });
    expect([bare.ladder, bare.trickplay]).toEqual(['per-title', { intervalSec: 10, width: 320, columns: 5, rows: 5 }]);
    expect(all.default!.quality).toEqual({ ssim: 0.995, vmaf: 95, minStepSsim: 0.005, minStepVmaf: 2 });
    expect(all.preview!.quality.ssim).toBe(0.995);
    expect(
      ladderProfileSchema.safeParse({ rungs: [{ height: 360, kbps: 800, ssim: 1.5 }], audioKbps: 96 }).success,
    ).toBe(false);
    expect(
      ladderProfileSchema.safeParse({ rungs: [{ height: 360, kbps: 800 }], audioKbps: 96, ladder: 'auto' }).success,
    ).toBe(false);
  });
});
