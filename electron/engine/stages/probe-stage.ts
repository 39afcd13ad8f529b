/** Probe stage: the job's master probed and checked against the delivery spec (probe/probe-master.ts). */
import type { MediaInfo } from '../../common/media.js';
import type { StageRunner } from '../queue/job-queue.js';
import { MasterRejected, probeMaster } from '../probe/probe-master.js';
import type { PipelineContext } from './context.js';

export function probeStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'probe',
    async run({ job, signal }) {
      const tools = ctx.tools();
      const spec = await ctx.spec();
      try {
        const result = await probeMaster(job.sourcePath, {
          ffprobePath: tools.ffprobe,
          ffmpegPath: tools.ffmpeg,
          spec,
          signal,
          ...(job.extraCaptions ? { extraCaptions: job.extraCaptions } : {}),
        });
        job.media = result.media;
        if (result.spec) {
          job.spec = result.spec;
          job.warnings.push(...result.spec.findings.filter((f) => f.severity === 'warning').map((f) => f.message));
        }
      } catch (err) {
        // Keep what was learnt about a rejected master: the UI shows its MediaInfo and every finding.
        if (err instanceof MasterRejected) {
          job.spec = { spec: spec.name, accepted: false, findings: err.findings };
          const media = (err as MasterRejected & { media?: MediaInfo }).media;
          if (media) job.media = media;
        }
        throw err;
      }
      if (tools.ffprobeWarning && !job.warnings.includes(tools.ffprobeWarning)) job.warnings.push(tools.ffprobeWarning);
      return 'done';
    },
  };
}
