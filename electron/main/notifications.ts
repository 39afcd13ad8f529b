/**
 * OS notifications when a title finishes or fails — once per title and outcome, not on every update.
 */
import type { JobSnapshot } from '../common/jobs.js';

export interface Notifier {
  isSupported(): boolean;
  show(title: string, body: string): void;
}

export function createFinishNotifier(notifier: Notifier): (job: JobSnapshot) => void {
  const told = new Map<string, string>();
  return (job) => {
    if (job.state !== 'done' && job.state !== 'failed') return;
    if (told.get(job.id) === job.state || !notifier.isSupported()) return;
    told.set(job.id, job.state);
    if (job.state === 'done')
      notifier.show(`${job.title} is delivered`, 'Verified, uploaded and proven whole by the audit.');
    else
      notifier.show(
        `${job.title} failed`,
        job.error ? `${job.error.stage}: ${job.error.message}` : 'See the title for the reason.',
      );
  };
}

/** A problem the scheduled library audit found: one notification per alert, in words. */
export function createAlertNotifier(
  notifier: Notifier,
): (alert: { titleId: string; repair: string; problems: unknown[]; detail: string }) => void {
  return (alert) => {
    if (!notifier.isSupported()) return;
    const head =
      alert.repair === 'repaired'
        ? `${alert.titleId} was repaired at the origin`
        : alert.repair === 'waiting-for-restore'
          ? `${alert.titleId}: repair waits for the archive`
          : alert.repair === 'rebuilding'
            ? `${alert.titleId} is being transcoded again from the archive`
            : `${alert.titleId} has ${alert.problems.length} problem${alert.problems.length === 1 ? '' : 's'} at the origin`;
    notifier.show(head, alert.detail);
  };
}
