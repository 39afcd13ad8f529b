/**
 * The whole queue on the dock / taskbar: a progress bar over the titles of the current run (those
 * added since the queue was last idle; finished ones count whole, so the bar never goes back when a
 * title ends), "error" once a title of the run failed (it needs someone), else "paused" when
 * everything left is paused; the number of titles left as the badge — and one notification when
 * the run ends. Job updates arrive up to ten a second per title: the OS is told only when what it
 * shows changes (a whole percent, the mode, the count).
 */
import { isFinal, type JobSnapshot } from '../common/jobs.js';
import { queueProgress } from '../common/queue-progress.js';

export type ProgressMode = 'normal' | 'paused' | 'error' | 'none';

export interface ProgressSink {
  /** 0..1, or -1 to remove the bar (Electron's BrowserWindow.setProgressBar). */
  setProgress(fraction: number, mode: ProgressMode): void;
  /** Electron's app.setBadgeCount (0 clears it). */
  setBadge(count: number): void;
  notify(title: string, body: string): void;
}

export interface QueueProgressTracker {
  update(job: JobSnapshot): void;
  /** The jobs the engine already holds at start (a run a restart interrupted continues). */
  seed(jobs: JobSnapshot[]): void;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function createQueueProgress(sink: ProgressSink): QueueProgressTracker {
  const run = new Map<string, JobSnapshot>();
  let shown = { percent: -1, mode: 'none' as ProgressMode, badge: 0 };

  const show = (percent: number, mode: ProgressMode, badge: number): void => {
    if (percent !== shown.percent || mode !== shown.mode) sink.setProgress(percent < 0 ? -1 : percent / 100, mode);
    if (badge !== shown.badge) sink.setBadge(badge);
    shown = { percent, mode, badge };
  };

  const refresh = (): void => {
    const p = queueProgress(run.values());
    if (p.left > 0) {
      show(Math.floor(p.fraction * 100), p.failed > 0 ? 'error' : p.allPaused ? 'paused' : 'normal', p.left);
      return;
    }
    // The run is over: say how it ended (a single title has its own notification already).
    if (run.size > 1)
      sink.notify(
        p.failed
          ? `The queue has finished: ${plural(p.failed, 'title needs', 'titles need')} attention`
          : 'The queue has finished',
        [
          `${plural(p.done, 'title')} delivered`,
          p.failed ? `${p.failed} failed` : '',
          p.cancelled ? `${p.cancelled} cancelled` : '',
        ]
          .filter(Boolean)
          .join(' · '),
      );
    run.clear();
    show(-1, 'none', 0);
  };

  const take = (job: JobSnapshot): boolean => {
    // A title joins the run while it is unfinished; one that finished outside a run is history.
    if (!run.has(job.id) && isFinal(job.state)) return false;
    run.set(job.id, job);
    return true;
  };

  return {
    update(job) {
      if (take(job)) refresh();
    },
    seed(jobs) {
      let any = false;
      for (const j of jobs) any = take(j) || any;
      if (any) refresh();
    },
  };
}
