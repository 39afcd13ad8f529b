import { useEffect, useState } from 'react';
import type { JobSnapshot } from '../../electron/common/jobs';
import type { EngineState, StationApi } from '../../electron/common/api';

export interface StationView {
  jobs: JobSnapshot[];
  engine: EngineState;
}

/**
 * Jobs as pushed by the station: one listJobs() at start and after every engine (re)connection,
 * then events only (never polling).
 */
export function useJobs(station: StationApi): StationView {
  const [jobs, setJobs] = useState<Map<string, JobSnapshot>>(new Map());
  const [engine, setEngine] = useState<EngineState>({ connected: true });
  useEffect(() => {
    let live = true;
    const apply = (job: JobSnapshot): void =>
      setJobs((prev) => {
        const cur = prev.get(job.id);
        if (cur && cur.updatedAt > job.updatedAt) return prev;
        const next = new Map(prev);
        next.set(job.id, job);
        return next;
      });
    const relist = (): void =>
      void station.listJobs().then(
        (list) => {
          if (!live) return;
          // After a restart the engine's list is the truth (a job may have moved back a stage).
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
      offJobs();
      offEngine();
    };
  }, [station]);
  return { jobs: [...jobs.values()].sort(queueOrder), engine };
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
