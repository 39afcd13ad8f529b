/**
 * Detail → Overview: every stage with its progress and timing, the failure with the action to take,
 * a DRM title's scheme, systems, key IDs and provider (never a key), the title ID.
 */
import type { StationApi } from '../../../electron/common/api';
import { formatDuration, formatPercent } from '../../../electron/common/format';
import { STAGES, STAGE_LABELS, type JobSnapshot, type StageProgress } from '../../../electron/common/jobs';
import { fixFor, keptAfter } from '../failures';
import { FixButton } from '../FixButton';
import { TitlePanel } from '../TitlePanel';
import { DrmFacts } from './DrmFacts';

function stageTime(st: StageProgress): string {
  if (st.startedAt && st.endedAt) return formatDuration((Date.parse(st.endedAt) - Date.parse(st.startedAt)) / 1000);
  if (st.state === 'running' && st.etaSeconds !== undefined) return `ETA ${formatDuration(st.etaSeconds)}`;
  return '';
}

export function OverviewTab({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  return (
    <>
      <StageTable job={job} />
      {job.error && job.state === 'failed' && <FailureBlock job={job} error={job.error} station={station} />}
      <BadFiles job={job} />
      {job.drm && <DrmFacts drm={job.drm} compact />}
      <TitlePanel job={job} station={station} />
    </>
  );
}

function StageTable({ job }: { job: JobSnapshot }): React.JSX.Element {
  return (
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
  );
}

/** The whole reason, what was kept, and the one action that fixes it (failures.ts). */
function FailureBlock({
  job,
  error,
  station,
}: {
  job: JobSnapshot;
  error: NonNullable<JobSnapshot['error']>;
  station: StationApi;
}): React.JSX.Element {
  return (
    <div className="detail__error" role="alert" data-testid="detail-error">
      <p>
        <strong>{STAGE_LABELS[error.stage]} failed:</strong> {error.message}
      </p>
      <p className="detail__next">{keptAfter(job)}</p>
      <p className="detail__next">What fixes it: {fixFor(error).advice}</p>
      <FixButton job={job} station={station} />
      {error.detail && (
        <details>
          <summary>Details</summary>
          <pre>{error.detail}</pre>
        </details>
      )}
    </div>
  );
}

/** Files verify rejected: the package never reached a store. */
function BadFiles({ job }: { job: JobSnapshot }): React.JSX.Element | null {
  const problems = job.error?.problems ?? [];
  if (problems.length === 0) return null;
  return (
    <details className="job__problems" open data-testid="job-problems">
      <summary>
        {problems.length} bad file{problems.length > 1 ? 's' : ''} — nothing was uploaded
      </summary>
      <ul>
        {problems.map((p) => (
          <li key={`${p.file}:${p.problem}`}>
            <code>{p.file}</code> <span className="problem">{p.problem}</span> — {p.detail}
          </li>
        ))}
      </ul>
    </details>
  );
}
