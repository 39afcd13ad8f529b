/**
 * The QC timeline: a strip along the film's duration with each finding marked where it lies (its
 * kind's colour, reject/warn/note weight), the thumbnail of a picture finding on hover, and a click
 * that seeks the QC player there.
 */
import { useState } from 'react';
import type { StationApi } from '../../../../electron/common/api';
import type { JobSnapshot } from '../../../../electron/common/jobs';
import type { QcFinding } from '../../../../electron/common/analysis';
import { formatDuration } from '../../../../electron/common/format';

export function QcTimeline(props: {
  job: JobSnapshot;
  station: StationApi;
  onSeek(seconds: number): void;
}): React.JSX.Element | null {
  const { job, station } = props;
  const [hover, setHover] = useState<QcFinding>();
  const duration = job.media?.durationSec ?? 0;
  if (!job.qc || duration <= 0) return null;
  const pct = (s: number): string => `${Math.min(100, Math.max(0, (100 * s) / duration)).toFixed(2)}%`;
  return (
    <div className="qcline" data-testid="qc-timeline">
      <p className="qcline__head">
        {job.qc.length === 0 ? 'QC found nothing a viewer would complain about.' : `QC: ${job.qc.length} finding(s)`}
      </p>
      <div className="qcline__strip" aria-label={`QC findings along ${formatDuration(duration)}`}>
        {job.qc.map((f) => (
          <button
            key={`${f.kind}-${f.start}-${f.streamIndex ?? 'v'}`}
            type="button"
            className={`qcline__mark qcline__mark--${f.kind} qcline__mark--${f.severity}`}
            style={{ left: pct(f.start), width: `max(4px, ${pct(f.end - f.start)})` }}
            title={`${f.severity}: ${f.detail}`}
            aria-label={`${f.kind} at ${formatDuration(f.start)}: ${f.detail}. Play from here`}
            data-testid="qc-mark"
            data-kind={f.kind}
            onMouseEnter={() => setHover(f)}
            onMouseLeave={() => setHover(undefined)}
            onFocus={() => setHover(f)}
            onBlur={() => setHover(undefined)}
            onClick={() => props.onSeek(f.start)}
          />
        ))}
      </div>
      {hover && (
        <div className="qcline__hover" data-testid="qc-hover">
          {hover.thumbnail && (
            <img src={station.mediaUrl(job.id, 'local', `@qc/${hover.thumbnail}`)} alt={`Frame of the ${hover.kind}`} />
          )}
          <span>
            {formatDuration(hover.start)}–{formatDuration(hover.end)} · {hover.severity}: {hover.detail}
          </span>
        </div>
      )}
      <ul className="qcline__list">
        {job.qc.map((f) => (
          <li key={`${f.kind}-${f.start}-${f.streamIndex ?? 'v'}`} className={`finding finding--${f.severity}`}>
            <span className="finding__severity">{f.severity}</span> {formatDuration(f.start)}–{formatDuration(f.end)}{' '}
            {f.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}
