/**
 * Transcode stage: the producers of a package, side by side — the video encode (every rung in one
 * ffmpeg, published set by set, resumable from the last published set; package/video-encoder.ts)
 * and the audio pass (every audio rendition in a process of its own; package/audio-encoder.ts) —
 * then, once the video timeline is known, the subtitle renditions (package/subtitle-writer.ts).
 * Verify and the uploads run at the same time and take each chunk from the journal as it appears.
 * A hardware encoder that passed its trial can still fail mid-job: the title is then encoded again
 * in software, and the reason recorded. The package folder must be one the station owns
 * (util/output-dir.ts); the source is only read.
 */
import { frameRateValue } from '../../common/media.js';
import { join } from 'node:path';
import type { JobRecord, StageContext, StageRunner } from '../queue/job-queue.js';
import { assertDiskSpace, diskFullError, estimatePackageBytes, filledUp, isDiskFull } from '../util/disk-space.js';
import { claimOutputDir, discardOutput } from '../util/output-dir.js';
import { reapOrphans } from '../ffmpeg/orphans.js';
import { linkedAbort } from '../util/errors.js';
import { encodeVideo, resetVideo } from '../package/video-encoder.js';
import { encodeAudio, realignAudio } from '../package/audio-encoder.js';
import { writeSubtitles } from '../package/subtitle-writer.js';
import { removePartials } from '../package/package-files.js';
import type { ChunkJournal } from '../package/chunk-journal.js';
import type { TranscodePlan } from '../plan/plan.js';
import { ladderSummary } from '../plan/plan.js';
import { alreadyDelivered, jobFolder, journalOf, need, packageDirOf, type PipelineContext } from './context.js';
import { makeOwnedDir, removeOwned } from '../util/owned-folder.js';

const SCRATCH = 'the encode scratch folder';

export function usesHardware(plan: TranscodePlan): boolean {
  return plan.encoder !== 'libx264' || plan.rungs.some((r) => r.encoder && r.encoder !== 'libx264');
}

/** The same plan encoded in software, with the reason recorded. */
export function softwarePlan(plan: TranscodePlan, why: string): TranscodePlan {
  return {
    ...plan,
    encoder: 'libx264',
    encoderReason: `software encoder: ${plan.encoder} failed during the transcode (${why})`,
    rungs: plan.rungs.map(({ encoder: _e, ...r }) => r),
  };
}

/** Frames per second of the rungs. */
export function outputFrameRate(plan: TranscodePlan, sourceRate: { num: number; den: number } | undefined): number {
  return frameRateValue(plan.frameRate ?? sourceRate ?? { num: 25, den: 1 });
}

/** The package's likely size (its plan's bit rates over the duration, with headroom). */
function packageEstimate(job: JobRecord): number {
  const plan = need(job, 'plan', job.plan);
  return estimatePackageBytes(need(job, 'media info', job.media).durationSec, [
    ...plan.rungs.map((r) => r.rate?.maxKbps ?? r.videoKbps * 1.2),
    ...plan.audio.map((a) => a.kbps),
  ]);
}

/** First run of a job: room for the package (before anything is made), and a folder that is the station's to write into. */
async function prepareOutput(job: JobRecord, packageDir: string, checkpoint: () => Promise<void>): Promise<void> {
  if (job.packageDir) return;
  await assertDiskSpace(packageDir, packageEstimate(job), 'the package');
  await claimOutputDir(packageDir, job.sourcePath, job.id);
  job.packageDir = packageDir;
  await checkpoint();
}

/**
 * The encode's scratch, fresh: a station killed under its encoders leaves them running
 * (orphans.ts) — they are stopped first — and whatever an earlier run left in the scratch (a
 * killed or failed run's half-written segments) is removed: nothing in it is ever resumed from,
 * and on a full disk it is what keeps the next run from fitting.
 */
async function freshScratch(ctx: PipelineContext, job: JobRecord): Promise<{ jobDir: string; scratchDir: string }> {
  const jobDir = await jobFolder(ctx, job.id);
  const stopped = await reapOrphans(join(jobDir, 'encode'));
  if (stopped.length)
    job.warnings.push(
      `stopped ${stopped.length} encoder process(es) the killed run left running (pid ${stopped.join(', ')})`,
    );
  await removeOwned(jobDir, 'encode', SCRATCH);
  return { jobDir, scratchDir: await makeOwnedDir(jobDir, 'encode', SCRATCH) };
}

interface Production {
  job: JobRecord;
  packageDir: string;
  scratchDir: string;
  journal: ChunkJournal;
  signal: AbortSignal;
  progress: StageContext['progress'];
  checkpoint: () => Promise<void>;
}

/** The video (with the software fallback) and the audio side by side; one failing stops the other. */
async function produce(ctx: PipelineContext, o: Production): Promise<void> {
  const { job, packageDir, scratchDir, journal, signal } = o;
  const media = need(job, 'media info', job.media);
  const tools = ctx.tools();
  const producers = linkedAbort(signal);
  let audio = job.plan!.audio.length ? 'audio: encoding' : '';
  let last = { fraction: 0, detail: '' };
  const report = (): void =>
    o.progress({ fraction: last.fraction, detail: [last.detail, audio].filter(Boolean).join(' · ') });
  const video = async (plan: TranscodePlan): Promise<void> =>
    encodeVideo({
      ffmpegPath: tools.ffmpeg,
      ffprobePath: tools.ffprobe,
      sourcePath: job.sourcePath,
      durationSec: media.durationSec,
      plan,
      packageDir,
      scratchDir,
      journal,
      frameRate: outputFrameRate(plan, media.video[0]?.frameRate),
      signal: producers.signal,
      onProgress: (p) => {
        last = { fraction: p.fraction, detail: `${p.speed ? `${p.speed.toFixed(1)}× realtime · ` : ''}${p.detail}` };
        report();
      },
    });
  const videoWithFallback = async (): Promise<void> => {
    const plan = job.plan!;
    try {
      await video(plan);
    } catch (err) {
      if (!usesHardware(plan) || signal.aborted || isDiskFull(err)) throw err;
      const why = err instanceof Error ? err.message : String(err);
      job.plan = softwarePlan(plan, why);
      job.ladder = ladderSummary(job.plan);
      job.warnings.push(`${plan.encoder} failed mid-job and the title was transcoded again with libx264: ${why}`);
      await o.checkpoint();
      await resetVideo(
        { journal, packageDir, plan: job.plan },
        `${plan.encoder} failed: the rungs are encoded again with libx264`,
      );
      await video(job.plan);
    }
  };
  const audioPass = encodeAudio({
    ffmpegPath: tools.ffmpeg,
    sourcePath: job.sourcePath,
    plan: job.plan!,
    packageDir,
    scratchDir,
    journal,
    durationSec: media.durationSec,
    signal: producers.signal,
    onProgress: (f) => {
      audio = f >= 1 ? 'audio: done' : `audio ${Math.round(f * 100)} %`;
      report();
    },
  }).then(() => {
    if (job.plan!.audio.length) audio = 'audio: done';
  });
  try {
    // One producer failing stops the other (what it published stays for the next run).
    const settled = await Promise.allSettled(
      [videoWithFallback(), audioPass].map((p) =>
        p.catch((err: unknown) => (producers.controller.abort(err), Promise.reject(err))),
      ),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw signal.aborted ? (signal.reason ?? failed.reason) : failed.reason;
  } finally {
    producers.dispose();
  }
}

export function transcodeStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'transcode',
    after: ['claim'],
    async run({ job, signal, progress, checkpoint }) {
      if (alreadyDelivered(job)) return 'skipped';
      const media = need(job, 'media info', job.media);
      const journal = await journalOf(ctx, job);
      const packageDir = packageDirOf(ctx, job);
      await prepareOutput(job, packageDir, checkpoint);
      const { jobDir, scratchDir } = await freshScratch(ctx, job);
      // What a kill -9 left half-written beside its name in the package is taken back.
      await removePartials(packageDir, 'encoding');
      try {
        await produce(ctx, { job, packageDir, scratchDir, journal, signal, progress, checkpoint });
        if (await realignAudio({ plan: job.plan!, packageDir, journal }))
          job.warnings.push('the audio was moved onto the clock of the re-encoded picture');
        await writeSubtitles({
          ffmpegPath: ctx.tools().ffmpeg,
          sourcePath: job.sourcePath,
          durationSec: media.durationSec,
          plan: job.plan!,
          packageDir,
          journal,
        });
      } catch (err) {
        if (!(await filledUp(err, packageDir))) throw err;
        // The disk filled up: give back what this run held in the scratch now (the finished sets stay
        // published), so that freeing the space the sentence asks for is enough for the retry.
        await removeOwned(jobDir, 'encode', SCRATCH).catch(() => undefined);
        await removePartials(packageDir, 'encoding').catch(() => undefined);
        throw await diskFullError(packageDir, packageEstimate(job), 'the package');
      }
      await removeOwned(jobDir, 'encode', SCRATCH);
      return 'done';
    },
    async cleanup(job) {
      const journal = await journalOf(ctx, job).catch(() => undefined);
      // A package in the operator's folder: only the files this job wrote go.
      if (job.packageTarget && journal) {
        await discardOutput(job.packageTarget, [
          ...[...journal.inits.values()].map((i) => i.path).filter(Boolean),
          ...journal.published().map((c) => c.path),
        ]);
      }
      await ctx.journals.release(job.id);
      await reapOrphans(ctx.jobDir(job.id));
      // <workDir>/jobs/<id>: made (and marked) by the station for this job alone.
      await removeOwned(ctx.jobsDir, job.id, 'the job id');
    },
  };
}
