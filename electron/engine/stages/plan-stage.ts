/** Plan stage: the job's plan from its media info and the station's profile, encoder and spec (plan/plan.ts). */
import type { StageRunner } from '../queue/job-queue.js';
import { ladderSummary, planTranscode } from '../plan/plan.js';
import { need, type PipelineContext } from './context.js';

export function planStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'plan',
    async run({ job }) {
      job.plan = planTranscode(need(job, 'media info', job.media), {
        segmentSeconds: ctx.segmentSeconds,
        segmentFormat: ctx.segmentFormat,
        dash: ctx.dash,
        profile: await ctx.profile(),
        encoder: await ctx.encoder(),
        spec: await ctx.spec(),
        ...(ctx.encryption ? { encryption: ctx.encryption } : {}),
        ...(ctx.drm ? { drm: ctx.drm.options } : {}),
      });
      job.ladder = ladderSummary(job.plan);
      return 'done';
    },
  };
}
