/**
 * The window's one-line header: the views (Queue, Dashboard, Library, Farm, Settings), the queue's
 * counts, and the station-wide actions. Built not to wrap down to 1024 px: the counts give way
 * (ellipsis, whole on hover) before any button does.
 */
import { useState } from 'react';
import type { StationApi } from '../../electron/common/api';
import type { JobSnapshot } from '../../electron/common/jobs';
import { queueCounts } from './queue/queue-model';

export const VIEWS = {
  queue: 'Queue',
  dashboard: 'Dashboard',
  library: 'Library',
  farm: 'Farm',
  settings: 'Settings',
} as const;
export type View = keyof typeof VIEWS;

export function AppHeader({
  station,
  jobs,
  view,
  onView,
}: {
  station: StationApi;
  jobs: JobSnapshot[];
  view: View;
  onView(v: View): void;
}): React.JSX.Element {
  const [auditing, setAuditing] = useState(false);
  const c = queueCounts(jobs);
  const counts = `${c.running} running · ${c.waiting} waiting · ${c.failed} need attention · ${c.done} delivered`;
  const auditAll = async (): Promise<void> => {
    // Every delivered title, one after another (the stores see no burst).
    setAuditing(true);
    for (const j of jobs.filter((x) => x.state === 'done'))
      await station.auditJob(j.id, { repair: false, deep: false }).catch(() => undefined);
    setAuditing(false);
  };
  return (
    <header className="app__header">
      <h1>Ingest Station</h1>
      <nav className="app__nav" aria-label="Views">
        {(Object.keys(VIEWS) as View[]).map((v) => (
          <button key={v} type="button" aria-pressed={view === v} onClick={() => onView(v)}>
            {VIEWS[v]}
          </button>
        ))}
      </nav>
      <p className="app__counts" data-testid="queue-counts" title={counts}>
        {counts}
      </p>
      <div className="app__actions" role="group" aria-label="Whole queue">
        <button type="button" onClick={() => void station.pauseAll()}>
          Pause all
        </button>
        <button type="button" onClick={() => void station.resumeAll()}>
          Resume all
        </button>
        <button
          type="button"
          disabled={auditing || c.done === 0}
          onClick={() => void auditAll()}
          title="Audit every delivered title at its stores"
        >
          {auditing ? 'Auditing…' : 'Audit delivered'}
        </button>
      </div>
    </header>
  );
}
