/** Report stage: the per-title record of what went where, with sizes and checksums. */
import { join } from 'node:path';
import { STAGES } from '../../common/jobs.js';
import type { TitleReport } from '../../common/report.js';
import type { JobRecord, StageRunner } from '../queue/job-queue.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { jobFolder } from './context.js';

/** Build the report from a job record at any point (also for failed and cancelled jobs). */
export function buildReport(rec: JobRecord): TitleReport {
  const plan = rec.plan;
  const verify = rec.verified;
  return {
    title: rec.title,
    ...(rec.claim ? { titleId: rec.claim.titleId, version: rec.claim.version } : {}),
    source: rec.sourcePath,
    state: rec.state === 'failed' || rec.state === 'cancelled' ? rec.state : 'done',
    ...(rec.error ? { error: rec.error.message } : {}),
    ...(plan ? { encoder: plan.encoder, encoderReason: plan.encoderReason } : {}),
    ...(rec.packageDir ? { packageDir: rec.packageDir } : {}),
    ...(verify ? { manifestSha256: verify.manifestSha256 } : {}),
    ...(rec.keyExport ? { keyExport: rec.keyExport } : {}),
    ...(rec.decisions ? { decisions: rec.decisions } : {}),
    ...(rec.qc ? { qc: rec.qc } : {}),
    stages: STAGES.map((stage) => {
      // A record from before a stage existed has no entry for it.
      const s = rec.stages[stage] ?? { state: 'pending', fraction: 0 };
      const seconds = s.startedAt && s.endedAt ? (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 : undefined;
      return { stage, state: s.state, ...(seconds !== undefined ? { seconds } : {}) };
    }),
    uploads: rec.uploads,
    ...(rec.transfers ? { transfers: rec.transfers } : {}),
    audits: rec.audits ?? [],
    warnings: rec.warnings,
  };
}

export function reportStage(ctx: { jobsDir: string; fence?: (jobId: string) => Promise<void> }): StageRunner {
  return {
    name: 'report',
    async run({ job }) {
      await ctx.fence?.(job.id);
      // The report describes the finished job, including this stage as complete.
      const report = { ...job.stages.report, state: 'done' as const, fraction: 1, endedAt: new Date().toISOString() };
      job.report = buildReport({ ...job, state: 'done', stages: { ...job.stages, report } });
      const path = join(await jobFolder(ctx, job.id), 'report.json');
      await writeFileAtomic(path, JSON.stringify(job.report, null, 2) + '\n');
      job.reportPath = path;
      return 'done';
    },
  };
}
