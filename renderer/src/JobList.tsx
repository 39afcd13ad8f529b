/**
 * The queue: one compact row per title (state, stage, per-stage bar, speed/ETA, actions),
 * virtualised so hundreds of titles cost the same as ten. Rows have a fixed height; the selected
 * title's detail is shown beside the list. Keyboard: ↑/↓/Home/End move the selection, Enter or
 * Space opens it in the detail, P pauses/resumes, Delete cancels (with the row's buttons too).
 */
import { memo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { STAGES, STAGE_LABELS, type JobSnapshot, type StageName } from '../../electron/common/jobs';
import { formatDuration, formatPercent } from '../../electron/common/format';
import type { StationApi } from '../../electron/common/api';
import { STAGE_SHORT, StageBar } from './StageBar';
import { JobActions } from './JobActions';

export const STATE_LABELS: Record<JobSnapshot['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** Dense: title and state, one progress line (every stage in progress on it), the stage bar, the actions. */
const ROW_HEIGHT = 104;

export interface StageLine {
  stage?: StageName;
  label: string;
  meta: string[];
}

function lineOf(job: JobSnapshot, s: StageName, running: boolean): StageLine {
  const st = job.stages[s];
  const meta: string[] = [];
  if (running) {
    meta.push(formatPercent(st.fraction));
    if (st.detail) meta.push(st.detail);
    if (st.etaSeconds !== undefined) meta.push(`ETA ${formatDuration(st.etaSeconds)}`);
  } else if (st.detail && job.state !== 'failed') meta.push(st.detail);
  return { stage: s, label: running ? STAGE_SHORT[s] : STAGE_LABELS[s], meta };
}

/**
 * The row's stage lines: while a title runs, one per stage in progress — the encode, verify and
 * the uploads overlap, and each says where it stands (percent, detail, ETA) — else the stage it
 * waits at or stopped in.
 */
export function stageLines(job: JobSnapshot): StageLine[] {
  if (job.state === 'done') return [{ label: 'Verified and delivered', meta: [] }];
  if (job.state === 'running') {
    const running = STAGES.filter((s) => job.stages[s].state === 'running');
    if (running.length > 0) return running.map((s) => lineOf(job, s, true));
  }
  return [lineOf(job, job.stage, job.state === 'running')];
}

/** Memoised: a 10 Hz update of one title re-renders that row only (props are the job and stable callbacks). */
const JobRow = memo(function JobRow({
  job,
  station,
  selected,
  onSelect,
}: {
  job: JobSnapshot;
  station: StationApi;
  selected: boolean;
  onSelect(id: string): void;
}): React.JSX.Element {
  const lines = stageLines(job);
  return (
    <div
      className={`job job--${job.state}${selected ? ' job--selected' : ''}`}
      data-testid="job"
      data-state={job.state}
      data-job-id={job.id}
      role="listitem"
      aria-current={selected ? 'true' : undefined}
      aria-label={`${job.title}: ${STATE_LABELS[job.state]}`}
      onClick={() => onSelect(job.id)}
    >
      <div className="job__head">
        <span className="job__title" title={job.sourcePath}>
          {job.title}
        </span>
        <span className={`badge badge--${job.state}`} data-testid="job-state">
          {STATE_LABELS[job.state]}
        </span>
      </div>
      {/* One line, every stage in progress on it (encode, verify and both uploads overlap); the whole of it on hover. */}
      <div className="job__progress" title={lines.map((l) => [l.label, ...l.meta].join(' · ')).join('\n')}>
        {lines.map((line) => (
          <span key={line.label} className="job__stage" data-testid="job-progress" data-stage={line.stage}>
            <span className="job__stagename" data-testid="job-stage">
              {line.label}
            </span>
            {line.meta.length > 0 && (
              <span className="job__meta" data-testid="job-meta">
                {' '}
                {line.meta.join(' · ')}
              </span>
            )}
          </span>
        ))}
      </div>
      <StageBar job={job} />
      {job.error && job.state !== 'cancelled' ? (
        <p className="job__error" role="alert" data-testid="job-error" title={job.error.message}>
          {STAGE_LABELS[job.error.stage]} failed: {job.error.message}
        </p>
      ) : (
        <JobActions job={job} station={station} />
      )}
    </div>
  );
});

export function JobList({
  jobs,
  station,
  selectedId,
  onSelect,
}: {
  jobs: JobSnapshot[];
  station: StationApi;
  selectedId: string | undefined;
  onSelect(id: string): void;
}): React.JSX.Element {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The app is not built with the React Compiler, whose memoisation this rule protects.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: jobs.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
  });
  if (jobs.length === 0) return <p className="empty">No titles yet. Drop source masters above.</p>;
  const index = Math.max(
    0,
    jobs.findIndex((j) => j.id === selectedId),
  );

  const onKeyDown = (e: React.KeyboardEvent): void => {
    if ((e.target as HTMLElement).tagName === 'BUTTON' && (e.key === 'Enter' || e.key === ' ')) return;
    const move = (to: number): void => {
      const i = Math.min(jobs.length - 1, Math.max(0, to));
      onSelect(jobs[i]!.id);
      virtualizer.scrollToIndex(i);
      e.preventDefault();
    };
    const job = jobs[index];
    if (e.key === 'ArrowDown') move(index + 1);
    else if (e.key === 'ArrowUp') move(index - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(jobs.length - 1);
    else if (job && (e.key === 'p' || e.key === 'P')) {
      void (job.state === 'paused' ? station.resumeJob(job.id) : station.pauseJob(job.id)).catch(() => undefined);
      e.preventDefault();
    } else if (
      job &&
      e.key === 'Delete' &&
      (job.state === 'queued' || job.state === 'running' || job.state === 'paused')
    ) {
      void station.cancelJob(job.id);
      e.preventDefault();
    }
  };

  return (
    <div
      ref={scrollRef}
      className="jobs"
      role="list"
      aria-label={`Titles (${jobs.length}) — arrow keys select, P pauses or resumes, Delete cancels`}

      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="job-list"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((v) => {
          const job = jobs[v.index]!;
          return (
            <div
              key={job.id}
              className="jobs__slot"
              style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}
            >
              <JobRow job={job} station={station} selected={job.id === selectedId} onSelect={onSelect} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
