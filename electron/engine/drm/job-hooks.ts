/**
 * The small hooks the stages call for a DRM title, so the stage modules stay thin (issue #25 and the
 * stage restructuring of #24 share them): the keys at the claim, the package's encryption at verify
 * (drm/package-drm.ts), the keys for the local QC player.
 */
import { slugTitle } from '../../common/title.js';
import type { JobRecord } from '../queue/job-queue.js';
import type { ChunkJournal } from '../package/chunk-journal.js';
import type { TranscodePlan } from '../plan/plan.js';
import { PackageDrm } from './package-drm.js';
import type { StationDrm, TitleRef } from './station-drm.js';
import { DrmError } from './keys.js';

/** The title as its key provider knows it: the claimed title ID and version (offline: the job's). */
export function titleRef(job: JobRecord): TitleRef {
  const segments = job.plan && job.media ? Math.ceil(job.media.durationSec / job.plan.segmentSeconds) + 1 : 1;
  return {
    id: job.id,
    titleId: job.claim?.titleId ?? slugTitle(job.title),
    version: job.claim?.version ?? job.id,
    segments,
    ...(job.drm ? { drm: job.drm } : {}),
  };
}

/** The station's DRM for a job planned with it; a station without (its config changed) says so. */
function stationDrm(ctx: { drm?: StationDrm }, job: JobRecord): StationDrm {
  if (!ctx.drm)
    throw new DrmError(
      `job ${job.id} was planned with DRM but this station has DRM off: set drm.enabled in the config (or run with --drm) and retry`,
      'drm-config',
    );
  return ctx.drm;
}

/** At the claim: plan the key IDs (once), fetch and check the keys, keep the plan on the job. */
export async function prepareDrm(ctx: { drm?: StationDrm }, job: JobRecord, signal?: AbortSignal): Promise<void> {
  if (!job.plan?.drm) return;
  job.drm = await stationDrm(ctx, job).prepare(titleRef(job), signal);
}

/**
 * The local QC player's ClearKey keys of a DRM title (key ID hex → key hex), asked of its provider
 * with the job's key IDs and checked like any answer: for this station's own player only.
 */
export async function playerKeys(
  station: { drm?: StationDrm; queue: { get(id: string): JobRecord | undefined } },
  jobId: string,
): Promise<Record<string, string>> {
  const job = station.queue.get(jobId);
  if (!job) throw new DrmError(`No title with job ${jobId}`, 'no-job');
  if (!job.drm) throw new DrmError(`"${job.title}" is not a DRM title: it plays without keys`, 'drm-none');
  return (await stationDrm(station, job).encryptor(titleRef(job))).clearKeysForPlayer();
}

/** At verify: the title's package encryption, or none for a clear title. */
export async function packageDrmOf(
  ctx: { drm?: StationDrm },
  job: JobRecord,
  plan: TranscodePlan,
  journal: ChunkJournal,
  packageDir: string,
  signal?: AbortSignal,
): Promise<PackageDrm | undefined> {
  if (!plan.drm) return undefined;
  const drm = await stationDrm(ctx, job).encryptor(titleRef(job), signal);
  return new PackageDrm(drm, plan, journal, packageDir);
}
