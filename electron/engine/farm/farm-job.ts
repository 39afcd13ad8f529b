/**
 * What a farm job must be before anything acts on it. Anyone with the farm's password can write
 * to its Redis, and a job's id becomes the title's folder in the shared work folder, its master
 * path becomes a file a worker reads: both are checked where they enter — when a title is
 * submitted, when a worker takes one, when `farm list` reads them — and a job that fails the check
 * is named with what is wrong with it, never run.
 */
import { z } from 'zod';
import { describeZodError } from '../../common/config.js';
import { localPathProblem } from '../../common/paths.js';
import { segmentProblem } from '../../common/segment.js';
import { titleIdSchema } from '../../common/title.js';

const text = (max: number) => z.string().max(max);

export const farmJobDataSchema = z.object({
  /** The master as the submitting machine names it (workers map it with their path map). */
  masterPath: text(4096).superRefine((p, ctx) => {
    const problem = localPathProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  title: text(512),
  request: z.object({ titleId: titleIdSchema.optional(), replace: z.boolean().optional() }).optional(),
  submittedBy: text(256),
  submittedAt: text(64),
  /** Workers that could not see the master (their path map or mounts): the title waits for another. */
  unseenBy: z.array(text(256)).max(1000).optional(),
});
export type FarmJobData = z.infer<typeof farmJobDataSchema>;

/** Set (by farm-queue.ts) in place of a job's data that Redis holds but that is not JSON. */
export const UNREADABLE_DATA = '__unreadableData';

/** What is wrong with a farm job (its id, its data), in words; undefined when it may run. */
export function farmJobProblem(id: string | undefined, data: unknown): string | undefined {
  const idProblem = segmentProblem(id);
  if (idProblem) return `its id "${String(id).slice(0, 80)}" cannot name a title's folder (${idProblem})`;
  const unreadable = (data as Record<string, unknown> | undefined)?.[UNREADABLE_DATA];
  if (typeof unreadable === 'string') return `its data in Redis is not JSON (${unreadable})`;
  const parsed = farmJobDataSchema.safeParse(data);
  return parsed.success ? undefined : `its data is not a title's (${describeZodError(parsed.error)})`;
}
