/**
 * The adaptive limit against a simulated link (no sockets, a virtual clock): requests over a path
 * where each connection carries `per` B/s and all together `link` B/s. It must climb until the link
 * is full, not far past it, and halve when throttled; `fixed` never moves.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, adaptivePool } from '../../electron/engine/transfer/adaptive-limit';
import { LinkEstimate, partSizeCandidates, partSizeForLink } from '../../electron/engine/transfer/link-estimate';

const MIB = 1024 * 1024;

/** Drive `parts` requests of `bytes` through the limiter over a fluid-model link; returns the limit's trace. */
const clock = { now: 0 };
const limiter = (o: Omit<ConstructorParameters<typeof AdaptiveLimit>[0], 'now'>): AdaptiveLimit =>
  new AdaptiveLimit({ ...o, now: () => clock.now * 1000 });

async function simulate(
  limit: AdaptiveLimit,
  o: { parts: number; bytes: number; per: number; link: number },
): Promise<{ seconds: number; trace: number[] }> {
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

describe('what the station learns of a link', () => {
  it('a second file starts where the first settled, one step at a time (no doubling back from the start)', async () => {
    const first = limiter({ min: 1, max: 48, initial: 4 });
    await simulate(first, { parts: 200, bytes: 8e6, per: 4e6, link: 60e6 });
    const learned = first.learned()!;
    expect(learned.concurrency).toBeGreaterThanOrEqual(15);
    expect(learned.perRequestBps).toBeGreaterThan(2e6);
    const next = limiter({ min: 1, max: 48, initial: 4, known: learned });
    expect(next.limit).toBe(learned.concurrency);
    const { trace, seconds } = await simulate(next, { parts: 100, bytes: 8e6, per: 4e6, link: 60e6 });
    // Never below where it started by more than a step back, never doubled.
    expect(Math.max(...trace)).toBeLessThanOrEqual(learned.concurrency + 8);
    expect((100 * 8e6) / seconds / 1e6).toBeGreaterThan(0.85 * 60);
  });

  it('part sizes: the configured one on an unknown link, larger on a fat one, never smaller than configured, within memory', () => {
    const configured = 16 * MIB;
    expect(partSizeForLink(20e9, { configured, concurrency: 16, memoryBudget: 24 * configured })).toBe(16 * MIB);
    const fat = new LinkEstimate();
    fat.learn(3, 60e6); // one request carries 60 MB/s
    expect(partSizeForLink(20e9, { link: fat, configured, concurrency: 3, memoryBudget: 24 * configured })).toBe(
      128 * MIB,
    );
    const thin = new LinkEstimate();
    thin.learn(16, 2e6);
    expect(partSizeForLink(20e9, { link: thin, configured, concurrency: 16, memoryBudget: 24 * configured })).toBe(
      16 * MIB,
    );
    // A short file stays at the configured size: six rounds of parts would need smaller ones.
    expect(partSizeForLink(512 * MIB, { link: fat, configured, concurrency: 24, memoryBudget: 24 * configured })).toBe(
      16 * MIB,
    );
    expect(partSizeForLink(2e9, { link: fat, configured, concurrency: 4, memoryBudget: 24 * configured })).toBe(
      64 * MIB,
    );
    // Memory: 3 in flight of a 96 MiB budget → 32 MiB parts at most.
    expect(partSizeForLink(20e9, { link: fat, configured, concurrency: 3, memoryBudget: 96 * MIB })).toBe(32 * MIB);
    // 10,000 parts at most: a 2 TB file needs > 128 MiB parts whatever the link.
    expect(
      Math.ceil(
        2e12 / partSizeForLink(2e12, { link: thin, configured, concurrency: 16, memoryBudget: 24 * configured }),
      ),
    ).toBeLessThanOrEqual(10_000);
  });

  it('every size the station cuts into is a candidate the audit recomputes the ETag from', () => {
    const configured = 16 * MIB;
    const fat = new LinkEstimate();
    fat.learn(2, 40e6);
    for (const size of [100 * MIB + 7, 3e9, 40e9]) {
      const chosen = partSizeForLink(size, { link: fat, configured, concurrency: 2, memoryBudget: 24 * configured });
      const candidates = partSizeCandidates(size, configured);
      expect(candidates).toContain(chosen);
      // The stored part count picks it out (the candidates' counts differ).
      const count = Math.ceil(size / chosen);
      expect(candidates.filter((p) => Math.ceil(size / p) === count)).toEqual([chosen]);
    }
  });
});

describe('objects in flight', () => {
  it('a pool of whole objects climbs while objects per second keep rising, and stops near what the store serves', async () => {
    // A store that serves 300 objects/s in all, each taking at least 100 ms (the round trip).
    let busy = 0;
    const pool = adaptivePool({ min: 1, max: 64, initial: 8 });
    const work = async (): Promise<void> => {
      busy++;
      await new Promise((r) => setTimeout(r, Math.max(100, (busy / 300) * 1000)));
      busy--;
    };
    const t = performance.now();
    await Promise.all(Array.from({ length: 900 }, () => pool(work)));
    const perSecond = 900 / ((performance.now() - t) / 1000);
    expect(pool.limiter.limit).toBeGreaterThan(8);
    expect(pool.limiter.limit).toBeLessThanOrEqual(64);
    expect(perSecond).toBeGreaterThan(150);
  });
});
