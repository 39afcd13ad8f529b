/**
 * The per-title ladder for a plan, in one call: the complexity probe on the plan's own rungs,
 * encoder and pre-split filters (the picture the rungs are made from), then the choice. The plan
 * stage calls it once and stores the result in the plan (`perTitle`), so a resumed encode reads
 * the stored choice and never probes or chooses again; the benchmark and the tests call it the
 * same way (stages/plan-stage.ts adapts it to the job). A profile that says `ladder: fixed` (or
 * `--ladder fixed`) never gets here.
 */
import type { LadderChoice, QualityMetric } from '../../common/ladder.js';
import type { LadderProfile } from '../../common/profile.js';
import type { WindowRules } from '../analysis/windows.js';
import { applyChoice, chooseLadder, chooseRungsFor } from './choose.js';
import { probeComplexity } from './probe.js';

/** What of a plan the per-title ladder reads (structural, so the plan model can move: issue #24). */
export interface PerTitlePlan {
  videoStreamIndex: number;
  encoder: string;
  rungs: Array<{ name: string; width: number; height: number; videoKbps: number }>;
}

export interface PerTitleOptions {
  ffmpegPath: string;
  /** The master (absolute local path). */
  path: string;
  durationSec: number;
  plan: PerTitlePlan;
  /** The filters the encode applies before its split (video-encoder.ts `preSplitFilters`). */
  preFilters: string[];
  profile: Pick<LadderProfile, 'rungs' | 'quality'>;
  rules: WindowRules;
  metric?: QualityMetric | 'auto';
  /** Scratch for the trial encodes (created; the trials are removed as they are measured). */
  workDir: string;
  signal?: AbortSignal;
  onProgress?: (fraction: number, detail: string) => void;
}

/** Probe the film on the plan's rungs and choose its ladder (the record the plan stores). */
export async function choosePerTitle(o: PerTitleOptions): Promise<LadderChoice> {
  const rungs = chooseRungsFor(o.plan.rungs, o.profile);
  const probe = await probeComplexity({
    ffmpegPath: o.ffmpegPath,
    path: o.path,
    durationSec: o.durationSec,
    videoStreamIndex: o.plan.videoStreamIndex,
    // The trials' VBV cap is the rung's cap (the profile's maxKbps, else the fixed rate), as the choice's.
    rungs: o.plan.rungs.map((r, i) => ({ name: r.name, width: r.width, height: r.height, capKbps: rungs[i]!.capKbps })),
    encoder: o.plan.encoder,
    preFilters: o.preFilters,
    rules: o.rules,
    workDir: o.workDir,
    ...(o.metric ? { metric: o.metric } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  return chooseLadder({
    probe,
    quality: o.profile.quality,
    rungs,
    encoder: o.plan.encoder,
    durationSec: o.durationSec,
  });
}

/** The plan under its choice: dropped rungs gone, the kept ones with their rate control; the choice stored. */
export function withPerTitle<P extends { rungs: Array<{ name: string; videoKbps: number }> }>(
  plan: P,
  choice: LadderChoice,
): P & { perTitle: LadderChoice } {
  return { ...plan, rungs: applyChoice(plan.rungs, choice), perTitle: choice };
}
