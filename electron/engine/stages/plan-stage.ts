/**
 * Plan stage: the job's plan from its media info and the station's profile, encoder and spec (plan/plan.ts),
 * and the content analysis's decisions with the title's overrides.
 */
import type { StageRunner } from '../queue/job-queue.js';
import { ladderSummary, planTranscode } from '../plan/plan.js';
import { need, type PipelineContext } from './context.js';
import { applyContent, contentMedia } from '../analysis/plan-content.js';
import { contentQc, decideForJob } from './analyse-stage.js';

export function planStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'plan',
    async run({ job, signal }) {
      const media = need(job, 'media info', job.media);
      // The content's decisions (stages/analyse-stage.ts): the ladder is planned from the picture as
      // it will be (cropped, its fields fixed) and the filters go into the plan (analysis/plan-content.ts).
      const decisions = await decideForJob(ctx, job, signal);
      if (decisions) job.decisions = decisions;
      const plan = planTranscode(decisions ? contentMedia(media, decisions) : media, {
        segmentSeconds: ctx.segmentSeconds,
        segmentFormat: ctx.segmentFormat,
        dash: ctx.dash,
        profile: await ctx.profile(),
        encoder: await ctx.encoder(),
        spec: await ctx.spec(),
        ...(ctx.encryption ? { encryption: ctx.encryption } : {}),
        ...(ctx.drm ? { drm: ctx.drm.options } : {}),
      });
      job.plan = decisions ? applyContent(plan, decisions, media, await contentQc(ctx, job)) : plan;
      job.ladder = ladderSummary(job.plan);
      return 'done';
    },
  };
}
