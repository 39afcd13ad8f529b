/**
 * The duration a container claims, checked against what the file can hold: its streams' own
 * durations, and its size (picture and sound cost at least 2 kbit/s). A 5 s file claiming 10 h used
 * to pass probe and fail only after the transcode (test/integration/probe-corpus.test.ts probes a
 * real one).
 */
import { describe, expect, it } from 'vitest';
import { durationProblem } from '../../electron/engine/probe/spec-check';

describe('a claimed duration the file cannot hold', () => {
  it('more than the streams hold', () => {
    expect(durationProblem({ durationSec: 36_000, streamsDurationSec: 5, sizeBytes: 1_100_000 })).toMatch(
      /^The container claims 10:00:00, but its streams hold 5\.0 s/,
    );
  });
  it('more than the bytes can hold, when the streams do not say', () => {
    expect(durationProblem({ durationSec: 36_000, sizeBytes: 1_100_000 })).toBe(
      'The file is 1.1 MB: too small to hold the 10:00:00 its container claims (that would be 244 bit/s; picture and sound take at least 2 kbit/s). Its index was edited or damaged.',
    );
  });
  it('an honest master, an audio track a little longer than the picture, a dense black feature', () => {
    expect(durationProblem({ durationSec: 5, streamsDurationSec: 5, sizeBytes: 1_100_000 })).toBeUndefined();
    expect(durationProblem({ durationSec: 6.2, streamsDurationSec: 6.2, sizeBytes: 300_000 })).toBeUndefined();
    expect(durationProblem({ durationSec: 7_200, sizeBytes: 7_200 * 1_000 })).toBeUndefined();
  });
});
