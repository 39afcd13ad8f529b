/** Detail → Audit: when each destination was last proven whole (Audit now / Repair), and the title's chunk map. */
import type { StationApi } from '../../../electron/common/api';
import type { JobSnapshot } from '../../../electron/common/jobs';
import { AuditPanel } from '../AuditPanel';
import { ChunkMap } from '../ChunkMap';

export function AuditTab({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  if (job.state !== 'done') return <p className="empty">The audit runs once the title is delivered.</p>;
  return (
    <>
      <AuditPanel job={job} station={station} />
      {job.verified && (
        <section aria-label={`Chunk map of ${job.title}`}>
          <h3>Chunks</h3>
          <ChunkMap station={station} jobId={job.id} revision={job.audits?.length ?? 0} />
        </section>
      )}
    </>
  );
}
