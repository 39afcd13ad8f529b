/**
 * The throughput meter on a virtual clock: per-second buckets of acknowledged bytes (idle seconds
 * are zeros), the most requests in flight per second, and a title's average and peak per
 * destination (the peak is the best five seconds, so a burst of parts acknowledged together does
 * not read as a link ten times faster than it is).
 */
import { describe, expect, it } from 'vitest';
import { ThroughputMeter } from '../../electron/engine/transfer/throughput-meter';
import { seriesSummary, smoothedRates } from '../../electron/common/throughput';

describe('throughput meter', () => {
  it('buckets, in-flight requests, average and peak', () => {
    let now = 1_000_000;
    const meter = new ThroughputMeter(60, () => now);
    // Ten seconds at 10 MB/s to the origin, bursts of 50 MB every 5 s to the archive.
    for (let s = 0; s < 10; s++) {
      meter.request(1);
      meter.request(1);
      meter.acknowledged('job1', 'origin', 10e6);
      if (s % 5 === 4) meter.acknowledged('job1', 'archive', 50e6);
      meter.request(-1);
      now += 1000;
    }
    now += 3000; // three idle seconds
    const station = meter.stationSeries();
    expect(station.bytes.slice(0, 10)).toEqual([10e6, 10e6, 10e6, 10e6, 60e6, 10e6, 10e6, 10e6, 10e6, 60e6]);
    expect(station.bytes.slice(10)).toEqual([0, 0, 0, 0]);
    expect(station.inFlight[0]).toBe(2);
    expect(station.inFlight[9]).toBe(10 + 1); // one more left open each second
    const stats = meter.stats('job1');
    expect(stats.origin!.bytes).toBe(100e6);
    expect(stats.origin!.averageBps).toBe(10e6); // ten seconds with acknowledgements
    expect(stats.origin!.seconds).toBe(10);
    expect(stats.origin!.peakBps).toBe(10e6);
    // Two bursts of 50 MB five seconds apart (seconds 4 and 9): 100 MB over six seconds; no
    // five-second window holds more than one burst (10 MB/s), so the peak is the average.
    expect(stats.archive!.averageBps).toBe(Math.round(100e6 / 6));
    expect(stats.archive!.peakBps).toBe(stats.archive!.averageBps);
    expect(meter.titleSeries('job1')!.bytes.slice(0, 5)).toEqual([10e6, 10e6, 10e6, 10e6, 60e6]);
    expect(meter.titleSeries('nobody')).toBeUndefined();
    // The graph's summary follows the report's rule: over the seconds with acknowledgements, best five seconds.
    const graph = seriesSummary(meter.titleSeries('job1')!);
    expect(graph.bytes).toBe(200e6);
    expect(graph.averageBps).toBe(20e6);
    expect(graph.peakBps).toBe(Math.max(20e6, (10e6 * 5 + 50e6) / 5));
    expect(seriesSummary({ startMs: 0, bucketSeconds: 1, bytes: [0, 0], inFlight: [] })).toEqual({
      nowBps: 0,
      averageBps: 0,
      peakBps: 0,
      bytes: 0,
    });
    expect(smoothedRates({ startMs: 0, bucketSeconds: 1, bytes: [10, 0, 20, 30, 0, 0], inFlight: [] }, 2)).toEqual([
      10, 5, 10, 25, 15, 0,
    ]);
  });

  it('the day per destination: a bucket a minute, kept 24 hours, idle minutes zeros', () => {
    let now = Date.parse('2026-12-01T08:00:30Z');
    const meter = new ThroughputMeter(60, () => now);
    meter.acknowledged('job1', 'origin', 6e6);
    meter.acknowledged('job2', 'origin', 4e6);
    meter.acknowledged('job1', 'archive', 1e6);
    now += 2 * 60_000; // two minutes later
    meter.acknowledged('job1', 'origin', 3e6);
    const day = meter.daySeries();
    expect(Object.keys(day).sort()).toEqual(['archive', 'origin']);
    expect(day.origin).toMatchObject({
      startMs: Date.parse('2026-12-01T08:00:00Z'),
      bucketSeconds: 60,
      bytes: [10e6, 0, 3e6],
    });
    // The archive's idle minutes up to now are zeros (the graph ends at the same moment).
    expect(day.archive!.bytes).toEqual([1e6, 0, 0]);
    // A day later the first minutes have gone: 24 hours are kept.
    now += 24 * 3_600_000;
    meter.acknowledged('job3', 'origin', 1);
    const later = meter.daySeries().origin!;
    expect(later.bytes).toHaveLength(24 * 60);
    expect(later.bytes.at(-1)).toBe(1);
    expect(later.startMs).toBe(now - (now % 60_000) - (24 * 60 - 1) * 60_000);
  });
});
