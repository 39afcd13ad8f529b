/**
 * Acknowledged bytes over time, for the station and per title: what the throughput graph draws
 * and what a title's report says (average and peak per destination). Bytes count when the store
 * acknowledges them (a part, an object), not when they are handed to a socket. Buckets of one
 * second; a graph of the last `keepSeconds`; the peak is the best `PEAK_WINDOW`-second average
 * (multipart parts are acknowledged in bursts: one second can hold a whole round of parts).
 */
import {
  averageAndPeak,
  PEAK_WINDOW_SECONDS as PEAK_WINDOW,
  type ThroughputSeries,
  type TransferStats,
} from '../../common/throughput.js';

const MAX_TITLES = 200;
/** The day view: a bucket a minute per destination, the last 24 hours. */
const DAY_BUCKET_SECONDS = 60;
const DAY_BUCKETS = 24 * 60;

class Buckets {
  private start = 0; // bucket number (epoch seconds / bucketSeconds) of bytes[0]
  readonly bytes: number[] = [];
  /** Per bucket, the most requests in flight at once. */
  readonly inFlight: number[] = [];
  private inFlightNow = 0;

  constructor(
    private readonly keep: number,
    private readonly bucketSeconds = 1,
  ) {}

  private at(epochSecond: number): number {
    const second = Math.floor(epochSecond / this.bucketSeconds);
    if (this.bytes.length === 0) this.start = second;
    while (this.start + this.bytes.length <= second) {
      this.bytes.push(0);
      this.inFlight.push(this.inFlightNow);
    }
    while (this.bytes.length > this.keep) {
      this.bytes.shift();
      this.inFlight.shift();
      this.start++;
    }
    return Math.max(0, second - this.start);
  }

  add(second: number, bytes: number): void {
    this.bytes[this.at(second)]! += bytes;
  }

  setInFlight(second: number, n: number): void {
    const i = this.at(second);
    this.inFlightNow = n;
    this.inFlight[i] = Math.max(this.inFlight[i]!, n);
  }

  series(now: number): ThroughputSeries {
    this.at(now); // catch up to now: idle seconds are zeros
    return {
      startMs: this.start * this.bucketSeconds * 1000,
      bucketSeconds: this.bucketSeconds,
      bytes: [...this.bytes],
      inFlight: [...this.inFlight],
    };
  }
}

interface TitleStats {
  byDest: Map<
    string,
    { bytes: number; first: number; last: number; window: number[]; windowStart: number; peakBps: number }
  >;
  buckets: Buckets;
}

export class ThroughputMeter {
  private readonly station: Buckets;
  private readonly titles = new Map<string, TitleStats>();
  /** Per destination: what it acknowledged over the day (the dashboard). */
  private readonly day = new Map<string, Buckets>();
  private inFlightNow = 0;

  constructor(
    private readonly keepSeconds = 600,
    private readonly now: () => number = Date.now,
  ) {
    this.station = new Buckets(keepSeconds);
  }

  private second(): number {
    return Math.floor(this.now() / 1000);
  }

  /** `bytes` acknowledged by `destination` for title `jobId`. */
  acknowledged(jobId: string, destination: string, bytes: number): void {
    if (bytes <= 0) return;
    const s = this.second();
    this.station.add(s, bytes);
    let day = this.day.get(destination);
    if (!day) this.day.set(destination, (day = new Buckets(DAY_BUCKETS, DAY_BUCKET_SECONDS)));
    day.add(s, bytes);
    let t = this.titles.get(jobId);
    if (!t) {
      this.titles.set(jobId, (t = { byDest: new Map(), buckets: new Buckets(this.keepSeconds) }));
      // A station open for months: the graphs of the most recent titles only.
      if (this.titles.size > MAX_TITLES) this.titles.delete(this.titles.keys().next().value!);
    }
    t.buckets.add(s, bytes);
    let d = t.byDest.get(destination);
    if (!d)
      t.byDest.set(
        destination,
        (d = { bytes: 0, first: this.now(), last: this.now(), window: [], windowStart: s, peakBps: 0 }),
      );
    d.bytes += bytes;
    d.last = this.now();
    // The peak: the best PEAK_WINDOW consecutive seconds.
    while (d.windowStart + d.window.length <= s) d.window.push(0);
    d.window[s - d.windowStart]! += bytes;
    while (d.window.length > PEAK_WINDOW) {
      d.window.shift();
      d.windowStart++;
    }
    d.peakBps = Math.max(d.peakBps, d.window.reduce((a, b) => a + b, 0) / PEAK_WINDOW);
  }

  /** A request to a store started (+1) or ended (−1). */
  request(delta: 1 | -1): void {
    this.inFlightNow = Math.max(0, this.inFlightNow + delta);
    this.station.setInFlight(this.second(), this.inFlightNow);
  }

  stationSeries(): ThroughputSeries {
    return this.station.series(this.second());
  }

  /** Per destination, acknowledged bytes a minute over the last 24 hours (idle minutes up to now are zeros). */
  daySeries(): Record<string, ThroughputSeries> {
    const now = this.second();
    return Object.fromEntries([...this.day].map(([name, b]) => [name, b.series(now)]));
  }

  titleSeries(jobId: string): ThroughputSeries | undefined {
    return this.titles.get(jobId)?.buckets.series(this.second());
  }

  /** Average (acknowledged bytes over the seconds from the first acknowledgement to the last) and peak, per destination. */
  stats(jobId: string): Record<string, TransferStats> {
    const out: Record<string, TransferStats> = {};
    for (const [name, d] of this.titles.get(jobId)?.byDest ?? []) {
      // Whole seconds from the first acknowledgement's to the last's, both included.
      const seconds = Math.floor(d.last / 1000) - Math.floor(d.first / 1000) + 1;
      const { averageBps, peakBps } = averageAndPeak(d.bytes, seconds, d.peakBps);
      out[name] = { bytes: d.bytes, seconds, averageBps: Math.round(averageBps), peakBps: Math.round(peakBps) };
    }
    return out;
  }

  forget(jobId: string): void {
    this.titles.delete(jobId);
  }
}
