/**
 * The stage runners in order: probe → analyse → plan → claim → transcode → verify → upload origin → upload
 * archive → audit → report. Glue only: each runner lives in its stage module, reads what earlier
 * stages recorded on the job and records its own output, so the queue can resume a job at any stage.
 */
import type { StageRunner } from './queue/job-queue.js';
import type { PipelineContext } from './stages/context.js';
import { probeStage } from './stages/probe-stage.js';
import { planStage } from './stages/plan-stage.js';
import { analyseStage } from './stages/analyse-stage.js';
import { claimStage } from './stages/claim.js';
import { transcodeStage } from './stages/transcode.js';
import { verifyStage } from './stages/verify.js';
import { uploadOriginStage } from './stages/upload-origin.js';
import { uploadArchiveStage } from './stages/upload-archive.js';
import { auditStage } from './stages/audit.js';
import { reportStage } from './stages/report.js';
import { jobAuditContext } from './audit/audit-context.js';

export type { PipelineContext } from './stages/context.js';

export function createStageRunners(ctx: PipelineContext): StageRunner[] {
  // The audit after upload repairs from the package it just sent: no archive way back (audit-context.ts).
  const audit = { ...jobAuditContext(ctx), deliver: ctx.deliver };
  return [
    probeStage(ctx),
    analyseStage(ctx),
    planStage(ctx),
    claimStage(ctx),
    transcodeStage(ctx),
    verifyStage(ctx),
    uploadOriginStage(ctx),
    uploadArchiveStage(ctx),
    auditStage(audit),
    reportStage(ctx),
  ];
}
