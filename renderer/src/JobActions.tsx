import { STAGE_LABELS, type JobSnapshot } from '../../electron/common/jobs';
import type { StationApi } from '../../electron/common/api';

/** The controls a title offers in its state: pause/resume, retry, reorder, cancel. */
export function JobActions({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  const active = job.state === 'queued' || job.state === 'running' || job.state === 'paused';
  const waiting = job.state === 'queued' || job.state === 'paused';
  return (
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
          <button
            type="button"
            aria-label={`Move ${job.title} to the top`}
            onClick={() => void station.moveJob(job.id, 'top')}
          >
            ⤒ Top
          </button>
          <button type="button" aria-label={`Move ${job.title} up`} onClick={() => void station.moveJob(job.id, 'up')}>
            ↑
          </button>
          <button
            type="button"
            aria-label={`Move ${job.title} down`}
            onClick={() => void station.moveJob(job.id, 'down')}
          >
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
  );
}
