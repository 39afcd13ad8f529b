/**
 * How far a title, and a set of titles, has come: the one rule the queue's progress column, the
 * dashboard and the dock/taskbar progress all use. A title's fraction is the mean of its stages'
 * (a done or skipped stage counts whole): the encode, verify and uploads overlap, so no stage's
 * share of the time is known in advance, and an even share moves steadily and never goes back.
 */
import { STAGES, isFinal, type JobSnapshot } from './jobs.js';

export function jobFraction(job: Pick<JobSnapshot, 'state' | 'stages'>): number {
  if (job.state === 'done') return 1;
  let sum = 0;
  for (const s of STAGES) {
    const st = job.stages[s];
    sum += st.state === 'done' || st.state === 'skipped' ? 1 : st.state === 'running' ? st.fraction : 0;
  }
  return sum / STAGES.length;
}

export interface QueueProgress {
  /** 0..1 over the titles given; finished ones count whole. */
  fraction: number;
  /** Titles not finished (queued, running or paused). */
  left: number;
  running: number;
  /** Every unfinished title is paused: nothing moves until someone resumes. */
  allPaused: boolean;
  failed: number;
  done: number;
  cancelled: number;
}

/** The progress of a run of titles (those added since the queue was last idle). */
export function queueProgress(jobs: Iterable<Pick<JobSnapshot, 'state' | 'stages'>>): QueueProgress {
  const p: QueueProgress = { fraction: 0, left: 0, running: 0, allPaused: false, failed: 0, done: 0, cancelled: 0 };
  let n = 0;
  let paused = 0;
  let sum = 0;
  for (const j of jobs) {
    n++;
    sum += isFinal(j.state) ? 1 : jobFraction(j);
    if (!isFinal(j.state)) p.left++;
    if (j.state === 'running') p.running++;
    if (j.state === 'paused') paused++;
    if (j.state === 'failed') p.failed++;
    if (j.state === 'done') p.done++;
    if (j.state === 'cancelled') p.cancelled++;
  }
  p.fraction = n ? sum / n : 0;
  p.allPaused = p.left > 0 && paused === p.left;
  return p;
}
