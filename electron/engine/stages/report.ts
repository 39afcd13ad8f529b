/** Report stage: the per-title record of what went where, with sizes and checksums. */
import { STAGES } from '../../common/jobs.js';
import type { TitleReport } from '../../common/report.js';
import type { JobRecord } from '../queue/job-queue.js';
import type { TranscodePlan } from './plan.js';

export interface VerifyOutput {
  manifestSha256: string;
  fileCount: number;
  totalBytes: number;
  segmentsChecked: number;
}

/** Build the report from a job record at any point (also for failed and cancelled jobs). */
export function buildReport(rec: JobRecord): TitleReport {
  const plan = rec.outputs.plan as TranscodePlan | undefined;
  const verify = rec.outputs.verify as VerifyOutput | undefined;
  return {
    title: rec.title,
    source: rec.sourcePath,
    state: rec.state === 'failed' || rec.state === 'cancelled' ? rec.state : 'done',
    ...(rec.error ? { error: rec.error.message } : {}),
    ...(plan ? { encoder: plan.encoder, encoderReason: plan.encoderReason } : {}),
    ...(rec.packageDir ? { packageDir: rec.packageDir } : {}),
    ...(verify ? { manifestSha256: verify.manifestSha256 } : {}),
    stages: STAGES.map((stage) => {
      const s = rec.stages[stage];
      const seconds = s.startedAt && s.endedAt ? (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 : undefined;
      return { stage, state: s.state, ...(seconds !== undefined ? { seconds } : {}) };
    }),
    uploads: rec.uploads,
    audits: rec.audits ?? [],
    warnings: rec.warnings,
  };
}
