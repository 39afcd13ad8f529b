/**
 * What every stage runner may use: the station's destinations, tools, settings and shared pools.
 * Each stage module exports one runner built from this context (`probeStage(ctx)` …); pipeline.ts
 * only lists them in order.
 */
import type { ThroughputMeter } from '../transfer/throughput-meter.js';
import type { Pool } from '../transfer/adaptive-limit.js';
import type { LadderProfile } from '../../common/profile.js';
import type { DeliverySpec } from '../../common/spec.js';
import type { Destination } from '../destinations/destination.js';
import type { ToolPaths } from '../ffmpeg/locate.js';
import type { JobRecord } from '../queue/job-queue.js';
import type { KeyedMutex } from '../util/keyed-mutex.js';
import type { EncoderChoice, TranscodePlan } from '../plan/plan.js';
import type { ChunkJournals } from '../package/chunk-journal.js';
import type { KeyStore } from '../package/encryption.js';
import type { StationDrm } from '../drm/station-drm.js';
import { makeOwnedDir } from '../util/owned-folder.js';

declare module '../queue/job-queue.js' {
  interface JobOutputs {
    /** The plan stage's output (the UI sees its summary, `ladder`). */
    plan?: TranscodePlan;
  }
}

export interface PipelineContext {
  /** Resolved lazily so a missing ffmpeg fails the job with a clear reason instead of the app. */
  tools(): ToolPaths;
  origin: Destination;
  archive?: Destination;
  /** `<workDir>/jobs`: every job's own folder is made here (and only here) by `jobFolder`. */
  jobsDir: string;
  /** The path of a job's folder (its id checked as one safe path segment); made by `jobFolder`. */
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
  /** Acknowledged bytes over time, per title and for the station (graph, report). */
  meter?: ThroughputMeter;
  /** Shared pool of small-object uploads across all jobs. */
  objectsPool: Pool;
  /** One claim at a time per title ID within this station. */
  claims: KeyedMutex;
  /**
   * A farm worker's fencing check: throws when this attempt at the title is no longer the farm's
   * current one (another worker took it after a stall). Called before each commit step — the
   * playlists and manifest, the entry points, the archive's commit, the report.
   */
  fence?: (jobId: string) => Promise<void>;
  /** This station's name in claims ("who holds it"). */
  stationName: string;
  /** This station's identity in claims (a random ID of its work folder: util/station-id.ts). */
  stationId?: string;
  /**
   * Whether a job of this station that the claim names as delivering may be taken over by another
   * of its jobs (it failed or was cancelled, or its record is gone); absent: never.
   */
  adoptable?: (jobId: string) => boolean;
  /** How long a replaced version stays at the stores for viewers mid-title (ms). */
  retireGraceMs: number;
  /** Each job's chunk journal, shared by its stages. */
  journals: ChunkJournals;
  /** Content keys of encrypted titles (never uploaded). */
  keys: KeyStore;
  /** Encryption settings (a profile can ask for it too). */
  encryption?: { enabled?: boolean; keyUri?: string; rotateEvery?: number };
  /** Studio DRM, when the config turns it on (engine/drm/station-drm.ts). */
  drm?: StationDrm;
  /** false: offline packaging (`ingest-station transcode`): no claim, no uploads, no audit. */
  deliver: boolean;
}

/** The destinations a title is claimed at, origin first. */
export function need<T>(rec: JobRecord, what: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`job ${rec.id} has no ${what}: an earlier stage did not record it`);
  return value;
}

export function journalPath(ctx: Pick<PipelineContext, 'jobDir'>, jobId: string): string {
  return `${ctx.jobDir(jobId)}/chunks.jsonl`;
}

/** The job's own folder, made and marked as the station's on first use (util/owned-folder.ts). */
export function jobFolder(ctx: Pick<PipelineContext, 'jobsDir'>, jobId: string): Promise<string> {
  return makeOwnedDir(ctx.jobsDir, jobId, 'the job id');
}

/** The job's chunk journal (opened once, shared by its stages), in its own folder. */
export async function journalOf(ctx: Pick<PipelineContext, 'jobsDir' | 'jobDir' | 'journals'>, job: JobRecord) {
  await jobFolder(ctx, job.id);
  return ctx.journals.get(job.id, journalPath(ctx, job.id));
}

/** Where the job's package is written: the operator's folder (`transcode --out`) or its job folder. */
export function packageDirOf(ctx: Pick<PipelineContext, 'jobDir'>, job: JobRecord): string {
  return job.packageTarget ?? `${ctx.jobDir(job.id)}/package`;
}

/** The title is already live from this master everywhere: nothing to transcode or send. */
export function alreadyDelivered(job: JobRecord): boolean {
  const modes = Object.values(job.claim?.destinations ?? {});
  return modes.length > 0 && modes.every((d) => d.mode === 'delivered');
}
