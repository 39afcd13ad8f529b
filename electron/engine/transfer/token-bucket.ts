/**
 * A global bandwidth limit shared by every upload: a token bucket refilled at `bytesPerSecond`.
 * Callers take tokens for the bytes they are about to send; with no limit set, take() is free.
 * The bucket holds at most one second of tokens (or one request's worth, if larger) so an idle
 * period cannot turn into a long burst.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class TokenBucket {
  private tokens: number;
  private last = Date.now();
  private queue: Promise<void> = Promise.resolve();

  constructor(private bytesPerSecond: number | undefined) {
    this.tokens = bytesPerSecond ?? 0;
  }

  setRate(bytesPerSecond: number | undefined): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Wait until `bytes` may be sent. Requests are served in order. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const next = this.queue.then(async () => {
      const rate = this.bytesPerSecond;
      if (!rate || rate <= 0) return;
      const cap = Math.max(rate, bytes);
      const now = Date.now();
      this.tokens = Math.min(cap, this.tokens + ((now - this.last) / 1000) * rate);
      this.last = now;
      this.tokens -= bytes;
      if (this.tokens < 0) await sleep((-this.tokens / rate) * 1000, undefined, signal ? { signal } : {});
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
