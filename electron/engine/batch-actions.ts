/**
 * What the window's selection does to many titles at once: one action over the queue's own
 * operations, each title that cannot take it named with the reason (a delivered title cannot be
 * paused) instead of the whole batch failing; and title IDs for many titles from a sheet's text,
 * matched by file name with the same parser as `--titles`.
 */
import type { BatchResult, SheetResult } from '../common/api.js';
import type { BatchAction, JobState } from '../common/jobs.js';
import { TitleSheet } from './title/title-sheet.js';
import { errorMessage } from './util/errors.js';
import type { JobQueue, JobRecord } from './queue/job-queue.js';

/** The states each action applies to, and what the operator is told of a title in another. */
const APPLIES: Record<BatchAction, { to: JobState[]; otherwise: string }> = {
  pause: { to: ['queued', 'running'], otherwise: 'only waiting or running titles can be paused' },
  resume: { to: ['paused'], otherwise: 'only paused titles can be resumed' },
  retry: { to: ['failed'], otherwise: 'only failed titles can be retried' },
  cancel: { to: ['queued', 'running', 'paused'], otherwise: 'only unfinished titles can be cancelled' },
  top: { to: ['queued', 'paused'], otherwise: 'only waiting titles can be moved' },
};

/** Waiting titles before running ones: pausing a running title first would let the queue start the next. */
const ORDER: Record<JobState, number> = { queued: 0, paused: 0, running: 1, failed: 2, done: 3, cancelled: 3 };

export async function runBatch(queue: JobQueue, jobIds: string[], action: BatchAction): Promise<BatchResult> {
  const refused: BatchResult['refused'] = [];
  const jobs: JobRecord[] = [];
  for (const id of new Set(jobIds)) {
    const job = queue.get(id);
    if (!job) refused.push({ jobId: id, title: id, reason: 'no such title (it was removed)' });
    else if (!APPLIES[action].to.includes(job.state))
      refused.push({ jobId: id, title: job.title, reason: `${job.state}: ${APPLIES[action].otherwise}` });
    else jobs.push(job);
  }
  // In queue order (priority, then age, then the order they were added in), waiting titles first.
  const added = new Map(queue.list().map((j, i) => [j.id, i]));
  jobs.sort(
    (a, b) =>
      ORDER[a.state] - ORDER[b.state] ||
      (a.priority ?? 0) - (b.priority ?? 0) ||
      a.createdAt.localeCompare(b.createdAt) ||
      added.get(a.id)! - added.get(b.id)!,
  );
  // "Run first" keeps their order among themselves: moved to the top last to first.
  if (action === 'top') jobs.reverse();
  let done = 0;
  for (const job of jobs) {
    try {
      await act(queue, job.id, action);
      done++;
    } catch (err) {
      refused.push({ jobId: job.id, title: job.title, reason: errorMessage(err) });
    }
  }
  return { done, refused };
}

function act(queue: JobQueue, id: string, action: BatchAction): Promise<void> {
  switch (action) {
    case 'pause':
      return queue.pause(id);
    case 'resume':
      return queue.resume(id);
    case 'retry':
      return queue.retry(id);
    case 'cancel':
      return queue.cancel(id);
    case 'top':
      return queue.move(id, 'top');
  }
}

/** Set each title's request from the sheet row naming its master's file. */
export async function applyTitleSheet(queue: JobQueue, jobIds: string[], text: string): Promise<SheetResult> {
  const sheet = TitleSheet.parse(text, 'The title sheet');
  const result: SheetResult = { set: [], unmatched: [], unusedRows: [], refused: [] };
  const jobs = [...new Set(jobIds)].map((id) => queue.get(id)).filter((j): j is JobRecord => !!j);
  for (const job of jobs) {
    const request = sheet.requestFor(job.sourcePath);
    if (!request) {
      result.unmatched.push({ jobId: job.id, title: job.title });
      continue;
    }
    try {
      await queue.setTitle(job.id, request);
      result.set.push({ jobId: job.id, title: job.title, ...request });
    } catch (err) {
      result.refused.push({ jobId: job.id, title: job.title, reason: errorMessage(err) });
    }
  }
  result.unusedRows = sheet.unmatched(jobs.map((j) => j.sourcePath));
  return result;
}
