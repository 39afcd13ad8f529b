import { memo, useMemo, useState } from 'react';
import { DropZone, useMasterDrop } from './DropZone';
import { JobList } from './JobList';
import { JobDetail, type DetailTab } from './JobDetail';
import { Settings } from './Settings';
import { Library } from './Library';
import { Farm } from './Farm';
import { getStation } from './station';
import { useJobs } from './useJobs';
import { StationFooter as PlainStationFooter } from './StationFooter';

// Its props never change: job updates (up to 10 per second per title) must not re-render it.
const StationFooter = memo(PlainStationFooter);

export function App(): React.JSX.Element {
  const station = useMemo(() => getStation(), []);
  const { jobs, engine } = useJobs(station);
  const [error, setError] = useState<string>();
  const [auditing, setAuditing] = useState(false);
  const [view, setView] = useState<'queue' | 'library' | 'farm' | 'settings'>('queue');
  const [selectedId, setSelectedId] = useState<string>();
  // The tab stays as the operator moves between titles (comparing titles tab by tab).
  const [tab, setTab] = useState<DetailTab>('Overview');
  const drop = useMasterDrop(station, setError);
  const selected = jobs.find((j) => j.id === selectedId) ?? jobs[0];
  const counts = { running: 0, waiting: 0, failed: 0, done: 0 };
  for (const j of jobs) {
    if (j.state === 'running') counts.running++;
    else if (j.state === 'queued' || j.state === 'paused') counts.waiting++;
    else if (j.state === 'failed') counts.failed++;
    else if (j.state === 'done') counts.done++;
  }
  return (
    <main className={`app${drop.over ? ' app--drop' : ''}`} {...drop.handlers}>
      {drop.over && (
        <div className="app__drop" aria-hidden="true">
          Drop to add these masters
        </div>
      )}
      <header className="app__header">
        <h1>Ingest Station</h1>
        <p className="app__counts" data-testid="queue-counts">
          {counts.running} running · {counts.waiting} waiting · {counts.failed} need attention · {counts.done} delivered
        </p>
        <nav className="app__actions" aria-label="Station">
          <button type="button" onClick={() => void station.pauseAll()}>
            Pause all
          </button>
          <button type="button" onClick={() => void station.resumeAll()}>
            Resume all
          </button>
          <button
            type="button"
            disabled={auditing || !jobs.some((j) => j.state === 'done')}
            onClick={() => {
              // Batch audit: every delivered title, one after another (the stores see no burst).
              setAuditing(true);
              void (async () => {
                for (const j of jobs.filter((x) => x.state === 'done'))
                  await station.auditJob(j.id, { repair: false, deep: false }).catch(() => undefined);
                setAuditing(false);
              })();
            }}
          >
            {auditing ? 'Auditing all…' : 'Audit all delivered titles'}
          </button>
          <button
            type="button"
            aria-pressed={view === 'library'}
            onClick={() => setView(view === 'library' ? 'queue' : 'library')}
          >
            Library
          </button>
          <button
            type="button"
            aria-pressed={view === 'farm'}
            onClick={() => setView(view === 'farm' ? 'queue' : 'farm')}
          >
            Farm
          </button>
          <button
            type="button"
            aria-pressed={view === 'settings'}
            onClick={() => setView(view === 'settings' ? 'queue' : 'settings')}
          >
            Settings
          </button>
        </nav>
      </header>
      {!engine.connected && (
        <p className="banner banner--warn" role="status" data-testid="engine-banner">
          Engine unavailable — {engine.reason ?? 'reconnecting'}. Nothing is lost: titles continue from their last
          completed step when it is back.
        </p>
      )}
      {view === 'settings' ? (
        <Settings station={station} onClose={() => setView('queue')} />
      ) : view === 'library' ? (
        <Library station={station} />
      ) : view === 'farm' ? (
        <Farm station={station} />
      ) : (
        <>
          <DropZone
            station={station}
            compact={jobs.length > 0}
            over={drop.over}
            hold={drop.hold}
            setHold={drop.setHold}
            add={drop.add}
          />
          {error && (
            <p className="banner banner--error" role="alert" data-testid="add-error">
              {error}
            </p>
          )}
          <div className="queue">
            <JobList jobs={jobs} station={station} selectedId={selected?.id} onSelect={setSelectedId} />
            {selected && <JobDetail key={selected.id} job={selected} station={station} tab={tab} onTab={setTab} />}
          </div>
        </>
      )}
      <StationFooter station={station} />
    </main>
  );
}
