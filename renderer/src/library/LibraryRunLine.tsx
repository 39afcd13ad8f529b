/** The library's last run in one sentence (titles, requests and their cost, the viewers' sample) and the next. */
import { formatDuration } from '../../../electron/common/format';
import type { LibraryView } from '../../../electron/common/library';
import { when } from './LibraryTable';

export function LibraryRunLine({
  meta,
}: {
  meta: Pick<LibraryView, 'last' | 'nextDue'> | undefined;
}): React.JSX.Element {
  const last = meta?.last;
  return (
    <p className="library__run" data-testid="library-run">
      {last
        ? `Last run ${when(last.startedAt)}: ${last.audited} of ${last.titles} titles audited in ${formatDuration(last.seconds)}, ${last.withProblems} with problems · ${last.requests.A + last.requests.B + last.requests.C} requests (≈ $${last.costUsd.toFixed(4)} at B2 prices)` +
          (last.viewers
            ? ` · viewers' door: ${last.viewers.chunks} of ${last.viewers.chunksTotal} chunks hashed, all within ${last.viewers.runsToCoverAll} runs`
            : '')
        : 'The library has not been audited yet.'}
      {meta?.nextDue ? ` Next run: ${when(meta.nextDue)}.` : ''}
    </p>
  );
}
