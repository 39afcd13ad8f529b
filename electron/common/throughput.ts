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

/** Each bucket's rate averaged over `window` buckets ending at it (bytes/s): what the graph draws. */
export function smoothedRates(s: ThroughputSeries, window = 5): number[] {
  return s.bytes.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    let sum = 0;
    for (let j = from; j <= i; j++) sum += s.bytes[j]!;
    return sum / ((i - from + 1) * s.bucketSeconds);
  });
}
