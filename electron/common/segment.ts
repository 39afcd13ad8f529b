/**
 * The one rule for an identifier that becomes a folder or file name on this machine (a job id →
 * `<workDir>/jobs/<id>`, a farm worker's name → `<workDir>/workers/<name>`, a rendition's folder):
 * ASCII letters, digits, "_", "-" and inner dots, at most 64 characters. It cannot be "." or "..",
 * cannot hold a separator, cannot start with a dot (hidden, or the station's own markers) or end
 * with one (Windows drops it), and is never a Windows device name (CON, NUL, COM1…), so the same
 * identifier names the same folder on every system. Identifiers that arrive from outside — a farm
 * job's id from Redis, an IPC argument, a journal record — are checked against it where they enter;
 * engine/util/owned-folder.ts checks it again as the last step before a path is made from one.
 */
import { z } from 'zod';

const SEGMENT = /^[A-Za-z0-9_-](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_-])?$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** Why `value` cannot be one path segment, or undefined when it can. */
export function segmentProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'it is not text';
  if (value === '') return 'it is empty';
  if (value === '.' || value === '..' || /[\\/]/.test(value)) return 'it would name another folder';
  if (value.length > 64) return 'it is longer than 64 characters';
  if (!SEGMENT.test(value))
    return 'only letters A–Z, digits, "_", "-" and inner dots are allowed (no leading or trailing dot)';
  if (WINDOWS_DEVICE.test(value)) return 'it is a Windows device name';
  return undefined;
}

/** The rule as a zod schema, for every payload an identifier arrives in. */
export const safeSegment = z.string().superRefine((s, ctx) => {
  const problem = segmentProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: `"${s.slice(0, 80)}" cannot name a folder: ${problem}` });
});
