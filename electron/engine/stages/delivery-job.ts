/** What both upload stages take from and give back to the job: the delivery target, the summary, the meter's stats. */
import type { UploadedObject } from '../../common/report.js';
import type { DeliveryTarget } from '../delivery/deliver.js';
import type { JobRecord, StageRunner } from '../queue/job-queue.js';
import { titleDestinations } from '../title/claim.js';
import { need, type PipelineContext } from './context.js';

/** What the meter saw of this title's transfer to `destination`, kept in the job (and its report). */
export function recordTransfer(ctx: PipelineContext, job: JobRecord, destination: string): void {
  const stats = ctx.meter?.stats(job.id)[destination];
  if (stats) job.transfers = { ...job.transfers, [destination]: stats };
}

/** Objects, bytes and skipped objects delivered, per destination (the job's `delivered`). */
export function deliveredSummary(
  uploads: UploadedObject[],
): Record<string, { objects: number; bytes: number; skipped: number }> {
  const out: Record<string, { objects: number; bytes: number; skipped: number }> = {};
  for (const u of uploads) {
    const d = (out[u.destination] ??= { objects: 0, bytes: 0, skipped: 0 });
    d.objects++;
    d.bytes += u.size;
    if (u.skipped) d.skipped++;
  }
  return out;
}

/** The job's claim as the delivery library's target: title, version, fence, warnings, peers. */
export function deliveryTarget(ctx: PipelineContext, job: Parameters<StageRunner['run']>[0]['job']): DeliveryTarget {
  const claim = need(job, 'title claim', job.claim);
  const fence = ctx.fence;
  return {
    titleId: claim.titleId,
    version: claim.version,
    jobId: job.id,
    retireGraceMs: ctx.retireGraceMs,
    ...(fence ? { fence: () => fence(job.id) } : {}),
    note: (line) => {
      if (!job.warnings.includes(line)) job.warnings.push(line);
    },
    peers: titleDestinations(ctx),
  };
}
