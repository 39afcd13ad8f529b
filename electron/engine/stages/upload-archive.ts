/** Upload-archive stage: the delivery library (delivery/deliver.ts) run for one job against the archive. */
import { abortAbandoned, loadManifest, uploadArchiveMaster, uploadArchivePackage } from '../delivery/deliver.js';
import type { StageRunner } from '../queue/job-queue.js';
import { archiveKeys } from '../title/archive-keys.js';
import { alreadyDelivered, journalOf, need, type PipelineContext } from './context.js';
import { deliveredSummary, deliveryTarget, recordTransfer } from './delivery-job.js';

/**
 * Archive: the master goes up while the title is still being encoded; the package tar once verify
 * has written the package; then the archive's commit.
 */
export function uploadArchiveStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'uploadArchive',
    after: ['claim'],
    async run({ job, signal, progress }) {
      if (!ctx.deliver || !ctx.archive || alreadyDelivered(job)) return 'skipped';
      const dest = ctx.archive;
      const journal = await journalOf(ctx, job);
      const t = deliveryTarget(ctx, job);
      await abortAbandoned(dest, t);
      const SOURCE = '@source';
      let master = job.uploads.find(
        (u) => u.destination === dest.name && u.key === archiveKeys(t.titleId, t.version, job.sourcePath).source,
      );
      if (!journal.sent.get(dest.name)?.has(SOURCE) || !master) {
        master = await uploadArchiveMaster({
          destination: dest,
          sourcePath: job.sourcePath,
          ...t,
          signal,
          onAcked: (b) => ctx.meter?.acknowledged(job.id, dest.name, b),
          onProgress: (p) => progress({ ...p, fraction: p.fraction * 0.8, detail: `master: ${p.detail}` }),
        });
        job.uploads = [...job.uploads.filter((u) => u.destination !== dest.name), master];
        await journal.append({ t: 'sent', d: dest.name, path: SOURCE, md5: master.md5 });
      }
      progress({ fraction: 0.8, detail: 'master archived · waiting for the package' });
      await journal.until(() => journal.packaged !== undefined, signal);
      const packageDir = need(job, 'package', job.packageDir);
      await ctx.fence?.(job.id);
      const uploaded = await uploadArchivePackage({
        destination: dest,
        sourcePath: job.sourcePath,
        packageDir,
        manifest: await loadManifest(packageDir),
        ...t,
        signal,
        onAcked: (b) => ctx.meter?.acknowledged(job.id, dest.name, b),
        onProgress: (p) => progress({ ...p, fraction: 0.8 + p.fraction * 0.2, detail: `package tar: ${p.detail}` }),
      });
      job.uploads = [...job.uploads.filter((u) => u.destination !== dest.name), master, ...uploaded];
      job.delivered = deliveredSummary(job.uploads);
      recordTransfer(ctx, job, dest.name);
      return 'done';
    },
  };
}
