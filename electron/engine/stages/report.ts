/** Report stage: the per-title record of what went where, with sizes and checksums. */
import { join } from 'node:path';
import type { StageRunner } from '../queue/job-queue.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { jobFolder } from './context.js';
import { buildReport } from '../title/title-report.js';

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
