/** The per-title report: what went where, with sizes and checksums. JSON and the UI show the same. */
import type { ContentDecisions, QcFinding } from './analysis.js';
import type { TransferStats } from './throughput.js';
import type { StageName } from './jobs.js';
import type { AuditRecord } from './manifest.js';
import type { LadderSummary } from './jobs.js';

export interface UploadedObject {
  destination: string;
  key: string;
  size: number;
  md5: string;
  skipped?: boolean;
}

export interface StageTiming {
  stage: StageName;
  state: string;
  seconds?: number;
}

export interface TitleReport {
  title: string;
  /** The prefix the title owns at the stores, and the version folder this delivery went into. */
  titleId?: string;
  version?: string;
  source: string;
  state: 'done' | 'failed' | 'cancelled';
  error?: string;
  encoder?: string;
  encoderReason?: string;
  /** The ladder made: rungs, and the per-title choice with what it saved against the fixed ladder. */
  ladder?: LadderSummary;
  packageDir?: string;
  manifestSha256?: string;
  /** An encrypted title: where its content keys were exported for the key server (never uploaded). */
  keyExport?: string;
  /** What the content analysis decided about the picture and sound, each with its evidence. */
  decisions?: ContentDecisions;
  /** QC findings: what a viewer would complain about, with start and end in seconds. */
  qc?: QcFinding[];
  stages: StageTiming[];
  uploads: UploadedObject[];
  /** Per destination: bytes this run sent, over how long, average and peak (best five seconds) rate. */
  transfers?: Record<string, TransferStats>;
  /** Every audit of the title so far (after upload, on demand, before and after repairs). */
  audits: AuditRecord[];
  warnings: string[];
}
