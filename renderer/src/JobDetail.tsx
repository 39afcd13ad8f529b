/**
 * Everything about one title, in tabs (WAI-ARIA tabs: ←/→ move between them):
 * Overview — every stage with its progress and timing, the failure with the action to take, the
 * title ID; Master — MediaInfo and spec findings; Ladder — rungs, encoder and why, renditions;
 * Delivery — what verify proved, what reached each destination, the report; Audit — when each
 * destination was last proven whole, and the chunk map; QC — the player.
 */
import { Renditions } from './Renditions';
import { lazy, Suspense, useRef } from 'react';
import { STAGES, STAGE_LABELS, type JobSnapshot, type StageName, type StageProgress } from '../../electron/common/jobs';
import { formatBytes, formatDuration, formatPercent } from '../../electron/common/format';
import { ThroughputGraph, useThroughput } from './ThroughputGraph';
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
  claim:
    'Set the platform’s title ID below and retry, or Retry with Replace to publish this master in place of what the ID holds.',
  transcode: 'Retry. If it fails again, the ffmpeg output below names the cause (disk, codec, hardware).',
  verify:
    'Retry re-transcodes nothing: it checks the package again. If files are damaged, cancel and add the master again.',
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

export const DETAIL_TABS = ['Overview', 'Master', 'Ladder', 'Delivery', 'Audit', 'QC'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export function JobDetail({
  job,
  station,
  tab,
  onTab,
}: {
  job: JobSnapshot;
  station: StationApi;
  tab: DetailTab;
  onTab(tab: DetailTab): void;
}): React.JSX.Element {
  const verified = job.stages.verify.state === 'done' && job.packageDir;
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const id = (t: DetailTab): string => `detail-${job.id}-${t}`;
  const onKeyDown = (e: React.KeyboardEvent): void => {
    const i = DETAIL_TABS.indexOf(tab);
    const to =
      e.key === 'ArrowRight'
        ? (i + 1) % DETAIL_TABS.length
        : e.key === 'ArrowLeft'
          ? (i + DETAIL_TABS.length - 1) % DETAIL_TABS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? DETAIL_TABS.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    onTab(DETAIL_TABS[to]!);
    tabs.current[to]?.focus();
  };
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
      <div className="tabs" role="tablist" aria-label="Title details" onKeyDown={onKeyDown}>
        {DETAIL_TABS.map((t, i) => (
          <button
            key={t}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${id(t)}-tab`}
            aria-selected={t === tab}
            aria-controls={id(t)}
            tabIndex={t === tab ? 0 : -1}
            className="tabs__tab"
            onClick={() => onTab(t)}
          >
            {t}
          </button>
        ))}
      </div>
      <div
        className="tabs__panel"
        role="tabpanel"
        id={id(tab)}
        aria-labelledby={`${id(tab)}-tab`}
        data-testid={`detail-tab-${tab.toLowerCase()}`}
      >
        {tab === 'Overview' && (
          <>
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
          </>
        )}
        {tab === 'Master' && <MasterDetails job={job} />}
        {tab === 'Ladder' && (
          <>
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
                    {job.ladder.segmentSeconds} s {job.ladder.segmentFormat === 'fmp4' ? 'fMP4/CMAF' : 'MPEG-TS'}{' '}
                    segments
                  </li>
                </ul>
              </div>
            )}

            <Renditions job={job} />
          </>
        )}
        {tab === 'Delivery' && (
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

            {!job.verified && !job.delivered && (
              <p className="empty">Nothing delivered yet: the package is verified, then uploaded, as it is encoded.</p>
            )}
          </>
        )}
        {tab === 'Audit' && (
          <>
            {job.state === 'done' && <AuditPanel job={job} station={station} />}
            {job.state === 'done' && job.verified && (
              <section aria-label={`Chunk map of ${job.title}`}>
                <h3>Chunks</h3>
                <ChunkMap station={station} jobId={job.id} revision={job.audits?.length ?? 0} />
              </section>
            )}
            {job.state !== 'done' && <p className="empty">The audit runs once the title is delivered.</p>}
          </>
        )}
        {tab === 'QC' && (
          <>
            {verified && (
              <Suspense fallback={<p className="qc__status">Loading the player…</p>}>
                <QcPlayer job={job} station={station} />
              </Suspense>
            )}
            {!verified && <p className="empty">The player opens once the package is verified.</p>}
          </>
        )}
      </div>
    </section>
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
      {view?.title && <ThroughputGraph series={view.title} label="This title" />}
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
