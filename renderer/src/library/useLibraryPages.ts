/**
 * The library a page at a time: the engine filters, searches and sorts its titles (25,000 of
 * them) and hands over only the pages the table shows, PAGE rows each, fetched as they scroll into
 * view and kept until the query changes or the library does (a run in progress refreshes them).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { StationApi } from '../../../electron/common/api';
import type { LibraryQuery, LibraryTitle, LibraryView } from '../../../electron/common/library';
import { errorText } from '../errors';

export const PAGE = 200;
const RUNNING_POLL_MS = 2000;

export interface LibraryPages {
  /** The last answer's totals, counts, run and schedule (its titles are the first page). */
  meta: Omit<LibraryView, 'titles' | 'offset'> | undefined;
  row(index: number): LibraryTitle | undefined;
  /** Ask for the pages rows first…last are on. */
  want(first: number, last: number): void;
  reload(): void;
  error: string | undefined;
}

export function useLibraryPages(station: StationApi, query: Omit<LibraryQuery, 'offset' | 'limit'>): LibraryPages {
  const [meta, setMeta] = useState<LibraryPages['meta']>();
  const [error, setError] = useState<string>();
  // The pages of one query (its key): a new query's answers start a new map, the old rows are not shown.
  const [pages, setPages] = useState<{ key: string; map: ReadonlyMap<number, LibraryTitle[]> }>({
    key: '',
    map: new Map(),
  });
  const asked = useRef(new Set<number>());
  const generation = useRef(0);
  const key = JSON.stringify(query);

  const fetchPage = useCallback(
    (page: number) => {
      const gen = generation.current;
      asked.current.add(page);
      station.libraryView({ ...query, offset: page * PAGE, limit: PAGE }).then(
        (v) => {
          if (gen !== generation.current) return; // an answer to a query no longer shown
          setPages((prev) => ({
            key,
            map: new Map(prev.key === key ? prev.map : []).set(page, v.titles),
          }));
          const { titles: _t, offset: _o, ...rest } = v;
          setMeta(rest);
          setError(undefined);
        },
        (e: unknown) => {
          asked.current.delete(page);
          setError(errorText(e));
        },
      );
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the query's identity is its key
    [station, key],
  );

  // Fetched again in place (the rows stay until their new page arrives): the pages asked for so far.
  const reload = useCallback(() => {
    const shown = [...asked.current];
    generation.current++;
    asked.current = new Set();
    for (const p of shown.length ? shown : [0]) fetchPage(p);
  }, [fetchPage]);

  // A new query: start again from its first page.
  useEffect(() => {
    generation.current++;
    asked.current = new Set();
    fetchPage(0);
  }, [fetchPage]);

  // While a run is going: its progress and what it has found, every two seconds.
  const running = !!meta?.running;
  useEffect(() => {
    if (!running) return;
    const t = setInterval(reload, RUNNING_POLL_MS);
    return () => clearInterval(t);
  }, [running, reload]);

  return {
    meta,
    error,
    row: (i) => (pages.key === key ? pages.map.get(Math.floor(i / PAGE))?.[i % PAGE] : undefined),
    want: (first, last) => {
      for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) if (!asked.current.has(p)) fetchPage(p);
    },
    reload,
  };
}
