/** Detail → Delivery: what verify proved, what reached each destination, the throughput, the report. */
import type { StationApi } from '../../../electron/common/api';
import { formatBytes, formatDuration } from '../../../electron/common/format';
import type { JobSnapshot } from '../../../electron/common/jobs';
import { ThroughputGraph, useThroughput } from '../ThroughputGraph';

export function DeliveryTab({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  return (
    <>
      {job.verified && (
        <p className="detail__block" data-testid="verified">
          Verified: {job.verified.segmentsChecked} segments decoded, {job.verified.fileCount} files (
          {formatBytes(job.verified.totalBytes)}) hashed · manifest SHA-256{' '}
          <code>{job.verified.manifestSha256.slice(0, 16)}…</code>
        </p>
      )}
      {job.delivered && (
        <ul className="detail__block" data-testid="delivered">
          {Object.entries(job.delivered).map(([dest, d]) => (
            <li key={dest}>
              {dest}: {d.objects} objects, {formatBytes(d.bytes)}
              {d.skipped ? ` (${d.skipped} already there)` : ''}
            </li>
          ))}
        </ul>
      )}
      <TitleThroughput job={job} station={station} />
      <Report job={job} />
      {!job.verified && !job.delivered && (
        <p className="empty">Nothing delivered yet: the package is verified, then uploaded, as it is encoded.</p>
      )}
    </>
  );
}

function Report({ job }: { job: JobSnapshot }): React.JSX.Element {
  return (
    <>
      {job.reportPath && (
        <p className="detail__block" data-testid="report-path">
          Report: <code>{job.reportPath}</code>
        </p>
      )}
      {job.report && job.report.warnings.length > 0 && (
        <details className="detail__block" data-testid="report-warnings">
          <summary>Report: {job.report.warnings.length} warning(s)</summary>
          <ul>
            {job.report.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

/** The title's acknowledged MB/s while it uploads, and each destination's average and peak once sent. */
function TitleThroughput({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element | null {
  const view = useThroughput(station, job.id);
  const transfers = Object.entries(job.transfers ?? {});
  if (!view?.title && transfers.length === 0) return null;
  return (
    <div className="detail__block" data-testid="title-throughput">
      <h3>Throughput</h3>
      {view?.title && <ThroughputGraph series={view.title} label="This title" width={600} height={160} fluid />}
      {transfers.length > 0 && (
        <ul data-testid="transfer-stats">
          {transfers.map(([dest, t]) => (
            <li key={dest}>
              {dest}: {formatBytes(t.bytes)} in {formatDuration(t.seconds)} · average {formatBytes(t.averageBps)}/s ·
              peak {formatBytes(t.peakBps)}/s
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
