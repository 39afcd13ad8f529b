/**
 * Per-resource limits of the queue: how many jobs may be inside a given stage at once (one
 * transcode at a time by default; verify runs beside its title's encode and is paced by it). A job waiting
 * for a slot holds nothing; when a slot frees, the waiting job that comes first in queue order
 * (priority, then age, looked up at that moment) gets it, so moving a title to the top counts.
 */
import type { StageName } from '../../common/jobs.js';
import { CancelledError } from '../util/errors.js';

interface Waiter {
  jobId: string;
  grant(): void;
}

export class StageSlots {
  private readonly busy = new Map<StageName, number>();
  private readonly waiting = new Map<StageName, Waiter[]>();

  constructor(
    private readonly limits: Partial<Record<StageName, number>>,
    /** Queue position of a job right now (lower runs first). */
    private readonly rank: (jobId: string) => number,
  ) {}

  limit(stage: StageName): number {
    return this.limits[stage] ?? Infinity;
  }

  /** True when a slot is free now (the caller can skip announcing a wait). */
  free(stage: StageName): boolean {
    return (this.busy.get(stage) ?? 0) < this.limit(stage);
  }

  /** Wait for a slot of `stage`; rejects with the signal's reason if the job is stopped first. */
  acquire(stage: StageName, jobId: string, signal: AbortSignal): Promise<() => void> {
    const release = (): void => {
      this.busy.set(stage, (this.busy.get(stage) ?? 1) - 1);
      this.next(stage);
    };
    if (signal.aborted) return Promise.reject(signal.reason ?? new CancelledError());
    if (this.free(stage)) {
      this.busy.set(stage, (this.busy.get(stage) ?? 0) + 1);
      return Promise.resolve(once(release));
    }
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(stage) ?? [];
      const waiter: Waiter = {
        jobId,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(once(release));
        },
      };
      const onAbort = (): void => {
        const l = this.waiting.get(stage) ?? [];
        const i = l.indexOf(waiter);
        if (i >= 0) l.splice(i, 1);
        reject(signal.reason ?? new CancelledError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      list.push(waiter);
      this.waiting.set(stage, list);
    });
  }

  private next(stage: StageName): void {
    const list = this.waiting.get(stage);
    if (!list?.length || !this.free(stage)) return;
    list.sort((a, b) => this.rank(a.jobId) - this.rank(b.jobId));
    const w = list.shift()!;
    this.busy.set(stage, (this.busy.get(stage) ?? 0) + 1);
    w.grant();
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
