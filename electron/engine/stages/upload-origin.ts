/** Upload-origin stage: the delivery library (delivery/deliver.ts) run for one job against the origin. */
import { join } from 'node:path';
import { formatBytes } from '../../common/format.js';
import { joinKey } from '../destinations/destination.js';
import { abortAbandoned, deliverPackage, loadManifest } from '../delivery/deliver.js';
import type { VerifiedChunk } from '../package/chunk-journal.js';
import type { StageRunner } from '../queue/job-queue.js';
import { linkedAbort } from '../util/errors.js';
import { RateEstimator } from '../util/rate.js';
import { alreadyDelivered, journalOf, need, type PipelineContext } from './context.js';
import { deliveredSummary, deliveryTarget, recordTransfer } from './delivery-job.js';

/**
 * Origin, side by side with verify: every chunk goes up as soon as verify has proven it (through
 * the station's pool of small objects), and the journal records each acknowledgement so a restart
 * sends nothing twice. Once verify has written the package, the playlists follow in waves — media
 * playlists, then the version's master playlist and manifest — and the commit switches the title's
 * entry points: the origin never names a chunk it does not hold.
 */
export function uploadOriginStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'uploadOrigin',
    after: ['claim'],
    async run({ job, signal, progress }) {
      if (!ctx.deliver || alreadyDelivered(job)) return 'skipped';
      const journal = await journalOf(ctx, job);
      const t = deliveryTarget(ctx, job);
      const dest = ctx.origin;
      await abortAbandoned(dest, t);
      const prefix = `${t.titleId}/${t.version}`;
      const flying = new Map<string, Promise<void>>();
      // A failed chunk wakes the loop below (which otherwise sleeps until the journal changes).
      const local = linkedAbort(signal);
      let failure: unknown;
      let bytes = 0;
      const rate = new RateEstimator(1);
      const acked = (): number => journal.sent.get(dest.name)?.size ?? 0;
      const report = (): void => {
        rate.add(bytes);
        const r = rate.rate();
        const total = journal.encodedSets !== undefined ? ` of ${journal.publishedCount()}` : '';
        progress({
          fraction: Math.min(0.95, acked() / Math.max(1, journal.publishedCount())),
          detail: `${acked()}${total} chunks acknowledged by ${dest.name} · ${formatBytes(bytes)} sent this run${r ? ` · ${formatBytes(r)}/s` : ''}`,
        });
      };
      const send = (v: VerifiedChunk): void => {
        flying.set(
          v.path,
          ctx
            .objectsPool(async () => {
              const put = await dest.put({
                localPath: join(job.packageDir!, ...v.path.split('/')),
                key: joinKey(prefix, v.path),
                size: v.size,
                md5: v.md5,
                existing: null,
                signal: local.signal,
              });
              if (!put.skipped) ctx.meter?.acknowledged(job.id, dest.name, v.size);
              await journal.append({ t: 'sent', d: dest.name, path: v.path, md5: v.md5 });
              bytes += v.size;
              report();
            })
            .catch((err: unknown) => {
              // Withdrawn while it was sent (verify rejected its set, which is encoded again): not ours to fail on.
              if (!journal.isVerified(v) && !local.signal.aborted) return;
              failure ??= err;
              local.controller.abort(err);
            })
            .finally(() => flying.delete(v.path)),
        );
      };
      try {
        // After a kill, a chunk verified by the last run may still wait for its encrypted bytes.
        await journal.until(() => journal.swapsSettled, local.signal).catch(() => undefined);
        // Our place in the journal's verdicts: each proven chunk is taken once, as it appears.
        let cursor = 0;
        while (!journal.packaged && !failure && !local.signal.aborted) {
          while (cursor < journal.verifiedLog.length) {
            const v = journal.verifiedLog[cursor++]!;
            if (
              v.i >= 0 &&
              journal.isVerified(v) &&
              journal.sent.get(dest.name)?.get(v.path) !== v.md5 &&
              !flying.has(v.path)
            )
              send(v);
          }
          await journal.changed(local.signal).catch(() => undefined);
        }
        await Promise.allSettled(flying.values());
      } finally {
        local.dispose();
      }
      if (failure) throw failure;
      signal.throwIfAborted();
      const packageDir = need(job, 'package', job.packageDir);
      await ctx.fence?.(job.id);
      const delivered = await deliverPackage({
        destination: dest,
        packageDir,
        manifest: await loadManifest(packageDir),
        ...t,
        pool: ctx.objectsPool,
        signal,
        onProgress: progress,
        onAcked: (b) => ctx.meter?.acknowledged(job.id, dest.name, b),
      });
      // A chunk this job sent while the title was encoding is found at the store now, but it was
      // uploaded by this delivery, not skipped: the report says so.
      const streamed = journal.sent.get(dest.name);
      const uploaded = delivered.map(({ skipped, ...u }) =>
        skipped && !streamed?.has(u.key.slice(prefix.length + 1)) ? { ...u, skipped } : u,
      );
      job.uploads = [...job.uploads.filter((u) => u.destination !== dest.name), ...uploaded];
      job.delivered = deliveredSummary(job.uploads);
      recordTransfer(ctx, job, dest.name);
      return 'done';
    },
  };
}
