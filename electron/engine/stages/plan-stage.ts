/**
 * Plan stage: the job's plan from its media info and the station's profile, encoder and spec
 * (plan/plan.ts); per title (the profile's `ladder`, the default) the film's complexity probed and
 * each rung's bit rate chosen (ladder/per-title.ts), once, here: the plan stores the choice, so a
 * resumed job never probes or chooses again; and the content analysis's decisions with the title's
 * overrides (analysis/plan-content.ts), applied before the probe so it measures the picture as it will be.
 */
import type { LadderChoice } from '../../common/ladder.js';
import type { JobRecord, StageContext, StageRunner } from '../queue/job-queue.js';
import { ladderSummary, planTranscode, type TranscodePlan } from '../plan/plan.js';
import { choosePerTitle, withPerTitle } from '../ladder/per-title.js';
import { preSplitFilters } from '../package/video-encoder.js';
import { makeOwnedDir, removeOwned } from '../util/owned-folder.js';
import { jobFolder, need, type PipelineContext } from './context.js';
import { applyContent, contentMedia } from '../analysis/plan-content.js';
import { contentQc, decideForJob } from './analyse-stage.js';

const SCRATCH = 'the ladder probe scratch folder';

/**
 * The plan with its per-title choice, the trials made in the job's own scratch (`<job>/ladder`,
 * emptied before, removed after). A kill during the probe leaves the stage undone: the next run
 * probes again from the start. A probe that fails (not a cancel) leaves the fixed ladder and a warning.
 */
async function planPerTitle(
  ctx: PipelineContext,
  job: JobRecord,
  plan: TranscodePlan,
  run: Pick<StageContext, 'signal' | 'progress'>,
): Promise<TranscodePlan> {
  const media = need(job, 'media info', job.media);
  const jobDir = await jobFolder(ctx, job.id);
  await removeOwned(jobDir, 'ladder', SCRATCH);
  let choice: LadderChoice;
  try {
    choice = await choosePerTitle({
      ffmpegPath: ctx.tools().ffmpeg,
      path: job.sourcePath,
      durationSec: media.durationSec,
      plan,
      preFilters: preSplitFilters(plan),
      profile: await ctx.profile(),
      rules: (await ctx.spec()).picture,
      workDir: await makeOwnedDir(jobDir, 'ladder', SCRATCH),
      signal: run.signal,
      onProgress: (fraction, detail) => run.progress({ fraction, detail }),
    });
  } catch (err) {
    if (run.signal.aborted) throw err;
    job.warnings.push(
      `the per-title ladder could not be measured (${(err as Error).message}): the fixed ladder was used`,
    );
    await removeOwned(jobDir, 'ladder', SCRATCH).catch(() => undefined);
    return plan;
  }
  await removeOwned(jobDir, 'ladder', SCRATCH);
  return withPerTitle(plan, choice);
}

export function planStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'plan',
    async run({ job, signal, progress }) {
      const profile = await ctx.profile();
      const media = need(job, 'media info', job.media);
      // The content's decisions (stages/analyse-stage.ts): the ladder is planned from the picture as
      // it will be (cropped, its fields fixed) and the filters go into the plan (analysis/plan-content.ts).
      const decisions = await decideForJob(ctx, job, signal);
      if (decisions) job.decisions = decisions;
      const planned = planTranscode(decisions ? contentMedia(media, decisions) : media, {
        segmentSeconds: ctx.segmentSeconds,
        segmentFormat: ctx.segmentFormat,
        dash: ctx.dash,
        profile,
        encoder: await ctx.encoder(),
        spec: await ctx.spec(),
        ...(ctx.encryption ? { encryption: ctx.encryption } : {}),
        ...(ctx.drm ? { drm: ctx.drm.options } : {}),
      });
      const plan = decisions ? applyContent(planned, decisions, media, await contentQc(ctx, job)) : planned;
      job.plan = profile.ladder === 'per-title' ? await planPerTitle(ctx, job, plan, { signal, progress }) : plan;
      job.ladder = ladderSummary(job.plan);
      return 'done';
    },
  };
}
