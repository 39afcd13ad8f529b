/**
 * Trick play for a job at its verify stage: the plan's thumbnails made and proven
 * (trickplay/package.ts) in the job's scratch (`<job>/trickplay`, ffmpeg's working folder for the
 * thumbnails' times), through the encode's own pre-split filters.
 */
import type { JobRecord, StageContext } from '../queue/job-queue.js';
import type { TranscodePlan } from '../plan/plan.js';
import type { TrickplayFiles } from '../trickplay/generate.js';
import { makePackageTrickplay } from '../trickplay/package.js';
import { preSplitFilters } from '../package/video-encoder.js';
import { makeOwnedDir, removeOwned } from '../util/owned-folder.js';
import { jobFolder, type PipelineContext } from './context.js';

const SCRATCH = 'the trick-play scratch folder';

export async function packageTrickplay(
  ctx: Pick<PipelineContext, 'tools' | 'jobsDir'>,
  job: JobRecord,
  plan: TranscodePlan,
  packageDir: string,
  run: Pick<StageContext, 'signal' | 'progress'>,
): Promise<TrickplayFiles | undefined> {
  if (!plan.trickplay) return undefined;
  const jobDir = await jobFolder(ctx, job.id);
  await removeOwned(jobDir, 'trickplay', SCRATCH);
  const files = await makePackageTrickplay({
    ffmpegPath: ctx.tools().ffmpeg,
    sourcePath: job.sourcePath,
    videoStreamIndex: plan.videoStreamIndex,
    preFilters: preSplitFilters(plan),
    layout: plan.trickplay,
    packageDir,
    workDir: await makeOwnedDir(jobDir, 'trickplay', SCRATCH),
    signal: run.signal,
    onProgress: (f) => run.progress({ fraction: 0.99, detail: `trick-play thumbnails ${Math.round(f * 100)} %` }),
  });
  await removeOwned(jobDir, 'trickplay', SCRATCH);
  return files;
}
