/** Detail → Overview: every stage with its progress and timing, the failure with the action to take, the title ID. */
import type { StationApi } from '../../../electron/common/api';
import { formatDuration, formatPercent } from '../../../electron/common/format';
import {
  STAGES,
  STAGE_LABELS,
  type JobSnapshot,
  type StageName,
  type StageProgress,
} from '../../../electron/common/jobs';
import { TitlePanel } from '../TitlePanel';

/** What the operator can do about a failure in each stage. */
const NEXT_STEP: Record<StageName, string> = {
  probe: 'Fix or replace the master at its source, then add it again.',
  analyse: 'Retry. If the master cannot be decoded where the analysis samples it, the ffmpeg output below says where.',
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

export function OverviewTab({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  return (
    <>
      <StageTable job={job} />
      {job.error && job.state !== 'cancelled' && <FailureBlock error={job.error} />}
      <BadFiles job={job} />
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

function FailureBlock({ error }: { error: NonNullable<JobSnapshot['error']> }): React.JSX.Element {
  return (
    <div className="detail__error" role="alert" data-testid="detail-error">
      <p>
        <strong>{STAGE_LABELS[error.stage]} failed:</strong> {error.message}
      </p>
      <p className="detail__next">What to do: {NEXT_STEP[error.stage]}</p>
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
