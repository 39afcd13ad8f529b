import { useMemo, useState } from 'react';
import { DropZone } from './DropZone';
import { JobList } from './JobList';
import { getStation } from './station';
import { useJobs } from './useJobs';
import { StationFooter } from './StationFooter';

export function App(): React.JSX.Element {
  const station = useMemo(() => getStation(), []);
  const jobs = useJobs(station);
  const [error, setError] = useState<string>();
  const [auditing, setAuditing] = useState(false);
  return (
    <main className="app">
      <header className="app__header">
        <h1>Ingest Station</h1>
        <div className="app__actions">
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
              for (const j of jobs.filter((x) => x.state === 'done')) await station.auditJob(j.id, { repair: false, deep: false }).catch(() => undefined);
              setAuditing(false);
            })();
          }}
        >
          {auditing ? 'Auditing all…' : 'Audit all delivered titles'}
        </button>
        </div>
      </header>
      <DropZone station={station} onError={setError} />
      {error && (
        <p className="banner banner--error" role="alert" data-testid="add-error">
          {error}
        </p>
      )}
      <JobList jobs={jobs} station={station} />
      <StationFooter station={station} />
    </main>
  );
}
