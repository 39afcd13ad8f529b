/**
 * Acknowledged MB/s over the last minutes — the station's (with its requests in flight) or one
 * title's — as a small SVG line, with the numbers beside it in text: a glance says whether the
 * link is full, stalled or throttled, and nothing is only a shape.
 */
import { useEffect, useState } from 'react';
import type { StationApi, ThroughputView } from '../../electron/common/api';
import { seriesSummary, smoothedRates, type ThroughputSeries } from '../../electron/common/throughput';
import { formatBytes } from '../../electron/common/format';

const POLL_MS = 2000;
/** How much of the series is drawn (seconds). */
const SPAN = 300;

export function useThroughput(station: StationApi, jobId?: string): ThroughputView | undefined {
  const [view, setView] = useState<ThroughputView>();
  useEffect(() => {
    let live = true;
    const load = (): void =>
      void station.throughput(jobId ? { jobId } : {}).then(
        (v) => live && setView(v),
        () => undefined,
      );
    load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [station, jobId]);
  return view;
}

/** The path of `values` scaled into width × height (newest at the right). */
function linePath(values: number[], max: number, width: number, height: number): string {
  if (values.length === 0) return '';
  const step = width / Math.max(1, SPAN - 1);
  const x0 = width - (values.length - 1) * step;
  return values
    .map(
      (v, i) =>
        `${i === 0 ? 'M' : 'L'}${(x0 + i * step).toFixed(1)},${(height - (v / max) * (height - 2) - 1).toFixed(1)}`,
    )
    .join(' ');
}

export function ThroughputGraph({
  series,
  label,
  width = 320,
  height = 56,
  showInFlight = false,
}: {
  series: ThroughputSeries | undefined;
  label: string;
  width?: number;
  height?: number;
  showInFlight?: boolean;
}): React.JSX.Element {
  const shown = series
    ? { ...series, bytes: series.bytes.slice(-SPAN), inFlight: series.inFlight.slice(-SPAN) }
    : undefined;
  const rates = shown ? smoothedRates(shown) : [];
  const inFlight = shown?.inFlight ?? [];
  const { nowBps, averageBps, peakBps } = shown ? seriesSummary(shown) : { nowBps: 0, averageBps: 0, peakBps: 0 };
  const maxInFlight = Math.max(1, ...inFlight);
  const idle = peakBps === 0;
  const summary = idle
    ? `${label}: nothing sent in the last ${Math.round(SPAN / 60)} minutes`
    : `${label}: ${formatBytes(nowBps)}/s now · average ${formatBytes(averageBps)}/s · peak ${formatBytes(peakBps)}/s` +
      (showInFlight ? ` · ${inFlight.at(-1) ?? 0} requests in flight (most ${maxInFlight})` : '');
  return (
    <figure className="throughput" data-testid="throughput">
      <svg
        className="throughput__graph"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={summary}
      >
        <rect className="throughput__frame" x="0" y="0" width={width} height={height} />
        {!idle && (
          <path
            className="throughput__rate"
            d={linePath(rates, Math.max(peakBps, ...rates), width, height)}
            data-testid="throughput-rate"
          />
        )}
        {showInFlight && maxInFlight > 0 && (
          <path className="throughput__inflight" d={linePath(inFlight, maxInFlight, width, height)} />
        )}
      </svg>
      <figcaption data-testid="throughput-summary">{summary}</figcaption>
    </figure>
  );
}
