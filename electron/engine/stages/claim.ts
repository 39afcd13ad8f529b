/**
 * Claim stage: before anything is transcoded or sent, the title's ID is chosen and claimed at every
 * destination (engine/title/choose.ts). A master that changed since it was added is refused here.
 * Cancel gives the claims back (removing what this job's pending version holds at the stores).
 */
import { basename } from 'node:path';
import type { MasterRef } from '../../common/title.js';
import type { JobRecord, StageRunner } from '../queue/job-queue.js';
import { claimTitle } from '../title/choose.js';
import { releaseAt, titleDestinations } from '../title/claim.js';
import { StationError } from '../util/errors.js';
import { fingerprintFile } from '../util/fingerprint.js';
import type { PipelineContext } from './context.js';
import { prepareDrm } from '../drm/job-hooks.js';

/** The master as a claim names it; refuses a master whose bytes changed since the job was made. */
export async function masterRef(
  sourcePath: string,
  expectedFingerprint: string | undefined,
  station?: string,
): Promise<MasterRef> {
  const fp = await fingerprintFile(sourcePath);
  const now = `${fp.size}:${fp.headTailSha256}`;
  if (expectedFingerprint && now !== expectedFingerprint) {
    throw new StationError(
      `The master ${sourcePath} changed since it was added (size or content of its first/last MiB): add it again to deliver the new file`,
      'source-changed',
    );
  }
  return {
    name: basename(sourcePath),
    size: fp.size,
    headTailSha256: fp.headTailSha256!,
    path: sourcePath,
    ...(station ? { station } : {}),
  };
}

/** This station's earlier attempt at the same master, taken over by this job: said. */
function sayAdopted(ctx: PipelineContext, job: JobRecord): void {
  const claim = job.claim!;
  for (const d of titleDestinations(ctx)) {
    const from = claim.destinations[d.name]?.adopted;
    const line = `resumed the delivery of "${claim.titleId}" (${claim.version}) that job ${from} of this station left unfinished at ${d.name}`;
    if (from && !job.warnings.includes(line)) job.warnings.push(line);
  }
}

export function claimStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'claim',
    async run({ job, signal, progress }) {
      // Packaging only (`transcode --out`): the title is not delivered, so nothing is claimed.
      if (!ctx.deliver) {
        await prepareDrm(ctx, job, signal);
        return 'skipped';
      }
      progress({
        fraction: 0,
        detail: `reading the title's claim at ${titleDestinations(ctx)
          .map((d) => d.name)
          .join(' and ')}`,
      });
      job.claim = await claimTitle({
        destinations: titleDestinations(ctx),
        request: job.titleRequest ?? {},
        name: job.title,
        master: await masterRef(job.sourcePath, job.fingerprint, ctx.stationName),
        jobId: job.id,
        ...(job.claim ? { version: job.claim.version } : {}),
        ...(ctx.stationId ? { station: ctx.stationId } : {}),
        ...(ctx.adoptable ? { adoptable: ctx.adoptable } : {}),
        mutex: ctx.claims,
        signal,
      });
      sayAdopted(ctx, job);
      // A DRM title's keys, before anything is encoded into the package or sent (drm/station-drm.ts).
      await prepareDrm(ctx, job, signal);
      return 'done';
    },
    async cleanup(job) {
      if (!job.claim) return;
      for (const d of titleDestinations(ctx)) await releaseAt(d, job.claim.titleId, job.id);
    },
  };
}
