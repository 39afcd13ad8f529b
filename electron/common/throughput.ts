/** Acknowledged bytes over time, as the engine measures them and the throughput graph draws them. */
export interface ThroughputSeries {
  /** Epoch ms of the first bucket. */
  startMs: number;
  bucketSeconds: number;
  /** Bytes the stores acknowledged in each bucket. */
  bytes: number[];
  /** The most requests in flight at once in each bucket (station only; zeros per title). */
  inFlight: number[];
}

/** One title's transfer to one destination, in its report. */
export interface TransferStats {
  bytes: number;
  /** From the first acknowledgement to the last. */
  seconds: number;
  averageBps: number;
  /** The best five-second average. */
  peakBps: number;
}

/** The peak is the best average over this many seconds (parts are acknowledged in bursts). */
export const PEAK_WINDOW_SECONDS = 5;

/**
 * The one rule for average and peak (the report's per destination, the graph's over what it shows):
 * the average over the seconds from the first acknowledgement to the last; the peak the best
 * five-second average — or the average, for a transfer shorter than that window.
 */
export function averageAndPeak(
  bytes: number,
  seconds: number,
  bestWindowBps: number,
): { averageBps: number; peakBps: number } {
  const averageBps = bytes / Math.max(1, seconds);
  return { averageBps, peakBps: Math.max(bestWindowBps, averageBps) };
}

/** What the graph says beside itself: now, and average and peak over the span drawn. */
export function seriesSummary(s: ThroughputSeries): {
  nowBps: number;
  averageBps: number;
  peakBps: number;
  bytes: number;
} {
  const rates = smoothedRates(s);
  const first = s.bytes.findIndex((b) => b > 0);
  const last = s.bytes.length - 1 - [...s.bytes].reverse().findIndex((b) => b > 0);
  const bytes = s.bytes.reduce((a, b) => a + b, 0);
  if (first < 0) return { nowBps: 0, averageBps: 0, peakBps: 0, bytes: 0 };
  const best = Math.max(
    ...s.bytes.map((_, i) =>
      i + PEAK_WINDOW_SECONDS <= s.bytes.length
        ? s.bytes.slice(i, i + PEAK_WINDOW_SECONDS).reduce((a, b) => a + b, 0) / PEAK_WINDOW_SECONDS
        : 0,
    ),
  );
  return { nowBps: rates.at(-1) ?? 0, bytes, ...averageAndPeak(bytes, (last - first + 1) * s.bucketSeconds, best) };
}

/** Each bucket's rate averaged over `window` buckets ending at it (bytes/s): what the graph draws. */
export function smoothedRates(s: ThroughputSeries, window = PEAK_WINDOW_SECONDS): number[] {
  return s.bytes.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    let sum = 0;
    for (let j = from; j <= i; j++) sum += s.bytes[j]!;
    return sum / ((i - from + 1) * s.bucketSeconds);
  });
}
