/** Audit stage: prove the upload — list what the stores hold, compare with the manifest, repair once. */
import type { StageRunner } from '../queue/job-queue.js';
import { auditJob, latestAudits, type JobAuditContext } from '../audit/job-audit.js';
import { StationError } from '../util/errors.js';

export function auditStage(ctx: JobAuditContext & { deliver: boolean }): StageRunner {
  return {
    name: 'audit',
    // Every producer and both uploads: the streamed stages run side by side.
    after: ['transcode', 'verify', 'uploadOrigin', 'uploadArchive'],
    async run({ job, signal, progress }) {
      if (!ctx.deliver) return 'skipped';
      progress({ fraction: 0, detail: 'listing the origin' });
      const records = await auditJob(job, ctx, { repair: true, signal });
      const remaining = latestAudits(records).flatMap((r) =>
        r.problems.map((p) => `${r.destination}: ${p.key} ${p.problem}`),
      );
      if (remaining.length > 0)
        throw new StationError(
          `The audit after upload still finds ${remaining.length} problem(s) after a repair: ${remaining.slice(0, 3).join('; ')}`,
          'audit-failed',
          remaining.join('\n'),
        );
      const repaired = records.filter((r) => r.repaired).flatMap((r) => r.repaired!.uploaded);
      if (repaired.length > 0)
        job.warnings.push(
          `the audit after upload found and repaired ${repaired.length} object(s): ${repaired.slice(0, 5).join(', ')}`,
        );
      return 'done';
    },
  };
}
