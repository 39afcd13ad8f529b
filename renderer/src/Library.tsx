/**
 * The library: every title the origin holds as the library audits found it — when each was last
 * proven whole, what is wrong, what was repaired — the last run (titles, requests, cost) or the one
 * running now, and a title's chunk map. The audit runs on the station's schedule; "Audit the
 * library now" starts one.
 */
import { useCallback, useEffect, useState } from 'react';
import type { StationApi } from '../../electron/common/api';
import type { LibraryView } from '../../electron/common/library';
import { formatDuration } from '../../electron/common/format';
import { ChunkMap } from './ChunkMap';
import { errorText } from './errors';

const time = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString() : 'never');

export function Library({ station }: { station: StationApi }): React.JSX.Element {
  const [view, setView] = useState<LibraryView>();
  const [error, setError] = useState<string>();
  const [repair, setRepair] = useState(true);
  const [selected, setSelected] = useState<string>();

  const load = useCallback(
    () => station.libraryView().then(setView, (e: unknown) => setError(errorText(e))),
    [station],
  );
  useEffect(() => {
    void load();
  }, [load]);
  // While a run is going: its progress every two seconds, then the results.
  useEffect(() => {
    if (!view?.running) return;
    const t = setInterval(() => void load(), 2000);
    return () => clearInterval(t);
  }, [view?.running, load]);

  const start = async (): Promise<void> => {
    setError(undefined);
    try {
      await station.auditLibrary({ repair });
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const last = view?.last;
  const chosen = view?.titles.find((t) => t.titleId === selected);
  return (
    <section className="library" aria-labelledby="library-title" data-testid="library">
      <header className="library__head">
        <h2 id="library-title">Library</h2>
        <div className="library__actions">
          <label>
            <input type="checkbox" checked={repair} onChange={(e) => setRepair(e.target.checked)} /> Repair what is
            wrong (from the archive)
          </label>
          <button type="button" onClick={() => void start()} disabled={!!view?.running}>
            {view?.running ? `Auditing… ${view.running.done} of ${view.running.total || '?'}` : 'Audit the library now'}
          </button>
        </div>
      </header>
      {error && (
        <p className="banner banner--error" role="alert">
          {error}
        </p>
      )}
      <p className="library__run" data-testid="library-run">
        {last
          ? `Last run ${time(last.startedAt)}: ${last.audited} of ${last.titles} titles audited in ${formatDuration(last.seconds)}, ${last.withProblems} with problems · ${last.requests.A + last.requests.B + last.requests.C} requests (≈ $${last.costUsd.toFixed(4)} at B2 prices)` +
            (last.viewers
              ? ` · viewers' door: ${last.viewers.chunks} of ${last.viewers.chunksTotal} chunks hashed, all within ${last.viewers.runsToCoverAll} runs`
              : '')
          : 'The library has not been audited yet.'}
        {view?.nextDue ? ` Next run: ${time(view.nextDue)}.` : ''}
      </p>
      {view && view.titles.length === 0 ? (
        <p className="empty">No titles found at the origin yet.</p>
      ) : (
        <table className="library__titles" data-testid="library-titles">
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Version</th>
              <th scope="col">Last proven whole</th>
              <th scope="col">Problems</th>
              <th scope="col">Repairs</th>
              <th scope="col">Chunks</th>
            </tr>
          </thead>
          <tbody>
            {view?.titles.map((t) => (
              <tr
                key={t.titleId}
                className={t.problems.length ? 'library__row--bad' : ''}
                aria-selected={t.titleId === selected}
                data-testid="library-title"
              >
                <th scope="row">
                  <button type="button" className="linkish" onClick={() => setSelected(t.titleId)}>
                    {t.titleId}
                  </button>
                </th>
                <td>
                  <code>{t.version ?? '—'}</code>
                </td>
                <td>{time(t.lastProvenWhole)}</td>
                <td data-testid="library-problems">
                  {t.restore
                    ? `${t.problems.length} — waiting for the archive (${t.restore.detail})`
                    : t.rebuild
                      ? `${t.problems.length} — ${t.rebuild.detail}`
                      : t.problems.length
                        ? `${t.problems.length}: ${t.problems[0]!.problem} ${t.problems[0]!.key}`
                        : 'none'}
                </td>
                <td>{t.repairs}</td>
                <td>{t.chunks ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen && (
        <section aria-label={`Chunk map of ${chosen.titleId}`}>
          <h3>{chosen.titleId}</h3>
          <ChunkMap
            key={chosen.titleId}
            station={station}
            titleId={chosen.titleId}
            revision={Date.parse(chosen.lastAudit)}
          />
        </section>
      )}
    </section>
  );
}
