/**
 * ETA from a moving window of (time, done) samples. Hidden until the window spans enough time and
 * work to be honest: ffmpeg's speed and an upload's rate are both wild for the first seconds.
 */
export class RateEstimator {
  private samples: Array<{ t: number; done: number }> = [];

  constructor(
    private readonly total: number,
    private readonly windowMs = 10_000,
    private readonly minSpanMs = 3_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(done: number): void {
    const t = this.now();
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }

  /** Units per second over the window, or undefined while unstable. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < this.minSpanMs || last.done <= first.done) return undefined;
    return ((last.done - first.done) * 1000) / (last.t - first.t);
  }

  /** Seconds left at the current rate; `remaining` overrides total − done (work counted elsewhere). */
  etaSeconds(remaining?: number): number | undefined {
    const rate = this.rate();
    const last = this.samples[this.samples.length - 1];
    if (rate === undefined || !last) return undefined;
    return Math.max(0, (remaining ?? this.total - last.done) / rate);
  }
}
