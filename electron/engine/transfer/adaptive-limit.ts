/**
 * Requests in flight that find the link by themselves. Over a long path one connection carries a
 * few MB/s (its TCP window over the RTT), so throughput is decided by how many requests are in
 * flight — and the right number depends on the link. The limiter watches each finished request's
 * own rate (bytes / seconds in flight): while adding requests leaves each one as fast as before,
 * the link is not full and one more is added (one per completion, so it grows within a few parts);
 * when the requests slow down together — aggregate flat while concurrency rose — the link is full
 * and the limit goes back to the last level that still paid. Throttling (503 SlowDown) and
 * timeouts halve it. Always within [min, max]; `fixed` turns adaptation off (the operator's number).
 */

export interface AdaptiveLimitOptions {
  min: number;
  max: number;
  initial: number;
  /** The operator's fixed number: no adaptation. */
  fixed?: boolean;
  /** What an earlier upload on this link settled on: start there, one step at a time (no doubling). */
  known?: { concurrency: number; perRequestBps: number };
  now?: () => number;
  log?: (line: string) => void;
}

interface Sample {
  at: number;
  bytes: number;
  seconds: number;
  concurrency: number;
}

/** How much faster the aggregate must get for a level to have paid (5 %). */
const GAIN = 1.03;

export class AdaptiveLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** The best aggregate rate seen (bytes/s) and the concurrency it was seen at. */
  private best = { rate: 0, concurrency: 0 };
  private ceiling: number;
  limit: number;

  constructor(private readonly o: AdaptiveLimitOptions) {
    this.limit = Math.max(o.min, Math.min(o.max, o.known?.concurrency ?? o.initial));
    this.ceiling = o.max;
    if (o.known) {
      this.best = { rate: o.known.perRequestBps * this.limit, concurrency: this.limit };
      this.slowStart = false;
    }
  }

  get inFlight(): number {
    return this.active;
  }

  /** The level that paid best so far and what one request carried there (for the next file on this link). */
  learned(): { concurrency: number; perRequestBps: number } | undefined {
    return this.best.concurrency
      ? { concurrency: this.best.concurrency, perRequestBps: this.best.rate / this.best.concurrency }
      : undefined;
  }

  /** Run `fn` when a slot is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.wake();
    }
  }

  /** One request's bytes went over the wire in `seconds` (its own time on the wire, not its wait for a slot). */
  observe(bytes: number, seconds: number): void {
    this.finished({ at: this.now(), bytes, seconds: Math.max(0.001, seconds), concurrency: this.active });
  }

  /** The store pushed back (503 SlowDown, a timeout): halve, and do not climb past this again soon. */
  throttled(why: string): void {
    if (this.o.fixed) return;
    const before = this.limit;
    this.slowStart = false;
    this.ceiling = Math.max(this.o.min, before - 1);
    this.setLimit(Math.floor(before / 2));
    this.o.log?.(`transfer: ${why} — requests in flight ${before} → ${this.limit}`);
  }

  private now(): number {
    return this.o.now?.() ?? performance.now();
  }

  private wake(): void {
    // Woken waiters check the limit again when they run; any beyond the free slots wait again.
    for (let free = this.limit - this.active; free > 0 && this.waiting.length; free--) this.waiting.shift()!();
  }

  private completions = 0;
  /** When the limit last changed: only requests started after it measure the new level. */
  private levelSince = -Infinity;
  private fresh: Sample[] = [];
  /** Doubling until a level fails to pay; then one at a time. */
  private slowStart = true;

  private finished(s: Sample): void {
    if (this.o.fixed) return;
    // Now and then, probe past the link's limit again: other uploads may have ended. A level only
    // stays if it beats the best rate seen.
    if (++this.completions % 32 === 0 && !this.slowStart && this.ceiling <= this.limit) this.ceiling = this.o.max;
    if (s.at - s.seconds * 1000 < this.levelSince) {
      if (this.best.concurrency === 0) this.setLimit(this.limit + 1); // nothing measured yet: keep moving
      return;
    }
    this.fresh.push(s);
    if (this.fresh.length < Math.min(this.limit, 3)) return;
    const perRequest = this.fresh.reduce((n, x) => n + x.bytes / x.seconds, 0) / this.fresh.length;
    const aggregate = perRequest * this.limit;
    if (aggregate > this.best.rate * GAIN) {
      this.best = { rate: aggregate, concurrency: this.limit };
      this.setLimit(this.slowStart ? this.limit * 2 : this.limit + 1);
    } else if (this.limit === this.best.concurrency) {
      // The best level measured again (held at the cap, or back after a probe): it stays, and its
      // rate is what the link gives now (other uploads may have started or ended).
      this.best = { rate: aggregate, concurrency: this.limit };
      this.setLimit(this.limit + (this.slowStart ? 0 : 1));
    } else {
      // This level did not pay: the link is full below it.
      const before = this.limit;
      this.slowStart = false;
      this.ceiling = Math.max(this.o.min, before - 1);
      this.setLimit(Math.max(this.best.concurrency, this.o.min));
      if (before !== this.limit)
        this.o.log?.(
          `transfer: the link is full at ~${(this.best.rate / 1e6).toFixed(1)} MB/s — requests in flight ${before} → ${this.limit}`,
        );
    }
  }

  private setLimit(n: number): void {
    const next = Math.max(this.o.min, Math.min(this.ceiling, this.o.max, Math.round(n)));
    this.fresh = [];
    if (next === this.limit) return;
    this.limit = next;
    this.levelSince = this.now();
    this.wake();
  }
}

/** Runs a task when the pool has room (p-limit's call shape, so a p-limit pool fits too). */
export type Pool = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * A pool of whole-object requests (chunk uploads, audit reads) whose size adapts like a file's
 * parts: each task counts as one object, so the limiter follows objects per second — what a
 * package of small chunks is limited by (round trips and the store's per-request work, not bytes).
 */
export function adaptivePool(o: AdaptiveLimitOptions): Pool & { limiter: AdaptiveLimit } {
  const limiter = new AdaptiveLimit(o);
  const pool = <T>(fn: () => Promise<T>): Promise<T> =>
    limiter.run(async () => {
      const t = performance.now();
      const out = await fn();
      limiter.observe(1, (performance.now() - t) / 1000);
      return out;
    });
  return Object.assign(pool, { limiter });
}
