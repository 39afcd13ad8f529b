/**
 * The station's job list and what feeds it besides the operator: the persisted queue over the
 * stage runners (its concurrency from the config), the watch folders, and the titles whose repair
 * waits on an archive restore, checked again on a timer. station.ts composes these.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { StationConfig } from '../common/config.js';
import { auditJob, latestAudits, type JobAuditContext } from './audit/job-audit.js';
import { JobQueue, type JobRecord, type QueueOptions, type StageRunner } from './queue/job-queue.js';
import { JobStore } from './queue/job-store.js';
import { jobRecordSchema } from './queue/job-record.js';
import { errorMessage } from './util/errors.js';
import { WatchFolder } from './watch-folder.js';

export interface StationQueueOptions {
  workDir: string;
  /** A farm worker's own job list (default: the work folder's jobs.jsonl). */
  jobStoreFile?: string;
  /** Who holds the job list's lock, for the sentence when another process does. */
  stationName: string;
  eligible?: QueueOptions['eligible'];
  overlap?: boolean;
  warn?: (sentence: string) => void;
}

export async function openStationQueue(
  config: StationConfig,
  runners: StageRunner[],
  o: StationQueueOptions,
): Promise<JobQueue> {
  if (o.jobStoreFile) await mkdir(dirname(o.jobStoreFile), { recursive: true });
  return JobQueue.open(
    new JobStore<JobRecord>(o.jobStoreFile ?? join(o.workDir, 'jobs.jsonl'), {
      schema: jobRecordSchema,
      ...(o.warn ? { onRepair: o.warn } : {}),
      lock: {
        what: o.jobStoreFile ? `job list of worker ${o.stationName}` : `work folder ${o.workDir}`,
      },
    }),
    runners,
    {
      ...(o.eligible ? { eligible: o.eligible } : {}),
      activeJobs: config.activeJobs,
      ...(o.overlap === false ? { overlap: false } : {}),
      // Verify has no slot of its own: it proves chunks as its title's encode publishes them, so it is
      // paced by the transcode slot (a verify with a slot of its own could wait on an encode that waits on it).
      // The content analysis decodes like an encode: as many at once as encodes.
      stageLimits: { transcode: config.transcodeConcurrency, analyse: config.transcodeConcurrency },
    },
  );
}

/** The config's watch folders, each arrival added to the queue; returns them started. */
export function startWatchFolders(config: StationConfig, baseDir: string, queue: JobQueue): WatchFolder[] {
  return config.watchFolders.map((w) =>
    new WatchFolder({
      path: isAbsolute(w.path) ? w.path : resolve(baseDir, w.path),
      stableMs: w.stableSeconds * 1000,
      onArrived: (path, request) => queue.add([path], request ? { [path]: request } : {}),
      // The message only: error objects of the SDK carry requests and headers.
      onError: (err) => console.error(`watch folder ${w.path}: ${errorMessage(err)}`),
    }).start(),
  );
}

/** Titles whose repair waits on an archive restore: checked again until the copy is readable. */
export function restoreChecks(
  queue: JobQueue,
  auditContext: JobAuditContext,
  pollMinutes: number,
): { poll(): Promise<number>; stop(): void } {
  const poll = async (): Promise<number> => {
    let finished = 0;
    for (const { id } of queue.list()) {
      const job = queue.get(id);
      if (job?.state !== 'done' || !latestAudits(job.audits ?? []).some((r) => r.restore)) continue;
      const records = await queue.mutate(id, (j) => auditJob(j, auditContext, { repair: true }));
      if (!records.some((r) => r.restore)) finished++;
    }
    return finished;
  };
  const timer = setInterval(
    () => void poll().catch((err: unknown) => console.error(`restore check: ${errorMessage(err)}`)),
    pollMinutes * 60_000,
  );
  timer.unref();
  return { poll, stop: () => clearInterval(timer) };
}
