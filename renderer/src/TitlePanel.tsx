/**
 * A title's identity at the stores: the title ID it is (or will be) delivered under, the version,
 * and what each destination's claim said. Before the claim, the operator can set the platform's own
 * ID; after a conflict (the ID belongs to another master) they can set another ID or replace.
 */
import { useEffect, useRef, useState } from 'react';
import { useAppShell } from './app-context';
import type { JobSnapshot } from '../../electron/common/jobs';
import type { StationApi } from '../../electron/common/api';
import { errorText } from './errors';

const MODE_TEXT = {
  new: 'new title',
  resume: 'resuming this delivery',
  delivered: 'already live from this master — nothing to send',
  replace: 'replacing the live version',
} as const;

export function TitlePanel({ job, station }: { job: JobSnapshot; station: StationApi }): React.JSX.Element {
  const claimed = job.stages.claim.state === 'done' || job.stages.claim.state === 'skipped';
  const editable = !claimed && (job.state === 'queued' || job.state === 'paused' || job.state === 'failed');
  const conflict = job.state === 'failed' && job.error?.stage === 'claim';
  const [draft, setDraft] = useState(job.titleRequest?.titleId ?? '');
  const [error, setError] = useState<string>();
  const field = useRef<HTMLInputElement>(null);
  // "Set title ID", the fix for a title conflict, brings the operator here.
  const asked = useAppShell().titleIdFor;
  useEffect(() => {
    if (asked?.jobId === job.id) field.current?.focus();
  }, [asked, job.id]);
  const save = async (request: { titleId?: string; replace?: boolean }, retry: boolean): Promise<void> => {
    setError(undefined);
    try {
      await station.setTitle(job.id, request);
      if (retry) await station.retryJob(job.id);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const typed = draft.trim() ? { titleId: draft.trim() } : {};
  return (
    <div className="detail__block title-panel" data-testid="title-panel">
      <h3>Title at the stores</h3>
      {job.claim ? (
        <>
          <p>
            Title ID <code data-testid="title-id">{job.claim.titleId}</code> · version <code>{job.claim.version}</code>
          </p>
          <ul>
            {Object.entries(job.claim.destinations).map(([d, c]) => (
              <li key={d}>
                {d}: {MODE_TEXT[c.mode]}
                {c.replaced ? ` (${c.replaced} is retired after its grace period)` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>
          {job.titleRequest?.titleId ? (
            <>
              Will be delivered as <code>{job.titleRequest.titleId}</code>.
            </>
          ) : (
            'Title ID derived from the file name when the title is claimed.'
          )}
        </p>
      )}
      {editable && (
        <form
          className="title-panel__form"
          onSubmit={(e) => {
            e.preventDefault();
            void save({ ...typed, ...(job.titleRequest?.replace ? { replace: true } : {}) }, conflict);
          }}
        >
          <label className="field">
            <span>Platform title ID</span>
            <input
              ref={field}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder="derived from the file name"
              spellCheck={false}
            />
          </label>
          <button type="submit">{conflict ? 'Retry with this ID' : 'Set title ID'}</button>
          {conflict && (
            <button type="button" className="danger" onClick={() => void save({ ...typed, replace: true }, true)}>
              Retry with Replace
            </button>
          )}
        </form>
      )}
      {conflict && (
        <p className="detail__next">
          Replace publishes this master in place of what the title ID holds: the new version is uploaded beside the old
          one, then the playlists switch, then the old version is retired.
        </p>
      )}
      {error && (
        <p className="banner banner--error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
