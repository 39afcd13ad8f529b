/**
 * Benchmark (issue #27's "Done when"): the per-title ladder against the fixed one on generated
 * 1080p ProRes masters — a simple picture (a slow pan over a still) and the same with heavy
 * temporal grain. For each: the complexity probe and the choice (`choosePerTitle`, the plan
 * stage's own call), then the station's video encode (`buildVideoArgs`, the default profile's
 * 1080/720/540/360 ladder) of the fixed and of the per-title plan; printed: video bytes per-title ÷
 * fixed, the top rung's SSIM against the master for both, and the analysis cost against the encode.
 *
 * The cost target is "≤ 20 % of the encode of a 10-minute 1080p master". Encoding ten minutes of
 * 1080p twice per film does not fit this shared two-core machine, so the master is
 * INGEST_BENCH_SECONDS long (60 s by default) and the figures are scaled, which is exact for how
 * both grow: the encode's CPU in proportion to the film's length, the probe's by its windows (a
 * 10-minute film gets planWindows(600) of them, each costing what one window cost here). Both the
 * measured and the scaled ratio are printed. CPU seconds (the children's) are the steadier figure
 * on a shared machine; wall seconds are printed too.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ladderProfilesSchema } from '../../electron/common/profile';
import { deliverySpecSchema } from '../../electron/common/spec';
import { probeMaster } from '../../electron/engine/probe/probe-master';
import { planTranscode, type TranscodePlan } from '../../electron/engine/plan/plan';
import { preSplitFilters } from '../../electron/engine/package/video-encoder';
import { choosePerTitle, withPerTitle } from '../../electron/engine/ladder/per-title';
import { PROBE_WINDOW_SEC } from '../../electron/engine/ladder/probe';
import { planWindows } from '../../electron/engine/analysis/windows';
import { encodeLadder, makeFilm, rungSsim, segmentRates, type FilmKind } from '../helpers/per-title';
import { tempDir } from '../helpers/station';
import profiles from '../../resources/ladder-profiles.json';
import defaultSpec from '../../resources/delivery-spec.json';

const SECONDS = Number(process.env.INGEST_BENCH_SECONDS ?? 60);
const TEN_MINUTES = 600;
const PROFILE = ladderProfilesSchema.parse(profiles).default!;
const RULES = deliverySpecSchema.parse(defaultSpec).picture;

const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
/** CPU seconds of this process's finished children (Linux /proc: cutime + cstime). */
function childCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICK;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const t = performance.now();
  const c = childCpu();
  const value = await fn();
  return { value, wall: (performance.now() - t) / 1000, cpu: childCpu() - c };
}

const windowsFor = (sec: number) => planWindows(sec, { ...RULES, analysisWindowSec: PROBE_WINDOW_SEC }).windows.length;

async function film(kind: FilmKind) {
  const master = await makeFilm({ kind, width: 1920, height: 1080, seconds: SECONDS, codec: 'prores' });
  const media = (await probeMaster(master, { ffprobePath: 'ffprobe' })).media;
  const plan = planTranscode(media, { segmentSeconds: 6, profile: PROFILE });
  expect(plan.rungs.map((r) => r.name)).toEqual(['1080p', '720p', '540p', '360p']);
  const dir = await tempDir(`bench-per-title-${kind}-`);
  const probe = await timed(() =>
    choosePerTitle({
      ffmpegPath: 'ffmpeg',
      path: master,
      durationSec: media.durationSec,
      plan,
      preFilters: preSplitFilters(plan),
      profile: PROFILE,
      rules: RULES,
      workDir: join(dir, 'probe'),
    }),
  );
  const choice = probe.value;
  const tuned: TranscodePlan = withPerTitle(plan, choice);
  const fixed = await timed(() => encodeLadder(master, plan, join(dir, 'fixed')));
  const per = await timed(() => encodeLadder(master, tuned, join(dir, 'per-title')));
  const bytes = (l: typeof fixed.value) => l.rungs.reduce((a, r) => a + r.bytes, 0);
  const ssim = {
    fixed: await rungSsim(master, fixed.value.rungs[0]!, join(dir, 'ssim-fixed')),
    per: await rungSsim(master, per.value.rungs[0]!, join(dir, 'ssim-per')),
  };
  const peaks = await Promise.all(
    per.value.rungs.map(async (r) => {
      const rates = await segmentRates(r, 6, media.durationSec);
      return `${r.name} ${(rates.peak / rates.average).toFixed(2)}×`;
    }),
  );
  await rm(dir, { recursive: true, force: true });
  return { choice, probe, fixed, per, ratio: bytes(per.value) / bytes(fixed.value), bytes, ssim, peaks };
}

function print(kind: string, x: Awaited<ReturnType<typeof film>>): void {
  const windows = x.choice.probe.windows.length;
  const perWindowCpu = x.probe.cpu / windows;
  const scaled = (perWindowCpu * windowsFor(TEN_MINUTES)) / ((x.fixed.cpu * TEN_MINUTES) / SECONDS);
  const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
  const rungs = x.choice.rungs
    .map(
      (r) =>
        `${r.name} ${r.keep ? `${r.predictedKbps} kb/s (fixed ${r.fixedKbps}) SSIM ${r.quality.toFixed(4)}${r.starved ? ' starved→fixed' : ''}` : 'dropped'}`,
    )
    .join('; ');
  console.log(
    `per-title ${kind}, ${SECONDS} s 1080p ProRes (${x.choice.metric.toUpperCase()}, ${x.choice.probe.metricReason}):\n` +
      `  choice: ${rungs}\n` +
      `  video bytes per-title ${x.bytes(x.per.value)} ÷ fixed ${x.bytes(x.fixed.value)} = ${x.ratio.toFixed(3)}× ` +
      `(predicted ${(x.choice.predictedBytes / x.choice.fixedBytes).toFixed(3)}×); ` +
      `top rung SSIM vs master: per-title ${x.ssim.per.toFixed(4)}, fixed ${x.ssim.fixed.toFixed(4)} (Δ ${(x.ssim.per - x.ssim.fixed).toFixed(4)}); ` +
      `segment peak ÷ average ${x.peaks.join(', ')}\n` +
      `  analysis: ${windows} window(s), ${x.probe.wall.toFixed(1)} s wall / ${x.probe.cpu.toFixed(1)} CPU-s; ` +
      `fixed encode ${x.fixed.wall.toFixed(1)} s / ${x.fixed.cpu.toFixed(1)} CPU-s → ${pct(x.probe.cpu / x.fixed.cpu)} of the encode's CPU here ` +
      `(${pct(x.probe.wall / x.fixed.wall)} wall); scaled to 10 min (${windowsFor(TEN_MINUTES)} windows vs ${TEN_MINUTES / SECONDS}× the encode): ` +
      `${pct(scaled)} (target ≤ 20 %)`,
  );
}

describe('per-title ladder benchmark', () => {
  it('simple and grainy 1080p masters: bytes and top-rung SSIM against the fixed ladder, analysis cost', async () => {
    const simple = await film('pan');
    print('simple (slow pan over a still)', simple);
    const grain = await film('grain');
    print('grainy (the same with heavy temporal grain)', grain);
    console.log(
      `per-title "Done when": simple ${simple.ratio.toFixed(3)}× the bytes (≤ 0.6×) at Δ SSIM ${(simple.ssim.per - simple.ssim.fixed).toFixed(4)} (≥ −0.005); ` +
        `grainy Δ SSIM ${(grain.ssim.per - grain.ssim.fixed).toFixed(4)} (no worse than fixed), ${grain.ratio.toFixed(3)}× the bytes`,
    );
  });
});
