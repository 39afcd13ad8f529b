/**
 * Everything about one title: every stage with its progress and timing, the failure with the action
 * to take, the master's MediaInfo and spec findings, the ladder and encoder (and why), what verify
 * proved, what reached each destination, the audit, and the QC player.
 */
import { Renditions } from './Renditions';
import { lazy, Suspense } from 'react';
import { STAGES, STAGE_LABELS, type JobSnapshot, type StageName, type StageProgress } from '../../electron/common/jobs';
import { formatBytes, formatDuration, formatPercent } from '../../electron/common/format';
import type { StationApi } from '../../electron/common/api';
import { AuditPanel } from './AuditPanel';
import { ChunkMap } from './ChunkMap';
import { JobActions } from './JobActions';
import { STATE_LABELS } from './JobList';
import { MasterDetails } from './MasterDetails';
import { TitlePanel } from './TitlePanel';
// hls.js is most of the renderer's weight: loaded when a title's detail first needs the player.
const QcPlayer = lazy(() => import('./QcPlayer').then((m) => ({ default: m.QcPlayer })));

/** What the operator can do about a failure in each stage. */
const NEXT_STEP: Record<StageName, string> = {
  probe: 'Fix or replace the master at its source, then add it again.',
  plan: 'Check the ladder profile in Settings, then retry.',
  claim: 'Set the platform’s title ID below and retry, or Retry with Replace to publish this master in place of what the ID holds.',
  transcode: 'Retry. If it fails again, the ffmpeg output below names the cause (disk, codec, hardware).',
  verify: 'Retry re-transcodes nothing: it checks the package again. If files are damaged, cancel and add the master again.',
  uploadOrigin: 'Check the origin in Settings (Test connection), then retry: uploaded parts are kept.',
  uploadArchive: 'Check the archive in Settings (Test connection), then retry: uploaded parts are kept.',
  audit: 'Run the audit again, or Repair from the local package.',
  report: 'Retry writes the report again.',
};

function stageTime(st: StageProgress): string {
  if (st.startedAt && st.endedAt) return formatDuration((Date.parse(st.endedAt) - Date.parse(st.startedAt)) / 1000);
  if (st.state === 'running' && st.etaSeconds !== undefined) return `ETA ${formatDuration(st.etaSeconds)}`;
  return '';
}

export function JobDetail({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  const verified = job.stages.verify.state === 'done' && job.packageDir;
  return (
    <section className="detail" aria-label={`Details of ${job.title}`} data-testid="job-detail">
      <header className="detail__head">
        <h2>{job.title}</h2>
        <span className={`badge badge--${job.state}`}>{STATE_LABELS[job.state]}</span>
      </header>
      <p className="detail__source">
        <code>{job.sourcePath}</code>
      </p>
      <JobActions job={job} station={station} />

      <table className="stages" data-testid="stage-table">
        <tbody>
          {STAGES.map((s) => {
            const st = job.stages[s];
            return (
              <tr key={s} className={`stages__row stages__row--${st.state}`}>
                <th scope="row">{STAGE_LABELS[s]}</th>
                <td>{st.state}</td>
                <td>{st.state === 'running' ? formatPercent(st.fraction) : ''}</td>
                <td className="stages__detail">{st.detail ?? ''}</td>
                <td>{stageTime(st)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>

      {job.error && job.state !== 'cancelled' && (
        <div className="detail__error" role="alert" data-testid="detail-error">
          <p>
            <strong>{STAGE_LABELS[job.error.stage]} failed:</strong> {job.error.message}
          </p>
          <p className="detail__next">What to do: {NEXT_STEP[job.error.stage]}</p>
          {job.error.detail && (
            <details>
              <summary>Details</summary>
              <pre>{job.error.detail}</pre>
            </details>
          )}
        </div>
      )}
      {job.error?.problems && job.error.problems.length > 0 && (
        <details className="job__problems" open data-testid="job-problems">
          <summary>
            {job.error.problems.length} bad file{job.error.problems.length > 1 ? 's' : ''} — nothing was uploaded
          </summary>
          <ul>
            {job.error.problems.map((p) => (
              <li key={`${p.file}:${p.problem}`}>
                <code>{p.file}</code> <span className="problem">{p.problem}</span> — {p.detail}
              </li>
            ))}
          </ul>
        </details>
      )}

      <TitlePanel job={job} station={station} />

      <MasterDetails job={job} />

      {job.ladder && (
        <div className="detail__block" data-testid="ladder">
          <h3>Ladder</h3>
          <p>
            Encoder <code>{job.ladder.encoder}</code> — {job.ladder.encoderReason}
          </p>
          <ul>
            {job.ladder.rungs.map((r) => (
              <li key={r.name}>
                {r.name}: {r.width}×{r.height} · {r.videoKbps} kb/s{r.encoder ? ` · ${r.encoder}` : ''}
              </li>
            ))}
            <li>
              {job.ladder.segmentSeconds} s {job.ladder.segmentFormat === 'fmp4' ? 'fMP4/CMAF' : 'MPEG-TS'} segments
            </li>
          </ul>
        </div>
      )}

      <Renditions job={job} />

      {job.verified && (
        <p className="detail__block" data-testid="verified">
          Verified: {job.verified.segmentsChecked} segments decoded, {job.verified.fileCount} files ({formatBytes(job.verified.totalBytes)}) hashed · manifest SHA-256{' '}
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

      {job.state === 'done' && <AuditPanel job={job} station={station} />}
      {job.state === 'done' && job.verified && (
        <section aria-label={`Chunk map of ${job.title}`}>
          <h3>Chunks</h3>
          <ChunkMap station={station} jobId={job.id} revision={job.audits?.length ?? 0} />
        </section>
      )}
      {verified && (
        <Suspense fallback={<p className="qc__status">Loading the player…</p>}>
          <QcPlayer job={job} station={station} />
        </Suspense>
      )}
    </section>
  );
}
