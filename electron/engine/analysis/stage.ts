/**
 * The content analysis in the pipeline. The `analyse` stage (between probe and plan) measures the
 * master once — picture windows and loudness (analyse.ts) — and keeps the measurement on the job, so
 * a resumed or re-planned title never decodes it for analysis again. The plan's hooks live here too,
 * so the plan stage stays a thin caller: `contentMedia` is the master as the ladder should see it
 * (the cropped picture, its real field structure and frame rate), `applyContent` puts the decided
 * filters into the plan (the picture's pre-filters before the ladder's split, each audio
 * rendition's gain and limiter). Decisions are recomputed from the stored analysis at every plan,
 * with the title's overrides (decide.ts is pure; only a limited stream is measured again, audio only).
 */
import type { ContentDecisions } from '../../common/analysis.js';
import type { MediaInfo } from '../../common/media.js';
import type { JobRecord, StageRunner } from '../queue/job-queue.js';
import type { TranscodePlan } from '../stages/plan.js';
import { jobFolder, need, type PipelineContext } from '../stages/context.js';
import { makeOwnedDir, removeOwned } from '../util/owned-folder.js';
import { analyseMaster, decideSettled } from './analyse.js';
import { renditionAudioFilter, videoPreFilters } from './filters.js';
import { qcDir, type PlanQc } from './qc-wiring.js';
import { grabFrame } from './qc-run.js';
import { join } from 'node:path';

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

/**
 * The master as the ladder is planned from: the cropped picture (in the upright picture's pixels,
 * as the analysis measured it; the display aspect follows from the same SAR), progressive once its
 * fields are fixed, at the decided frame rate.
 */
export function contentMedia(media: MediaInfo, d: ContentDecisions): MediaInfo {
  const [v, ...rest] = media.video;
  if (!v) return media;
  const crop = d.crop.value;
  const turned = v.rotation === 90 || v.rotation === 270;
  const size = crop ? (turned ? { width: crop.h, height: crop.w } : { width: crop.w, height: crop.h }) : {};
  const scan = d.scan.value;
  return {
    ...media,
    video: [
      {
        ...v,
        ...size,
        fieldOrder: 'progressive',
        ...(scan.action !== 'none' ? { frameRate: scan.frameRate } : {}),
      },
      ...rest,
    ],
  };
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

/**
 * The decided filters into a plan made from `contentMedia` (the source's own MediaInfo for the
 * audio), and the QC that rides along (only the streams the audio pass reads are heard).
 */
export function applyContent(plan: TranscodePlan, d: ContentDecisions, media: MediaInfo, qc?: PlanQc): TranscodePlan {
  const pre = videoPreFilters(d);
  const scan = d.scan.value;
  const gains = d.loudness.map((x) => x.value);
  return {
    ...plan,
    ...(pre.length ? { preFilters: pre } : {}),
    ...(qc ? { qc: { ...qc, audio: qc.audio.filter((a) => plan.audio.some((r) => r.streamIndex === a.index)) } } : {}),
    // The rungs' rate is the decision's (inverse telecine 4/5, a field per frame 2×): said explicitly,
    // so the encode's resume counts frames at the rate it writes.
    ...(scan.action !== 'none' && !plan.frameRate ? { frameRate: scan.frameRate } : {}),
    audio: plan.audio.map((a) => {
      const channels = media.audio.find((s) => s.index === a.streamIndex)?.channels ?? 2;
      const filter = renditionAudioFilter(gains, a, channels);
      return filter ? { ...a, filter } : a;
    }),
  };
}
