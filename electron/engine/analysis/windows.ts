/**
 * Where the analysis looks: windows spread evenly over the whole film (a film's first minutes say
 * nothing about a video-sourced bonus reel at its end or the credits' bars), their number growing
 * with the film's length within the spec's bounds. A master shorter than the windows would cover
 * is analysed whole — one decode, and no part of it missed.
 */
import type { AnalysisWindow } from '../../common/analysis.js';
import type { PictureRules } from '../../common/spec.js';

export type WindowRules = Pick<
  PictureRules,
  'analysisWindowSec' | 'analysisWindowEverySec' | 'analysisMinWindows' | 'analysisMaxWindows'
>;

export function planWindows(durationSec: number, rules: WindowRules): { whole: boolean; windows: AnalysisWindow[] } {
  const len = rules.analysisWindowSec;
  const count = Math.min(
    rules.analysisMaxWindows,
    Math.max(rules.analysisMinWindows, Math.round(durationSec / rules.analysisWindowEverySec)),
  );
  // Windows that would cover most of the film anyway: decode it whole instead.
  if (durationSec <= count * len * 1.5) return { whole: true, windows: [{ start: 0, duration: durationSec }] };
  const windows = Array.from({ length: count }, (_, i) => {
    const centre = ((i + 0.5) * durationSec) / count;
    const start = Math.min(Math.max(0, centre - len / 2), durationSec - len);
    return { start: Math.round(start * 1000) / 1000, duration: len };
  });
  return { whole: false, windows };
}
