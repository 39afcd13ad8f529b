/**
 * Acknowledged MB/s over time — the station's (with its requests in flight), one title's, or one
 * destination's over the day — as an SVG line with the numbers beside it in text: a glance says
 * whether the link is full, stalled or throttled, and nothing is only a shape. `fluid` graphs fill
 * their container's width and carry a scale (the rate at the top, the times along the bottom).
 */
import { useCallback } from 'react';
import type { StationApi, ThroughputView } from '../../electron/common/api';
import { seriesSummary, smoothedRates, type ThroughputSeries } from '../../electron/common/throughput';
import { formatBytes } from '../../electron/common/format';
import { usePolled } from './usePolled';

const POLL_MS = 2000;

export function useThroughput(station: StationApi, jobId?: string): ThroughputView | undefined {
  const load = useCallback(() => station.throughput(jobId ? { jobId } : {}), [station, jobId]);
  return usePolled(load, POLL_MS);
}

/** The path of `values` scaled into width × height, `span` buckets across (newest at the right). */
function linePath(values: number[], max: number, width: number, height: number, span: number): string {
  if (values.length === 0) return '';
  const step = width / Math.max(1, span - 1);
  const x0 = width - (values.length - 1) * step;
  return values
    .map(
      (v, i) =>
        `${i === 0 ? 'M' : 'L'}${(x0 + i * step).toFixed(1)},${(height - (v / max) * (height - 2) - 1).toFixed(1)}`,
    )
    .join(' ');
}

/** The line's path closed down to the baseline. */
function areaPath(values: number[], max: number, width: number, height: number, span: number): string {
  const x0 = width - (values.length - 1) * (width / Math.max(1, span - 1));
  return `${linePath(values, max, width, height, span)} L${width},${height} L${x0.toFixed(1)},${height} Z`;
}

const clock = (ms: number): string => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export interface ThroughputGraphProps {
  series: ThroughputSeries | undefined;
  label: string;
  /** How many buckets are drawn across (default five minutes of one-second buckets). */
  span?: number;
  width?: number;
  height?: number;
  showInFlight?: boolean;
  /** Fill the container's width, with a scale. */
  fluid?: boolean;
}

export function ThroughputGraph({
  series,
  label,
  span = 300,
  width = 320,
  height = 56,
  showInFlight = false,
  fluid = false,
}: ThroughputGraphProps): React.JSX.Element {
  const shown = series
    ? { ...series, bytes: series.bytes.slice(-span), inFlight: series.inFlight.slice(-span) }
    : undefined;
  const rates = shown ? smoothedRates(shown) : [];
  const inFlight = shown?.inFlight ?? [];
  const { nowBps, averageBps, peakBps } = shown ? seriesSummary(shown) : { nowBps: 0, averageBps: 0, peakBps: 0 };
  const maxInFlight = Math.max(1, ...inFlight);
  const idle = peakBps === 0;
  const bucket = series?.bucketSeconds ?? 1;
  const minutes = Math.round((span * bucket) / 60);
  const over = minutes >= 120 ? `${Math.round(minutes / 60)} hours` : `${minutes} minutes`;
  const summary = idle
    ? `${label}: nothing sent in the last ${over}`
    : `${label}: ${formatBytes(nowBps)}/s now · average ${formatBytes(averageBps)}/s · peak ${formatBytes(peakBps)}/s` +
      (showInFlight ? ` · ${inFlight.at(-1) ?? 0} requests in flight (most ${maxInFlight})` : '');
  const max = Math.max(peakBps, ...rates);
  const end = shown ? shown.startMs + shown.bytes.length * bucket * 1000 : undefined;
  return (
    <figure className={`throughput${fluid ? ' throughput--fluid' : ''}`} data-testid="throughput">
      <div className="throughput__plot">
        {fluid && !idle && <span className="throughput__max">{formatBytes(max)}/s</span>}
        <svg
          className="throughput__graph"
          width={fluid ? '100%' : width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={summary}
        >
          <rect className="throughput__frame" x="0" y="0" width={width} height={height} />
          {!idle && fluid && (
            // The area under the line: a short burst in a day-long graph is still seen.
            <path className="throughput__area" d={areaPath(rates, max, width, height, span)} />
          )}
          {!idle && (
            <path
              className="throughput__rate"
              d={linePath(rates, max, width, height, span)}
              data-testid="throughput-rate"
            />
          )}
          {showInFlight && maxInFlight > 0 && (
            <path className="throughput__inflight" d={linePath(inFlight, maxInFlight, width, height, span)} />
          )}
        </svg>
        {fluid && end !== undefined && (
          <span className="throughput__times" aria-hidden="true">
            <span>{clock(end - span * bucket * 1000)}</span>
            <span>{clock(end - (span * bucket * 1000) / 2)}</span>
            <span>{clock(end)}</span>
          </span>
        )}
      </div>
      <figcaption data-testid="throughput-summary">{summary}</figcaption>
    </figure>
  );
}
