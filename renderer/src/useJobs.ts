import { useEffect, useMemo, useState } from 'react';
import type { JobSnapshot } from '../../electron/common/jobs';
import type { EngineState, StationApi } from '../../electron/common/api';

export interface StationView {
  jobs: JobSnapshot[];
  engine: EngineState;
}

/**
 * Jobs as pushed by the station: one listJobs() at start and after every engine (re)connection,
 * then events only (never polling). Pushed updates arrive one message each (six running titles at
 * 10 Hz are 60 a second): they are gathered and applied together every FLUSH_MS, so the window
 * renders a day's queue at most 20 times a second however many titles run.
 */
const FLUSH_MS = 50;

export function useJobs(station: StationApi): StationView {
  const [jobs, setJobs] = useState<Map<string, JobSnapshot>>(new Map());
  const [engine, setEngine] = useState<EngineState>({ connected: true });
  useEffect(() => {
    let live = true;
    let pending: JobSnapshot[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      timer = undefined;
      const batch = pending;
      pending = [];
      setJobs((prev) => {
        let next: Map<string, JobSnapshot> | undefined;
        for (const job of batch) {
          const cur = (next ?? prev).get(job.id);
          if (cur && cur.updatedAt > job.updatedAt) continue;
          (next ??= new Map(prev)).set(job.id, job);
        }
        return next ?? prev;
      });
    };
    const apply = (job: JobSnapshot): void => {
      pending.push(job);
      timer ??= setTimeout(flush, FLUSH_MS);
    };
    const relist = (): void =>
      void station.listJobs().then(
        (list) => {
          if (!live) return;
          // After a restart the engine's list is the truth (a job may have moved back a stage).
          // Updates still gathered are applied after it (the newer of the two wins).
          setJobs(new Map(list.map((j) => [j.id, j])));
        },
        () => undefined,
      );
    const offJobs = station.onJobUpdate(apply);
    const offEngine = station.onEngineState((state) => {
      setEngine(state);
      if (state.connected) relist();
    });
    relist();
    return () => {
      live = false;
      clearTimeout(timer);
      offJobs();
      offEngine();
    };
  }, [station]);
  // Sorted once per change of the jobs, not on every render of the window.
  const sorted = useMemo(() => [...jobs.values()].sort(queueOrder), [jobs]);
  return { jobs: sorted, engine };
}

const RANK: Record<JobSnapshot['state'], number> = {
  running: 0,
  paused: 1,
  queued: 1,
  failed: 2,
  done: 3,
  cancelled: 4,
};

/** Running first, then waiting titles in the order they will run, then finished ones (newest first). */
export function queueOrder(a: JobSnapshot, b: JobSnapshot): number {
  const r = RANK[a.state] - RANK[b.state];
  if (r !== 0) return r;
  if (RANK[a.state] === 1) return (a.priority ?? 0) - (b.priority ?? 0) || a.createdAt.localeCompare(b.createdAt);
  return b.createdAt.localeCompare(a.createdAt);
}
