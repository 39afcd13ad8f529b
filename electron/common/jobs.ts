/**
 * Job and stage records shared by engine, main, CLI and renderer.
 * A job is one source master; it passes through STAGES in order. Every stage reads only what the
 * previous stages recorded here, so a job can be resumed from its last completed stage.
 */
import type { TransferStats } from './throughput.js';
import type { MediaInfo } from './media.js';
import type { SpecResult } from './spec.js';
import type { AuditRecord, ManifestRendition, PackageProblem } from './manifest.js';
import type { TitleReport } from './report.js';
import type { TitleClaimSummary } from './title.js';
import type { ContentAnalysis, ContentDecisions, ContentOverrides, QcFinding } from './analysis.js';
import type { PerTitleSummary } from './ladder.js';

export const STAGES = [
  'probe',
  'analyse',
  'plan',
  'claim',
  'transcode',
  'verify',
  'uploadOrigin',
  'uploadArchive',
  'audit',
  'report',
] as const;
export type StageName = (typeof STAGES)[number];

export const STAGE_LABELS: Record<StageName, string> = {
  probe: 'Probe',
  analyse: 'Analyse',
  plan: 'Plan',
  claim: 'Claim title',
  transcode: 'Transcode',
  verify: 'Verify',
  uploadOrigin: 'Upload origin',
  uploadArchive: 'Upload archive',
  audit: 'Audit',
  report: 'Report',
};

export type StageState = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'cancelled';
export type JobState = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface StageProgress {
  state: StageState;
  /** 0..1 of this stage's work; acknowledged work only (uploads count acknowledged bytes). */
  fraction: number;
  /** Seconds left, present only once the rate is stable enough to be honest. */
  etaSeconds?: number;
  /** Short human line: "12.4 MB/s", "2.1× realtime", "14 / 60 segments". */
  detail?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface JobError {
  stage: StageName;
  /** One specific, human reason. */
  message: string;
  /** The station's stable code for it (StationError.code: `not-media`, `title-conflict`, `s3-AccessDenied`…): what the window's "the action that fixes it" keys on. */
  code?: string;
  /** Extra diagnostic text (ffmpeg stderr tail, S3 error code), shown on demand. */
  detail?: string;
  /** Verification failures: every bad file with its problem (capped for the UI). */
  problems?: PackageProblem[];
}

/**
 * A DRM title's keys as the job keeps them (engine/drm/station-drm.ts): the key plan — options, the
 * provider's content ID, the key ID of each track type and key period, a check value per key — and
 * which provider answered. Never a content key: a resumed job asks the provider again.
 */
export interface JobDrm {
  plan: {
    options: {
      scheme: 'cbcs' | 'cenc';
      systems: Array<'widevine' | 'playready' | 'fairplay'>;
      trackKeys: 'audio-sd-hd' | 'single';
      rotateEvery?: number;
      clearLead?: number;
    };
    contentId: string;
    slots: Array<{ kid: string; trackType: 'audio' | 'sd' | 'hd'; period: number }>;
    checks?: Record<string, string>;
  };
  /** "SPEKE key provider https://…", "CPIX file x.xml", "local keys". */
  provider: string;
  providerType: 'speke' | 'cpix' | 'local';
  /** Local keys: the CPIX document written for the platform's key server (never uploaded). */
  export?: string;
}

export interface JobSnapshot {
  id: string;
  title: string;
  sourcePath: string;
  /** Queue order: lower runs first (then oldest first). */
  priority?: number;
  /** The titles added together (one drop, one pick, one watch-folder scan) share it: the queue groups by it. */
  batch?: string;
  /** Size + SHA-256 of the master's first and last MiB: recognises the same master dropped twice. */
  fingerprint?: string;
  /** What the operator asked for: the platform's own title ID, and whether to replace what it holds. */
  titleRequest?: TitleRequest;
  /** The title ID and version this job delivers, and what each destination's claim said (after the claim stage). */
  claim?: TitleClaimSummary;
  state: JobState;
  /** The stage running now, or the last one that ran. */
  stage: StageName;
  stages: Record<StageName, StageProgress>;
  createdAt: string;
  updatedAt: string;
  media?: MediaInfo;
  /** The delivery spec's verdict on the master (errors reject it; warnings travel with the job). */
  spec?: SpecResult;
  error?: JobError;
  /** What the picture and sound measured (after the analyse stage; kept: never measured twice). */
  analysis?: ContentAnalysis;
  /** The operator's overrides of the content decisions for this title (CLI flags, the Master tab). */
  overrides?: ContentOverrides;
  /** What the plan does about the picture and sound, each with its evidence (after the plan stage). */
  decisions?: ContentDecisions;
  /** What a viewer would complain about (after verify): black, freeze, silence, clipping … */
  qc?: QcFinding[];
  /** The title's QC folder: a frame of the master (`frame.jpg`, the crop is shown on it) and the findings' thumbnails. */
  qcDir?: string;
  /** The plan: rungs, encoder and why (after the plan stage). */
  ladder?: LadderSummary;
  /** The package's video, audio and subtitle renditions (after the verify stage). */
  renditions?: ManifestRendition[];
  /** An encrypted title: the file its content keys were exported to for the key server (never uploaded). */
  keyExport?: string;
  /** A DRM title: its key IDs per track type, the provider, the CPIX export (no content key). */
  drm?: JobDrm;
  /** What verify proved (after the verify stage). */
  verified?: { fileCount: number; totalBytes: number; segmentsChecked: number; manifestSha256: string };
  /** Per destination name: objects and bytes delivered (skipped: already there, identical). */
  delivered?: Record<string, { objects: number; bytes: number; skipped: number }>;
  /** Per destination: what this run sent, average and peak rate. */
  transfers?: Record<string, TransferStats>;
  /** Local package folder once transcoded. */
  packageDir?: string;
  report?: TitleReport;
  /** Where the report was written (JSON). */
  reportPath?: string;
  /** The latest audits of this title (newest last), per destination: when it was last proven whole. */
  audits?: AuditRecord[];
}

export interface TitleRequest {
  /** The platform's own ID; absent: derived from the file name (see common/title.ts). */
  titleId?: string;
  /** Publish this master in place of what the title ID holds (a corrected re-delivery). */
  replace?: boolean;
}

export interface LadderSummary {
  encoder: string;
  encoderReason: string;
  rungs: Array<{ name: string; width: number; height: number; videoKbps: number; encoder?: string }>;
  audioKbps: number;
  segmentSeconds: number;
  segmentFormat: 'fmp4' | 'ts';
  /** How the rungs' bit rates were set: measured per title (engine/ladder/) or the profile's fixed ones. */
  mode?: 'per-title' | 'fixed';
  /** The per-title choice: per rung the bit rate, the quality measured and the bytes saved against the fixed ladder. */
  perTitle?: PerTitleSummary;
}

/** What the queue's selection can do to many titles at once (`top`: run them first, in their order). */
export const BATCH_ACTIONS = ['pause', 'resume', 'retry', 'cancel', 'top'] as const;
export type BatchAction = (typeof BATCH_ACTIONS)[number];

export function emptyStages(): Record<StageName, StageProgress> {
  const stages = {} as Record<StageName, StageProgress>;
  for (const s of STAGES) stages[s] = { state: 'pending', fraction: 0 };
  return stages;
}

export function isFinal(state: JobState): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}
