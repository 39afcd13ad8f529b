/**
 * One title as a dense table row: select, title, supplier folder, stage, progress (the stage bar and
 * every stage in progress with its percent, rate and ETA — or the failure's whole reason), size,
 * state, and the one action that moves it on (pause, resume, or the fix for its failure).
 * Memoised: a 10 Hz update of one title re-renders its row only.
 */
import { memo } from 'react';
import type { StationApi } from '../../../electron/common/api';
import { formatBytes } from '../../../electron/common/format';
import type { JobSnapshot } from '../../../electron/common/jobs';
import { failureLine, fixFor, keptAfter } from '../failures';
import { FixButton } from '../FixButton';
import { STATE_LABELS, stageLines, stageWord } from '../labels';
import { StageBar } from '../StageBar';
import { folderOf, sizeOf, titleIdOf } from './queue-model';

export const ROW_HEIGHT = 34;

export interface RowProps {
  job: JobSnapshot;
  station: StationApi;
  index: number;
  top: number;
  selected: boolean;
  current: boolean;
  onPick(id: string, how: 'one' | 'toggle' | 'range'): void;
}

function Progress({ job }: { job: JobSnapshot }): React.JSX.Element {
  if (job.state === 'failed' && job.error) {
    const fix = fixFor(job.error);
    return (
      <span
        className="qrow__error"
        data-testid="job-error"
        title={`${failureLine(job.error)}\n${keptAfter(job)}\nWhat fixes it: ${fix.advice}`}
      >
        {job.error.message}
      </span>
    );
  }
  // Waiting titles: what they wait for (the Stage column says where); running ones: every stage in progress.
  const lines = stageLines(job).map((l) =>
    job.state === 'queued' || job.state === 'paused'
      ? { ...l, label: '', meta: l.meta.length ? l.meta : [job.state === 'paused' ? 'paused' : 'waiting for its turn'] }
      : l,
  );
  return (
    <span className="qrow__lines" title={lines.map((l) => [l.label, ...l.meta].filter(Boolean).join(' · ')).join('\n')}>
      {lines.map((line) => (
        <span key={line.stage ?? line.label} className="qrow__line" data-testid="job-progress" data-stage={line.stage}>
          {line.label && (
            <span className="qrow__stagename" data-testid="job-stage">
              {line.label}
            </span>
          )}
          {line.meta.length > 0 && (
            <span className="qrow__meta" data-testid="job-meta">
              {line.label ? ' ' : ''}
              {line.meta.join(' · ')}
            </span>
          )}
        </span>
      ))}
    </span>
  );
}

/** Pause a waiting or running title, resume a paused one. */
const TOGGLE = {
  queued: ['Pause', (st: StationApi, id: string) => st.pauseJob(id)],
  running: ['Pause', (st: StationApi, id: string) => st.pauseJob(id)],
  paused: ['Resume', (st: StationApi, id: string) => st.resumeJob(id)],
} as const;

function RowAction({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element | null {
  if (job.state === 'failed') return <FixButton job={job} station={station} className="qrow__btn" />;
  if (job.state !== 'queued' && job.state !== 'running' && job.state !== 'paused') return null;
  const [word, act] = TOGGLE[job.state];
  return (
    <button
      type="button"
      className="qrow__btn"
      aria-label={`${word} ${job.title}`}
      onClick={(e) => {
        e.stopPropagation();
        void act(station, job.id);
      }}
    >
      {word}
    </button>
  );
}

export const QueueRow = memo(function QueueRow({ job, station, index, top, selected, current, onPick }: RowProps) {
  const folder = folderOf(job.sourcePath);
  const size = sizeOf(job);
  const titleId = titleIdOf(job);
  return (
    <div
      className={`qrow qrow--${job.state}${selected ? ' qrow--selected' : ''}${current ? ' qrow--current' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      role="row"
      id={`qrow-${job.id}`}
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-testid="job"
      data-state={job.state}
      data-job-id={job.id}
      onClick={(e) => onPick(job.id, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'one')}
    >
      <span role="gridcell" className="qcell qcell--select">
        <input
          type="checkbox"
          checked={selected}
          aria-label={`Select ${job.title}`}
          tabIndex={-1}
          onClick={(e) => e.stopPropagation()}
          onChange={() => onPick(job.id, 'toggle')}
        />
      </span>
      <span
        role="gridcell"
        className="qcell qcell--title"
        title={`${job.sourcePath}${titleId ? `\nTitle ID ${titleId}` : ''}`}
      >
        <span className="qrow__title">{job.title}</span>
        {titleId && <span className="qrow__id">{titleId}</span>}
      </span>
      <span role="gridcell" className="qcell qcell--folder" title={folder.path}>
        {folder.name}
      </span>
      <span role="gridcell" className="qcell qcell--stage" data-testid="job-at">
        {stageWord(job)}
      </span>
      <span role="gridcell" className="qcell qcell--progress">
        <StageBar job={job} mini />
        <Progress job={job} />
      </span>
      <span role="gridcell" className="qcell qcell--size">
        {size !== undefined ? formatBytes(size) : '—'}
      </span>
      <span role="gridcell" className="qcell qcell--state">
        <span className={`badge badge--${job.state}`} data-testid="job-state">
          {STATE_LABELS[job.state]}
        </span>
      </span>
      <span role="gridcell" className="qcell qcell--action">
        <RowAction job={job} station={station} />
      </span>
    </div>
  );
});
