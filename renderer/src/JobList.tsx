import { STAGE_LABELS, type JobSnapshot } from '../../electron/common/jobs';
import { formatDuration, formatPercent } from '../../electron/common/format';
import type { StationApi } from '../../electron/common/api';
import { AuditPanel } from './AuditPanel';
import { MasterDetails } from './MasterDetails';

const STATE_LABELS: Record<JobSnapshot['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

function JobRow({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  const stage = job.stages[job.stage];
  const overall = job.state === 'done' ? 1 : stage.fraction;
  const active = job.state === 'queued' || job.state === 'running' || job.state === 'paused';
  const waiting = job.state === 'queued' || job.state === 'paused';
  return (
    <li className={`job job--${job.state}`} data-testid="job" data-state={job.state} aria-label={`${job.title}: ${STATE_LABELS[job.state]}`}>
      <div className="job__head">
        <span className="job__title" title={job.sourcePath}>
          {job.title}
        </span>
        <span className={`badge badge--${job.state}`} data-testid="job-state">
          {STATE_LABELS[job.state]}
        </span>
      </div>
      <div className="job__stage">
        <span data-testid="job-stage">{job.state === 'done' ? 'Verified and delivered' : STAGE_LABELS[job.stage]}</span>
        {job.state === 'running' && (
          <span className="job__meta">
            {' · '}
            {formatPercent(stage.fraction)}
            {stage.detail ? ` · ${stage.detail}` : ''}
            {stage.etaSeconds !== undefined ? ` · ETA ${formatDuration(stage.etaSeconds)}` : ''}
          </span>
        )}
      </div>
      {(active || job.state === 'done') && <progress max={1} value={overall} aria-label={`${STAGE_LABELS[job.stage]} progress`} />}
      {job.error && job.state !== 'cancelled' && (
        <p className="job__error" role="alert" data-testid="job-error">
          {STAGE_LABELS[job.error.stage]} failed: {job.error.message}
        </p>
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
      <MasterDetails job={job} />
      {job.state === 'done' && <AuditPanel job={job} station={station} />}
      <div className="job__actions">
        {(job.state === 'queued' || job.state === 'running') && (
          <button type="button" onClick={() => void station.pauseJob(job.id)}>
            Pause
          </button>
        )}
        {job.state === 'paused' && (
          <button type="button" onClick={() => void station.resumeJob(job.id)}>
            Resume
          </button>
        )}
        {job.state === 'failed' && (
          <button type="button" onClick={() => void station.retryJob(job.id)}>
            Retry {STAGE_LABELS[job.error?.stage ?? job.stage].toLowerCase()}
          </button>
        )}
        {waiting && (
          <>
            <button type="button" aria-label={`Move ${job.title} to the top`} onClick={() => void station.moveJob(job.id, 'top')}>
              ⤒ Top
            </button>
            <button type="button" aria-label={`Move ${job.title} up`} onClick={() => void station.moveJob(job.id, 'up')}>
              ↑
            </button>
            <button type="button" aria-label={`Move ${job.title} down`} onClick={() => void station.moveJob(job.id, 'down')}>
              ↓
            </button>
          </>
        )}
        {active && (
          <button type="button" className="job__cancel" onClick={() => void station.cancelJob(job.id)}>
            Cancel
          </button>
        )}
      </div>
    </li>
  );
}

export function JobList({ jobs, station }: { jobs: JobSnapshot[]; station: StationApi }): React.JSX.Element {
  if (jobs.length === 0) return <p className="empty">No titles yet.</p>;
  return (
    <ul className="jobs" aria-label="Titles">
      {jobs.map((j) => (
        <JobRow key={j.id} job={j} station={station} />
      ))}
    </ul>
  );
}
