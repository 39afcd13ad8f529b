/**
 * The library as the audits see it: every title the origin holds (not only this station's jobs),
 * when each was last proven whole, what is wrong, what was repaired. Shared by the engine, the CLI
 * and the library view.
 */
import type { AuditProblem, RestoreState } from './manifest.js';

export interface LibraryTitle {
  titleId: string;
  /** The live version audited. */
  version?: string;
  lastAudit: string;
  /** The last audit that found nothing wrong (carried forward while problems stand). */
  lastProvenWhole?: string;
  /** What the last audit found (after its repair, if it repaired). */
  problems: AuditProblem[];
  /** Objects repaired over all audits. */
  repairs: number;
  /** The repair waits on this restore of the archive copy. */
  restore?: RestoreState;
  /** The archived tar was gone: the title is being transcoded again from its archived master. */
  rebuild?: { jobId: string; detail: string };
  /** Chunks (segments) the title has. */
  chunks?: number;
  /** Chunks hashed through the viewers' door, over all runs. */
  viewersChecked?: number;
  /** Keys the last repair put back (the chunk map marks them). */
  repairedKeys?: string[];
}

export interface LibraryRun {
  id: string;
  /** 1 for the first run of this station's library log, and so on (rotates the viewers' sample). */
  number: number;
  startedAt: string;
  endedAt?: string;
  /** Titles found at the origin, audited, and with problems left after repair. */
  titles: number;
  audited: number;
  withProblems: number;
  /** Requests made, by the class stores bill them in (A writes, B reads, C listings). */
  requests: { A: number; B: number; C: number };
  /** At Backblaze B2's list prices (USD). */
  costUsd: number;
  seconds: number;
  /** Of the sampled viewers' check: chunks hashed this run and how many runs cover every chunk. */
  viewers?: { chunks: number; chunksTotal: number; runsToCoverAll: number };
}

/** What the library view shows: one page of titles, the last run, a run in progress. */
export interface LibraryView {
  /** The page asked for (offset … offset + limit of the titles matching the query, in its order). */
  titles: LibraryTitle[];
  /** Titles matching the query's filter and search (the page is a slice of them). */
  total: number;
  offset: number;
  /** Titles in each filter over the whole library (no search), so the filter buttons can say how many. */
  counts: Record<LibraryFilter, number>;
  last?: LibraryRun;
  running?: { startedAt: string; done: number; total: number };
  /** When the next scheduled run is due (absent: on demand only). */
  nextDue?: string;
}

/**
 * Which titles: every one, those with problems, those whose repair waits on an archive restore,
 * those never proven whole by any audit.
 */
export const LIBRARY_FILTERS = ['all', 'problems', 'restore', 'never-proven'] as const;
export type LibraryFilter = (typeof LIBRARY_FILTERS)[number];
/** Problems first (then title ID); by title ID; by last proven whole (never proven first, then oldest); by last audit (newest first). */
export const LIBRARY_SORTS = ['problems', 'titleId', 'lastProven', 'lastAudit'] as const;
export type LibrarySort = (typeof LIBRARY_SORTS)[number];

/** One page of the library, filtered and sorted where the titles are (the engine), not in the window. */
export interface LibraryQuery {
  offset?: number;
  /** At most LIBRARY_PAGE_MAX. */
  limit?: number;
  filter?: LibraryFilter;
  /** Part of a title ID (case-insensitive). */
  search?: string;
  sort?: LibrarySort;
  /** Reverse the sort's order. */
  descending?: boolean;
}
export const LIBRARY_PAGE_MAX = 500;

const FILTER_TESTS: Record<LibraryFilter, (t: LibraryTitle) => boolean> = {
  all: () => true,
  problems: (t) => t.problems.length > 0,
  restore: (t) => !!t.restore,
  'never-proven': (t) => !t.lastProvenWhole,
};

const SORTS: Record<LibrarySort, (a: LibraryTitle, b: LibraryTitle) => number> = {
  problems: (a, b) => b.problems.length - a.problems.length || a.titleId.localeCompare(b.titleId),
  titleId: (a, b) => a.titleId.localeCompare(b.titleId),
  // ISO times compare as strings; never proven ('') comes first: the titles that most need proving.
  lastProven: (a, b) =>
    (a.lastProvenWhole ?? '').localeCompare(b.lastProvenWhole ?? '') || a.titleId.localeCompare(b.titleId),
  lastAudit: (a, b) => b.lastAudit.localeCompare(a.lastAudit) || a.titleId.localeCompare(b.titleId),
};

/** The titles matching a query's filter and search, in its order (every page of it), and the library's count per filter. */
export function matchLibrary(
  titles: Iterable<LibraryTitle>,
  query: LibraryQuery,
): { matching: LibraryTitle[]; counts: Record<LibraryFilter, number> } {
  const needle = query.search?.trim().normalize('NFC').toLowerCase();
  const test = FILTER_TESTS[query.filter ?? 'all'];
  const counts: Record<LibraryFilter, number> = { all: 0, problems: 0, restore: 0, 'never-proven': 0 };
  const matching: LibraryTitle[] = [];
  for (const t of titles) {
    for (const f of LIBRARY_FILTERS) if (FILTER_TESTS[f](t)) counts[f]++;
    if (needle && !t.titleId.toLowerCase().includes(needle)) continue;
    if (test(t)) matching.push(t);
  }
  const order = SORTS[query.sort ?? 'problems'];
  matching.sort(query.descending ? (a, b) => order(b, a) : order);
  return { matching, counts };
}

/** One page of a matched list. */
export function libraryPage(
  matched: { matching: LibraryTitle[]; counts: Record<LibraryFilter, number> },
  query: LibraryQuery,
): Pick<LibraryView, 'titles' | 'total' | 'offset' | 'counts'> {
  const offset = Math.max(0, query.offset ?? 0);
  const limit = Math.min(LIBRARY_PAGE_MAX, query.limit ?? LIBRARY_PAGE_MAX);
  return {
    titles: matched.matching.slice(offset, offset + limit),
    total: matched.matching.length,
    offset,
    counts: matched.counts,
  };
}

/**
 * A chunk's state, from what the station knows: verified into the manifest, acknowledged at the
 * origin, proven there by the last audit, found wrong by it, or put back by its repair.
 */
export const CHUNK_STATES = ['verified', 'origin', 'proven', 'problem', 'repaired'] as const;
export type ChunkState = (typeof CHUNK_STATES)[number];

/** Every chunk of a title a cell: one row per rendition, one column per segment in time order. */
export interface ChunkMap {
  titleId: string;
  version?: string;
  rows: Array<{ rendition: string; cells: Array<{ path: string; state: ChunkState; detail?: string }> }>;
  counts: Record<ChunkState, number>;
  /** When the states were last established (the audit's time), if an audit ran. */
  at?: string;
}
