/**
 * Analyse stage (between probe and plan): the content analysis of the master (analysis/analyse.ts)
 * — picture windows and loudness — measured once and kept on the job (the job journal), so a resumed
 * or re-planned title never decodes it for analysis again; and a frame from the middle of the film
 * for the Master tab to draw the crop on. The plan stage's helpers that need the station live here
 * too: the decisions from the stored analysis with the title's overrides (decide.ts is pure; only a
 * limited stream is measured again, audio only), and the QC the encode is to carry.
 */
import { join } from 'node:path';
import type { ContentDecisions } from '../../common/analysis.js';
import type { JobRecord, StageRunner } from '../queue/job-queue.js';
import { makeOwnedDir, removeOwned } from '../util/owned-folder.js';
import { analyseMaster, decideSettled } from '../analysis/analyse.js';
import { qcDir, type PlanQc } from '../analysis/qc-wiring.js';
import { grabFrame } from '../analysis/qc-run.js';
import { jobFolder, need, type PipelineContext } from './context.js';

const SCRATCH = 'the analysis scratch folder';
/** The frame the crop is shown on, in the title's QC folder. */
export const FRAME = 'frame.jpg';

export function analyseStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'analyse',
    async run({ job, signal, progress, checkpoint }) {
      // Measured once: a resumed title (or one re-planned after an override) reuses what was measured.
      if (job.analysis) return 'done';
      // Planned by a version without the analysis: its package is made as it was planned.
      if (job.plan) return 'skipped';
      const media = need(job, 'media info', job.media);
      const spec = await ctx.spec();
      const jobDir = await jobFolder(ctx, job.id);
      await removeOwned(jobDir, 'analysis', SCRATCH);
      const workDir = await makeOwnedDir(jobDir, 'analysis', SCRATCH);
      job.analysis = await analyseMaster({
        ffmpegPath: ctx.tools().ffmpeg,
        path: job.sourcePath,
        media,
        audio: media.audio,
        rules: spec.picture,
        workDir,
        signal,
        onProgress: (fraction, detail) => progress({ fraction, detail }),
      });
      await removeOwned(jobDir, 'analysis', SCRATCH);
      // A frame from the middle of the film, for the Master tab to show the crop on.
      job.qcDir = qcDir(jobDir);
      // Only a picture for the operator: a master that will not give one still gets its package.
      await grabFrame(
        ctx.tools().ffmpeg,
        job.sourcePath,
        media.durationSec / 2,
        join(job.qcDir, FRAME),
        signal,
        480,
      ).catch(() => undefined);
      await checkpoint();
      return 'done';
    },
  };
}

/** The decisions for the title: its stored analysis, the spec, its overrides (undefined: not analysed). */
export async function decideForJob(
  ctx: Pick<PipelineContext, 'tools' | 'spec'>,
  job: JobRecord,
  signal?: AbortSignal,
): Promise<ContentDecisions | undefined> {
  const media = need(job, 'media info', job.media);
  const video = media.video[0];
  if (!job.analysis || !video) return undefined;
  const spec = await ctx.spec();
  return decideSettled(
    {
      analysis: job.analysis,
      video,
      picture: spec.picture,
      loudness: spec.loudness,
      ...(job.overrides ? { overrides: job.overrides } : {}),
    },
    {
      ffmpegPath: ctx.tools().ffmpeg,
      path: job.sourcePath,
      durationSec: media.durationSec,
      channels: new Map(media.audio.map((a) => [a.index, a.channels])),
      ...(signal ? { signal } : {}),
    },
  );
}

/** The QC to ride along the title's encode: the spec's rules, `<job>/qc/`, the streams the audio pass reads. */
export async function contentQc(ctx: Pick<PipelineContext, 'spec' | 'jobDir'>, job: JobRecord): Promise<PlanQc> {
  const media = need(job, 'media info', job.media);
  return {
    dir: qcDir(ctx.jobDir(job.id)),
    rules: (await ctx.spec()).qc,
    audio: media.audio.map((a) => ({ index: a.index, sampleRate: a.sampleRate })),
  };
}
