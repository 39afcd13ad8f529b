/** The one action that fixes a failed title (failures.ts chooses it), as a button: in its row and in its detail. */
import type { StationApi } from '../../electron/common/api';
import type { JobSnapshot } from '../../electron/common/jobs';
import { useAppShell, type AppShell } from './app-context';
import { errorText } from './errors';
import { fixFor, type Fix } from './failures';

async function addWithSameRequest(station: StationApi, job: JobSnapshot, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  const added = await station.addMasters(paths);
  // The new master keeps what the operator asked for the old one (its platform title ID).
  if (job.titleRequest) for (const a of added) await station.setTitle(a.id, job.titleRequest);
}

export async function applyFix(station: StationApi, shell: AppShell, job: JobSnapshot, fix: Fix): Promise<void> {
  switch (fix.action) {
    case 'retry':
      return station.retryJob(job.id);
    case 'replace-master':
      return addWithSameRequest(station, job, await station.pickMasters());
    case 'add-again':
      return addWithSameRequest(station, job, [job.sourcePath]);
    case 'set-title-id':
      return shell.editTitleId(job.id);
    case 'retry-replace':
      await station.setTitle(job.id, { ...job.titleRequest, replace: true });
      return station.retryJob(job.id);
    case 'open-settings':
      return shell.openSettings();
  }
}

export function FixButton({
  job,
  station,
  className,
}: {
  job: JobSnapshot;
  station: StationApi;
  className?: string;
}): React.JSX.Element | null {
  const shell = useAppShell();
  if (job.state !== 'failed' || !job.error) return null;
  const fix = fixFor(job.error);
  return (
    <button
      type="button"
      className={className}
      title={fix.advice}
      aria-label={`${fix.label}: ${job.title}`}
      data-testid="fix-action"
      onClick={(e) => {
        e.stopPropagation();
        void applyFix(station, shell, job, fix).catch((err: unknown) => shell.notice(errorText(err), 'error'));
      }}
    >
      {fix.label}
    </button>
  );
}
