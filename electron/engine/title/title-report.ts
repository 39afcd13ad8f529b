/** A job's per-title report: what went where, with sizes and checksums (the report stage writes it; the CLI prints it). */
import { STAGES } from '../../common/jobs.js';
import type { TitleReport } from '../../common/report.js';
import type { JobRecord } from '../queue/job-queue.js';

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
    ...(rec.ladder ? { ladder: rec.ladder } : {}),
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
