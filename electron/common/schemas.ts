/**
 * Runtime schemas for every argument that crosses the process boundary (Mattermost's pattern).
 * Main validates with these before calling the engine; nothing from the renderer is trusted.
 */
import { FARM_ACTIONS } from './farm.js';
import { z } from 'zod';
import type { InvokeOp, InvokeOps } from './api.js';
import { destinationTestArgs, settingsUpdateSchema } from './settings.js';
import { localPathProblem } from './paths.js';
import { titleIdSchema } from './title.js';
import { BATCH_ACTIONS } from './jobs.js';
import { LIBRARY_FILTERS, LIBRARY_PAGE_MAX, LIBRARY_SORTS } from './library.js';
import { safeSegment } from './segment.js';
import { contentOverridesSchema } from './analysis.js';

const MAX_PATH = 4096;

/** An absolute local path on POSIX (/…) or Windows (C:\… or C:/…); no UNC, no NUL bytes. */
export const absolutePath = z
  .string()
  .min(1)
  .max(MAX_PATH)
  .superRefine((p, ctx) => {
    const problem = localPathProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: `path refused: ${problem}` });
  });

/** A job id names the job's folder: the one path-segment rule. */
export const jobId = safeSegment;

/** The queue's selection: a day's work, not unbounded. */
const jobIds = z.array(jobId).min(1).max(5000);

/** A title sheet as text (a CSV of file, title_id, replace): a sheet for thousands of titles fits in 1 MB. */
const sheetText = z.string().min(1).max(1_000_000);

export const libraryQuerySchema = z.strictObject({
  offset: z.number().int().min(0).max(10_000_000).optional(),
  limit: z.number().int().min(1).max(LIBRARY_PAGE_MAX).optional(),
  filter: z.enum(LIBRARY_FILTERS).optional(),
  search: z.string().max(120).optional(),
  sort: z.enum(LIBRARY_SORTS).optional(),
  descending: z.boolean().optional(),
});

export const invokeArgSchemas = {
  addMasters: z.tuple([
    z.array(absolutePath).min(1).max(1000),
    z.strictObject({ hold: z.boolean().optional() }).optional(),
  ]),
  listJobs: z.tuple([]),
  cancelJob: z.tuple([jobId]),
  pickMasters: z.tuple([]),
  auditJob: z.tuple([jobId, z.strictObject({ repair: z.boolean(), deep: z.boolean() })]),
  stationInfo: z.tuple([]),
  pauseJob: z.tuple([jobId]),
  resumeJob: z.tuple([jobId]),
  retryJob: z.tuple([jobId]),
  moveJob: z.tuple([jobId, z.enum(['up', 'down', 'top'])]),
  setTitle: z.tuple([jobId, z.strictObject({ titleId: titleIdSchema.optional(), replace: z.boolean().optional() })]),
  setOverrides: z.tuple([jobId, contentOverridesSchema]),
  pauseAll: z.tuple([]),
  resumeAll: z.tuple([]),
  batchJobs: z.tuple([jobIds, z.enum(BATCH_ACTIONS)]),
  setTitlesFromSheet: z.tuple([jobIds, sheetText]),
  runSample: z.tuple([]),
  stationDay: z.tuple([]),
  getSettings: z.tuple([]),
  saveSettings: z.tuple([settingsUpdateSchema]),
  testDestination: destinationTestArgs,
  libraryView: z.tuple([libraryQuerySchema]),
  auditLibrary: z.tuple([z.strictObject({ repair: z.boolean() })]),
  throughput: z.tuple([z.strictObject({ jobId: jobId.optional() })]),
  farmView: z.tuple([]),
  farmControl: z.tuple([jobId, z.enum(FARM_ACTIONS)]),
  chunkMap: z.tuple([z.union([z.strictObject({ jobId }), z.strictObject({ titleId: titleIdSchema })])]),
  drmPlayerKeys: z.tuple([jobId]),
} as const satisfies { [K in InvokeOp]: z.ZodType<InvokeOps[K]['args']> };

/** Parse the raw IPC arguments for an operation; throws an Error naming the operation and the problem. */
export function parseInvokeArgs<K extends InvokeOp>(op: K, raw: unknown[]): InvokeOps[K]['args'] {
  const result = invokeArgSchemas[op].safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length ? ` at argument ${issue.path.join('.')}` : '';
    throw new Error(`Invalid arguments for ${op}${where}: ${issue?.message ?? 'rejected'}`);
  }
  return result.data as InvokeOps[K]['args'];
}
