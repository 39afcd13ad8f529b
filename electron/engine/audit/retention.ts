/**
 * The archive's copies under Object Lock: each one's retention as the store holds it (read back,
 * not assumed from the request that wrote it), reported per copy; a copy without the retention the
 * destination asks for, or with less than half of it left, is a problem — and, when the operator
 * asks (`audit --dest archive --extend-retention`), extended to the full term from now. A store
 * only ever lets retention grow.
 */
import type { AuditProblem, AuditRecord } from '../../common/manifest.js';
import type { Destination } from '../destinations/destination.js';
import { claimKey } from '../../common/title.js';
import { readClaim } from '../title/claim.js';
import { archiveKeys } from '../title/archive-keys.js';

const DAY_MS = 86_400_000;

export async function retentionOfCopies(
  dest: Destination,
  keys: string[],
  opts: { extend?: boolean; now?: number } = {},
): Promise<{ retention: NonNullable<AuditRecord['retention']>; problems: AuditProblem[] }> {
  const lock = dest.objectLock;
  const now = opts.now ?? Date.now();
  const retention: NonNullable<AuditRecord['retention']> = [];
  const problems: AuditProblem[] = [];
  for (const key of keys) {
    const head = await dest.head(key);
    if (!head) continue; // missing: the audit says so already
    let held = head.lock;
    const short = lock && (!held || Date.parse(held.until) < now + (lock.days * DAY_MS) / 2);
    let extended = false;
    if (short && opts.extend && dest.extendRetention) {
      held = await dest.extendRetention(key, head.versionId);
      extended = true;
    } else if (short)
      problems.push({
        key,
        problem: 'retention',
        detail: held
          ? `${held.mode} retention until ${held.until.slice(0, 10)} — less than half of the ${lock.days} days asked are left: audit --extend-retention extends it`
          : `not under Object Lock (the destination asks ${lock.mode} for ${lock.days} days): audit --extend-retention puts it under retention`,
      });
    retention.push({ key, ...(held ? { mode: held.mode, until: held.until } : {}), ...(extended ? { extended } : {}) });
  }
  return { retention, problems };
}

/**
 * Every title the archive holds (found by its claims, like the library audit finds them at the
 * origin): the live version's master, package tar and claim, their retention reported and, when
 * asked, extended. What `audit --dest <archive> --extend-retention` runs, e.g. monthly from cron.
 */
export async function retentionOfArchive(
  archive: Destination,
  opts: {
    extend?: boolean;
    onTitle?: (titleId: string, r: Awaited<ReturnType<typeof retentionOfCopies>>) => void;
  } = {},
): Promise<{ titles: number; copies: number; extended: number; problems: AuditProblem[] }> {
  const out = { titles: 0, copies: 0, extended: 0, problems: [] as AuditProblem[] };
  for await (const titleId of archive.listPrefixes('')) {
    const read = await readClaim(archive, titleId).catch(() => undefined);
    const live = read?.claim.current;
    if (!live) continue; // not a station title, or nothing live there
    const keys = archiveKeys(titleId, live.version, live.master.name);
    const r = await retentionOfCopies(archive, [keys.source, keys.tar, claimKey(titleId)], {
      ...(opts.extend ? { extend: true } : {}),
    });
    out.titles++;
    out.copies += r.retention.length;
    out.extended += r.retention.filter((c) => c.extended).length;
    out.problems.push(...r.problems);
    opts.onTitle?.(titleId, r);
  }
  return out;
}
