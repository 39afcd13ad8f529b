/** A batch action on the selected titles, and what the operator is told of it (how many took it, who could not and why). */
import type { BatchResult, SheetResult, StationApi } from '../../../electron/common/api';
import type { BatchAction } from '../../../electron/common/jobs';
import type { AppShell } from '../app-context';
import { errorText } from '../errors';

const DONE_WORDS: Record<BatchAction, string> = {
  pause: 'Paused',
  resume: 'Resumed',
  retry: 'Retrying',
  cancel: 'Cancelled',
  top: 'Moved to the front:',
};

const titles = (n: number): string => `${n} title${n === 1 ? '' : 's'}`;

/** "Retrying 12 titles. 2 could not — Film A: done: only failed titles can be retried; …" */
export function batchSentence(action: BatchAction, r: BatchResult): string {
  const head = `${DONE_WORDS[action]} ${titles(r.done)}.`;
  if (r.refused.length === 0) return head;
  const who = r.refused.slice(0, 3).map((x) => `${x.title}: ${x.reason}`);
  if (r.refused.length > 3) who.push(`and ${r.refused.length - 3} more`);
  return `${head} ${r.refused.length} could not — ${who.join('; ')}.`;
}

export function sheetSentence(r: SheetResult): string {
  const parts = [`Title IDs set for ${titles(r.set.length)}.`];
  if (r.unmatched.length)
    parts.push(
      `No row for ${r.unmatched
        .slice(0, 3)
        .map((x) => x.title)
        .join(', ')}${r.unmatched.length > 3 ? ` and ${r.unmatched.length - 3} more` : ''}.`,
    );
  if (r.unusedRows.length)
    parts.push(`Rows matching none of the selected titles: ${r.unusedRows.slice(0, 3).join(', ')}.`);
  if (r.refused.length)
    parts.push(
      `Not changed: ${r.refused
        .slice(0, 3)
        .map((x) => `${x.title} (${x.reason})`)
        .join('; ')}.`,
    );
  return parts.join(' ');
}

export async function runBatchAction(
  station: StationApi,
  shell: AppShell,
  ids: string[],
  action: BatchAction,
): Promise<void> {
  try {
    const r = await station.batchJobs(ids, action);
    shell.notice(batchSentence(action, r), r.refused.length ? 'error' : 'ok');
  } catch (err) {
    shell.notice(errorText(err), 'error');
  }
}

export async function applySheet(station: StationApi, shell: AppShell, ids: string[], file: File): Promise<void> {
  try {
    const r = await station.setTitlesFromSheet(ids, await file.text());
    shell.notice(sheetSentence(r), r.unmatched.length || r.refused.length || r.unusedRows.length ? 'error' : 'ok');
  } catch (err) {
    shell.notice(errorText(err), 'error');
  }
}
