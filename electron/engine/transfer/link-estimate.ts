/**
 * What the station has learned about the link to one destination, kept while the station runs:
 * the parts in flight that last filled it and what one request carried. The next file starts there
 * instead of climbing again from the configured start, and its part size is chosen for the link:
 * long enough that a part spends a few seconds on the wire (fewer, larger parts on fat links — B2
 * recommends ~100 MB), short enough that the file is cut into several rounds of parts (the last
 * round, where fewer parts than the link holds are in flight, stays a small share of the file).
 *
 * Part sizes come from one ladder (the configured size and its doublings), so the multipart ETag
 * of an object this station wrote can be recomputed from the stored ETag's part count alone
 * (`partSizeCandidates`), with no request.
 */
import { MAX_PARTS, MIN_PART_SIZE } from './multipart.js';

const MIB = 1024 * 1024;
/** The largest part the station chooses by itself (B2 recommends ~100 MB parts). */
const LARGEST = 128 * MIB;
/** How long one part should take on the wire (s): long enough that the request's own round trip is noise. */
const SECONDS_PER_PART = 4;
/** At least this many rounds of parts per file. */
const ROUNDS = 6;

/**
 * The part sizes the station picks from: the configured size (the smallest it uses) and its
 * doublings up to 128 MiB.
 */
export function partSizeLadder(configured: number): number[] {
  const out = [configured];
  while (out.at(-1)! * 2 <= Math.max(configured, LARGEST)) out.push(out.at(-1)! * 2);
  return out;
}

export class LinkEstimate {
  /** Parts in flight the last file settled on (the level that paid best). */
  concurrency: number | undefined;
  /** Bytes per second one request carried at that level. */
  perRequestBps: number | undefined;

  learn(concurrency: number, perRequestBps: number): void {
    this.concurrency = concurrency;
    this.perRequestBps = perRequestBps;
  }
}

/** Whole MiB, ≥ 5 MiB, few enough parts for the store's 10,000. */
function legal(size: number, partSize: number): number {
  return Math.ceil(Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS), partSize) / MIB) * MIB;
}

/**
 * The part size for a file of `size` bytes on this link: the largest step of the ladder within a
 * few seconds of one request's rate, a sixth of the file over the parts in flight, and the memory
 * budget over the parts in flight — never below the configured size. Unknown link: the configured size.
 */
export function partSizeForLink(
  size: number,
  o: { link?: LinkEstimate; configured: number; concurrency: number; memoryBudget: number },
): number {
  const want = o.link?.perRequestBps ? o.link.perRequestBps * SECONDS_PER_PART : o.configured;
  const rounds = size / (ROUNDS * Math.max(1, o.concurrency));
  const memory = o.memoryBudget / Math.max(1, o.concurrency);
  const target = Math.min(want, rounds, memory);
  const ladder = partSizeLadder(o.configured);
  return legal(size, [...ladder].reverse().find((p) => p <= target) ?? ladder[0]!);
}

/** Every part size this station could have cut `size` bytes into: the ladder's. */
export function partSizeCandidates(size: number, configured: number): number[] {
  return [...new Set(partSizeLadder(configured).map((p) => legal(size, p)))];
}
