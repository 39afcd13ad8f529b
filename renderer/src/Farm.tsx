/**
 * The farm: every title of the shared queue, the worker that holds it, where it stands, and the
 * same controls as the local queue (pause, resume, cancel, retry, run next). Polled every two
 * seconds; Redis settings that would lose titles are said at the top.
 */
import { useCallback, useEffect, useState } from 'react';
import type { StationApi } from '../../electron/common/api';
import type { FarmAction, FarmTitle, FarmView } from '../../electron/common/farm';
import { STAGE_LABELS } from '../../electron/common/jobs';
import { formatPercent } from '../../electron/common/format';
import { errorText } from './errors';

const POLL_MS = 2000;

const STATE_LABELS: Record<FarmTitle['state'], string> = {
  waiting: 'Waiting',
  running: 'Running',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** What the operator can do with a title in this state. */
function actionsFor(t: FarmTitle): Array<{ action: FarmAction; label: string }> {
  switch (t.state) {
    case 'waiting':
      return [
        { action: 'top', label: 'Run next' },
        { action: 'pause', label: 'Pause' },
        { action: 'cancel', label: 'Cancel' },
      ];
    case 'running':
      return [
        { action: 'pause', label: 'Pause' },
        { action: 'cancel', label: 'Cancel' },
      ];
    case 'paused':
      return [
        { action: 'resume', label: 'Resume' },
        { action: 'cancel', label: 'Cancel' },
      ];
    case 'failed':
    case 'cancelled':
      return [{ action: 'retry', label: 'Retry' }];
    default:
      return [];
  }
}

function where(t: FarmTitle): string {
  const s = t.snapshot;
  if (t.state === 'failed' || t.state === 'cancelled') return t.error ?? '';
  if (!s || t.state !== 'running') return t.state === 'done' && s?.claim ? `delivered as ${s.claim.titleId}` : '';
  const st = s.stages[s.stage];
  return `${STAGE_LABELS[s.stage]} ${formatPercent(st.fraction)}${st.detail ? ` · ${st.detail}` : ''}`;
}

export function Farm({ station }: { station: StationApi }): React.JSX.Element {
  const [view, setView] = useState<FarmView>();
  const [error, setError] = useState<string>();
  const load = useCallback(
    () =>
      station.farmView().then(
        (v) => (setView(v), setError(undefined)),
        (e: unknown) => setError(errorText(e)),
      ),
    [station],
  );
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [load]);
  const act = (id: string, action: FarmAction): void =>
    void station.farmControl(id, action).then(load, (e: unknown) => setError(errorText(e)));

  if (error)
    return (
      <p className="banner banner--error" data-testid="farm-error">
        {error}
      </p>
    );
  if (!view) return <p className="empty">Reading the farm…</p>;
  if (view.error)
    return (
      <p className="banner banner--error" data-testid="farm-error">
        {view.error}
      </p>
    );
  if (!view.url)
    return (
      <p className="empty" data-testid="farm-none">
        No farm: give its Redis URL in Settings → Farm to see and steer every worker's titles here.
      </p>
    );
  const running = view.titles.filter((t) => t.state === 'running').length;
  const workers = new Set(view.titles.filter((t) => t.state === 'running').map((t) => t.worker)).size;
  return (
    <section className="farm" aria-label="Farm" data-testid="farm">
      <p className="farm__head" data-testid="farm-summary">
        {view.url} · {view.titles.length} titles · {running} running on {workers} worker{workers === 1 ? '' : 's'} ·{' '}
        {view.titles.filter((t) => t.state === 'waiting').length} waiting
      </p>
      {view.problems.map((p) => (
        <p key={p} className="banner banner--error" role="alert" data-testid="farm-problem">
          {p}
        </p>
      ))}
      <table className="farm__table">
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">State</th>
            <th scope="col">Worker</th>
            <th scope="col">Where</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {view.titles.map((t) => (
            <tr key={t.id} data-testid="farm-title" data-state={t.state}>
              <th scope="row" title={t.masterPath}>
                {t.title}
              </th>
              <td>{STATE_LABELS[t.state]}</td>
              <td data-testid="farm-worker">{t.worker ?? '—'}</td>
              <td className="farm__where">{where(t)}</td>
              <td className="farm__actions">
                {actionsFor(t).map((a) => (
                  <button
                    key={a.action}
                    type="button"
                    onClick={() => act(t.id, a.action)}
                    aria-label={`${a.label} ${t.title}`}
                  >
                    {a.label}
                  </button>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
