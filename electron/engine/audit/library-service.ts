/**
 * The library audit as the station runs it: on its schedule (`libraryAudit.everyHours`, checked
 * every minute; an interrupted run continues at once after a restart), or on demand (the app's
 * button, `ingest-station audit --library`), never two at a time; results kept in the library log;
 * every title with a problem — or repaired — raised as an alert (OS notification in the app, the
 * webhook when configured).
 */
import { join } from 'node:path';
import type { Pool } from '../transfer/adaptive-limit.js';
import { retireGraceMs, type StationConfig } from '../../common/config.js';
import {
  libraryPage,
  matchLibrary,
  type LibraryQuery,
  type LibraryTitle,
  type LibraryView,
} from '../../common/library.js';
import type { Destination } from '../destinations/destination.js';
import { StationError, errorMessage } from '../util/errors.js';
import { alertFor, postWebhook, type AuditAlert } from './alerts.js';
import { auditLibrary, type LibraryAuditResult } from './library-audit.js';
import { LibraryStore } from './library-store.js';
import type { Rebuild } from './title-audit.js';

export interface LibraryServiceOptions {
  config: StationConfig;
  origin: Destination;
  archive?: Destination;
  workDir: string;
  stationName: string;
  pool?: Pool;
  /** Titles whose archived tar is gone are transcoded again from their archived master (the station's queue; absent in the CLI). */
  rebuild?: Rebuild;
  /** Each alert, as it is raised (the app shows an OS notification). */
  onAlert?: (alert: AuditAlert) => void;
  /** Where a failing webhook or run is said (the station's log). */
  log?: (line: string) => void;
  now?: () => number;
}

export interface LibraryService {
  run(opts?: {
    repair?: boolean;
    sampleChunks?: number;
    /** The operator confirmed deletions a repair would otherwise hold back (audit/evidence.ts). */
    confirmDeletes?: boolean;
    signal?: AbortSignal;
  }): Promise<LibraryAuditResult>;
  /** One page of the titles (filtered, searched and sorted here), the last run, a run in progress. */
  view(query?: LibraryQuery): Promise<LibraryView>;
  /** One title's entry, if the audits have seen it. */
  title(titleId: string): Promise<LibraryTitle | undefined>;
  /** Start the schedule (the app and workers; the CLI runs once). */
  schedule(): void;
  close(): Promise<void>;
}

/**
 * Scrolling a 25,000-title library asks for page after page of one query: its filtered, sorted
 * order is kept until the query changes or an audit records a title (the store's revision moves).
 */
export function libraryQueryCache(): (
  store: Pick<LibraryStore, 'titles' | 'revision'>,
  query: LibraryQuery,
) => ReturnType<typeof matchLibrary> {
  let kept: { key: string; revision: number; result: ReturnType<typeof matchLibrary> } | undefined;
  return (store, query) => {
    const key = JSON.stringify([query.filter, query.search, query.sort, query.descending]);
    if (kept?.key !== key || kept.revision !== store.revision)
      kept = { key, revision: store.revision, result: matchLibrary(store.titles.values(), query) };
    return kept.result;
  };
}

export function createLibraryService(o: LibraryServiceOptions): LibraryService {
  const settings = o.config.libraryAudit;
  const now = o.now ?? Date.now;
  const log = o.log ?? ((line: string) => console.error(line));
  const store = new LibraryStore(join(o.workDir, 'library', 'audits.jsonl'));
  let opened: Promise<LibraryStore> | undefined;
  const ready = (): Promise<LibraryStore> => (opened ??= store.open());
  let running: { startedAt: string; done: number; total: number; promise: Promise<LibraryAuditResult> } | undefined;
  let timer: NodeJS.Timeout | undefined;
  // Closing the station stops a run between two titles; it continues from there next time.
  const closing = new AbortController();
  const openedAt = now();
  const originCfg = o.config.destinations[o.config.origin];
  const publicBaseUrl = originCfg?.type === 's3' ? originCfg.publicBaseUrl : undefined;

  const run: LibraryService['run'] = async (opts = {}) => {
    if (running)
      throw new StationError(
        `A library audit is already running (since ${running.startedAt}, ${running.done} of ${running.total} titles)`,
        'library-audit-running',
      );
    const repair = opts.repair ?? settings.repair;
    const state = { startedAt: new Date(now()).toISOString(), done: 0, total: 0 };
    // Marked as running before the first await: a second call in the same tick is refused too.
    const promise = ready().then((s) =>
      auditLibrary({
        origin: o.origin,
        ...(o.archive ? { archive: o.archive } : {}),
        store: s,
        requestsPerSecond: settings.requestsPerSecond,
        repair,
        restore: o.config.restore,
        ...(publicBaseUrl
          ? { viewers: { baseUrl: publicBaseUrl, sampleChunks: opts.sampleChunks ?? settings.sampleChunks } }
          : {}),
        retireGraceMs: retireGraceMs(o.config),
        ...(opts.confirmDeletes ? { confirmDeletes: true } : {}),
        ...(o.pool ? { pool: o.pool } : {}),
        ...(o.rebuild ? { rebuild: o.rebuild } : {}),
        onTitle: (_t, done, total) => Object.assign(state, { done, total }),
        signal: opts.signal ? AbortSignal.any([opts.signal, closing.signal]) : closing.signal,
      }),
    );
    running = Object.assign(state, { promise });
    try {
      const result = await promise;
      await raiseAlerts(result, { station: o.stationName, destination: o.origin.name, repairAsked: repair }, o, log);
      return result;
    } finally {
      running = undefined;
    }
  };

  const nextDue = (s: LibraryStore): number | undefined => {
    if (settings.everyHours <= 0) return undefined;
    if (s.current) return now(); // a run a restart interrupted continues at once
    // Never audited: the first run starts ten minutes after the station does (not in the operator's first minute).
    return s.last ? Date.parse(s.last.startedAt) + settings.everyHours * 3_600_000 : openedAt + 10 * 60_000;
  };

  const match = libraryQueryCache();

  return {
    run,
    async view(query = {}) {
      const s = await ready();
      const due = nextDue(s);
      return {
        ...libraryPage(match(s, query), query),
        ...(s.last ? { last: s.last } : {}),
        ...(running ? { running: { startedAt: running.startedAt, done: running.done, total: running.total } } : {}),
        ...(due !== undefined ? { nextDue: new Date(due).toISOString() } : {}),
      };
    },
    async title(titleId) {
      return (await ready()).titles.get(titleId);
    },
    schedule() {
      if (timer || settings.everyHours <= 0) return;
      const tick = async (): Promise<void> => {
        const s = await ready();
        const due = nextDue(s);
        if (running || due === undefined || due > now()) return;
        await run().catch((err: unknown) => log(`library audit: ${errorMessage(err)}`));
      };
      timer = setInterval(() => void tick(), 60_000);
      timer.unref();
      void tick();
    },
    async close() {
      clearInterval(timer);
      timer = undefined;
      closing.abort(new StationError('the station is closing', 'cancelled'));
      await running?.promise.catch(() => undefined);
      if (opened) await (await opened).close();
    },
  };
}

/**
 * Every title the run found a problem with, or repaired, raised once: to the app (`onAlert`) and to
 * the config's webhook (a failing webhook is said in the log, never fails the run).
 */
async function raiseAlerts(
  result: LibraryAuditResult,
  ctx: { station: string; destination: string; repairAsked: boolean },
  o: Pick<LibraryServiceOptions, 'onAlert' | 'config'>,
  log: (line: string) => void,
): Promise<void> {
  const told = new Set<string>();
  for (const t of [...result.problems, ...result.repaired]) {
    if (told.has(t.titleId)) continue;
    told.add(t.titleId);
    const a = alertFor(t, { ...ctx, repaired: result.repaired.includes(t) });
    o.onAlert?.(a);
    if (o.config.alertWebhook) {
      const sent = await postWebhook(o.config.alertWebhook, a);
      if (!sent.ok) log(sent.detail);
    }
  }
}
