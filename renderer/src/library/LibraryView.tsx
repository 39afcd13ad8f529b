/**
 * The library: every title the origin holds as the library audits found it — when each was last
 * proven whole, what is wrong, what was repaired — a page at a time from the engine (25,000 titles
 * never cross to the window at once): filters "problems only", "waiting for restore", "never
 * proven", search by title ID, sorted by problems, title ID, last proven or last audit. The last
 * run, the one running now, "Audit the library now", and the chosen title's chunk map beside it.
 */
import { useEffect, useState } from 'react';
import type { StationApi } from '../../../electron/common/api';
import { LIBRARY_FILTERS, type LibraryFilter, type LibrarySort } from '../../../electron/common/library';
import { ChunkMap } from '../ChunkMap';
import { Choice } from '../Choice';
import { errorText } from '../errors';
import { SidePanel } from '../SidePanel';
import { LibraryRunLine } from './LibraryRunLine';
import { LibraryTable } from './LibraryTable';
import { useLibraryPages } from './useLibraryPages';

const FILTER_LABELS: Record<LibraryFilter, string> = {
  all: 'All',
  problems: 'Problems only',
  restore: 'Waiting for restore',
  'never-proven': 'Never proven',
};
const SORT_LABELS: Record<LibrarySort, string> = {
  problems: 'Problems first',
  titleId: 'Title ID',
  lastProven: 'Last proven (oldest first)',
  lastAudit: 'Last audit (newest first)',
};

/** The search box's text, settled: one request when the operator stops typing, not one per key. */
function useSettled(text: string, ms = 250): string {
  const [settled, setSettled] = useState(text);
  useEffect(() => {
    const t = setTimeout(() => setSettled(text), ms);
    return () => clearTimeout(t);
  }, [text, ms]);
  return settled;
}

export function LibraryView({ station }: { station: StationApi }): React.JSX.Element {
  const [filter, setFilter] = useState<LibraryFilter>('all');
  const [sort, setSort] = useState<LibrarySort>('problems');
  const [text, setText] = useState('');
  const search = useSettled(text);
  const pages = useLibraryPages(station, { filter, sort, ...(search.trim() ? { search: search.trim() } : {}) });
  const [selected, setSelected] = useState<string>();
  const meta = pages.meta;
  return (
    <section className="library" aria-labelledby="library-title" data-testid="library">
      <LibraryHead station={station} running={meta?.running} onStarted={pages.reload} />
      {pages.error && (
        <p className="banner banner--error" role="alert">
          {pages.error}
        </p>
      )}
      <LibraryRunLine meta={meta} />
      <div className="ltools" role="search" aria-label="Filter the library">
        <div className="segmented" role="group" aria-label="Show">
          {LIBRARY_FILTERS.map((f) => (
            <button
              key={f}
              type="button"
              aria-pressed={filter === f}
              onClick={() => setFilter(f)}
              data-testid={`library-filter-${f}`}
            >
              {FILTER_LABELS[f]}{' '}
              <span className="segmented__count">{meta ? meta.counts[f].toLocaleString() : '…'}</span>
            </button>
          ))}
        </div>
        <input
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Search by title ID"
          aria-label="Search by title ID"
          spellCheck={false}
        />
        <Choice label="Sort" name="Sort by" value={sort} options={SORT_LABELS} onChange={setSort} />
        <span className="qtools__shown" data-testid="library-shown" aria-live="polite">
          {meta ? `${meta.total.toLocaleString()} of ${meta.counts.all.toLocaleString()} titles` : ''}
        </span>
      </div>
      <div className="library__main">
        {meta && meta.total === 0 ? (
          <p className="empty">
            {meta.counts.all === 0 && !search ? 'No titles found at the origin yet.' : 'No title matches.'}
          </p>
        ) : (
          <LibraryTable pages={pages} total={meta?.total ?? 0} selected={selected} onSelect={setSelected} />
        )}
        {selected && (
          <SidePanel id="library-detail" label={`Chunk map of ${selected}`} initial={480}>
            <section aria-label={`Chunk map of ${selected}`} className="library__chunks">
              <h3>{selected}</h3>
              <ChunkMap key={selected} station={station} titleId={selected} />
            </section>
          </SidePanel>
        )}
      </div>
    </section>
  );
}

function LibraryHead({
  station,
  running,
  onStarted,
}: {
  station: StationApi;
  running: { done: number; total: number } | undefined;
  onStarted(): void;
}): React.JSX.Element {
  const [repair, setRepair] = useState(true);
  const [error, setError] = useState<string>();
  const start = async (): Promise<void> => {
    setError(undefined);
    try {
      await station.auditLibrary({ repair });
      onStarted();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <header className="library__head">
      <h2 id="library-title">Library</h2>
      <div className="library__actions">
        <label>
          <input type="checkbox" checked={repair} onChange={(e) => setRepair(e.target.checked)} /> Repair what is wrong
          (from the archive)
        </label>
        <button type="button" onClick={() => void start()} disabled={!!running}>
          {running ? `Auditing… ${running.done} of ${running.total || '?'}` : 'Audit the library now'}
        </button>
      </div>
      {error && (
        <p className="banner banner--error" role="alert">
          {error}
        </p>
      )}
    </header>
  );
}
