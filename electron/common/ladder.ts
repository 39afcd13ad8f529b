/**
 * A ladder per title (issue #27): what the complexity probe measured on a film, and the bit rate
 * (or capped constant-quality setting) it chose for each rung, with the evidence — a plain record,
 * stored in the plan so a resumed encode never chooses again, and read by the report, the Ladder
 * tab (its bitrate–quality chart) and `--json`. Shared by the engine (engine/ladder/), the CLI and
 * the renderer, so types and pure helpers only.
 */

/** The metric a probe measured with: SSIM everywhere, VMAF where the ffmpeg has libvmaf. */
export type QualityMetric = 'ssim' | 'vmaf';

/** The encoder's own constant-quality knob and which way is better. */
export type QualityKnob = 'crf' | 'cq' | 'global_quality' | 'qvbr_quality_level' | 'q:v';

/**
 * How a rung's encoder spends bits.
 *  - `abr`: an average bit rate with a VBV cap — the fixed ladder's mode (maxrate 1.2×, buffer 2×);
 *  - `quality`: constant quality on the encoder's own knob (x264 CRF, NVENC CQ, QSV/VAAPI QVBR,
 *    AMF QVBR, VideoToolbox q:v), capped by a VBV maxrate and buffer so the peak stays bounded.
 */
export type RateControl =
  | { kind: 'abr'; kbps: number; maxKbps: number; bufKbps: number }
  | {
      kind: 'quality';
      knob: QualityKnob;
      value: number;
      /** The average the probe predicts (QSV/VAAPI QVBR need it as their target rate). */
      expectedKbps: number;
      maxKbps: number;
      bufKbps: number;
    };

/** One trial of one rung at one knob value, over all sampled windows. */
export interface ProbePoint {
  /** The knob's value (e.g. CRF 23). */
  value: number;
  /** Average video bit rate of the trial encodes (kb/s). */
  kbps: number;
  /** The metric at the rung's own size against the master scaled to it (frame-weighted mean). */
  quality: number;
  /** PSNR (dB, luma+chroma average) at the rung's size — always measured, for the record. */
  psnr: number;
  /** The metric with the rung scaled (bicubic) to the top rung's size against the master at that size. */
  display: number;
  /** Per sampled window: bit rate and quality at the rung's size (the evidence). */
  windows: Array<{ kbps: number; quality: number }>;
}

export interface ProbeRung {
  name: string;
  width: number;
  height: number;
  /** Trials from best quality to least. */
  points: ProbePoint[];
}

/** What the complexity probe measured: trial encodes per rung on sampled windows of the film. */
export interface LadderProbe {
  version: 1;
  metric: QualityMetric;
  /** Why that metric (e.g. "this ffmpeg has no libvmaf: SSIM"). */
  metricReason: string;
  encoder: string;
  /** The encoder options the trials used besides the knob (the production preset: no correction needed). */
  encoderOptions: string[];
  knob: QualityKnob;
  /** The picture filters before the ladder's split (deinterlace, crop…), as the encode will apply them. */
  preFilters: string[];
  windows: Array<{ start: number; duration: number }>;
  /** The size every rung is scaled to for the display comparison (the top rung's). */
  display: { width: number; height: number };
  rungs: ProbeRung[];
  elapsedSec: number;
}

export interface RungChoice {
  name: string;
  width: number;
  height: number;
  /** False: dropped from the ladder (`dropped` says why). */
  keep: boolean;
  dropped?: string;
  rate: RateControl;
  /** The average bit rate the probe predicts for the film (kb/s). */
  predictedKbps: number;
  /** The fixed ladder's bit rate for this rung (the cap unless the profile names another). */
  fixedKbps: number;
  capKbps: number;
  target: number;
  /** Predicted quality at the rung's size and on the top rung's screen. */
  quality: number;
  display: number;
  psnr: number;
  /** The target cannot be reached within the cap: the fixed ladder's settings (the cap). */
  starved?: true;
  /** One sentence for an operator. */
  sentence: string;
}

/** The per-title ladder chosen for a film: stored in the plan, never chosen again on resume. */
export interface LadderChoice {
  version: 1;
  mode: 'per-title';
  metric: QualityMetric;
  rungs: RungChoice[];
  /** Video bytes of the film predicted for the kept rungs, and for the fixed ladder (every rung). */
  predictedBytes: number;
  fixedBytes: number;
  /** One sentence: what was chosen and what it saves. */
  sentence: string;
  probe: LadderProbe;
}

/** One rung's curve for the Ladder tab: every trial (kb/s, quality on the top rung's screen) and the chosen point. */
export interface LadderChartSeries {
  name: string;
  keep: boolean;
  points: Array<{ kbps: number; quality: number }>;
  chosen: { kbps: number; quality: number };
  fixed: { kbps: number };
}

/** The Ladder tab's bitrate–quality chart: one series per rung, the metric named. */
export function ladderChart(choice: LadderChoice): { metric: QualityMetric; series: LadderChartSeries[] } {
  return {
    metric: choice.metric,
    series: choice.rungs.map((r) => {
      const probe = choice.probe.rungs.find((p) => p.name === r.name);
      return {
        name: r.name,
        keep: r.keep,
        points: (probe?.points ?? [])
          .map((p) => ({ kbps: p.kbps, quality: p.display }))
          .sort((a, b) => a.kbps - b.kbps),
        chosen: { kbps: r.predictedKbps, quality: r.display },
        fixed: { kbps: r.fixedKbps },
      };
    }),
  };
}

/** A rung of the per-title choice as the plan summary, the report, `--json` and the Ladder tab show it. */
export interface PerTitleRungSummary {
  name: string;
  keep: boolean;
  /** The bit rate chosen (the probe's predicted average, kb/s); 0 for a dropped rung. */
  kbps: number;
  fixedKbps: number;
  /** The metric at the rung's size, and PSNR (dB), as measured at the chosen point. */
  quality: number;
  psnr: number;
  target: number;
  starved?: true;
  /** Video bytes saved against the fixed ladder's rung (negative: spent). */
  savedBytes: number;
  sentence: string;
}

/** The per-title choice in brief (the probe's raw points stay in the plan). */
export interface PerTitleSummary {
  metric: QualityMetric;
  metricReason: string;
  sentence: string;
  predictedBytes: number;
  fixedBytes: number;
  /** The probe: windows sampled and seconds it took. */
  windows: number;
  probeSec: number;
  rungs: PerTitleRungSummary[];
  chart: ReturnType<typeof ladderChart>;
}

export function perTitleSummary(c: LadderChoice): PerTitleSummary {
  // Bytes per kb/s of the film (its duration): the fixed ladder's bytes over its rates.
  const perKbps =
    c.fixedBytes /
    Math.max(
      1,
      c.rungs.reduce((a, r) => a + r.fixedKbps, 0),
    );
  return {
    metric: c.metric,
    metricReason: c.probe.metricReason,
    sentence: c.sentence,
    predictedBytes: c.predictedBytes,
    fixedBytes: c.fixedBytes,
    windows: c.probe.windows.length,
    probeSec: c.probe.elapsedSec,
    rungs: c.rungs.map((r) => {
      const kbps = r.keep ? r.predictedKbps : 0;
      return {
        name: r.name,
        keep: r.keep,
        kbps,
        fixedKbps: r.fixedKbps,
        quality: r.quality,
        psnr: r.psnr,
        target: r.target,
        ...(r.starved ? { starved: true as const } : {}),
        savedBytes: Math.round((r.fixedKbps - kbps) * perKbps),
        sentence: r.sentence,
      };
    }),
    chart: ladderChart(c),
  };
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** The choice as lines for an operator (the CLI's report): the sentence, then one line per rung. */
export function perTitleLines(s: PerTitleSummary): string[] {
  const metric = s.metric.toUpperCase();
  return [
    `${s.sentence} — ${s.metricReason}; probe: ${s.windows} window(s), ${s.probeSec.toFixed(1)} s`,
    ...s.rungs.map((r) =>
      r.keep
        ? `  ${r.name}: ${r.kbps} kb/s (fixed ${r.fixedKbps}) · ${metric} ${r.quality.toFixed(4)} (target ${r.target}) · PSNR ${r.psnr.toFixed(1)} dB · ` +
          `${r.savedBytes >= 0 ? `${mb(r.savedBytes)} saved` : `${mb(-r.savedBytes)} spent`}${r.starved ? ' · target out of reach: the fixed rate' : ''}`
        : `  ${r.sentence} (${mb(r.savedBytes)} saved)`,
    ),
  ];
}
