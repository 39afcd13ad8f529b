import { useEffect, useState } from 'react';
import type { JobSnapshot } from '../../electron/common/jobs';
import type { StationApi } from '../../electron/common/api';

/** Jobs as pushed by the station: one listJobs() at start, then events only (never polling). */
export function useJobs(station: StationApi): JobSnapshot[] {
  const [jobs, setJobs] = useState<Map<string, JobSnapshot>>(new Map());
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
    const off = station.onJobUpdate(apply);
    void station.listJobs().then((list) => {
      if (live) for (const j of list) apply(j);
    });
    return () => {
      live = false;
      off();
    };
  }, [station]);
  return [...jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
