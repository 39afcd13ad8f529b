/**
 * What a record of `jobs.jsonl` must hold before the queue acts on it. A hand-edited, damaged or
 * foreign line (`{"id":"x"}`) once crashed start-up with a TypeError deep in the queue; now the
 * journal reader (util/durable-log.ts) names the file, the line and what is missing. The schema
 * checks what the queue relies on and lets everything else through as written (stage outputs
 * belong to their stages; records of earlier versions carry fields this one no longer writes).
 */
import { z } from 'zod';
import { STAGES } from '../../common/jobs.js';
import { safeSegment } from '../../common/segment.js';

const stage = z.enum(STAGES);

const stageProgress = z.looseObject({
  state: z.enum(['pending', 'running', 'done', 'failed', 'skipped', 'cancelled']),
  fraction: z.number(),
});

export const jobRecordSchema = z.looseObject({
  /** Names the job's folder: the one path-segment rule. */
  id: safeSegment,
  title: z.string(),
  sourcePath: z.string(),
  state: z.enum(['queued', 'running', 'paused', 'done', 'failed', 'cancelled']),
  stage,
  /** A stage added by a later version is filled in as pending when the queue opens. */
  stages: z.partialRecord(stage, stageProgress),
  createdAt: z.string(),
  updatedAt: z.string(),
  priority: z.number().optional(),
  fingerprint: z.string().optional(),
  titleRequest: z.looseObject({ titleId: z.string().optional(), replace: z.boolean().optional() }).optional(),
  error: z.looseObject({ stage, message: z.string() }).optional(),
  packageTarget: z.string().optional(),
  uploads: z.array(z.looseObject({ key: z.string() })),
  warnings: z.array(z.string()),
});
