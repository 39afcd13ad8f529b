import { useState } from 'react';
import type { JobSnapshot } from '../../electron/common/jobs';
import type { AuditRecord } from '../../electron/common/manifest';
import type { StationApi } from '../../electron/common/api';
import { errorText } from './errors';

/** The newest record per destination: what the title's state is now. */
function latest(audits: AuditRecord[] | undefined): AuditRecord[] {
  const last = new Map<string, AuditRecord>();
  for (const a of audits ?? []) last.set(a.destination, a);
  return [...last.values()];
}

const time = (iso: string): string => new Date(iso).toLocaleString();

/** Per title: when each destination was last proven whole, its problems, and Audit / Repair. */
export function AuditPanel({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const records = latest(job.audits);
  const problems = records.flatMap((r) => r.problems.map((p) => ({ ...p, destination: r.destination })));

  const run = async (repair: boolean): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await station.auditJob(job.id, { repair, deep: false });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="audit" aria-label={`Audit of ${job.title}`} data-testid="audit">
      <ul className="audit__status">
        {records.map((r) => (
          <li key={r.destination} data-testid="audit-status">
            {r.problems.length === 0
              ? `${r.destination}: proven whole ${time(r.at)} (${r.objectsListed} objects)`
              : `${r.destination}: ${r.problems.length} problem${r.problems.length > 1 ? 's' : ''} found ${time(r.at)}`}
            {r.restore && ` — the repair waits for the archive: ${r.restore.detail}`}
            {r.rebuild && ` — ${r.rebuild.detail}`}
            {r.repaired?.fromArchive &&
              ` — repaired from the archive (${r.repaired.fromArchive.bytesRepaired} bytes, ${r.repaired.fromArchive.bytesRead} read back)`}
          </li>
        ))}
      </ul>
      {problems.length > 0 && (
        <ul className="audit__problems" data-testid="audit-problems">
          {problems.map((p) => (
            <li key={`${p.destination}:${p.key}:${p.problem}`}>
              <code>{p.key}</code> <span className="problem">{p.problem}</span> — {p.detail}
            </li>
          ))}
        </ul>
      )}
      <div className="audit__actions">
        <button type="button" disabled={busy} onClick={() => void run(false)}>
          {busy ? 'Auditing…' : 'Audit now'}
        </button>
        {problems.length > 0 && (
          <button type="button" disabled={busy} onClick={() => void run(true)}>
            Repair
          </button>
        )}
      </div>
      {error && (
        <p className="job__error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
