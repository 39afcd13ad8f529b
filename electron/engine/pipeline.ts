/**
 * The stage runners in order: probe → plan → transcode → verify → upload origin → upload archive →
 * report. Each runner reads only what earlier stages recorded on the job and records its own output,
 * so the queue can resume a job at any stage.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../common/manifest.js';
import type { MediaInfo } from '../common/media.js';
import type { JobSnapshot, LadderSummary } from '../common/jobs.js';
import type { UploadedObject } from '../common/report.js';
import type { Destination } from './destinations/destination.js';
import type { ToolPaths } from './ffmpeg/locate.js';
import type { JobRecord, StageRunner } from './queue/job-queue.js';
import { MasterRejected, probeMaster } from './stages/probe.js';
import type { DeliverySpec } from '../common/spec.js';
import type { LadderProfile } from '../common/profile.js';
import { planTranscode, type EncoderChoice, type TranscodePlan } from './stages/plan.js';
import { transcode } from './stages/transcode.js';
import { assertVerified, manifestInfo, verifyPackage } from './stages/verify.js';
import { fingerprintFile } from './util/fingerprint.js';
import { uploadArchive, uploadPackage } from './stages/upload.js';
import type { LimitFunction } from 'p-limit';
import { buildReport, type VerifyOutput } from './stages/report.js';
import { writeFileAtomic } from './util/atomic-write.js';
import { RateEstimator } from './util/rate.js';
import { StationError } from './util/errors.js';
import { auditJob, latestAudits } from './audit/job-audit.js';
import { MANIFEST_FILE } from '../common/manifest.js';

export interface PipelineContext {
  /** Resolved lazily so a missing ffmpeg fails the job with a clear reason instead of the app. */
  tools(): ToolPaths;
  origin: Destination;
  archive?: Destination;
  jobDir(jobId: string): string;
  segmentSeconds: number;
  segmentFormat: 'fmp4' | 'ts';
  dash: boolean;
  /** The ladder profile (loaded once, lazily). */
  profile(): Promise<LadderProfile>;
  /** The encoder to plan with (detected once by trial encode, cached per ffmpeg). */
  encoder(): Promise<EncoderChoice>;
  /** The delivery spec masters are checked against (loaded once, lazily). */
  spec(): Promise<DeliverySpec>;
  /** Shared pool of small-object uploads across all jobs. */
  objectsPool: LimitFunction;
}

/** Keys at the destination: a URL-safe slug of the title. */
function ladderSummary(plan: TranscodePlan): LadderSummary {
  return {
    encoder: plan.encoder,
    encoderReason: plan.encoderReason,
    rungs: plan.rungs.map(({ name, width, height, videoKbps, encoder }) => ({ name, width, height, videoKbps, ...(encoder ? { encoder } : {}) })),
    audioKbps: plan.audioKbps,
    segmentSeconds: plan.segmentSeconds,
    segmentFormat: plan.segmentFormat,
  };
}

function deliveredSummary(uploads: UploadedObject[]): NonNullable<JobSnapshot['delivered']> {
  const out: NonNullable<JobSnapshot['delivered']> = {};
  for (const u of uploads) {
    const d = (out[u.destination] ??= { objects: 0, bytes: 0, skipped: 0 });
    d.objects++;
    d.bytes += u.size;
    if (u.skipped) d.skipped++;
  }
  return out;
}

export function titleKey(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'untitled';
}

const need = <T>(rec: JobRecord, what: string, value: T | undefined): T => {
  if (value === undefined) throw new Error(`job ${rec.id} has no ${what}: an earlier stage did not record it`);
  return value;
};

async function loadManifest(packageDir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(packageDir, MANIFEST_FILE), 'utf8')) as Manifest;
}

export function createStageRunners(ctx: PipelineContext): StageRunner[] {
  return [
    {
      name: 'probe',
      async run({ job, signal }) {
        const tools = ctx.tools();
        try {
          const { media, spec } = await probeMaster(job.sourcePath, { ffprobePath: tools.ffprobe, ffmpegPath: tools.ffmpeg, spec: await ctx.spec(), signal });
          job.media = media;
          if (spec) {
            job.spec = spec;
            job.warnings.push(...spec.findings.filter((f) => f.severity === 'warning').map((f) => f.message));
          }
        } catch (err) {
          // Keep what was learnt about a rejected master: the UI shows its MediaInfo and every finding.
          if (err instanceof MasterRejected) {
            job.spec = { spec: (await ctx.spec()).name, accepted: false, findings: err.findings };
            const media = (err as MasterRejected & { media?: MediaInfo }).media;
            if (media) job.media = media;
          }
          throw err;
        }
        return 'done';
      },
    },
    {
      name: 'plan',
      async run({ job }) {
        const plan = planTranscode(need(job, 'media info', job.media), {
          segmentSeconds: ctx.segmentSeconds,
          segmentFormat: ctx.segmentFormat,
          dash: ctx.dash,
          profile: await ctx.profile(),
          encoder: await ctx.encoder(),
        });
        job.outputs.plan = plan;
        job.ladder = ladderSummary(plan);
        return 'done';
      },
    },
    {
      name: 'transcode',
      async run({ job, signal, progress, checkpoint }) {
        const media: MediaInfo = need(job, 'media info', job.media);
        const plan = need(job, 'plan', job.outputs.plan as TranscodePlan | undefined);
        const run = (p: TranscodePlan) =>
          transcode({
            ffmpegPath: ctx.tools().ffmpeg,
            sourcePath: job.sourcePath,
            durationSec: media.durationSec,
            ...(media.video[0] ? { sourceFrameRate: media.video[0].frameRate } : {}),
            plan: p,
            jobDir: ctx.jobDir(job.id),
            signal,
            onProgress: progress,
          });
        try {
          job.packageDir = await run(plan);
        } catch (err) {
          // A hardware encoder that passed its trial can still fail mid-job (driver reset, session
          // limit): redo the title in software and say why.
          const usesHardware = plan.encoder !== 'libx264' || plan.rungs.some((r) => r.encoder && r.encoder !== 'libx264');
          if (!usesHardware || signal.aborted) throw err;
          const why = err instanceof Error ? err.message : String(err);
          const software: TranscodePlan = { ...plan, encoder: 'libx264', encoderReason: `software encoder: ${plan.encoder} failed during the transcode (${why})`, rungs: plan.rungs.map(({ encoder: _e, ...r }) => r) };
          job.outputs.plan = software;
          job.warnings.push(`${plan.encoder} failed mid-job and the title was transcoded again with libx264: ${why}`);
          await checkpoint();
          job.packageDir = await run(software);
        }
        return 'done';
      },
      async cleanup(job) {
        await rm(ctx.jobDir(job.id), { recursive: true, force: true });
      },
    },
    {
      name: 'verify',
      async run({ job, signal, progress }) {
        const plan = need(job, 'plan', job.outputs.plan as TranscodePlan | undefined);
        const media = need(job, 'media info', job.media);
        let rate: RateEstimator | undefined;
        const result = await verifyPackage({
          packageDir: need(job, 'package', job.packageDir),
          ffprobePath: ctx.tools().ffprobe,
          mode: 'write',
          info: manifestInfo(job.title, await fingerprintFile(job.sourcePath), media, plan),
          signal,
          onProgress: (done, total) => {
            rate ??= new RateEstimator(total);
            rate.add(done);
            const etaSeconds = rate.etaSeconds();
            progress({ fraction: total ? done / total : 1, detail: `${done} / ${total} segments checked`, ...(etaSeconds !== undefined ? { etaSeconds } : {}) });
          },
        });
        assertVerified(result);
        const manifest = result.manifest!;
        const out: VerifyOutput = {
          manifestSha256: result.manifestSha256!,
          fileCount: manifest.files.length,
          totalBytes: manifest.files.reduce((n, f) => n + f.size, 0),
          segmentsChecked: result.segmentsChecked,
        };
        job.outputs.verify = out;
        job.verified = out;
        return 'done';
      },
    },
    {
      name: 'uploadOrigin',
      async run({ job, signal, progress }) {
        const packageDir = need(job, 'package', job.packageDir);
        const uploaded = await uploadPackage({
          destination: ctx.origin,
          packageDir,
          manifest: await loadManifest(packageDir),
          titleKey: titleKey(job.title),
          pool: ctx.objectsPool,
          signal,
          onProgress: progress,
        });
        job.uploads = [...job.uploads.filter((u) => u.destination !== ctx.origin.name), ...uploaded];
        job.delivered = deliveredSummary(job.uploads);
        return 'done';
      },
    },
    {
      name: 'uploadArchive',
      async run({ job, signal, progress }) {
        if (!ctx.archive) return 'skipped';
        const packageDir = need(job, 'package', job.packageDir);
        const uploaded = await uploadArchive({
          destination: ctx.archive,
          sourcePath: job.sourcePath,
          packageDir,
          manifest: await loadManifest(packageDir),
          titleKey: titleKey(job.title),
          signal,
          onProgress: progress,
        });
        job.uploads = [...job.uploads.filter((u) => u.destination !== ctx.archive?.name), ...uploaded];
        job.delivered = deliveredSummary(job.uploads);
        return 'done';
      },
    },
    {
      name: 'audit',
      async run({ job, signal, progress }) {
        // Prove the upload: list what the stores hold and compare with the manifest; repair once.
        progress({ fraction: 0, detail: 'listing the origin' });
        const records = await auditJob(job, { origin: ctx.origin, ...(ctx.archive ? { archive: ctx.archive } : {}), ffprobePath: () => ctx.tools().ffprobe, titleKey }, { repair: true, signal });
        const remaining = latestAudits(records).flatMap((r) => r.problems.map((p) => `${r.destination}: ${p.key} ${p.problem}`));
        if (remaining.length > 0) throw new StationError(`The audit after upload still finds ${remaining.length} problem(s) after a repair: ${remaining.slice(0, 3).join('; ')}`, 'audit-failed', remaining.join('\n'));
        const repaired = records.filter((r) => r.repaired).flatMap((r) => r.repaired!.uploaded);
        if (repaired.length > 0) job.warnings.push(`the audit after upload found and repaired ${repaired.length} object(s): ${repaired.slice(0, 5).join(', ')}`);
        return 'done';
      },
    },
    {
      name: 'report',
      async run({ job }) {
        // The report describes the finished job, including this stage as complete.
        const report = { ...job.stages.report, state: 'done' as const, fraction: 1, endedAt: new Date().toISOString() };
        job.report = buildReport({ ...job, state: 'done', stages: { ...job.stages, report } });
        const path = join(ctx.jobDir(job.id), 'report.json');
        await writeFileAtomic(path, JSON.stringify(job.report, null, 2) + '\n');
        job.reportPath = path;
        return 'done';
      },
    },
  ];
}
