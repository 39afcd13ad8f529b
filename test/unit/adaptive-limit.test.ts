/**
 * The adaptive limit against a simulated link (no sockets, a virtual clock): requests over a path
 * where each connection carries `per` B/s and all together `link` B/s. It must climb until the link
 * is full, not far past it, and halve when throttled; `fixed` never moves.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit } from '../../electron/engine/transfer/adaptive-limit';

/** Drive `parts` requests of `bytes` through the limiter over a fluid-model link; returns the limit's trace. */
const clock = { now: 0 };
const limiter = (o: Omit<ConstructorParameters<typeof AdaptiveLimit>[0], 'now'>): AdaptiveLimit => new AdaptiveLimit({ ...o, now: () => clock.now * 1000 });

async function simulate(limit: AdaptiveLimit, o: { parts: number; bytes: number; per: number; link: number }): Promise<{ seconds: number; trace: number[] }> {
  clock.now = 0;
  let now = 0;
  const trace: number[] = [];
  const flying = new Set<{ left: number; done: () => void; start: number }>();
  let started = 0;
  const startOne = (): Promise<void> =>
    limit.run(
      () =>
        new Promise<void>((done) => {
          flying.add({ left: o.bytes, done, start: now });
        }),
    );
  const all: Promise<void>[] = [];
  for (; started < o.parts; started++) all.push(startOne());
  // Advance the clock in 10 ms steps, sharing the link fairly, each connection capped at `per`.
  while (flying.size > 0 || limit.inFlight > 0) {
    await Promise.resolve();
    const n = flying.size;
    if (n === 0) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    const each = Math.min(o.per, o.link / n) * 0.01;
    now += 0.01;
    clock.now = now;
    for (const f of [...flying]) {
      f.left -= each;
      if (f.left <= 0) {
        flying.delete(f);
        limit.observe(o.bytes, now - f.start);
        f.done();
        trace.push(limit.limit);
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(all);
  return { seconds: now, trace };
}

describe('adaptive parts in flight', () => {
  it('climbs to fill a 60 MB/s link of 4 MB/s connections, and stops near 15', async () => {
    const limit = limiter({ min: 1, max: 48, initial: 4 });
    const { seconds, trace } = await simulate(limit, { parts: 200, bytes: 8e6, per: 4e6, link: 60e6 });
    const rate = (200 * 8e6) / seconds / 1e6;
    expect(Math.max(...trace)).toBeGreaterThanOrEqual(15);
    expect(trace.at(-1)!).toBeLessThanOrEqual(24);
    expect(rate).toBeGreaterThan(0.8 * 60);
  });

  it('stays low where one connection fills the link', async () => {
    const limit = limiter({ min: 1, max: 48, initial: 4 });
    const { trace } = await simulate(limit, { parts: 100, bytes: 8e6, per: 200e6, link: 100e6 });
    expect(trace.at(-1)!).toBeLessThanOrEqual(8);
  });

  it('halves on throttling; fixed never moves', async () => {
    const limit = limiter({ min: 2, max: 48, initial: 16 });
    limit.throttled('SlowDown');
    expect(limit.limit).toBe(8);
    const fixed = limiter({ min: 1, max: 48, initial: 4, fixed: true });
    await simulate(fixed, { parts: 50, bytes: 8e6, per: 4e6, link: 60e6 });
    fixed.throttled('SlowDown');
    expect(fixed.limit).toBe(4);
  });
});
