import { useMemo, useState } from 'react';
import { DropZone } from './DropZone';
import { JobList } from './JobList';
import { getStation } from './station';
import { useJobs } from './useJobs';

export function App(): React.JSX.Element {
  const station = useMemo(() => getStation(), []);
  const jobs = useJobs(station);
  const [error, setError] = useState<string>();
  return (
    <main className="app">
      <header className="app__header">
        <h1>Ingest Station</h1>
      </header>
      <DropZone station={station} onError={setError} />
      {error && (
        <p className="banner banner--error" role="alert" data-testid="add-error">
          {error}
        </p>
      )}
      <JobList jobs={jobs} station={station} />
    </main>
  );
}
